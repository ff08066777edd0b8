// Reads the rollups through PostgREST for the Supabase fallback: the watermark, then the rollup
// rows a plan names (rollup-plan.ts), keyset-paged in primary-key order on both tables, each page
// checked (rollup-page-checks.ts). The previous window's rows come without their histograms and
// fingerprints: only the current window's percentiles, Apdex and error groups are computed
// (docs/sources.md), so a long report pages half the histograms.
import type { SupabaseClient } from '@supabase/supabase-js';
import { instantOf } from './page-checks.js';
import { PAGE_SIZE, PageFailure, servicesFilter } from './pages.js';
import { type RollupCursor, type RollupRow, rollupPage } from './rollup-page-checks.js';
import type { HourRange } from './rollup-plan.js';

export const STATE_TABLE = 'perf_monitor_rollup_state';
export const HOURLY_TABLE = 'perf_monitor_rollup';
export const BLOCK_TABLE = 'perf_monitor_rollup_block';

const HOUR = 3_600_000;
/** PostgREST's answers for a table it does not have, or may not read: the rollups are not installed. */
const NOT_INSTALLED = new Set(['PGRST205', '42P01', '42501']);

/** Every row's figures; the current window's rows add HISTOGRAMS and their fingerprints. */
const FIGURES = [
  'hour',
  'service',
  'operation',
  'operations',
  'failures',
  'samples',
  // numeric: as text, so no digit is lost in JSON.
  'sum_duration::text',
  'sum_squares::text',
  'min_duration',
  'max_duration',
  'invalid_durations',
];
const HISTOGRAMS = ['histogram_keys', 'histogram_counts', 'failure_histogram_keys', 'failure_histogram_counts'];

/** The watermark (epoch ms; null before the first refresh), or null where rollup.sql is not installed. */
export async function readRollupState(client: SupabaseClient): Promise<{ watermark: number | null } | null> {
  const { data, error, status } = await client.from(STATE_TABLE).select('watermark').retry(false);
  if (error) {
    if (status === 404 || NOT_INSTALLED.has(error.code ?? '')) return null;
    throw new PageFailure({ status, code: error.code ?? '', message: error.message ?? '', table: STATE_TABLE });
  }
  const bad = (message: string) => new PageFailure({ status, code: 'BAD_ANSWER', message, table: STATE_TABLE });
  if (!Array.isArray(data) || data.length > 1) throw bad('the answer is not one row');
  const row = data[0] as { watermark?: unknown } | undefined;
  if (row === undefined) return null;
  if (row.watermark === null) return { watermark: null };
  const at = typeof row.watermark === 'string' ? instantOf(row.watermark) : null;
  if (at === null || at.micro !== 0 || at.ms % HOUR !== 0) throw bad('the watermark is not a whole hour');
  return { watermark: at.ms };
}

const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const iso = (ms: number) => quote(new Date(ms).toISOString());

/** PostgREST logic tree (inside or=(...)): the ranges' rows after the cursor, in primary-key order;
 *  empty when none is left. The cursor's own hour is finished by (service, operation) after it. */
export function rollupFilter(ranges: HourRange[], cursor: RollupCursor | null, spanColumn: boolean): string {
  const span = (s: number) => (spanColumn ? `span_hours.eq.${s},` : '');
  const arms: string[] = [];
  for (const r of ranges) {
    if (cursor && (r.span < cursor.span || (r.span === cursor.span && r.to <= cursor.hourMs))) continue;
    if (cursor && r.span === cursor.span && r.from <= cursor.hourMs) {
      const [s, o] = [quote(cursor.service), quote(cursor.operation)];
      arms.push(`and(${span(r.span)}hour.eq.${iso(cursor.hourMs)},or(service.gt.${s},and(service.eq.${s},operation.gt.${o})))`);
      if (cursor.hourMs + HOUR < r.to) arms.push(`and(${span(r.span)}hour.gt.${iso(cursor.hourMs)},hour.lt.${iso(r.to)})`);
      continue;
    }
    arms.push(`and(${span(r.span)}hour.gte.${iso(r.from)},hour.lt.${iso(r.to)})`);
  }
  return arms.join(',');
}

export interface RollupRead {
  table: typeof HOURLY_TABLE | typeof BLOCK_TABLE;
  ranges: HourRange[];
  /** Rows of the current window: with their histograms and fingerprints (the previous window's
   *  come without: docs/sources.md). */
  current: boolean;
  /** The --service set, null for all. */
  services: readonly string[] | null;
}

/** Every row of `read`, page by page into `sink`; stops quietly once `stop` is aborted. */
export async function readRollupRows(
  client: SupabaseClient,
  read: RollupRead,
  sink: (rows: RollupRow[]) => void,
  stop: AbortSignal,
): Promise<void> {
  const spanColumn = read.table === BLOCK_TABLE;
  const columns = [...(spanColumn ? ['span_hours'] : []), ...FIGURES, ...(read.current ? [...HISTOGRAMS, 'fingerprints'] : [])].join(',');
  const order = spanColumn ? ['span_hours', 'hour', 'service', 'operation'] : ['hour', 'service', 'operation'];
  let cursor: RollupCursor | null = null;
  for (;;) {
    if (stop.aborted) return;
    const filter = rollupFilter(read.ranges, cursor, spanColumn);
    if (filter === '') return;
    let query = client.from(read.table).select(columns).or(filter);
    const only = servicesFilter(read.services);
    if (only !== null) query = query.filter('service', only.op, only.value);
    for (const column of order) query = query.order(column);
    const { data, error, status } = await query.limit(PAGE_SIZE).retry(false).abortSignal(stop);
    if (stop.aborted) return;
    if (error) throw new PageFailure({ status, code: error.code ?? '', message: error.message ?? '', table: read.table });
    if (!Array.isArray(data))
      throw new PageFailure({ status, code: 'BAD_ANSWER', message: 'the answer is not a list of rows', table: read.table });
    // An empty page is the only proof of the end: the server may cap pages below PAGE_SIZE.
    if (data.length === 0) return;
    const page = rollupPage(data, {
      ranges: read.ranges,
      spanColumn,
      current: read.current,
      services: read.services,
      pageSize: PAGE_SIZE,
      cursor,
    });
    if ('problem' in page) throw new PageFailure({ status, code: 'BAD_ANSWER', message: page.problem, table: read.table });
    sink(page.rows);
    cursor = page.cursor;
  }
}

/** The reads of a plan's rollup rows: each table, the previous window's hours (before `currentLo`,
 *  epoch ms: rollup-cover-sql.ts's CURRENT_LO) without histograms and fingerprints, the current
 *  window's with them. */
export function rollupReads(ranges: HourRange[], currentLo: number, services: readonly string[] | null): RollupRead[] {
  const reads: RollupRead[] = [];
  for (const table of [HOURLY_TABLE, BLOCK_TABLE] as const) {
    const own = ranges.filter((r) => (table === HOURLY_TABLE) === (r.span === 1));
    for (const current of [false, true]) {
      const part = own
        .map((r) => (current ? { ...r, from: Math.max(r.from, currentLo) } : { ...r, to: Math.min(r.to, currentLo) }))
        .filter((r) => r.from < r.to);
      if (part.length > 0) reads.push({ table, ranges: part, current, services });
    }
  }
  return reads;
}
