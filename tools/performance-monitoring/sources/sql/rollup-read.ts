// The report's SQL when rollups cover the window (docs/rollups.md): aggregate.sql
// itself, with the raw rows it reads cut down to those no rollup row holds (the partial hours at
// the window's edges, and any after the watermark: rollup-cover-sql.ts) and its stats and
// group_operations CTEs swapped for ones that merge those rows with the rollup's. The result has
// aggregate.sql's columns and kinds, plus one 'rollup' row.
//
// Parameters: aggregate.sql's $1..$6, and $7 p_rollup_end timestamptz, the rollup's watermark
// (every hour before it is rolled up). The rollup rows to read arrive as three relations, which
// each engine supplies from its own storage, already cut to the rows used (relationsSql):
//   rollup_hours(is_current, bucket, service, operation, operations, failures, samples,
//                sum_duration, sum_squares, min_duration, max_duration, invalid_durations)
//   rollup_histogram(is_current, bucket, service, operation, bucket_key, n, n_failed)
//   rollup_fingerprints(service, operation, fingerprint, n, example, last_at)   current window only
import { aggregationSql } from './aggregate.js';
import { rollupRowSql } from './aggregate-contract.js';
import { cte, splitCtes } from './ctes.js';
import { BUCKET_KEY, BUCKET_VALUE, BUCKET_WIDTH } from './histogram.js';
import { RAW_ROWS, ROLLED_UP_HOURS, ROLLUP_END, ROW_BUCKET, ROW_IS_CURRENT, THRESHOLD, usedCurrentRows, usedRows } from './rollup-cover.js';

const READER = 'rollup-read-sql.ts';
const GROUPS = `(is_current), (is_current, service), (is_current, service, operation),
    (is_current, bucket), (is_current, service, bucket)`;
/** Two rows of the same group: equalities on non-null values (a group's absent columns are NULL),
 *  so the engines can hash the join, which IS NOT DISTINCT FROM would prevent. */
const GROUP_OF = (a: string, b: string) =>
  [
    `${a}.gset = ${b}.gset`,
    `${a}.is_current = ${b}.is_current`,
    `COALESCE(${a}.service, '') = COALESCE(${b}.service, '')`,
    `COALESCE(${a}.operation, '') = COALESCE(${b}.operation, '')`,
    `COALESCE(${a}.bucket, -1) = COALESCE(${b}.bucket, -1)`,
  ].join(' AND ');

/** percentile_cont's rule on the merged histogram: the values at ranks floor and ceil of
 *  p * (n - 1) (0-based), interpolated; the rank arithmetic on integers, so both engines agree. */
function percentile(name: string, percent: number): string {
  const position = `${percent} * (total - 1) / 100.0`;
  return `min(value) FILTER (WHERE below > floor(${position})) AS ${name}_low,
    min(value) FILTER (WHERE below > ceil(${position})) AS ${name}_high,
    max(${percent} * (total - 1) - 100 * floor(${position})) / 100.0 AS ${name}_fraction`;
}
const interpolated = (name: string) =>
  `CAST(greatest(t.min_duration, least(t.max_duration, d.${name}_low + d.${name}_fraction * (d.${name}_high - d.${name}_low))) AS double precision)`;

/** The CTEs that replace and extend aggregate.sql's, after its failed_ops and fingerprinted. */
function mergingCtes(): string {
  return `raw_keys AS (
  SELECT is_current, service, operation, bucket, bucket_key, count(*) AS n, count(*) FILTER (WHERE failed) AS n_failed
  FROM (
    SELECT is_current, service, operation, bucket, failed, ${BUCKET_KEY('dur')} AS bucket_key
    FROM (SELECT is_current, service, operation, bucket, failed, dur, ${BUCKET_WIDTH('dur')} AS w FROM ops WHERE dur IS NOT NULL) AS d
  ) AS k
  GROUP BY is_current, service, operation, bucket, bucket_key
),
-- Every sample's bucket, in double precision (exact to 2^53, and cheaper to add than numeric).
-- The failed samples' buckets apart (failed_keys): only Apdex needs them, and they are a third
-- of the rollup's pairs (sparse), which then stay out of the percentiles' sort.
keys AS (
  SELECT is_current, service, operation, bucket, bucket_key, CAST(n AS double precision) AS n
  FROM rollup_histogram WHERE n > 0
  UNION ALL
  SELECT is_current, service, operation, bucket, bucket_key, CAST(n AS double precision) FROM raw_keys
),
failed_keys AS (
  SELECT is_current, service, operation, bucket, bucket_key, n_failed FROM rollup_histogram WHERE n_failed > 0
  UNION ALL
  SELECT is_current, service, operation, bucket, bucket_key, n_failed FROM raw_keys WHERE n_failed > 0
),
failed_apdex AS (
  SELECT is_current, service, operation, bucket, GROUPING(service, operation, bucket) AS gset,
    sum(n_failed) FILTER (WHERE bucket_key <= ${THRESHOLD}) AS satisfied,
    sum(n_failed) FILTER (WHERE bucket_key > ${THRESHOLD} AND bucket_key <= 4 * ${THRESHOLD}) AS tolerating
  FROM failed_keys
  GROUP BY GROUPING SETS (
    ${GROUPS}
  )
),
-- The histogram of every group, level by level: operations from the keys, services and overall
-- from the operations; the timeline's service buckets from the keys, overall buckets from those.
-- (Two passes over the keys into small hash tables beat one GROUPING SETS pass into five.)
operation_keys AS (
  SELECT is_current, service, operation, bucket_key, sum(n) AS n
  FROM keys
  GROUP BY is_current, service, operation, bucket_key
),
service_keys AS (
  SELECT is_current, service, bucket_key, sum(n) AS n
  FROM operation_keys
  GROUP BY is_current, service, bucket_key
),
service_bucket_keys AS (
  SELECT is_current, service, bucket, bucket_key, sum(n) AS n
  FROM keys
  WHERE is_current
  GROUP BY is_current, service, bucket, bucket_key
),
-- gset: GROUPING(service, operation, bucket) of the group's grouping set in totals below.
key_counts AS (
  SELECT 1 AS gset, is_current, service, operation, CAST(NULL AS bigint) AS bucket, bucket_key, n FROM operation_keys
  UNION ALL
  SELECT 3, is_current, service, CAST(NULL AS text), CAST(NULL AS bigint), bucket_key, n FROM service_keys
  UNION ALL
  SELECT 7, is_current, CAST(NULL AS text), CAST(NULL AS text), CAST(NULL AS bigint), bucket_key, sum(n)
  FROM service_keys GROUP BY is_current, bucket_key
  UNION ALL
  SELECT 2, is_current, service, CAST(NULL AS text), bucket, bucket_key, n FROM service_bucket_keys
  UNION ALL
  SELECT 6, is_current, CAST(NULL AS text), CAST(NULL AS text), bucket, bucket_key, sum(n)
  FROM service_bucket_keys GROUP BY is_current, bucket, bucket_key
),
ranked AS (
  SELECT gset, is_current, service, operation, bucket, bucket_key, n,
    ${BUCKET_VALUE('bucket_key')} AS value,
    sum(n) OVER (PARTITION BY gset, is_current, service, operation, bucket ORDER BY bucket_key ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below,
    sum(n) OVER (PARTITION BY gset, is_current, service, operation, bucket) AS total
  FROM key_counts
),
-- Per group: the percentiles' neighbouring bucket values, and Apdex by bucket (a bucket counts
-- as satisfied when its upper end is <= T: exact when T and 4T are bucket boundaries).
distribution AS (
  SELECT gset, is_current, service, operation, bucket,
    ${percentile('p50', 50)},
    ${percentile('p95', 95)},
    ${percentile('p99', 99)},
    sum(n) FILTER (WHERE bucket_key <= ${THRESHOLD}) AS satisfying,
    sum(n) FILTER (WHERE bucket_key > ${THRESHOLD} AND bucket_key <= 4 * ${THRESHOLD}) AS tolerating
  FROM ranked
  GROUP BY gset, is_current, service, operation, bucket
),
parts AS (
  SELECT is_current, service, operation, bucket, operations, failures, samples,
    sum_duration, sum_squares, min_duration, max_duration, invalid_durations
  FROM rollup_hours
  UNION ALL
  SELECT is_current, service, operation, bucket, count(*), count(*) FILTER (WHERE failed), count(dur),
    sum(dur), sum(CAST(dur AS bigint) * CAST(dur AS bigint)), min(dur), max(dur), count(*) FILTER (WHERE invalid)
  FROM ops
  GROUP BY is_current, service, operation, bucket
),
totals AS (
  SELECT is_current, service, operation, bucket, GROUPING(service, operation, bucket) AS gset,
    GROUPING(bucket) = 0 AS in_timeline,
    CASE
      WHEN GROUPING(service) = 1 THEN 'overall'
      WHEN GROUPING(operation) = 1 THEN 'service'
      ELSE 'operation'
    END AS level,
    sum(operations) AS operations, sum(failures) AS failures, sum(samples) AS samples,
    sum(sum_duration) AS sum_duration, sum(sum_squares) AS sum_squares,
    min(min_duration) AS min_duration, max(max_duration) AS max_duration,
    sum(invalid_durations) AS invalid_durations
  FROM parts
  GROUP BY GROUPING SETS (
    ${GROUPS}
  )
),
-- aggregate.sql's stats, by the same names: exact counts, sums, min and max; the sample variance
-- from the exact sums (n·Σx² − (Σx)²) / (n(n − 1)); percentiles within the histogram's bound.
stats AS (
  SELECT t.is_current, t.service, t.operation, t.bucket, t.in_timeline, t.level,
    CAST(t.operations AS bigint) AS operations,
    CAST(t.failures AS bigint) AS failures,
    CAST(t.samples AS bigint) AS samples,
    CASE WHEN t.samples > 0 THEN t.sum_duration END AS sum_duration,
    t.min_duration, t.max_duration,
    ARRAY[${interpolated('p50')}, ${interpolated('p95')}, ${interpolated('p99')}] AS pct,
    CASE WHEN t.samples > 1
      THEN CAST(t.samples * t.sum_squares - t.sum_duration * t.sum_duration AS double precision)
        / (CAST(t.samples AS double precision) * (t.samples - 1))
    END AS var_duration,
    CAST(COALESCE(d.satisfying, 0) - COALESCE(f.satisfied, 0) AS bigint) AS satisfied,
    CAST(COALESCE(d.tolerating, 0) - COALESCE(f.tolerating, 0) AS bigint) AS tolerating,
    CAST(t.invalid_durations AS bigint) AS invalid_durations
  FROM totals AS t
  LEFT JOIN distribution AS d ON ${GROUP_OF('d', 't')}
  LEFT JOIN failed_apdex AS f ON ${GROUP_OF('f', 't')}
),
-- Error groups: the rollup's fingerprint counts of the current window's hours, and the raw edge
-- failures fingerprinted as aggregate.sql does; per operation, the most recent example wins.
fingerprint_parts AS (
  SELECT service, fingerprint, operation, n AS failures, last_at AS last_seen, example
  FROM rollup_fingerprints
  UNION ALL
  SELECT service, fingerprint, operation, count(*), max(created_at),
    (array_agg(message ORDER BY created_at DESC, message DESC))[1]
  FROM fingerprinted
  GROUP BY service, fingerprint, operation
),
group_operations AS (
  SELECT service, fingerprint, operation, CAST(sum(failures) AS bigint) AS failures,
    max(last_seen) AS last_seen,
    (array_agg(example ORDER BY last_seen DESC, example DESC))[1] AS example
  FROM fingerprint_parts
  GROUP BY service, fingerprint, operation
)`;
}

export type Engine = 'postgres' | 'duckdb';

/** The read SQL for `engine`; `table` is PERFMON_TABLE for the raw rows. */
export function rollupReadSql(engine: Engine, table?: string): string {
  const parts = splitCtes(aggregationSql(table));
  const windowOps = cte(parts, 'ops', READER).replace(/^ops AS /, 'window_ops AS ');
  const ops = `ops AS NOT MATERIALIZED (
  SELECT * FROM window_ops
  WHERE ${RAW_ROWS}
)`;
  const reused = (name: string) => cte(parts, name, READER);
  const ctes = [
    reused('logs'),
    windowOps,
    ops,
    reused('failed_ops'),
    reused('fingerprinted'),
    relationsSql(engine),
    mergingCtes(),
    reused('groups'),
    reused('top_groups'),
    reused('top_messages'),
    reused('impossible'),
    // The rollups keep no status: the read returns none, and the report's statuses is null
    // (docs/sources.md) rather than the few raw rows' at the window's edges.
    `statuses AS (
  SELECT CAST(NULL AS text) AS status, CAST(0 AS bigint) AS operations, CAST(0 AS bigint) AS failures, CAST(0 AS bigint) AS position
  WHERE false
)`,
  ];
  // The 'rollup' row: the watermark the read used, and the hours it read from the rollups.
  return `WITH ${ctes.join(',\n')}\n${parts.final}\nUNION ALL\n${rollupRowSql(ROLLUP_END, ROLLED_UP_HOURS)}`;
}

/** Where each engine keeps the rollup: PostgreSQL in its two tables (hourly rows, and blocks),
 *  the arrays and jsonb unnested here; DuckDB (the Supabase fallback) in three tables loaded from
 *  the pages of those (rollup_rows, rollup_keys, rollup_fingerprint_rows), one span column each. */
const STORAGE = {
  postgres: [
    { table: 'public.perf_monitor_rollup', span: '1' },
    { table: 'public.perf_monitor_rollup_block', span: 'span_hours' },
  ],
} as const;

const FIGURES = 'operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations';

function relationsSql(engine: Engine): string {
  if (engine === 'duckdb') {
    return `rollup_hours AS (
  SELECT ${ROW_IS_CURRENT} AS is_current, ${ROW_BUCKET} AS bucket, service, operation, ${FIGURES}
  FROM rollup_rows WHERE ${usedRows('span')}
),
rollup_histogram AS (
  SELECT ${ROW_IS_CURRENT} AS is_current, ${ROW_BUCKET} AS bucket, service, operation, bucket_key, n, n_failed
  FROM rollup_keys WHERE ${usedRows('span')}
),
rollup_fingerprints AS (
  SELECT service, operation, fingerprint, n, example, last_at
  FROM rollup_fingerprint_rows WHERE ${usedCurrentRows('span')}
)`;
  }
  // Each row's window and bucket once per row, before its arrays are unnested (OFFSET 0 keeps
  // the subquery from being flattened into a computation per histogram entry).
  const rows = (table: string, span: string, extra = '') =>
    `(SELECT ${ROW_IS_CURRENT} AS is_current, ${ROW_BUCKET} AS bucket, r.* FROM ${table} AS r WHERE ${usedRows(span)}${extra} OFFSET 0) AS r`;
  const union = (each: (table: string, span: string) => string) =>
    STORAGE.postgres.map(({ table, span }) => each(table, span)).join('\n  UNION ALL\n  ');
  return `rollup_hours AS NOT MATERIALIZED (
  ${union(
    (table, span) => `SELECT ${ROW_IS_CURRENT} AS is_current, ${ROW_BUCKET} AS bucket, service, operation, ${FIGURES}
  FROM ${table} WHERE ${usedRows(span)}`,
  )}
),
rollup_histogram AS NOT MATERIALIZED (
  ${union(
    (table, span) => `SELECT r.is_current, r.bucket, r.service, r.operation, h.bucket_key, h.n, CAST(0 AS bigint) AS n_failed
  FROM ${rows(table, span)}, unnest(r.histogram_keys, r.histogram_counts) AS h(bucket_key, n)
  UNION ALL
  SELECT r.is_current, r.bucket, r.service, r.operation, h.bucket_key, CAST(0 AS bigint), h.n
  FROM ${rows(table, span, ' AND failures > 0')}, unnest(r.failure_histogram_keys, r.failure_histogram_counts) AS h(bucket_key, n)`,
  )}
),
rollup_fingerprints AS NOT MATERIALIZED (
  ${union(
    (table, span) => `SELECT service, operation, f.key AS fingerprint, CAST(f.value->>'count' AS bigint) AS n,
    f.value->>'example' AS example, CAST(f.value->>'last_at' AS timestamptz) AS last_at
  FROM ${table}, jsonb_each(fingerprints) AS f
  WHERE ${usedCurrentRows(span)} AND failures > 0`,
  )}
)`;
}
