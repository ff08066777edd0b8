// A tailed file's own rollups in DuckDB (docs/live.md): the rows PostgreSQL's refresh keeps
// (rollup.ts, rollup-blocks.ts) built from the kept raw rows, stored unnested (one row per
// histogram entry and per fingerprint) in the tables rollup-relations.ts's 'tail' engine reads:
// hourly operation rows, their 3-hour, 1-day and 1-week blocks, and timeline rows. The pass over
// the raw rows is the refresh's own SQL (rollup-build.ts: aggregate.sql's CTEs, the grouping with
// its histogram key, half hours and Apdex counts, fingerprint_groups), over all the hours in one
// grouping rather than an hour at a time; what is written here is only the DuckDB side of the
// stores and the merges.
import { aggregationSql } from './aggregate.js';
import { fingerprintGroupsCte, flatBucketCountsCte, reusedCtes } from './rollup-build.js';
import { interpolated, percentileAggregates, rankedSql } from './rollup-percentiles.js';
import { BLOCK_SPANS, RAW_TIMELINE_SPAN } from './rollup-spans.js';

const KEY = 'span INTEGER, hour TIMESTAMPTZ, service VARCHAR, operation VARCHAR';
const FIGURE_COLUMNS = `operations BIGINT, failures BIGINT, samples BIGINT, sum_duration HUGEINT, sum_squares HUGEINT,
  min_duration BIGINT, max_duration BIGINT, invalid_durations BIGINT, satisfied BIGINT, tolerating BIGINT`;

/** The four tables, by the names the 'tail' relations read (rollup-relations.ts). */
export const TAIL_ROLLUP_TABLES = {
  rollup_rows: `${KEY}, ${FIGURE_COLUMNS}`,
  rollup_keys: `${KEY}, bucket_key BIGINT, n BIGINT, n_failed BIGINT`,
  rollup_fingerprint_rows: `${KEY}, fingerprint VARCHAR, n BIGINT, example VARCHAR, last_at TIMESTAMPTZ`,
  rollup_timeline_rows: `span_seconds INTEGER, hour TIMESTAMPTZ, service VARCHAR, ${FIGURE_COLUMNS}, p50 DOUBLE, p95 DOUBLE, p99 DOUBLE`,
} as const;
/** The tables of operation rows (a `span` column, hours). */
const OPERATION_TABLES = ['rollup_rows', 'rollup_keys', 'rollup_fingerprint_rows'] as const;

const FIGURES =
  'operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating';
/** The figures of a group added up; `operations` and `failures` name the counts' columns. */
const summed = (
  operations = 'operations',
  failures = 'failures',
) => `sum(${operations}) AS operations, sum(${failures}) AS failures, sum(samples) AS samples,
    COALESCE(sum(sum_duration), 0) AS sum_duration, COALESCE(sum(sum_squares), 0) AS sum_squares,
    min(min_duration) AS min_duration, max(max_duration) AS max_duration,
    sum(invalid_durations) AS invalid_durations, sum(satisfied) AS satisfied, sum(tolerating) AS tolerating`;
const SUMMED = summed();
/** bucket_counts (rollup-build.ts) names the counts n and n_failed. */
const COUNTS_SUMMED = summed('n', 'n_failed');

const HOUR = 3_600_000;
export const at = (ms: number) => `CAST('${new Date(ms).toISOString()}' AS TIMESTAMPTZ)`;
/** `hour` (a timestamptz column) to the start of its block of `seconds`, since the epoch. */
const blockOf = (hour: string, seconds: number) =>
  `to_timestamp(CAST(floor(date_part('epoch', ${hour}) / ${seconds}) AS BIGINT) * ${seconds})`;

export const createTablesSql = () =>
  Object.entries(TAIL_ROLLUP_TABLES).map(([table, columns]) => `CREATE OR REPLACE TEMP TABLE ${table} (${columns})`);

/** The rows no window reads any more: operation rows starting before `previous` (the previous
 *  window's first hour), and histograms, fingerprints and timeline rows before `current` (the
 *  current window's: the read takes them from the current window only, rollup-read.ts; a block
 *  is read only inside it, and is merged from finer rows inside it). */
export const dropBeforeSql = (previous: number, current: number) => [
  `DELETE FROM rollup_rows WHERE hour < ${at(previous)}`,
  ...['rollup_keys', 'rollup_fingerprint_rows', 'rollup_timeline_rows'].map((table) => `DELETE FROM ${table} WHERE hour < ${at(current)}`),
];

/** Timeline rows of span `span` (seconds) from `figures` (block, service, FIGURES) and `pairs`
 *  (block, service, bucket_key, n DOUBLE): per service, and overall (service '') added from the
 *  services'; p50/p95/p99 by the read's own rule (rollup-percentiles.ts), as rollup-blocks.ts's. */
function timelineInsert(span: number, figures: string, pairs: string): string {
  return `INSERT INTO rollup_timeline_rows BY NAME
WITH service_figures AS MATERIALIZED (${figures}),
service_pairs AS MATERIALIZED (${pairs}),
all_figures AS (
  SELECT block, service, ${FIGURES} FROM service_figures
  UNION ALL
  SELECT block, '', ${SUMMED} FROM service_figures GROUP BY block
),
all_pairs AS (
  SELECT block, service, bucket_key, n FROM service_pairs
  UNION ALL
  SELECT block, '', bucket_key, sum(n) FROM service_pairs GROUP BY block, bucket_key
),
ranked AS (
  ${rankedSql('block, service', 'all_pairs')}
),
distribution AS (
  SELECT block, service, ${percentileAggregates()}
  FROM ranked
  GROUP BY block, service
)
SELECT ${span} AS span_seconds, s.block AS hour, s.service, ${FIGURES.split(', ')
    .map((c) => `s.${c}`)
    .join(', ')},
  ${['p50', 'p95', 'p99'].map((p) => `${interpolated(p, 'd', 's.min_duration', 's.max_duration')} AS ${p}`).join(',\n  ')}
FROM all_figures AS s
LEFT JOIN distribution AS d USING (block, service)`;
}

/** The statements that build the hours [from, to) (epoch ms, whole hours) from the raw rows of the
 *  view `integration_logs`, after deleting what those hours had: hourly operation rows, their
 *  fingerprints and the 30-minute timeline rows. */
export function buildHoursSql(from: number, to: number): string[] {
  const range = { from: at(from), to: at(to) };
  const raw = reusedCtes(aggregationSql(), range);
  const inRange = `hour >= ${range.from} AND hour < ${range.to}`;
  return [
    ...OPERATION_TABLES.map((table) => `DELETE FROM ${table} WHERE span = 1 AND ${inRange}`),
    `DELETE FROM rollup_timeline_rows WHERE span_seconds = ${RAW_TIMELINE_SPAN} AND ${inRange}`,
    `CREATE OR REPLACE TEMP TABLE tail_bucket_counts AS WITH ${raw},\n${flatBucketCountsCte()}\nSELECT * FROM bucket_counts`,
    // The grouping set by operation: the hourly rows; the one by half hour: the timeline rows.
    `INSERT INTO rollup_rows BY NAME
SELECT 1 AS span, to_timestamp(b.hour) AS hour, service, operation, ${COUNTS_SUMMED}
FROM tail_bucket_counts AS b WHERE hourly GROUP BY b.hour, service, operation`,
    `INSERT INTO rollup_keys BY NAME
SELECT 1 AS span, to_timestamp(b.hour) AS hour, service, operation, bucket_key, n, n_failed
FROM tail_bucket_counts AS b WHERE hourly AND bucket_key IS NOT NULL`,
    `INSERT INTO rollup_fingerprint_rows BY NAME
WITH ${raw},\n${fingerprintGroupsCte()}
SELECT 1 AS span, to_timestamp(bucket) AS hour, service, operation, fingerprint, n, example, last_at FROM fingerprint_groups`,
    timelineInsert(
      RAW_TIMELINE_SPAN,
      `SELECT to_timestamp(half) AS block, service, ${COUNTS_SUMMED}
  FROM tail_bucket_counts WHERE NOT hourly GROUP BY half, service`,
      `SELECT to_timestamp(half) AS block, service, bucket_key, CAST(n AS DOUBLE) AS n
  FROM tail_bucket_counts WHERE NOT hourly AND bucket_key IS NOT NULL`,
    ),
    'DROP TABLE tail_bucket_counts',
  ];
}

/** The blocks of `span` (hours, or seconds for timeline rows) that overlap [from, to) and end by
 *  `watermark` (epoch ms), as rollup-blocks.ts bounds them: [lo, hi), or null when there are none. */
function blockRange(from: number, to: number, watermark: number, spanMs: number): [number, number] | null {
  const lo = Math.floor(from / spanMs) * spanMs;
  const hi = Math.min(Math.ceil(to / spanMs) * spanMs, Math.floor(watermark / spanMs) * spanMs);
  return lo < hi ? [lo, hi] : null;
}

/** The operation blocks (3 h, 1 d, 1 w) overlapping the rebuilt hours [from, to), each span merged
 *  from the one before it (3 h from the hourly rows), and the timeline rows of `timelineSpan`
 *  seconds (when over 30 minutes) from the hourly rows: counts and sums added, min of mins, max of
 *  maxes, histograms added key by key, a fingerprint's example the latest (docs/rollups.md). */
export function buildBlocksSql(from: number, to: number, watermark: number, timelineSpan: number): string[] {
  const statements: string[] = [];
  let finer = 1;
  for (const span of BLOCK_SPANS) {
    const range = blockRange(from, to, watermark, span * HOUR);
    if (range !== null) {
      const [lo, hi] = range.map(at) as [string, string];
      const source = (table: string) => `FROM ${table} WHERE span = ${finer} AND hour >= ${lo} AND hour < ${hi}`;
      const block = blockOf('hour', span * 3600);
      statements.push(
        ...OPERATION_TABLES.map((table) => `DELETE FROM ${table} WHERE span = ${span} AND hour >= ${lo} AND hour < ${hi}`),
        `INSERT INTO rollup_rows BY NAME SELECT ${span} AS span, ${block} AS hour, service, operation, ${SUMMED}
${source('rollup_rows')} GROUP BY 2, service, operation`,
        `INSERT INTO rollup_keys BY NAME SELECT ${span} AS span, ${block} AS hour, service, operation, bucket_key, sum(n) AS n, sum(n_failed) AS n_failed
${source('rollup_keys')} GROUP BY 2, service, operation, bucket_key`,
        `INSERT INTO rollup_fingerprint_rows BY NAME SELECT ${span} AS span, ${block} AS hour, service, operation, fingerprint, sum(n) AS n,
  max(last_at) AS last_at, (array_agg(example ORDER BY last_at DESC, example DESC))[1] AS example
${source('rollup_fingerprint_rows')} GROUP BY 2, service, operation, fingerprint`,
      );
    }
    finer = span;
  }
  const range = timelineSpan > RAW_TIMELINE_SPAN ? blockRange(from, to, watermark, timelineSpan * 1000) : null;
  if (range !== null) {
    const [lo, hi] = range.map(at) as [string, string];
    const hourly = `span = 1 AND hour >= ${lo} AND hour < ${hi}`;
    const block = blockOf('hour', timelineSpan);
    statements.push(
      `DELETE FROM rollup_timeline_rows WHERE span_seconds = ${timelineSpan} AND hour >= ${lo} AND hour < ${hi}`,
      timelineInsert(
        timelineSpan,
        `SELECT ${block} AS block, service, ${SUMMED} FROM rollup_rows WHERE ${hourly} GROUP BY 1, service`,
        `SELECT ${block} AS block, service, bucket_key, CAST(sum(n) AS DOUBLE) AS n FROM rollup_keys WHERE ${hourly} GROUP BY 1, service, bucket_key`,
      ),
    );
  }
  return statements;
}
