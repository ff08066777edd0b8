// The SLO read (docs/slos.md): one query counting, per service and overall, and per latency
// threshold, the events, failures, duration samples and slow samples of the rolling period and of
// each burn window, in one scan. It reads rows through aggregate.sql's own `logs` and `ops` CTEs,
// so an event, a failure and a valid duration mean what they mean in the report. The raw text runs
// unchanged in PostgreSQL and DuckDB; the rollup text (PostgreSQL) reads the complete hours before
// the rollups' watermark from perf_monitor_rollup and only the rest from raw rows.
import { BURN_WINDOWS, SLO_WINDOWS, type SloQuery, type SloWindow } from '../slo-windows.js';
import { aggregationSql } from './aggregate.js';
import { cte, splitCtes } from './ctes.js';
import { BUCKET_KEY, BUCKET_WIDTH } from './histogram.js';

/** The read's parameters, `$1..$4` (the RPC's arguments by these names). */
export const SLO_PARAMETERS = [
  { name: 'p_end', sqlType: 'timestamptz', doc: 'the report end: every window ends here (exclusive)' },
  { name: 'p_period_start', sqlType: 'timestamptz', doc: 'start of the rolling SLO period (inclusive)' },
  { name: 'p_thresholds', sqlType: 'text', doc: "the latency thresholds, ms, comma-separated ('' for none)" },
] as const;

const END = 'CAST($1 AS timestamptz)';
const PERIOD_START = 'CAST($2 AS timestamptz)';
const THRESHOLDS = 'CAST($3 AS text)';
/** The rollup text's own parameter: the rollups' watermark (every hour before it is rolled up). */
export const SLO_WATERMARK = 'CAST($4 AS timestamptz)';

/** The earliest row any window needs: the period, or the 3-day window when the period is shorter. */
const SCAN_START = `least(${PERIOD_START}, ${END} - INTERVAL '3 days')`;

const windowStart = (w: SloWindow): string =>
  w === 'period' ? PERIOD_START : `${END} - ${BURN_WINDOWS.find((b) => b.name === w)?.sql ?? 'NULL'}`;
const column = (w: SloWindow, what: string) => `w${w === 'period' ? 'period' : w}_${what}`;

/** The result columns after service and threshold, in order: five counts per window. */
export const SLO_COUNT_NAMES = ['operations', 'failures', 'samples', 'slow', 'uncertain'] as const;
export const SLO_RESULT_COLUMNS: readonly { window: SloWindow; count: (typeof SLO_COUNT_NAMES)[number]; name: string }[] =
  SLO_WINDOWS.flatMap((window) => SLO_COUNT_NAMES.map((count) => ({ window, count, name: column(window, count) })));

/** aggregate.sql's `logs` and `ops`, reading [SCAN_START, END) of every service. Tokens first, so
 *  a replacement is never replaced again. */
function reusedCtes(table: string): string {
  const parts = splitCtes(aggregationSql(table));
  const values: [string, string][] = [
    ['CAST($1 AS timestamptz)', END],
    ['CAST($2 AS timestamptz)', END],
    ['CAST($3 AS timestamptz)', SCAN_START],
    ['CAST($4 AS text)', 'CAST(NULL AS text)'],
    ['CAST($6 AS integer)', '3600'],
  ];
  let text = ['logs', 'ops'].map((name) => cte(parts, name, 'sources/sql/slo.ts')).join(',\n');
  values.forEach(([parameter], i) => {
    text = text.split(parameter).join(`@@${i}@@`);
  });
  values.forEach(([, value], i) => {
    text = text.split(`@@${i}@@`).join(value);
  });
  if (/\$[5-9]/.test(text)) throw new Error('aggregate.sql: ops reads a parameter sources/sql/slo.ts does not set');
  return text;
}

const THRESHOLDS_CTE = `thresholds AS (
  SELECT CAST(NULL AS integer) AS t
  UNION ALL
  SELECT CAST(x AS integer) FROM (SELECT unnest(string_to_array(${THRESHOLDS}, ',')) AS x) AS listed WHERE x <> ''
)`;

/** The raw rows' counts per (service, threshold); `inWindow(w)` says which rows count in window w. */
function rawPart(source: string, inWindow: (w: SloWindow) => string): string {
  const counts = SLO_WINDOWS.flatMap((w) => {
    const at = inWindow(w);
    return [
      `count(*) FILTER (WHERE ${at}) AS ${column(w, 'operations')}`,
      `count(*) FILTER (WHERE failed AND ${at}) AS ${column(w, 'failures')}`,
      `count(dur) FILTER (WHERE ${at}) AS ${column(w, 'samples')}`,
      `count(*) FILTER (WHERE dur > t AND ${at}) AS ${column(w, 'slow')}`,
      `CAST(0 AS bigint) AS ${column(w, 'uncertain')}`,
    ];
  });
  return `SELECT service, t,\n    ${counts.join(',\n    ')}\n  FROM ${source} CROSS JOIN thresholds\n  GROUP BY service, t`;
}

/** The parts summed per service and overall (GROUPING SETS), with the rolled-up hours. */
function finalSelect(rollupHours: string): string {
  // coalesce: a window no row of a group falls in sums to NULL, and means 0.
  const sums = SLO_RESULT_COLUMNS.map((c) => `CAST(coalesce(sum(${c.name}), 0) AS bigint) AS ${c.name}`);
  return `SELECT
  CASE WHEN GROUPING(service) = 1 THEN 'overall' ELSE 'service' END AS level,
  CASE WHEN GROUPING(service) = 1 THEN NULL ELSE service END AS service,
  t AS threshold,
  ${rollupHours} AS rollup_hours,
  ${sums.join(',\n  ')}
FROM parts
GROUP BY GROUPING SETS ((service, t), (t))`;
}

/** Raw rows alone: PostgreSQL and DuckDB. Parameters $1..$3. */
export function sloRawSql(table: string): string {
  return `WITH ${reusedCtes(table)},
${THRESHOLDS_CTE},
parts AS (
  ${rawPart('ops', (w) => `created_at >= ${windowStart(w)}`)}
)
${finalSelect('CAST(0 AS bigint)')}`;
}

/** Seconds since the epoch as an interval's, so PostgreSQL folds the bounds into constants and
 *  reads each raw range through the created_at index (as sources/sql/rollup-cover.ts does). */
const epochSeconds = (t: string) => `extract(epoch FROM ${t} - CAST('1970-01-01 00:00:00+00' AS timestamptz))`;
const floorHour = (t: string) => `to_timestamp(floor(${epochSeconds(t)} / 3600) * 3600)`;
const ceilHour = (t: string) => `to_timestamp(ceil(${epochSeconds(t)} / 3600) * 3600)`;

/** The end of the rolled-up hours every window reads: the last complete hour, or the watermark,
 *  whichever is first, and never before the first complete hour of the scan. */
const ROLLED_HI = `greatest(${ceilHour(SCAN_START)}, least(${floorHour(END)}, ${SLO_WATERMARK}))`;

/**
 * With the rollups (PostgreSQL; $4 the watermark): each window reads its complete hours before
 * ROLLED_HI from perf_monitor_rollup, and raw rows only for its head (before its first complete
 * hour) and after ROLLED_HI. The rollup's histogram counts the slow samples: exact when the
 * threshold is a bucket's upper end; else the bucket holding it is counted slow, and reported as
 * `uncertain` (sources/sql/histogram.ts).
 */
export function sloRollupSql(table: string): string {
  const rawRanges = [
    `created_at >= ${ROLLED_HI}`,
    `created_at < ${ceilHour(SCAN_START)}`,
    ...SLO_WINDOWS.map((w) => `(created_at >= ${windowStart(w)} AND created_at < ${ceilHour(windowStart(w))})`),
  ];
  const rawInWindow = (w: SloWindow) =>
    `created_at >= ${windowStart(w)} AND (created_at >= ${ROLLED_HI} OR created_at < ${ceilHour(windowStart(w))})`;
  const histogramSum = (predicate: string) =>
    `(SELECT coalesce(sum(h.c), 0) FROM unnest(r.histogram_keys, r.histogram_counts) AS h(k, c) WHERE ${predicate})`;
  const thresholdKey = BUCKET_KEY('th.t', `(${BUCKET_WIDTH('th.t')})`);
  const rolledSums = SLO_WINDOWS.flatMap((w) => {
    const at = `hour >= ${ceilHour(windowStart(w))}`;
    return SLO_COUNT_NAMES.map((count) => `sum(${count}) FILTER (WHERE ${at}) AS ${column(w, count)}`);
  });
  const hours = `CAST((${epochSeconds(ROLLED_HI)} - ${epochSeconds(ceilHour(SCAN_START))}) / 3600 AS bigint)`;
  return `WITH ${reusedCtes(table)},
${THRESHOLDS_CTE},
raw_ops AS NOT MATERIALIZED (
  SELECT * FROM ops
  WHERE ${rawRanges.join('\n    OR ')}
),
rolled AS (
  SELECT r.service, th.t, r.hour, r.operations, r.failures, r.samples,
    CASE WHEN th.t IS NULL OR r.max_duration IS NULL OR r.max_duration <= th.t THEN 0
      ELSE ${histogramSum('h.k > th.t')} END AS slow,
    CASE WHEN th.t IS NULL OR r.max_duration IS NULL OR r.max_duration <= th.t OR ${thresholdKey} = th.t THEN 0
      ELSE ${histogramSum(`h.k = ${thresholdKey}`)} END AS uncertain
  FROM public.perf_monitor_rollup AS r CROSS JOIN thresholds AS th
  WHERE r.hour >= ${ceilHour(SCAN_START)} AND r.hour < ${ROLLED_HI}
),
parts AS (
  ${rawPart('raw_ops', rawInWindow)}
  UNION ALL
  SELECT service, t,
    ${rolledSums.join(',\n    ')}
  FROM rolled
  GROUP BY service, t
)
${finalSelect(hours)}`;
}

/** The parameters $1..$3 of one read. */
export function sloParams(query: SloQuery): string[] {
  return [query.end.toISOString(), query.periodStart.toISOString(), query.thresholds.join(',')];
}
