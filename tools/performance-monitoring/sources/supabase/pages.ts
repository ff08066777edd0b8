// Reads every row of both windows (or of the created_at ranges the rollups leave to raw rows)
// through PostgREST: keyset pagination on (created_at, id), so the result is complete whatever
// the server's max-rows and stable while rows are inserted; the range is split into time slices
// fetched concurrently.
import type { SupabaseClient } from '@supabase/supabase-js';
import { type PageBounds, pageProblem } from './page-checks.js';
import type { LogRow } from './row-loader.js';

export const COLUMNS = 'id,source,operation,level,status,message,duration_ms,created_at';
export const PAGE_SIZE = 1000;
export const SLICES = 4;

export interface PageRequest {
  table: string;
  start: Date;
  end: Date;
  /** The --service set, null for all. */
  services: readonly string[] | null;
  /** Only these created_at ranges of [start, end), [from, to) each (rollup-plan.ts); all when absent. */
  ranges?: [Date, Date][];
}

export interface PageError {
  status: number;
  code: string;
  message: string;
  /** The table read when it is not PERFMON_TABLE (the rollup tables). */
  table?: string;
}

export class PageFailure extends Error {
  constructor(readonly failure: PageError) {
    super(failure.message);
  }
}

type RawRow = LogRow & { id: string | number };

export interface PageSink {
  rows: (rows: LogRow[]) => void;
  /** Rows the server said it would return (planned count), once per slice. */
  estimate: (rows: number) => void;
  /** Rows whose fields were not what the schema promises (counted as skipped). */
  skipped: (rows: number) => void;
}

export function timeSlices(start: Date, end: Date, count: number): [Date, Date][] {
  const span = end.getTime() - start.getTime();
  const bounds = Array.from({ length: count + 1 }, (_, i) => new Date(start.getTime() + Math.round((span * i) / count)));
  return bounds.slice(0, -1).map((from, i) => [from, bounds[i + 1] as Date]);
}

const quote = (value: string | number) => `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** A read's restriction to the --service set on `column`, as `.filter(column, op, value)` takes it:
 *  `eq` and the name for one (taken verbatim), `in` and a list for several, each name
 *  double-quoted with `\` and `"` escaped, so commas, parentheses and quotes in names stay inside
 *  their name (supabase-js's `.in()` quotes names but leaves a `"` in them bare). Null for all. */
export function servicesFilter(services: readonly string[] | null): { op: 'eq' | 'in'; value: string } | null {
  if (services === null) return null;
  if (services.length === 1) return { op: 'eq', value: services[0] ?? '' };
  return { op: 'in', value: `(${services.map(quote).join(',')})` };
}

function isRawRow(value: unknown): value is RawRow {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  const textOrNull = (v: unknown) => v === null || typeof v === 'string';
  return (
    (typeof row.id === 'string' || typeof row.id === 'number') &&
    typeof row.source === 'string' &&
    typeof row.created_at === 'string' &&
    !Number.isNaN(Date.parse(row.created_at)) &&
    (row.duration_ms === null || (typeof row.duration_ms === 'number' && Number.isFinite(row.duration_ms))) &&
    textOrNull(row.operation) &&
    textOrNull(row.level) &&
    textOrNull(row.status) &&
    textOrNull(row.message)
  );
}

type Cursor = Pick<RawRow, 'id' | 'created_at'>;

/** The keyset position needs only id and created_at, whatever else the row holds. */
function isCursor(value: unknown): value is Cursor {
  const row = value as Record<string, unknown> | null;
  return (
    typeof row === 'object' &&
    row !== null &&
    (typeof row.id === 'string' || typeof row.id === 'number') &&
    typeof row.created_at === 'string'
  );
}

/** Only operations travel (docs/sources.md): plain info/debug lines are most of a log table. */
const IS_OPERATION = 'duration_ms.not.is.null,status.in.(success,error)';

/** PostgREST logic tree: operations after the cursor, in (created_at, id) order. */
export function pageFilter(cursor: Cursor | null): string {
  if (!cursor) return IS_OPERATION;
  const at = quote(cursor.created_at);
  return `and(created_at.gt.${at},or(${IS_OPERATION})),and(created_at.eq.${at},id.gt.${quote(cursor.id)},or(${IS_OPERATION}))`;
}

/** The request for one page of a slice: its operations after the cursor, in (created_at, id) order. */
function pageQuery(client: SupabaseClient, request: PageRequest, from: Date, to: Date, cursor: Cursor | null, first: boolean) {
  const lowerBound: string = cursor ? cursor.created_at : from.toISOString();
  let query = client
    .from(request.table)
    .select(COLUMNS, first ? { count: 'planned' } : {})
    // From the cursor on, not the slice start: the OR below is no index bound, and without
    // this one each page would scan every earlier row again (0.9 s a page instead of 0.3 ms
    // at 1M rows per window).
    .gte('created_at', lowerBound)
    .lt('created_at', to.toISOString());
  const only = servicesFilter(request.services);
  if (only !== null) query = query.filter('source', only.op, only.value);
  query = query.or(pageFilter(cursor));
  // Retries are ours (net/fetch.ts, docs/sources.md); supabase-js's own would multiply them.
  return query.order('created_at').order('id').limit(PAGE_SIZE).retry(false);
}

/** The page's rows, or a PageFailure for an error answer or one that is not a list. */
function answeredRows(data: unknown, error: { code?: string; message?: string } | null, status: number): unknown[] {
  if (error) throw new PageFailure({ status, code: error.code ?? '', message: error.message ?? '' });
  if (!Array.isArray(data)) throw new PageFailure({ status, code: 'BAD_ANSWER', message: 'the answer is not a list of rows' });
  return data;
}

/** Hands a non-empty page's rows to the sink once it is checked; returns the next page's cursor. */
function takePage(data: unknown[], bounds: PageBounds, status: number, sink: PageSink): Cursor {
  // A server that ignores a filter would otherwise be read forever, or into the wrong report.
  const problem = pageProblem(data, bounds);
  if (problem !== null) throw new PageFailure({ status, code: 'BAD_ANSWER', message: problem });
  const rows = data.filter(isRawRow);
  if (rows.length < data.length) sink.skipped(data.length - rows.length);
  const last = data[data.length - 1];
  if (!isCursor(last)) throw new PageFailure({ status, code: 'BAD_ANSWER', message: 'a page ended with a row lacking id or created_at' });
  sink.rows(rows.map(({ id: _id, ...row }) => row));
  return last;
}

async function readSlice(
  client: SupabaseClient,
  request: PageRequest,
  from: Date,
  to: Date,
  sink: PageSink,
  stop: AbortSignal,
): Promise<void> {
  let cursor: Cursor | null = null;
  for (let first = true; ; first = false) {
    // Another slice failed: the run exits 1 without a report, so stop reading (and appending).
    if (stop.aborted) return;
    const { data, error, count, status } = await pageQuery(client, request, from, to, cursor, first).abortSignal(stop);
    if (stop.aborted) return;
    const page = answeredRows(data, error, status);
    if (first && typeof count === 'number') sink.estimate(count);
    // An empty page is the only proof of the end: the server may cap pages below PAGE_SIZE.
    if (page.length === 0) return;
    cursor = takePage(page, { from, to, services: request.services, pageSize: PAGE_SIZE, cursor }, status, sink);
  }
}

/** SLICES slices over `ranges`, each range cut into a share of them by its length (one at least). */
export function rangeSlices(ranges: [Date, Date][], count: number): [Date, Date][] {
  const length = ([from, to]: [Date, Date]) => to.getTime() - from.getTime();
  const total = ranges.reduce((n, range) => n + length(range), 0);
  return ranges.flatMap((range) => timeSlices(range[0], range[1], Math.max(1, Math.round((count * length(range)) / total))));
}

/** Reads until done; `outer` aborted (another read of the same report failed) stops it quietly. */
export async function readAllRows(client: SupabaseClient, request: PageRequest, sink: PageSink, outer?: AbortSignal): Promise<void> {
  const slices = request.ranges ? rangeSlices(request.ranges, SLICES) : timeSlices(request.start, request.end, SLICES);
  // The first failure ends the read: the other slices stop, their requests in flight are aborted.
  const stop = new AbortController();
  outer?.addEventListener('abort', () => stop.abort(), { once: true });
  await Promise.all(
    slices.map(([from, to]) =>
      readSlice(client, request, from, to, sink, stop.signal).catch((error: unknown) => {
        stop.abort();
        throw error;
      }),
    ),
  );
}

/** Runs reads of one report concurrently: the first failure stops the others (their requests in
 *  flight are aborted) and is thrown once they have all ended, so none appends after it. */
export async function readTogether(reads: ((stop: AbortSignal) => Promise<void>)[]): Promise<void> {
  const stop = new AbortController();
  const results = await Promise.allSettled(
    reads.map((read) =>
      read(stop.signal).catch((error: unknown) => {
        stop.abort();
        throw error;
      }),
    ),
  );
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}
