// Which rollup rows and which raw rows a report reads (docs/rollups.md), as SQL predicates on the
// read's parameters: each window's complete hours before the watermark are covered by the
// coarsest operation rows that fit (7 days, 1 day, 3 hours, then single hours) for its figures;
// the current window's timeline by the timeline rows for its whole buckets and by operation rows
// that each lie in one bucket for the partial ones; the rest of the window is read raw. Every bound
// is an expression of the parameters alone that PostgreSQL folds into a constant when planning,
// so each range is an index range.
import { BLOCK_SPANS, HISTOGRAM_LAYOUT, RAW_TIMELINE_SPAN, ROLLUP_THRESHOLD } from './rollup-spans.js';

/** aggregate.sql's parameters, as it writes them; $7 is the read's own: the rollup's watermark. */
export const START = 'CAST($1 AS timestamptz)';
export const END = 'CAST($2 AS timestamptz)';
export const PREVIOUS_START = 'CAST($3 AS timestamptz)';
export const SERVICE = 'CAST($4 AS text)';
export const THRESHOLD = 'CAST($5 AS integer)';
export const BUCKET_SECONDS = 'CAST($6 AS integer)';
export const ROLLUP_END = 'CAST($7 AS timestamptz)';

/** Seconds since the epoch, as an interval's: PostgreSQL's extract from a timestamptz is only
 *  STABLE, so bounds written with it were not folded into constants (the planner then guessed a
 *  third of the table for each edge range and scanned the whole window instead of the edges). */
const epochSeconds = (t: string) => `extract(epoch FROM ${t} - CAST('1970-01-01 00:00:00+00' AS timestamptz))`;
/** `t` rounded down / up to a multiple of `hours` hours since the epoch (UTC, as the refresh builds them). */
const floorTo = (t: string, hours: number) => `to_timestamp(floor(${epochSeconds(t)} / ${hours * 3600}) * ${hours * 3600})`;
const ceilTo = (t: string, hours: number) => `to_timestamp(ceil(${epochSeconds(t)} / ${hours * 3600}) * ${hours * 3600})`;
/** The same to a multiple of the timeline's bucket width. */
const floorToSeconds = (t: string) => `to_timestamp(floor(${epochSeconds(t)} / ${BUCKET_SECONDS}) * ${BUCKET_SECONDS})`;
const ceilToSeconds = (t: string) => `to_timestamp(ceil(${epochSeconds(t)} / ${BUCKET_SECONDS}) * ${BUCKET_SECONDS})`;

/** Rows of one span, by the start of each: those in [lo, hi) (SQL expressions). */
export interface Range {
  /** Rows of this span whose start is in [lo, hi). */
  span: number;
  lo: string;
  hi: string;
}

/** Whole hours [lo, hi) covered by the coarsest rows that fit, coarsest last: hours, then for each
 *  coarser span (each dividing the next: BLOCK_SPANS for the operation rows, the rest of
 *  TIMELINE_SPANS for the timeline rows) whose `fits` holds, its rows inside [lo, hi). A row of a
 *  level is read when it is not inside the next coarser level's range (`used`, `pieces`). */
export function nested(lo: string, hi: string, fits: (span: number) => string, spans: readonly number[] = BLOCK_SPANS): Range[] {
  const levels: Range[] = [{ span: 1, lo, hi }];
  for (const span of spans) {
    // Each range lies inside the finer one's: ceil(lo) and floor(hi) to a multiple of the finer span
    // are inside those to a multiple of this one (and fits holds for a span only if for the finer).
    const blockLo = ceilTo(lo, span);
    const fit = fits(span);
    const blockHi = `greatest(${blockLo}, ${floorTo(hi, span)})`;
    levels.push({ span, lo: blockLo, hi: fit === 'true' ? blockHi : `CASE WHEN ${fit} THEN ${blockHi} ELSE ${blockLo} END` });
  }
  return levels;
}

/** The rows `nested` reads, as disjoint ranges: each level's range less the next coarser level's
 *  (which lies inside it, or is empty and may start past its end: hence the clamps), before and
 *  after it; the coarsest level whole. The same rows `used` selects, as index ranges a join can
 *  probe (a level's whole range and a NOT would fetch the finer rows under the coarser ones too). */
export function pieces(levels: Range[]): Range[] {
  return levels.flatMap((level, i) => {
    const coarser = levels[i + 1];
    if (!coarser) return [level];
    return [
      { span: level.span, lo: level.lo, hi: `least(${coarser.lo}, ${level.hi})` },
      { span: level.span, lo: `greatest(${coarser.hi}, ${level.lo})`, hi: level.hi },
    ];
  });
}

/** A window's complete hours before the watermark: [lo, hi). */
function hoursOf(start: string, end: string): Range {
  const lo = ceilTo(start, 1);
  return { span: 1, lo, hi: `greatest(${lo}, least(${floorTo(end, 1)}, ${ROLLUP_END}))` };
}

/** A block span divides the timeline's bucket width: each such block lies in one bucket. */
const dividesBucket = (span: number) => `${BUCKET_SECONDS} % ${span * 3600} = 0`;
const always = () => 'true';

const PREVIOUS_HOURS = hoursOf(PREVIOUS_START, START);
const CURRENT_HOURS = hoursOf(START, END);

/** The complete hours of both windows a read takes from the rollups (its 'rollup' row's operations). */
export const ROLLED_UP_HOURS = `CAST((${[PREVIOUS_HOURS, CURRENT_HOURS]
  .map((hours) => `${epochSeconds(hours.hi)} - ${epochSeconds(hours.lo)}`)
  .join(' + ')}) / 3600 AS bigint)`;

/** The start of the current window's first rolled-up hour: rows from it on are the current window's. */
export const CURRENT_LO = CURRENT_HOURS.lo;

const inRange = (column: string, range: Range) => `(${column} >= ${range.lo} AND ${column} < ${range.hi})`;

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
function used(covers: Range[][], span: string): string {
  const arms = covers.flatMap((levels) =>
    levels.map((level, i) => {
      const coarser = levels[i + 1];
      const outside = coarser ? ` AND NOT ${inRange('hour', coarser)}` : '';
      return `(${span} = ${level.span} AND ${inRange('hour', level)}${outside})`;
    }),
  );
  return `(${arms.join('\n      OR ')})\n    AND (${SERVICE} IS NULL OR service = ANY(string_to_array(${SERVICE}, chr(31))))`;
}

// ---- The Supabase fallback (DuckDB): one set of rows for the figures and the timeline, as it pages
// them (sources/supabase/rollup-plan.ts): the previous window by its coarsest rows, the current one
// by rows that each lie in one timeline bucket.
const PREVIOUS = nested(PREVIOUS_HOURS.lo, PREVIOUS_HOURS.hi, always);
const CURRENT = nested(CURRENT_HOURS.lo, CURRENT_HOURS.hi, dividesBucket);

/** The rollup rows the fallback reads (both windows), of the --service set if given. */
export const usedRows = (span: string) => used([PREVIOUS, CURRENT], span);
/** Of them, the current window's (error groups are of the current window only). */
export const usedCurrentRows = (span: string) => used([CURRENT], span);

// ---- PostgreSQL (DATABASE_URL and the RPC): the figures of each window from its coarsest rows;
// the timeline from the timeline rows (one per service and bucket) for every bucket that lies
// whole in the current window's rolled-up hours, and from operation rows (merged) for the others:
// the partial buckets at the window's edges, or every bucket at another Apdex threshold than the
// one the timeline rows count at.

/** The current window's whole timeline buckets, [lo, hi) (empty: lo = hi = the hours' end).
 *  ceil(lo) > floor(hi) only when both lie in one bucket, and then ceil(lo) > hi. */
/** Timeline rows hold one service's figures or all services': a --service set of several cannot be
 *  read from them (percentiles do not add up), so its buckets are all merged from operation rows. */
const ONE_OR_ALL = `(${SERVICE} IS NULL OR strpos(${SERVICE}, chr(31)) = 0)`;
const WHOLE_LO = `CASE WHEN ${THRESHOLD} = ${ROLLUP_THRESHOLD} AND ${ONE_OR_ALL} THEN least(${ceilToSeconds(CURRENT_HOURS.lo)}, ${CURRENT_HOURS.hi}) ELSE ${CURRENT_HOURS.hi} END`;
const WHOLE: Range = { span: 0, lo: WHOLE_LO, hi: `greatest(${WHOLE_LO}, ${floorToSeconds(CURRENT_HOURS.hi)})` };

/** The operation rows of each window, coarsest first (its figures). */
const CURRENT_COARSEST = nested(CURRENT_HOURS.lo, CURRENT_HOURS.hi, always);
export const usedStatsRows = (span: string) => used([PREVIOUS, CURRENT_COARSEST], span);
/** Of them, the current window's (its error groups). */
export const usedCurrentStatsRows = (span: string) => used([CURRENT_COARSEST], span);
/** The operation rows of the current window's partial buckets: before and after the whole ones. */
export const usedEdgeRows = (span: string) =>
  used([nested(CURRENT_HOURS.lo, WHOLE.lo, dividesBucket), nested(WHOLE.hi, CURRENT_HOURS.hi, dividesBucket)], span);
/** The timeline rows of the whole buckets: one per (bucket, service) and per bucket overall;
 *  `span` their span column, seconds. */
export const usedTimelineRows = (span: string) =>
  `${span} = ${BUCKET_SECONDS} AND ${inRange('hour', WHOLE)}
    AND (CASE WHEN ${SERVICE} IS NULL THEN true ELSE service = ${SERVICE} END)`;

/** The bounds every predicate above is made of, each named, the parameters first and each
 *  bound after those it is written with. PostgreSQL folds them into constants when planning;
 *  DuckDB binds and evaluates every copy (the usedEdgeRows text holds ~300 timestamp
 *  computations: 0.5 s to plan, and as long to evaluate on a few hundred rows), so the tailed
 *  files' read (rollup-relations.ts) computes each once in a one-row relation (boundOnce) and the
 *  predicates read its columns: the same rule, computed once. */
const COVER_BOUNDS: readonly (readonly [name: string, sql: string])[] = [
  ['p_start', START],
  ['p_end', END],
  ['p_previous_start', PREVIOUS_START],
  ['p_service', SERVICE],
  ['p_threshold', THRESHOLD],
  ['p_bucket_seconds', BUCKET_SECONDS],
  ['p_rollup_end', ROLLUP_END],
  ['previous_lo', PREVIOUS_HOURS.lo],
  ['previous_hi', PREVIOUS_HOURS.hi],
  ['current_lo', CURRENT_HOURS.lo],
  ['current_hi', CURRENT_HOURS.hi],
  ['whole_lo', WHOLE.lo],
  ['whole_hi', WHOLE.hi],
];

/** `sql` with every copy of a bound's text replaced by its name (the longest, last-defined, first). */
function namedBounds(sql: string): string {
  let text = sql;
  for (const [name, bound] of [...COVER_BOUNDS].reverse()) text = text.split(bound).join(name);
  return text;
}

/** A bound rounded to a span (floorTo, ceilTo, floorToSeconds, ceilToSeconds of a named bound). */
const ROUNDED =
  /to_timestamp\((floor|ceil)\(extract\(epoch FROM ([a-z_]+) - CAST\('1970-01-01 00:00:00\+00' AS timestamptz\)\) \/ ([a-z_0-9]+)\) \* \3\)/g;

/** `predicates` with every bound computed once: the one-row relation's SELECT list (`columns`, each
 *  bound written with the names before it; DuckDB reads an alias of the same list), and the
 *  predicates reading its columns, their bounds and their bounds' roundings to each span named, so
 *  what is left per row is comparisons. */
export function boundOnce(predicates: readonly string[]): { columns: string; predicates: string[] } {
  const columns = COVER_BOUNDS.map(([name, bound], i) => {
    let text = bound;
    for (const [earlier, sql] of COVER_BOUNDS.slice(0, i).reverse()) text = text.split(sql).join(earlier);
    return `${text} AS ${name}`;
  });
  const rounded = new Map<string, string>();
  const named = predicates.map((predicate) =>
    namedBounds(predicate).replace(ROUNDED, (text, round: string, bound: string, span: string) => {
      const name = `${round}_${bound}_${span}`;
      if (!rounded.has(name)) rounded.set(name, `${text} AS ${name}`);
      return name;
    }),
  );
  return { columns: [...columns, ...rounded.values()].join(',\n    '), predicates: named };
}

/** A rollup row's window and timeline bucket, as aggregate.sql's ops derives them from created_at
 *  (date_part: double precision, cheaper per row than extract's numeric; exact for whole hours). */
export const ROW_IS_CURRENT = `(hour >= ${CURRENT_LO})`;
export const ROW_BUCKET = `CASE WHEN hour >= ${CURRENT_LO}
      THEN CAST(floor(date_part('epoch', hour) / ${BUCKET_SECONDS}) AS bigint) * ${BUCKET_SECONDS}
    END`;

/** Whether the rollups can give a timeline of `bucket`-second buckets (SQL on the read's parameters
 *  or the RPC's arguments; rollup-coverage.ts says the same for the client): whole hours always
 *  (each operation row lies in one bucket); 30 minutes only from the 30-minute timeline rows, so
 *  at the T they count Apdex at and for all services or one (an hourly operation row, which a
 *  partial bucket would merge, spans two 30-minute buckets; the read then has none to merge). */
export const timelineFits = (bucket: string, threshold: string, service: string) =>
  `(${bucket} % 3600 = 0 OR (${bucket} = ${RAW_TIMELINE_SPAN} AND ${threshold} = ${ROLLUP_THRESHOLD}
    AND (${service} IS NULL OR strpos(${service}, chr(31)) = 0)))`;

/** Whether rollups ending at `watermark` hold at least one complete hour of a window pair that
 *  starts at `previousStart` (both SQL expressions); else the raw read is as cheap, and exact. */
export const rollupCovers = (watermark: string, previousStart: string) => `(${watermark} > ${ceilTo(previousStart, 1)})`;

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
  watermark > ${floorTo('now()', 1)} AS ahead
FROM public.perf_monitor_rollup_state AS s`;
