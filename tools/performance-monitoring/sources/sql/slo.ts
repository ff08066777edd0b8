// The SLO read (docs/slos.md): one query counting, per service and overall, and per latency
// threshold, the events, failures, duration samples and slow samples of the rolling period and of
// each burn window, in one scan. It reads rows through aggregate.sql's own `logs` and `ops` CTEs,
// so an event, a failure and a valid duration mean what they mean in the report. The raw text runs
// unchanged in PostgreSQL and DuckDB; the rollup text (PostgreSQL) reads the complete hours before
// the rollups' watermark from perf_monitor_rollup_timeline's coarsest rows and only the rest from
// raw rows.
//
// Every bound (each window's start and its first whole hour, the scan's start, the end of the
// rolled-up hours) is a parameter computed once by the caller (sloParams, or the RPC's plpgsql):
// written as SQL expressions, PostgreSQL evaluated them for every row and every FILTER (timestamptz
// arithmetic is only STABLE), 0.9 s of a 1 s read at 100k rows a day.
import { BURN_WINDOWS, SLO_WINDOWS, type SloQuery, type SloWindow } from '../slo-windows.js';
import { aggregationSql } from './aggregate.js';
import { cte, splitCtes } from './ctes.js';
import { BUCKET_KEY, BUCKET_WIDTH } from './histogram.js';
import { nested, pieces, sqlExpressions } from './rollup-bounds.js';
import { TIMELINE_SPANS } from './rollup-spans.js';

const HOUR = 3_600_000;
const windowMs = (w: SloWindow) => BURN_WINDOWS.find((b) => b.name === w)?.ms ?? 0;
const slug = (w: SloWindow) => (w === 'period' ? 'period' : w);

/** The read's bounds, in parameter order: `$1..$n` of the SQL, the RPC's variables by name. */
export const SLO_BOUNDS: readonly string[] = [
  'end',
  'scan_start',
  'scan_hour',
  ...SLO_WINDOWS.flatMap((w) => [`start_${slug(w)}`, `hour_${slug(w)}`]),
];
/** A bound's name (SLO_BOUNDS), or the rollup text's rolled-up end. */
type Bound = string;

/** The thresholds' parameter, after the bounds. */
const THRESHOLDS_AT = SLO_BOUNDS.length + 1;
/** The rollup text's own parameter, last: the end of the rolled-up hours (sloRolledEnd). */
export const ROLLED_END_AT = THRESHOLDS_AT + 1;

/** How a bound or the thresholds are written in the SQL: positional by default. */
export type SloRef = (name: Bound | 'thresholds') => string;
export const positional: SloRef = (name) => {
  if (name === 'thresholds') return `CAST($${THRESHOLDS_AT} AS text)`;
  if (name === 'rolled_end') return `CAST($${ROLLED_END_AT} AS timestamptz)`;
  return `CAST($${SLO_BOUNDS.indexOf(name) + 1} AS timestamptz)`;
};

const startOf = (w: SloWindow): Bound => `start_${slug(w)}` as Bound;
const hourOf = (w: SloWindow): Bound => `hour_${slug(w)}` as Bound;
const column = (w: SloWindow, what: string) => `w${slug(w)}_${what}`;

/** The result columns after service and threshold, in order: five counts per window. */
export const SLO_COUNT_NAMES = ['operations', 'failures', 'samples', 'slow', 'uncertain'] as const;
export const SLO_RESULT_COLUMNS: readonly { window: SloWindow; count: (typeof SLO_COUNT_NAMES)[number]; name: string }[] =
  SLO_WINDOWS.flatMap((window) => SLO_COUNT_NAMES.map((count) => ({ window, count, name: column(window, count) })));

const ceilHour = (ms: number) => Math.ceil(ms / HOUR) * HOUR;

/** Every bound of one read, epoch ms, by name. */
export function sloBounds(query: SloQuery): Record<string, number> {
  const end = query.end.getTime();
  const starts = Object.fromEntries(
    SLO_WINDOWS.map((w) => [w, w === 'period' ? query.periodStart.getTime() : end - windowMs(w)]),
  ) as Record<SloWindow, number>;
  const scan = Math.min(...Object.values(starts));
  const bounds: Record<string, number> = { end, scan_start: scan, scan_hour: ceilHour(scan) };
  for (const w of SLO_WINDOWS) {
    bounds[startOf(w)] = starts[w];
    bounds[hourOf(w)] = ceilHour(starts[w]);
  }
  return bounds;
}

/** The end of the rolled-up hours every window reads: the last complete hour or the watermark,
 *  whichever is first, never before the scan's first whole hour. */
export function sloRolledEnd(query: SloQuery, watermarkMs: number | null): number {
  const bounds = sloBounds(query);
  const lastHour = Math.floor(query.end.getTime() / HOUR) * HOUR;
  return Math.max(bounds.scan_hour ?? lastHour, Math.min(lastHour, watermarkMs ?? Number.NEGATIVE_INFINITY));
}

/** The parameters of one read: the bounds, the thresholds (and, for the rollup text, the rolled end). */
export function sloParams(query: SloQuery, watermarkMs?: number | null): string[] {
  const bounds = sloBounds(query);
  const values = [...SLO_BOUNDS.map((name) => new Date(bounds[name] ?? Number.NaN).toISOString()), query.thresholds.join(',')];
  return watermarkMs === undefined ? values : [...values, new Date(sloRolledEnd(query, watermarkMs)).toISOString()];
}

/** aggregate.sql's `logs` and `ops`, reading [scan_start, end) of every service. Tokens first, so
 *  a replacement is never replaced again. */
function reusedCtes(table: string, ref: SloRef): string {
  const parts = splitCtes(aggregationSql(table));
  const values: [string, string][] = [
    ['CAST($1 AS timestamptz)', ref('end')],
    ['CAST($2 AS timestamptz)', ref('end')],
    ['CAST($3 AS timestamptz)', ref('scan_start')],
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
  if (/CAST\(\$[5-9]/.test(text)) throw new Error('aggregate.sql: ops reads a parameter sources/sql/slo.ts does not set');
  return text;
}

const thresholdsCte = (ref: SloRef) => `thresholds AS (
  SELECT CAST(NULL AS integer) AS t
  UNION ALL
  SELECT CAST(x AS integer) FROM (SELECT unnest(string_to_array(${ref('thresholds')}, ',')) AS x) AS listed WHERE x <> ''
)`;

/** The raw rows' counts per (service, threshold); `inWindow(w)` says which rows count in window w.
 *  The rows are first counted per set of windows they fall in (a bit per window: a handful of
 *  sets), then each window sums its sets: per row, one membership and four counts instead of four
 *  filtered counts per window (0.33 of the 0.45 s this read added at 1M rows a day, bench/README.md). */
function rawPart(source: string, inWindow: (w: SloWindow) => string): string {
  const membership = SLO_WINDOWS.map((w, i) => `CASE WHEN ${inWindow(w)} THEN ${2 ** i} ELSE 0 END`).join('\n      + ');
  const counts = SLO_WINDOWS.flatMap((w, i) => {
    const at = `(windows & ${2 ** i}) <> 0`;
    return [
      ...(['operations', 'failures', 'samples', 'slow'] as const).map(
        (count) => `sum(${count}) FILTER (WHERE ${at}) AS ${column(w, count)}`,
      ),
      `CAST(0 AS bigint) AS ${column(w, 'uncertain')}`,
    ];
  });
  return `SELECT service, t,\n    ${counts.join(',\n    ')}
  FROM (
    SELECT service, t, windows, count(*) AS operations, count(*) FILTER (WHERE failed) AS failures,
      count(dur) AS samples, count(*) FILTER (WHERE dur > t) AS slow
    FROM (
      SELECT service, failed, dur, ${membership} AS windows
      FROM ${source}
    ) AS placed CROSS JOIN thresholds
    GROUP BY service, t, windows
  ) AS sets
  GROUP BY service, t`;
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

/** Raw rows alone: PostgreSQL and DuckDB. */
export function sloRawSql(table: string, ref: SloRef = positional): string {
  // Every bound named once, though raw rows need only the starts: both engines refuse a
  // parameter that no text names (its type unknown), and the parameters are one list.
  const bounds = SLO_BOUNDS.map((name, i) => `${ref(name)} AS b${i}`).join(', ');
  return `WITH ${reusedCtes(table, ref)},
slo_bounds AS (SELECT ${bounds}),
${thresholdsCte(ref)},
parts AS (
  ${rawPart('ops', (w) => `created_at >= ${ref(startOf(w))}`)}
)
${finalSelect('CAST(0 AS bigint)')}`;
}

/** The rolled-up hours [scan_hour, rolled end) cut at every window's first whole hour: one segment
 *  per window, from its first whole hour to the next window's (or the rolled end), empty for a window
 *  whose first whole hour another window listed before it has too. Each timeline row read lies in
 *  one segment, so it counts in window w exactly when it starts at or after w's first whole hour. */
function segments(ref: SloRef): string {
  const rolledEnd = ref('rolled_end');
  const rows = SLO_WINDOWS.map((w, i) => {
    const at = ref(hourOf(w));
    const lo = `least(${at}, ${rolledEnd})`;
    const later = SLO_WINDOWS.filter((v) => v !== w).map((v) => `CASE WHEN ${ref(hourOf(v))} > ${at} THEN ${ref(hourOf(v))} END`);
    const earlierTwin = SLO_WINDOWS.slice(0, i).map((v) => `${ref(hourOf(v))} = ${at}`);
    // least() skips NULLs: the next window's first whole hour after this one's, if any.
    const next = `least(${rolledEnd}, ${later.join(', ')})`;
    const hi = earlierTwin.length === 0 ? next : `CASE WHEN ${earlierTwin.join(' OR ')} THEN ${lo} ELSE ${next} END`;
    return `(${lo}, ${hi})`;
  });
  return `SELECT lo, greatest(lo, hi) AS hi FROM (VALUES\n    ${rows.join(',\n    ')}) AS s(lo, hi)`;
}

/**
 * With the rollups (PostgreSQL): each window reads its complete hours before the rolled end from
 * the rollups' timeline rows (per service; docs/rollups.md "Timeline rows"), covered by the
 * coarsest that fit (weeks, days, then 12-, 6-, 3-hour and hourly rows: rollup-cover.ts' `nested`),
 * and raw rows only for its head (before its first whole hour) and after the rolled end. The
 * histogram counts the slow samples: exact when the threshold is a bucket's upper end; else the
 * bucket holding it is counted slow, and reported as `uncertain` (sources/sql/histogram.ts).
 */
export function sloRollupSql(table: string, ref: SloRef = positional): string {
  const rolledEnd = ref('rolled_end');
  const rawRanges = [
    `created_at >= ${rolledEnd}`,
    `created_at < ${ref('scan_hour')}`,
    ...SLO_WINDOWS.map((w) => `(created_at >= ${ref(startOf(w))} AND created_at < ${ref(hourOf(w))})`),
  ];
  const rawInWindow = (w: SloWindow) =>
    `created_at >= ${ref(startOf(w))} AND (created_at >= ${rolledEnd} OR created_at < ${ref(hourOf(w))})`;
  const histogramSum = (predicate: string) =>
    `(SELECT coalesce(sum(h.c), 0) FROM unnest(r.histogram_keys, r.histogram_counts) AS h(k, c) WHERE ${predicate})`;
  const thresholdKey = BUCKET_KEY('th.t', `(${BUCKET_WIDTH('th.t')})`);
  const rolledSums = SLO_WINDOWS.flatMap((w) =>
    SLO_COUNT_NAMES.map((count) => `sum(${count}) FILTER (WHERE hour >= ${ref(hourOf(w))}) AS ${column(w, count)}`),
  );
  const hours = `CAST(extract(epoch FROM ${rolledEnd} - ${ref('scan_hour')}) / 3600 AS bigint)`;
  // nested() counts in hours from the hourly level up; the timeline's spans are seconds.
  const hourSpans = TIMELINE_SPANS.filter((seconds) => seconds > 3600).map((seconds) => seconds / 3600);
  // Only the algebra's instants are used (every span fits): no bucket, threshold or service.
  const instants = sqlExpressions({ bucket: 'NULL', threshold: 'NULL', service: 'NULL' });
  const cover = pieces(
    instants,
    nested(instants, 's.lo', 's.hi', () => instants.always, hourSpans),
  );
  return `WITH ${reusedCtes(table, ref)},
${thresholdsCte(ref)},
raw_ops AS NOT MATERIALIZED (
  SELECT * FROM ops
  WHERE ${rawRanges.join('\n    OR ')}
),
segments AS (
  ${segments(ref)}
),
cover AS (
  SELECT p.span, p.lo, p.hi
  FROM segments AS s CROSS JOIN LATERAL (VALUES
    ${cover.map((c) => `(${c.span}, ${c.lo}, ${c.hi})`).join(',\n    ')}) AS p(span, lo, hi)
  WHERE p.lo < p.hi
),
rolled AS (
  SELECT r.service, th.t, r.hour, r.operations, r.failures, r.samples,
    CASE WHEN th.t IS NULL OR r.max_duration IS NULL OR r.max_duration <= th.t THEN 0
      ELSE ${histogramSum('h.k > th.t')} END AS slow,
    CASE WHEN th.t IS NULL OR r.max_duration IS NULL OR r.max_duration <= th.t OR ${thresholdKey} = th.t THEN 0
      ELSE ${histogramSum(`h.k = ${thresholdKey}`)} END AS uncertain
  FROM cover AS c
  JOIN public.perf_monitor_rollup_timeline AS r ON r.span_seconds = c.span * 3600 AND r.hour >= c.lo AND r.hour < c.hi
  CROSS JOIN thresholds AS th
  -- Per service (the overall rows, service '', would count every event twice): the overall
  -- figures are the services' sum, below.
  WHERE r.service <> ''
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
