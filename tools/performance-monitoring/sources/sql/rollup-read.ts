// The report's SQL when rollups cover the window (docs/rollups.md): aggregate.sql
// itself, with the raw rows it reads cut down to those no rollup row holds (the partial hours at
// the window's edges, and any after the watermark: rollup-cover.ts) and its stats and
// group_operations CTEs swapped for ones that merge those rows with the rollup's. The result has
// aggregate.sql's columns and kinds, plus one 'rollup' row.
//
// Parameters: aggregate.sql's $1..$6, $7 p_rollup_end timestamptz, the rollup's watermark (every
// hour before it is rolled up), then the bounds (rollup-bounds.ts, computed by the caller). The rollup rows to read arrive as relations, which each
// engine supplies from its own storage, already cut to the rows used (relationsSql):
//   rollup_hours(is_current, service, operation, operations, failures, samples, sum_duration,
//                sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating)
//                each window's operation rows, for its figures
//   rollup_histogram(is_current, service, operation, bucket_key, n, n_failed)   the histograms of
//                the current window's (the previous window's percentiles and Apdex are not
//                computed, docs/sources.md: its rows carry NULL)
//   rollup_edge(bucket, service, <the same figures>)   current window, operation rows of the
//                timeline buckets merged from them (the partial ones at the edges, or all)
//   rollup_edge_histogram(bucket, service, bucket_key, n, n_failed)   their histograms
//   rollup_timeline(bucket, service, <the same figures>, p50, p95, p99)   the whole buckets' rows
//                made ready by the refresh, service NULL for overall (none in DuckDB)
//   rollup_fingerprints(service, operation, fingerprint, n, example, last_at)   current window only
import type { AggregateQuery } from '../types.js';
import { aggregationParams, aggregationSql } from './aggregate.js';
import { type ParameterValue, rollupRowSql } from './aggregate-contract.js';
import { cte, splitCtes } from './ctes.js';
import { BUCKET_KEY, BUCKET_WIDTH } from './histogram.js';
import { boundParameters, boundValues, RAW_RANGES, ROLLED_UP_HOURS, ROLLUP_END, THRESHOLD } from './rollup-cover.js';
import { interpolated, percentileAggregates, rankedSql } from './rollup-percentiles.js';
import { type Engine, relationsSql, scalarApdexOf } from './rollup-relations.js';

export type { Engine } from './rollup-relations.js';

const READER = 'rollup-read.ts';
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

/** The exact figures every part carries, summed (min and max taken) over a group. */
const SUMMED = `sum(operations) AS operations, sum(failures) AS failures, sum(samples) AS samples,
    sum(sum_duration) AS sum_duration, sum(sum_squares) AS sum_squares,
    min(min_duration) AS min_duration, max(max_duration) AS max_duration,
    sum(invalid_durations) AS invalid_durations, sum(satisfied) AS satisfied, sum(tolerating) AS tolerating`;
const FIGURES = `operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating`;
/** The sample variance from the exact sums of `t`: (n·Σx² − (Σx)²) / (n(n − 1)). */
const variance = (t: string) => `CASE WHEN ${t}.samples > 1
      THEN CAST(${t}.samples * ${t}.sum_squares - ${t}.sum_duration * ${t}.sum_duration AS double precision)
        / (CAST(${t}.samples AS double precision) * (${t}.samples - 1))
    END`;

/** The CTEs that replace and extend aggregate.sql's, after its failed_ops and fingerprinted.
 *  `scalarApdex`: an SQL condition under which every rollup row's satisfied and tolerating counts
 *  are the report's (its T is the one the refresh counted at); otherwise Apdex comes from the
 *  histograms, by bucket (docs/rollups.md). */
function mergingCtes(scalarApdex: string): string {
  // Histograms of the current window only: the previous window's rows carry no percentiles and no
  // Apdex (docs/sources.md), so none of its keys is unnested, merged or ranked.
  // One pass over the raw rows (the edges' tens of thousands at 1M a day): grouped per (group,
  // histogram key) in the current window, per group in the previous one (no key: its histograms are
  // not merged); each group's figures are then summed from those few rows. Two passes, one for the
  // keys and one for the figures, read every raw row twice.
  return `raw_groups AS (
  SELECT is_current, service, operation, bucket, bucket_key, count(*) AS operations, count(*) FILTER (WHERE failed) AS failures,
    count(dur) AS samples, sum(dur) AS sum_duration, sum(CAST(dur AS bigint) * CAST(dur AS bigint)) AS sum_squares,
    min(dur) AS min_duration, max(dur) AS max_duration, count(*) FILTER (WHERE invalid) AS invalid_durations,
    count(*) FILTER (WHERE NOT failed AND dur <= ${THRESHOLD}) AS satisfied,
    count(*) FILTER (WHERE NOT failed AND dur > ${THRESHOLD} AND dur <= 4 * ${THRESHOLD}) AS tolerating
  FROM (
    SELECT is_current, service, operation, bucket, failed, invalid, dur,
      CASE WHEN is_current AND dur IS NOT NULL THEN ${BUCKET_KEY('dur')} END AS bucket_key
    FROM (SELECT is_current, service, operation, bucket, failed, invalid, dur, ${BUCKET_WIDTH('dur')} AS w FROM ops) AS d
  ) AS k
  GROUP BY is_current, service, operation, bucket, bucket_key
),
-- The current window's samples per key (a keyed group holds samples only: n is its row count).
raw_keys AS (
  SELECT is_current, service, operation, bucket, bucket_key, samples AS n, failures AS n_failed
  FROM raw_groups WHERE bucket_key IS NOT NULL
),
-- The raw rows' exact figures; Apdex counted on their durations (used when scalarApdex holds).
raw_parts AS (
  SELECT is_current, service, operation, bucket, ${SUMMED}
  FROM raw_groups
  GROUP BY is_current, service, operation, bucket
),
-- Every sample's bucket, in double precision (exact to 2^53, and cheaper to add than numeric).
-- The failed samples' buckets apart (failed_keys): only Apdex by bucket needs them (another T
-- than the rollups'), and they stay out of the percentiles' sort.
keys AS (
  SELECT is_current, service, operation, bucket_key, CAST(n AS double precision) AS n
  FROM rollup_histogram WHERE n > 0
  UNION ALL
  SELECT is_current, service, operation, bucket_key, CAST(n AS double precision) FROM raw_keys
),
edge_keys AS (
  SELECT bucket, service, bucket_key, CAST(n AS double precision) AS n
  FROM rollup_edge_histogram WHERE n > 0
  UNION ALL
  SELECT bucket, service, bucket_key, CAST(n AS double precision) FROM raw_keys
),
failed_keys AS (
  SELECT is_current, service, operation, CAST(NULL AS bigint) AS bucket, bucket_key, n_failed
  FROM rollup_histogram WHERE n_failed > 0 AND NOT (${scalarApdex})
  UNION ALL
  SELECT is_current, service, operation, CAST(NULL AS bigint), bucket_key, n_failed FROM raw_keys WHERE n_failed > 0 AND NOT (${scalarApdex})
),
edge_failed_keys AS (
  SELECT bucket, service, bucket_key, n_failed FROM rollup_edge_histogram WHERE n_failed > 0 AND NOT (${scalarApdex})
  UNION ALL
  SELECT bucket, service, bucket_key, n_failed FROM raw_keys WHERE n_failed > 0 AND NOT (${scalarApdex})
),
-- gset: GROUPING(service, operation, bucket) of the group's grouping set, as aggregate.sql's.
failed_apdex AS (
  SELECT 1 + 2 * GROUPING(service, operation) AS gset, is_current, service, operation, CAST(NULL AS bigint) AS bucket,
    sum(n_failed) FILTER (WHERE bucket_key <= ${THRESHOLD}) AS satisfied,
    sum(n_failed) FILTER (WHERE bucket_key > ${THRESHOLD} AND bucket_key <= 4 * ${THRESHOLD}) AS tolerating
  FROM failed_keys
  GROUP BY GROUPING SETS ((is_current), (is_current, service), (is_current, service, operation))
  UNION ALL
  SELECT 2 + 4 * GROUPING(service), true, service, CAST(NULL AS text), bucket,
    sum(n_failed) FILTER (WHERE bucket_key <= ${THRESHOLD}),
    sum(n_failed) FILTER (WHERE bucket_key > ${THRESHOLD} AND bucket_key <= 4 * ${THRESHOLD})
  FROM edge_failed_keys
  GROUP BY GROUPING SETS ((bucket), (bucket, service))
),
-- The histogram of every group, level by level: operations from the keys, services and overall
-- from the operations; the timeline's merged buckets per service from the edge keys, overall
-- from those. (Two passes over the keys into small hash tables beat one GROUPING SETS pass.)
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
  SELECT service, bucket, bucket_key, sum(n) AS n
  FROM edge_keys
  GROUP BY service, bucket, bucket_key
),
key_counts AS (
  SELECT 1 AS gset, is_current, service, operation, CAST(NULL AS bigint) AS bucket, bucket_key, n FROM operation_keys
  UNION ALL
  SELECT 3, is_current, service, CAST(NULL AS text), CAST(NULL AS bigint), bucket_key, n FROM service_keys
  UNION ALL
  SELECT 7, is_current, CAST(NULL AS text), CAST(NULL AS text), CAST(NULL AS bigint), bucket_key, sum(n)
  FROM service_keys GROUP BY is_current, bucket_key
  UNION ALL
  SELECT 2, true, service, CAST(NULL AS text), bucket, bucket_key, n FROM service_bucket_keys
  UNION ALL
  SELECT 6, true, CAST(NULL AS text), CAST(NULL AS text), bucket, bucket_key, sum(n)
  FROM service_bucket_keys GROUP BY bucket, bucket_key
),
ranked AS (
  ${rankedSql('gset, is_current, service, operation, bucket', 'key_counts')}
),
-- Per group: the percentiles' neighbouring bucket values, and Apdex by bucket (a bucket counts
-- as satisfied when its upper end is <= T: exact when T and 4T are bucket boundaries).
distribution AS (
  SELECT gset, is_current, service, operation, bucket,
    ${percentileAggregates()},
    sum(n) FILTER (WHERE bucket_key <= ${THRESHOLD}) AS satisfying,
    sum(n) FILTER (WHERE bucket_key > ${THRESHOLD} AND bucket_key <= 4 * ${THRESHOLD}) AS tolerating
  FROM ranked
  GROUP BY gset, is_current, service, operation, bucket
),
-- Exact figures: each window's per operation, service and overall; the merged timeline buckets'
-- per service and overall.
totals AS (
  SELECT 1 + 2 * GROUPING(service, operation) AS gset, is_current, service, operation, CAST(NULL AS bigint) AS bucket,
    ${SUMMED}
  FROM (
    SELECT is_current, service, operation, ${FIGURES} FROM rollup_hours
    UNION ALL
    SELECT is_current, service, operation, ${FIGURES} FROM raw_parts
  ) AS parts
  GROUP BY GROUPING SETS ((is_current), (is_current, service), (is_current, service, operation))
  UNION ALL
  SELECT 2 + 4 * GROUPING(service), true, service, CAST(NULL AS text), bucket,
    ${SUMMED}
  FROM (
    SELECT bucket, service, ${FIGURES} FROM rollup_edge
    UNION ALL
    SELECT bucket, service, ${FIGURES} FROM raw_parts WHERE is_current
  ) AS parts
  GROUP BY GROUPING SETS ((bucket), (bucket, service))
),
-- aggregate.sql's stats, by the same names: exact counts, sums, min and max; the sample variance
-- from the exact sums; percentiles within the histogram's bound; then the whole buckets' rows as
-- the refresh made them ready.
stats AS (
  SELECT t.is_current, t.service, t.operation, t.bucket, t.gset % 2 = 0 AS in_timeline,
    CASE WHEN t.gset IN (6, 7) THEN 'overall' WHEN t.gset IN (2, 3) THEN 'service' ELSE 'operation' END AS level,
    CAST(t.operations AS bigint) AS operations,
    CAST(t.failures AS bigint) AS failures,
    CAST(t.samples AS bigint) AS samples,
    CASE WHEN t.samples > 0 THEN t.sum_duration END AS sum_duration,
    t.min_duration, t.max_duration,
    CASE WHEN t.is_current THEN ARRAY[${['p50', 'p95', 'p99'].map((p) => interpolated(p, 'd', 't.min_duration', 't.max_duration')).join(', ')}] END AS pct,
    ${variance('t')} AS var_duration,
    CAST(CASE WHEN NOT t.is_current THEN NULL WHEN ${scalarApdex} THEN t.satisfied ELSE COALESCE(d.satisfying, 0) - COALESCE(f.satisfied, 0) END AS bigint) AS satisfied,
    CAST(CASE WHEN NOT t.is_current THEN NULL WHEN ${scalarApdex} THEN t.tolerating ELSE COALESCE(d.tolerating, 0) - COALESCE(f.tolerating, 0) END AS bigint) AS tolerating,
    CAST(t.invalid_durations AS bigint) AS invalid_durations
  FROM totals AS t
  LEFT JOIN distribution AS d ON ${GROUP_OF('d', 't')}
  LEFT JOIN failed_apdex AS f ON ${GROUP_OF('f', 't')}
  UNION ALL
  SELECT true, service, CAST(NULL AS text), bucket, true, CASE WHEN service IS NULL THEN 'overall' ELSE 'service' END,
    CAST(operations AS bigint), CAST(failures AS bigint), CAST(samples AS bigint),
    CASE WHEN samples > 0 THEN sum_duration END, min_duration, max_duration,
    ARRAY[CAST(p50 AS double precision), CAST(p95 AS double precision), CAST(p99 AS double precision)],
    ${variance('w')},
    CAST(satisfied AS bigint), CAST(tolerating AS bigint), CAST(invalid_durations AS bigint)
  FROM rollup_timeline AS w
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

/** The read SQL for `engine`, its bounds still named (rollup-cover.ts: the RPC makes them its
 *  variables); `table` is PERFMON_TABLE for the raw rows. */
export function rollupReadTemplate(engine: Engine, table?: string): string {
  const parts = splitCtes(aggregationSql(table));
  const windowOps = cte(parts, 'ops', READER).replace(/^ops AS /, 'window_ops AS ');
  const ops = `ops AS NOT MATERIALIZED (
  ${RAW_RANGES.map((range) => `SELECT * FROM window_ops WHERE ${range}`).join('\n  UNION ALL\n  ')}
)`;
  const reused = (name: string) => cte(parts, name, READER);
  const ctes = [
    reused('logs'),
    windowOps,
    ops,
    reused('failed_ops'),
    reused('fingerprinted'),
    relationsSql(engine),
    mergingCtes(scalarApdexOf(engine)),
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

/** The read as a client runs it: aggregate.sql's $1..$6, $7 the watermark, then the bounds it
 *  names ($8 on, `names` in order: rollupReadParams). The text is the same for every window (a
 *  live view prepares it once); built once per engine and table. */
export interface RollupRead {
  text: string;
  names: readonly string[];
}
const built = new Map<string, RollupRead>();
export function rollupReadSql(engine: Engine, table?: string): RollupRead {
  const key = `${engine} ${table ?? ''}`;
  let read = built.get(key);
  if (read === undefined) {
    read = boundParameters(rollupReadTemplate(engine, table), 8);
    built.set(key, read);
  }
  return read;
}

/** The parameters of `read` for `query` over rollups ending at `watermarkMs`. */
export const rollupReadParams = (read: RollupRead, query: AggregateQuery, watermarkMs: number): ParameterValue[] => [
  ...aggregationParams(query),
  new Date(watermarkMs).toISOString(),
  ...boundValues(read.names, query, watermarkMs),
];
