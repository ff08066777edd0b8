// Where each engine keeps the rollup rows a report reads (docs/rollups.md), as the relations the
// read's merge (rollup-read.ts) takes: PostgreSQL's tables (operation rows hourly and in blocks,
// and the timeline rows), arrays and jsonb unnested here; DuckDB's tables loaded by the Supabase
// fallback from the pages of the operation rows; and the DuckDB tables a tailed file keeps of its
// own rows (sources/sql/rollup-tail.ts: PostgreSQL's rows, stored unnested), read by the same
// cover as PostgreSQL's.

import {
  ROW_BUCKET,
  ROW_IS_CURRENT,
  SERVICE,
  THRESHOLD,
  usedCurrentRows,
  usedCurrentStatsRows,
  usedEdgeRows,
  usedRows,
  usedStatsRows,
  usedTimelineRows,
} from './rollup-cover.js';
import { ROLLUP_THRESHOLD } from './rollup-spans.js';

/** 'duckdb': the Supabase fallback's paged operation rows; 'tail': a tailed file's own rollups,
 *  with PostgreSQL's rows (Apdex counts, blocks, timeline rows) in DuckDB tables. */
export type Engine = 'postgres' | 'duckdb' | 'tail';

/** When the rollup rows' Apdex counts are the report's: their T is the report's. DuckDB (the
 *  Supabase fallback) pages rows without them and counts Apdex from the histograms. */
export const scalarApdexOf = (engine: Engine) => (engine === 'duckdb' ? 'false' : `${THRESHOLD} = ${ROLLUP_THRESHOLD}`);

const ROW_FIGURES = 'operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations';

/** The Supabase fallback's rows, loaded into DuckDB from the pages of the operation rows
 *  (rollup_rows, rollup_keys, rollup_fingerprint_rows; one span column each): the same rows give
 *  the windows' figures and, in the current window, every timeline bucket (no timeline rows).
 *  rollup_keys holds the current window's histograms only (the fallback pages no others). */
function duckdbRelations(): string {
  const none = 'CAST(0 AS BIGINT) AS satisfied, CAST(0 AS BIGINT) AS tolerating';
  return `rollup_hours AS (
  SELECT ${ROW_IS_CURRENT} AS is_current, service, operation, ${ROW_FIGURES}, ${none}
  FROM rollup_rows WHERE ${usedRows('span')}
),
rollup_histogram AS (
  SELECT ${ROW_IS_CURRENT} AS is_current, service, operation, bucket_key, n, n_failed
  FROM rollup_keys WHERE ${usedCurrentRows('span')}
),
rollup_edge AS (
  SELECT ${ROW_BUCKET} AS bucket, service, ${ROW_FIGURES}, ${none}
  FROM rollup_rows WHERE ${usedCurrentRows('span')}
),
rollup_edge_histogram AS (
  SELECT ${ROW_BUCKET} AS bucket, service, bucket_key, n, n_failed
  FROM rollup_keys WHERE ${usedCurrentRows('span')}
),
rollup_timeline AS (
  SELECT CAST(NULL AS BIGINT) AS bucket, CAST(NULL AS VARCHAR) AS service, ${ROW_FIGURES}, satisfied, tolerating,
    CAST(NULL AS DOUBLE) AS p50, CAST(NULL AS DOUBLE) AS p95, CAST(NULL AS DOUBLE) AS p99
  FROM rollup_hours WHERE false
),
rollup_fingerprints AS (
  SELECT service, operation, fingerprint, n, example, last_at
  FROM rollup_fingerprint_rows WHERE ${usedCurrentRows('span')}
)`;
}

/** PostgreSQL's tables: the operation rows, hourly and in blocks (one span column), and the
 *  timeline rows; arrays and jsonb unnested here. */
const OPERATION_TABLES = [
  { table: 'public.perf_monitor_rollup', span: '1' },
  { table: 'public.perf_monitor_rollup_block', span: 'span_hours' },
] as const;
export const TIMELINE_TABLE = 'public.perf_monitor_rollup_timeline';

function postgresRelations(): string {
  const scalar = scalarApdexOf('postgres');
  const union = (each: (table: string, span: string) => string) =>
    OPERATION_TABLES.map(({ table, span }) => each(table, span)).join('\n  UNION ALL\n  ');
  // Each row's window or bucket once per row, before its arrays are unnested (OFFSET 0 keeps the
  // subquery from being flattened into a computation per histogram entry). The failed samples'
  // histograms only where Apdex is counted by bucket.
  // `head`: the columns each row contributes (computed once per row), `of`: those the pairs keep.
  const histograms = (head: string, of: string, used: (span: string) => string) =>
    union((table, span) => {
      const rows = (extra: string) => `(SELECT ${head}, r.* FROM ${table} AS r WHERE ${used(span)}${extra} OFFSET 0) AS r`;
      return `SELECT ${of}, h.bucket_key, h.n, CAST(0 AS bigint) AS n_failed
  FROM ${rows('')}, unnest(r.histogram_keys, r.histogram_counts) AS h(bucket_key, n)
  UNION ALL
  SELECT ${of}, h.bucket_key, CAST(0 AS bigint), h.n
  FROM ${rows(` AND failures > 0 AND NOT (${scalar})`)}, unnest(r.failure_histogram_keys, r.failure_histogram_counts) AS h(bucket_key, n)`;
    });
  return `rollup_hours AS NOT MATERIALIZED (
  ${union(
    (table, span) => `SELECT ${ROW_IS_CURRENT} AS is_current, service, operation, ${ROW_FIGURES}, satisfied, tolerating
  FROM ${table} WHERE ${usedStatsRows(span)}`,
  )}
),
-- The current window's histograms only (rollup-read.ts: no percentiles for the previous window).
rollup_histogram AS NOT MATERIALIZED (
  ${histograms(`${ROW_IS_CURRENT} AS is_current`, 'r.is_current, r.service, r.operation', usedCurrentStatsRows)}
),
rollup_edge AS NOT MATERIALIZED (
  ${union(
    (table, span) => `SELECT ${ROW_BUCKET} AS bucket, service, ${ROW_FIGURES}, satisfied, tolerating
  FROM ${table} WHERE ${usedEdgeRows(span)}`,
  )}
),
rollup_edge_histogram AS NOT MATERIALIZED (
  ${histograms(`${ROW_BUCKET} AS bucket`, 'r.bucket, r.service', usedEdgeRows)}
),
rollup_timeline AS NOT MATERIALIZED (
  SELECT CAST(floor(date_part('epoch', hour)) AS bigint) AS bucket, NULLIF(service, '') AS service, ${ROW_FIGURES}, satisfied, tolerating, p50, p95, p99
  FROM ${TIMELINE_TABLE} WHERE ${usedTimelineRows('span_seconds')}
  UNION ALL
  -- With --service the overall timeline is that service's.
  SELECT CAST(floor(date_part('epoch', hour)) AS bigint), CAST(NULL AS text), ${ROW_FIGURES}, satisfied, tolerating, p50, p95, p99
  FROM ${TIMELINE_TABLE} WHERE ${usedTimelineRows('span_seconds')} AND ${SERVICE} IS NOT NULL
),
rollup_fingerprints AS NOT MATERIALIZED (
  ${union(
    (table, span) => `SELECT service, operation, f.key AS fingerprint, CAST(f.value->>'count' AS bigint) AS n,
    f.value->>'example' AS example, CAST(f.value->>'last_at' AS timestamptz) AS last_at
  FROM ${table}, jsonb_each(fingerprints) AS f
  WHERE ${usedCurrentStatsRows(span)} AND failures > 0`,
  )}
)`;
}

/** A tailed file's rollups in DuckDB (rollup-tail.ts builds them): PostgreSQL's rows, the
 *  histograms and fingerprints already one row per entry, read by PostgreSQL's cover with its
 *  bounds as parameters (rollup-bounds.ts, as the Supabase fallback's). Each predicate is evaluated
 *  once per (span, hour, service) of the operation rows (tail_used), which the histograms and
 *  fingerprints join, rather than once per histogram entry. */
function tailRelations(): string {
  const pick = (flag: string, columns: string, table: string) =>
    `SELECT ${columns} FROM ${table} AS r JOIN tail_used AS u USING (span, hour, service) WHERE u.${flag}`;
  return `tail_used AS MATERIALIZED (
  SELECT span, hour, service, ${ROW_IS_CURRENT} AS is_current, ${ROW_BUCKET} AS bucket,
    ${usedStatsRows('span')} AS stats,
    ${usedCurrentStatsRows('span')} AS current_stats,
    ${usedEdgeRows('span')} AS edge
  FROM (SELECT DISTINCT span, hour, service FROM rollup_rows) AS h
),
rollup_hours AS (
  ${pick('stats', `u.is_current, r.service, r.operation, ${ROW_FIGURES}, satisfied, tolerating`, 'rollup_rows')}
),
rollup_histogram AS (
  ${pick('current_stats', 'u.is_current, r.service, r.operation, bucket_key, n, n_failed', 'rollup_keys')}
),
rollup_edge AS (
  ${pick('edge', `u.bucket, r.service, ${ROW_FIGURES}, satisfied, tolerating`, 'rollup_rows')}
),
rollup_edge_histogram AS (
  ${pick('edge', 'u.bucket, r.service, bucket_key, n, n_failed', 'rollup_keys')}
),
rollup_timeline AS (
  SELECT CAST(floor(date_part('epoch', hour)) AS bigint) AS bucket, NULLIF(service, '') AS service, ${ROW_FIGURES}, satisfied, tolerating, p50, p95, p99
  FROM rollup_timeline_rows WHERE ${usedTimelineRows('span_seconds')}
  UNION ALL
  -- With --service the overall timeline is that service's.
  SELECT CAST(floor(date_part('epoch', hour)) AS bigint), CAST(NULL AS VARCHAR), ${ROW_FIGURES}, satisfied, tolerating, p50, p95, p99
  FROM rollup_timeline_rows WHERE ${usedTimelineRows('span_seconds')} AND ${SERVICE} IS NOT NULL
),
rollup_fingerprints AS (
  ${pick('current_stats', 'r.service, r.operation, fingerprint, n, example, last_at', 'rollup_fingerprint_rows')}
)`;
}

/** The relations of `engine`, as CTEs. */
export const relationsSql = (engine: Engine) => ({ postgres: postgresRelations, duckdb: duckdbRelations, tail: tailRelations })[engine]();
