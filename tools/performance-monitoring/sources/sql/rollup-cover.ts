// Which rollup rows and which raw rows a report reads (docs/rollups.md), as SQL
// predicates on the read's parameters: each window's complete hours before the watermark are
// covered by the coarsest rollup blocks that fit (7 days, 1 day, 3 hours, then single hours), the
// rest of the window is read raw. Every bound is an expression of the parameters alone that
// PostgreSQL folds into a constant when planning, so each range is an index range.
import { BLOCK_SPANS } from './rollup-spans.js';

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

interface Range {
  /** Rows of this span whose start is in [lo, hi). */
  span: number;
  lo: string;
  hi: string;
}

interface WindowCover {
  /** The window's complete hours before the watermark: [lo, hi). */
  hours: Range;
  /** For each span, coarsest last: the blocks of that span inside `hours`. */
  levels: Range[];
}

/** The cover of [start, end). A block span is used in the current window only when it divides
 *  the timeline's bucket width (then each block lies in one bucket); it always is in the previous. */
function cover(start: string, end: string, current: boolean): WindowCover {
  const lo = ceilTo(start, 1);
  const hi = `greatest(${lo}, least(${floorTo(end, 1)}, ${ROLLUP_END}))`;
  const levels: Range[] = [{ span: 1, lo, hi }];
  for (const span of BLOCK_SPANS) {
    const blockLo = ceilTo(lo, span);
    const fits = current ? `${BUCKET_SECONDS} % ${span * 3600} = 0` : 'true';
    levels.push({ span, lo: blockLo, hi: `CASE WHEN ${fits} THEN greatest(${blockLo}, ${floorTo(hi, span)}) ELSE ${blockLo} END` });
  }
  return { hours: { span: 1, lo, hi }, levels };
}

const PREVIOUS = cover(PREVIOUS_START, START, false);
const CURRENT = cover(START, END, true);

/** The complete hours of both windows a read takes from the rollups (its 'rollup' row's operations). */
export const ROLLED_UP_HOURS = `CAST((${[PREVIOUS, CURRENT]
  .map(({ hours }) => `${epochSeconds(hours.hi)} - ${epochSeconds(hours.lo)}`)
  .join(' + ')}) / 3600 AS bigint)`;

/** The start of the current window's first rolled-up hour: rows from it on are the current window's. */
export const CURRENT_LO = CURRENT.hours.lo;

const inRange = (column: string, range: Range) => `(${column} >= ${range.lo} AND ${column} < ${range.hi})`;

/** Raw rows no rollup row holds. On created_at alone, so PostgreSQL reads these ranges through
 *  the created_at index (a BitmapOr), never the whole window. */
export const RAW_ROWS = `(created_at < ${PREVIOUS.hours.lo}
      OR (created_at >= ${PREVIOUS.hours.hi} AND created_at < ${CURRENT.hours.lo})
      OR created_at >= ${CURRENT.hours.hi})`;

/** A rollup row of span `span` (hours; a column or a literal) starting at `hour` is read when it
 *  is in its span's range of a window and not inside the next coarser span's range there. */
function used(windows: WindowCover[], span: string): string {
  const arms = windows.flatMap(({ levels }) =>
    levels.map((level, i) => {
      const coarser = levels[i + 1];
      const outside = coarser ? ` AND NOT ${inRange('hour', coarser)}` : '';
      return `(${span} = ${level.span} AND ${inRange('hour', level)}${outside})`;
    }),
  );
  return `(${arms.join('\n      OR ')})\n    AND (${SERVICE} IS NULL OR service = ANY(string_to_array(${SERVICE}, chr(31))))`;
}

/** The rollup rows a report reads (both windows), of the --service set if given. */
export const usedRows = (span: string) => used([PREVIOUS, CURRENT], span);
/** Of them, the current window's (error groups are of the current window only). */
export const usedCurrentRows = (span: string) => used([CURRENT], span);

/** A rollup row's window and timeline bucket, as aggregate.sql's ops derives them from created_at
 *  (date_part: double precision, cheaper per row than extract's numeric; exact for whole hours). */
export const ROW_IS_CURRENT = `(hour >= ${CURRENT_LO})`;
export const ROW_BUCKET = `CASE WHEN hour >= ${CURRENT_LO}
      THEN CAST(floor(date_part('epoch', hour) / ${BUCKET_SECONDS}) AS bigint) * ${BUCKET_SECONDS}
    END`;

/** Whether rollups ending at `watermark` hold at least one complete hour of a window pair that
 *  starts at `previousStart` (both SQL expressions); else the raw read is as cheap, and exact. */
export const rollupCovers = (watermark: string, previousStart: string) => `(${watermark} > ${ceilTo(previousStart, 1)})`;

/** The rollup tables a read needs beside the state table: an install of an older rollup.sql may
 *  lack one (the blocks came later), and a role may lack SELECT on one. */
const READ_TABLES = ['perf_monitor_rollup', 'perf_monitor_rollup_block'];

/** The first read table that is missing ('missing') or not readable ('denied'), or null. CASE
 *  checks the privilege only on a table that exists (has_table_privilege fails on a missing one). */
const UNREADABLE = `COALESCE(${READ_TABLES.map(
  (t) => `CASE WHEN to_regclass('public.${t}') IS NULL THEN 'missing ${t}'
    WHEN NOT has_table_privilege('public.${t}', 'SELECT') THEN 'denied ${t}' END`,
).join(',\n  ')})`;

/** The probe before a read: the rollup's watermark, whether it covers the query ($1:
 *  p_previous_start), what keeps the read from the rollup tables (UNREADABLE), and whether the
 *  watermark is ahead of the clock (its hours were rolled up before their rows existed). Fails with
 *  undefined_table (42P01) where rollup.sql is not installed. */
export const PROBE_SQL = `SELECT watermark, ${rollupCovers('watermark', 'CAST($1 AS timestamptz)')} AS covers,
  ${UNREADABLE} AS unreadable,
  watermark > ${floorTo('now()', 1)} AS ahead
FROM public.perf_monitor_rollup_state`;
