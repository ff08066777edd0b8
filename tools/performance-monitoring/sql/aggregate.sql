-- perf-monitor aggregation: one scan over both windows, run unchanged by PostgreSQL and DuckDB.
-- Parameters: $1 current start, $2 end (exclusive), $3 previous start (timestamptz, ISO text),
--             $4 service or NULL for all, $5 threshold T in ms.
-- The table name below is replaced by the caller (PERFMON_TABLE, validated and quoted).
-- NOT MATERIALIZED: rows stream into the grouping, never buffered whole.
WITH ops AS NOT MATERIALIZED (
  SELECT
    -- A boolean, not text: it leads every sort key of the grouping below.
    (created_at >= CAST($1 AS timestamptz)) AS is_current,
    -- A blank source is still a row of some service: group it, visibly, rather than drop it.
    CASE WHEN trim(source) = '' THEN '(none)' ELSE source END AS service,
    COALESCE(operation, '(none)') AS operation,
    COALESCE(status = 'error' OR level = 'error', false) AS failed,
    CASE WHEN duration_ms >= 0 THEN duration_ms END AS dur,
    COALESCE(duration_ms < 0, false) AS invalid,
    status, level, message
  FROM integration_logs
  WHERE created_at >= CAST($3 AS timestamptz)
    AND created_at < CAST($2 AS timestamptz)
    AND (duration_ms IS NOT NULL OR status IN ('success', 'error'))
    AND (CAST($4 AS text) IS NULL OR source = CAST($4 AS text))
),
stats AS (
  SELECT
    is_current, service, operation,
    GROUPING(service, operation) AS grouping_id,
    count(*) AS operations,
    count(*) FILTER (WHERE failed) AS failures,
    count(dur) AS samples,
    sum(dur) AS sum_duration,
    min(dur) AS min_duration,
    max(dur) AS max_duration,
    percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY dur) AS pct,
    count(*) FILTER (WHERE NOT failed AND dur <= $5) AS satisfied,
    count(*) FILTER (WHERE NOT failed AND dur > $5 AND dur <= 4 * $5) AS tolerating,
    count(*) FILTER (WHERE invalid) AS invalid_durations
  FROM ops
  GROUP BY GROUPING SETS ((is_current), (is_current, service), (is_current, service, operation))
),
-- The failures of the current window (`failed AND is_current`), filtered by the bare predicate
-- of the partial index integration_logs_failures_idx (schema.sql) rather than by `failed`, which
-- wraps it in COALESCE: PostgreSQL then reads the few failed rows through that index instead of
-- scanning the table a second time. Same rows: a NULL predicate is no failure either way.
messages AS (
  SELECT service, COALESCE(message, '(no message)') AS message, count(*) AS failures
  FROM ops
  WHERE is_current AND (status = 'error' OR level = 'error')
  GROUP BY service, COALESCE(message, '(no message)')
),
top_messages AS (
  SELECT service, message, failures,
    rank() OVER (PARTITION BY service ORDER BY failures DESC) AS position
  FROM messages
)
SELECT
  'stats' AS kind, CASE WHEN is_current THEN 'current' ELSE 'previous' END AS win,
  CASE grouping_id WHEN 3 THEN 'overall' WHEN 1 THEN 'service' ELSE 'operation' END AS level,
  service, operation, CAST(NULL AS text) AS message,
  operations, failures, samples,
  CAST(sum_duration AS double precision) AS sum_duration,
  CAST(min_duration AS double precision) AS min_duration,
  CAST(max_duration AS double precision) AS max_duration,
  pct[1] AS p50, pct[2] AS p95, pct[3] AS p99,
  satisfied, tolerating, invalid_durations
FROM stats
UNION ALL
SELECT
  'error', 'current', 'service', service, NULL, message,
  failures, failures, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0
FROM top_messages
WHERE position <= 10
