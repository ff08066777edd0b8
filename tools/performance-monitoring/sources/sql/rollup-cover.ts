// Which rollup rows and which raw rows a report reads (docs/rollups.md), as SQL predicates: each
// window's complete hours before the watermark are covered by the coarsest operation rows that fit
// (7 days, 1 day, 3 hours, then single hours) for its figures; the current window's timeline by the
// timeline rows for its whole buckets and by operation rows that each lie in one bucket for the
// partial ones; the rest of the window is read raw. Every bound is computed once, outside the
// statement (rollup-bounds.ts: by the caller in TypeScript, by the RPC's plpgsql), and named here
// as a parameter, so the text is short and fixed and each range is an index range.
import { bucketSeconds } from '../buckets.js';
import type { AggregateQuery } from '../types.js';
import { bounds, type Cover, epochSeconds, namedBounds, numbers, type Range } from './rollup-bounds.js';
import { BLOCK_SPANS, HISTOGRAM_LAYOUT } from './rollup-spans.js';

/** aggregate.sql's parameters, as it writes them; $7 is the read's own: the rollup's watermark. */
export const START = 'CAST($1 AS timestamptz)';
export const END = 'CAST($2 AS timestamptz)';
export const PREVIOUS_START = 'CAST($3 AS timestamptz)';
export const SERVICE = 'CAST($4 AS text)';
export const THRESHOLD = 'CAST($5 AS integer)';
export const BUCKET_SECONDS = 'CAST($6 AS integer)';
export const ROLLUP_END = 'CAST($7 AS timestamptz)';

/** A bound of the read (rollup-bounds.ts' namedBounds), as the text names it before
 *  `boundParameters` or the RPC turns it into a parameter or a variable. */
const bound = (name: string) => `{{${name}}}`;
const BOUND = /\{\{([a-z0-9_]+)\}\}/g;

/** Rows of span `span` of a cover's level, as the read names their bounds. */
const coverOf = (cover: Cover): Range<string>[] =>
  [1, ...BLOCK_SPANS].map((span) => ({ span, lo: bound(`${cover}_${span}_lo`), hi: bound(`${cover}_${span}_hi`) }));

const PREVIOUS_HOURS = { lo: bound('previous_1_lo'), hi: bound('previous_1_hi') };
const CURRENT_HOURS = { lo: bound('current_1_lo'), hi: bound('current_1_hi') };
const WHOLE = { lo: bound('whole_lo'), hi: bound('whole_hi') };

/** `text` with each bound a positional parameter, numbered from `first` in order of first use (a
 *  text names only the bounds it reads: DuckDB refuses a parameter no text names), and their names
 *  in that order, for boundValues. */
export function boundParameters(text: string, first: number): { text: string; names: string[] } {
  const names: string[] = [];
  const resolved = text.replace(BOUND, (_, name: string) => {
    if (!names.includes(name)) names.push(name);
    return `CAST($${first + names.indexOf(name)} AS timestamptz)`;
  });
  return { text: resolved, names };
}

/** `text` with each bound named by `ref` (the RPC's variables). */
export const boundsAs = (text: string, ref: (name: string) => string) => text.replace(BOUND, (_, name: string) => ref(name));

/** The values of `names` for a read of `query` over rollups ending at `watermarkMs`, ISO instants. */
export function boundValues(names: readonly string[], query: AggregateQuery, watermarkMs: number): string[] {
  const shape = { bucketSeconds: bucketSeconds(query.start, query.end), threshold: query.threshold, services: query.services };
  const at = {
    previousStart: query.previousStart.getTime(),
    start: query.start.getTime(),
    end: query.end.getTime(),
    watermark: watermarkMs,
  };
  const values = new Map(namedBounds(bounds(numbers(shape), at)));
  return names.map((name) => {
    const value = values.get(name);
    if (value === undefined) throw new Error(`rollup-cover.ts: no bound named ${name}`);
    return new Date(value).toISOString();
  });
}

/** The complete hours of both windows a read takes from the rollups (its 'rollup' row's operations). */
export const ROLLED_UP_HOURS = `CAST((${[PREVIOUS_HOURS, CURRENT_HOURS]
  .map((hours) => `${epochSeconds(hours.hi)} - ${epochSeconds(hours.lo)}`)
  .join(' + ')}) / 3600 AS bigint)`;

/** The start of the current window's first rolled-up hour: rows from it on are the current window's. */
export const CURRENT_LO = CURRENT_HOURS.lo;

const inRange = (column: string, range: { lo: string; hi: string }) => `(${column} >= ${range.lo} AND ${column} < ${range.hi})`;

/** Raw rows no rollup row holds: disjoint ranges on created_at alone, each bounded on both sides.
 *  The read takes them as a UNION ALL, one index range each (rollup-read.ts): written as one OR,
 *  PostgreSQL scanned the whole window's failed rows through the window's index range (120k
 *  rows for the edges' 703 at 1M a day, 0.2-0.4 s of a 7-day read; bench/README.md). */
export const RAW_RANGES: readonly string[] = [
  `created_at >= ${PREVIOUS_START} AND created_at < ${PREVIOUS_HOURS.lo}`,
  `created_at >= ${PREVIOUS_HOURS.hi} AND created_at < ${CURRENT_HOURS.lo}`,
  `created_at >= ${CURRENT_HOURS.hi} AND created_at < ${END}`,
];

/** A rollup row of span `span` (hours; a column or a literal) starting at `hour` is read when it
 *  is in its span's range of one of `covers` and not inside the next coarser span's range there. */
function used(covers: Cover[], span: string): string {
  const arms = covers.flatMap((cover) => {
    const levels = coverOf(cover);
    return levels.map((level, i) => {
      const coarser = levels[i + 1];
      const outside = coarser ? ` AND NOT ${inRange('hour', coarser)}` : '';
      return `(${span} = ${level.span} AND ${inRange('hour', level)}${outside})`;
    });
  });
  return `(${arms.join('\n      OR ')})\n    AND (${SERVICE} IS NULL OR service = ANY(string_to_array(${SERVICE}, chr(31))))`;
}

// ---- The Supabase fallback (DuckDB): one set of rows for the figures and the timeline, as it pages
// them (sources/supabase/rollup-plan.ts): the previous window by its coarsest rows, the current one
// by rows that each lie in one timeline bucket.

/** The rollup rows the fallback reads (both windows), of the --service set if given. */
export const usedRows = (span: string) => used(['previous', 'bucketed'], span);
/** Of them, the current window's (error groups are of the current window only). */
export const usedCurrentRows = (span: string) => used(['bucketed'], span);

// ---- PostgreSQL (DATABASE_URL and the RPC): the figures of each window from its coarsest rows;
// the timeline from the timeline rows (one per service and bucket) for every bucket that lies
// whole in the current window's rolled-up hours, and from operation rows (merged) for the others:
// the partial buckets at the window's edges, or every bucket where the timeline rows do not apply
// (rollup-bounds.ts' timelineRowsApply).

/** The operation rows of each window, coarsest first (its figures). */
export const usedStatsRows = (span: string) => used(['previous', 'current'], span);
/** Of them, the current window's (its error groups). */
export const usedCurrentStatsRows = (span: string) => used(['current'], span);
/** The operation rows of the current window's partial buckets: before and after the whole ones. */
export const usedEdgeRows = (span: string) => used(['edge_before', 'edge_after'], span);
/** The timeline rows of the whole buckets: one per (bucket, service) and per bucket overall;
 *  `span` their span column, seconds. */
export const usedTimelineRows = (span: string) =>
  `${span} = ${BUCKET_SECONDS} AND ${inRange('hour', WHOLE)}
    AND (CASE WHEN ${SERVICE} IS NULL THEN true ELSE service = ${SERVICE} END)`;

/** A rollup row's window and timeline bucket, as aggregate.sql's ops derives them from created_at
 *  (date_part: double precision, cheaper per row than extract's numeric; exact for whole hours). */
export const ROW_IS_CURRENT = `(hour >= ${CURRENT_LO})`;
export const ROW_BUCKET = `CASE WHEN hour >= ${CURRENT_LO}
      THEN CAST(floor(date_part('epoch', hour) / ${BUCKET_SECONDS}) AS bigint) * ${BUCKET_SECONDS}
    END`;

/** Whether rollups ending at `watermark` hold at least one complete hour of a window pair that
 *  starts at `previousStart` (both SQL expressions); else the raw read is as cheap, and exact. */
export const rollupCovers = (watermark: string, previousStart: string) =>
  `(${watermark} > to_timestamp(ceil(${epochSeconds(previousStart)} / 3600) * 3600))`;

/** The rollup tables a read needs beside the state table: an install of an older rollup.sql may
 *  lack one (the blocks came later), and a role may lack SELECT on one. */
export const READ_TABLES = ['perf_monitor_rollup', 'perf_monitor_rollup_block', 'perf_monitor_rollup_timeline'];

/** The state row's layout as text (NULL where the column is missing: an install before it), read
 *  through to_jsonb so that a missing column is not an error; `row` the state table's alias. */
export const layoutOf = (row: string) => `(to_jsonb(${row}) ->> 'histogram_layout')`;

/** The first read table that is missing ('missing') or not readable ('denied'), or rows of another
 *  layout than this version's ('layout 3': an older rollup.sql, whose rows this read cannot use), or
 *  null. CASE checks the privilege only on a table that exists (has_table_privilege fails on a
 *  missing one). */
const UNREADABLE = `COALESCE(${READ_TABLES.map(
  (t) => `CASE WHEN to_regclass('public.${t}') IS NULL THEN 'missing ${t}'
    WHEN NOT has_table_privilege('public.${t}', 'SELECT') THEN 'denied ${t}' END`,
).join(',\n  ')},
  CASE WHEN ${layoutOf('s')} IS DISTINCT FROM '${HISTOGRAM_LAYOUT}' THEN 'layout ' || COALESCE(${layoutOf('s')}, '1') END)`;

/** The probe before a read: the rollup's watermark, whether it covers the query ($1:
 *  p_previous_start), what keeps the read from the rollup tables (UNREADABLE), and whether the
 *  watermark is ahead of the clock (its hours were rolled up before their rows existed). Fails with
 *  undefined_table (42P01) where rollup.sql is not installed. */
export const PROBE_SQL = `SELECT watermark, ${rollupCovers('watermark', 'CAST($1 AS timestamptz)')} AS covers,
  ${UNREADABLE} AS unreadable,
  watermark > to_timestamp(floor(${epochSeconds('now()')} / 3600) * 3600) AS ahead
FROM public.perf_monitor_rollup_state AS s`;
