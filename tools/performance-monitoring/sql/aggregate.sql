-- perf-monitor aggregation: one scan over both windows, run unchanged by PostgreSQL and DuckDB.
-- Its parameters and result columns are declared in sources/aggregate-contract.ts (a test checks
-- this file against it). Parameters, each written CAST($n AS type) where it is used:
--   $1 p_start timestamptz: current window start (inclusive)
--   $2 p_end timestamptz: current window end (exclusive)
--   $3 p_previous_start timestamptz: previous window start (it ends at p_start)
--   $4 p_service text: the --service set, its names joined by U+001F (chr(31)), or NULL for all
--   $5 p_threshold integer: Apdex threshold T, ms
--   $6 p_bucket_seconds integer: timeline bucket width, seconds (buckets aligned to the epoch)
-- Rows: kind 'stats' (per window and level), 'timeline' (per bucket of the current window,
-- overall and per service; bucket_start in epoch seconds; docs/timeline.md), 'error' (the top 10 error
-- groups per service, current window, one row per operation of a group: operations = that
-- operation's failures, failures = the group's, message = the fingerprint, example = the
-- group's most recent raw message; docs/error-groups.md), one 'impossible_times' (operations whose created_at is
-- impossible, docs/sources.md: skipped rows) and 'status' (up to 20 status values of the current
-- window's operations: message = the value, operations and failures its counts; docs/sources.md).
-- Every branch of the final UNION names every column, in the same order.
-- NOT MATERIALIZED: rows stream into the grouping, never buffered whole.
WITH logs AS NOT MATERIALIZED (
  SELECT source, operation, level, status, message, duration_ms, created_at
  -- The one place the table is named: the caller substitutes PERFMON_TABLE (validated, quoted).
  FROM integration_logs
),
ops AS NOT MATERIALIZED (
  SELECT
    -- A boolean, not text: it leads every sort key of the grouping below.
    (created_at >= CAST($1 AS timestamptz)) AS is_current,
    -- A blank source is still a row of some service: group it, visibly, rather than drop it.
    CASE WHEN trim(source) = '' THEN '(none)' ELSE source END AS service,
    COALESCE(operation, '(none)') AS operation,
    -- The timeline bucket (its start, epoch seconds) of a current-window row; NULL for the
    -- previous window, whose rows the bucket grouping sets below then gather in one group
    -- per level that the final SELECT drops.
    CASE WHEN created_at >= CAST($1 AS timestamptz)
      THEN CAST(floor(extract(epoch FROM created_at) / CAST($6 AS integer)) AS bigint) * CAST($6 AS integer)
    END AS bucket,
    -- Without regard to case (docs/sources.md): `ERROR` and `Error` are failures too.
    COALESCE(lower(status) = 'error' OR lower(level) = 'error', false) AS failed,
    -- A duration sample fits the column's integer (docs/sources.md); NaN sorts above it in both engines.
    CASE WHEN duration_ms BETWEEN 0 AND 2147483647 THEN duration_ms END AS dur,
    COALESCE(NOT (duration_ms BETWEEN 0 AND 2147483647), false) AS invalid,
    status, level, message, created_at
  FROM logs
  WHERE created_at >= CAST($3 AS timestamptz)
    AND created_at < CAST($2 AS timestamptz)
    -- Possible times only (as impossible_times below), whatever the window.
    AND created_at >= CAST('2000-01-01 00:00:00+00' AS timestamptz)
    AND created_at < CAST('10000-01-01 00:00:00+00' AS timestamptz)
    AND (duration_ms IS NOT NULL OR lower(status) IN ('success', 'error'))
    AND (CAST($4 AS text) IS NULL OR source = ANY(string_to_array(CAST($4 AS text), chr(31))))
),
stats AS (
  SELECT
    is_current, service, operation, bucket,
    -- Whether the row comes from a timeline grouping set (bucket in its key).
    GROUPING(bucket) = 0 AS in_timeline,
    -- The grouping set each row comes from, named.
    CASE
      WHEN GROUPING(service) = 1 THEN 'overall'
      WHEN GROUPING(operation) = 1 THEN 'service'
      ELSE 'operation'
    END AS level,
    count(*) AS operations,
    count(*) FILTER (WHERE failed) AS failures,
    count(dur) AS samples,
    sum(dur) AS sum_duration,
    min(dur) AS min_duration,
    max(dur) AS max_duration,
    -- Percentiles and Apdex of the current window only: nothing reads the previous window's (its
    -- trend is Welch's test on the averages and variances, docs/metrics.md), and its sort is the
    -- costliest part of the grouping; NULL in its rows (docs/sources.md).
    percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY dur) FILTER (WHERE is_current) AS pct,
    -- In double precision: PostgreSQL's var_samp(integer) would accumulate in numeric, slowly.
    var_samp(CAST(dur AS double precision)) AS var_duration,
    CASE WHEN is_current THEN count(*) FILTER (WHERE NOT failed AND dur <= CAST($5 AS integer)) END AS satisfied,
    CASE WHEN is_current THEN count(*) FILTER (WHERE NOT failed AND dur > CAST($5 AS integer) AND dur <= 4 * CAST($5 AS integer)) END AS tolerating,
    count(*) FILTER (WHERE invalid) AS invalid_durations
  FROM ops
  -- The timeline shares this one scan and grouping: two more grouping sets, not a query per bucket.
  GROUP BY GROUPING SETS (
    (is_current), (is_current, service), (is_current, service, operation),
    (is_current, bucket), (is_current, service, bucket)
  )
),
-- The failures of the current window (`failed AND is_current`), filtered by the bare predicate
-- of the partial index integration_logs_failed_idx (schema.sql) rather than by `failed`, which
-- wraps it in COALESCE: PostgreSQL then reads the few failed rows through that index instead of
-- scanning the table a second time. Same rows: a NULL predicate is no failure either way.
failed_ops AS (
  SELECT service, operation, created_at, COALESCE(message, '(no message)') AS message
  FROM ops
  WHERE is_current AND (lower(status) = 'error' OR lower(level) = 'error')
),
-- The status values of the current window's operations as the table holds them, with how many
-- of each the tool counted as failed, so a failure vocabulary it does not know is seen
-- (docs/sources.md). The 20 most frequent are kept; ties at the cut are settled by md5, whose hex
-- text both engines order alike whatever their collation.
statuses AS (
  SELECT status, count(*) AS operations, count(*) FILTER (WHERE failed) AS failures,
    row_number() OVER (ORDER BY count(*) DESC, md5(COALESCE(status, ''))) AS position
  FROM ops
  WHERE is_current
  GROUP BY status
),
-- Error groups (docs/error-groups.md): the message with its variable parts replaced
-- by placeholders, the first rule innermost. Only what RE2 (DuckDB) and ARE (PostgreSQL) read
-- alike: bracket classes, no \b, \d or lookaround; a token's edges are matched as a character
-- (or ^/$) and put back with \1/\4, so the hex rule runs twice (for adjacent tokens).
fingerprinted AS (
  SELECT service, operation, created_at, message,
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(message,
      '[A-Za-z][A-Za-z0-9+.-]*://[^[:space:]"''<>]+', '<url>', 'g'),
      '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]+', '<email>', 'g'),
      '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}', '<uuid>', 'g'),
      '[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?', '<time>', 'g'),
      '[0-9]{1,2}:[0-9]{2}:[0-9]{2}([.,][0-9]+)?', '<time>', 'g'),
      '[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}(:[0-9]{1,5})?', '<ip>', 'g'),
      '(^|[^A-Za-z0-9])"[^"]*"', '\1"<value>"', 'g'),
      '(^|[^A-Za-z0-9])''[^'']*''', '\1''<value>''', 'g'),
      '(^|[^A-Za-z0-9_])(0x)?[0-9A-Fa-f]*([0-9][A-Fa-f]|[A-Fa-f][0-9])[0-9A-Fa-f]*([^A-Za-z0-9_]|$)', '\1<hex>\4', 'g'),
      '(^|[^A-Za-z0-9_])(0x)?[0-9A-Fa-f]*([0-9][A-Fa-f]|[A-Fa-f][0-9])[0-9A-Fa-f]*([^A-Za-z0-9_]|$)', '\1<hex>\4', 'g'),
      '(^|[^A-Za-z0-9_])[0-9]+([.,][0-9]+)*', '\1<n>', 'g') AS fingerprint
  FROM failed_ops
),
-- One row per (service, group, operation); the group's total and its most recent raw message
-- (ties: the greater message) ride on every row of the group.
group_operations AS (
  SELECT service, fingerprint, operation, count(*) AS failures,
    max(created_at) AS last_seen,
    (array_agg(message ORDER BY created_at DESC, message DESC))[1] AS example
  FROM fingerprinted
  GROUP BY service, fingerprint, operation
),
groups AS (
  SELECT service, fingerprint, operation, failures,
    CAST(sum(failures) OVER (PARTITION BY service, fingerprint) AS bigint) AS group_failures,
    first_value(example) OVER (PARTITION BY service, fingerprint ORDER BY last_seen DESC, example DESC) AS group_example
  FROM group_operations
),
-- The top 10 groups per service (ties at the 10th kept), every operation row of each.
top_groups AS (
  SELECT service, fingerprint,
    rank() OVER (PARTITION BY service ORDER BY group_failures DESC) AS position
  FROM (SELECT DISTINCT service, fingerprint, group_failures FROM groups) AS g
),
top_messages AS (
  SELECT groups.service, groups.fingerprint, operation, failures, group_failures, group_example, position
  FROM groups
  JOIN top_groups ON top_groups.service = groups.service AND top_groups.fingerprint = groups.fingerprint
),
-- Operations (same filters as ops) at impossible times: two created_at ranges, read through
-- the created_at index in PostgreSQL. -infinity and infinity fall in them too.
impossible AS (
  SELECT count(*) AS operations
  FROM logs
  WHERE (created_at < CAST('2000-01-01 00:00:00+00' AS timestamptz)
      OR created_at >= CAST('10000-01-01 00:00:00+00' AS timestamptz))
    AND (duration_ms IS NOT NULL OR lower(status) IN ('success', 'error'))
    AND (CAST($4 AS text) IS NULL OR source = ANY(string_to_array(CAST($4 AS text), chr(31))))
)
SELECT
  CAST(CASE WHEN in_timeline THEN 'timeline' ELSE 'stats' END AS text) AS kind,
  CAST(CASE WHEN is_current THEN 'current' ELSE 'previous' END AS text) AS win,
  CAST(level AS text) AS level,
  service,
  operation,
  CAST(bucket AS bigint) AS bucket_start,
  CAST(NULL AS text) AS message,
  CAST(NULL AS text) AS example,
  operations,
  failures,
  samples,
  CAST(sum_duration AS double precision) AS sum_duration,
  CAST(min_duration AS double precision) AS min_duration,
  CAST(max_duration AS double precision) AS max_duration,
  pct[1] AS p50,
  pct[2] AS p95,
  pct[3] AS p99,
  var_duration,
  satisfied,
  tolerating,
  invalid_durations
FROM stats
-- The previous window's rows in the timeline sets (bucket NULL) repeat its 'stats' rows.
WHERE is_current OR NOT in_timeline
UNION ALL
SELECT
  CAST('error' AS text) AS kind,
  CAST('current' AS text) AS win,
  CAST('service' AS text) AS level,
  service,
  operation,
  CAST(NULL AS bigint) AS bucket_start,
  fingerprint AS message,
  group_example AS example,
  failures AS operations,
  group_failures AS failures,
  CAST(0 AS bigint) AS samples,
  CAST(NULL AS double precision) AS sum_duration,
  CAST(NULL AS double precision) AS min_duration,
  CAST(NULL AS double precision) AS max_duration,
  CAST(NULL AS double precision) AS p50,
  CAST(NULL AS double precision) AS p95,
  CAST(NULL AS double precision) AS p99,
  CAST(NULL AS double precision) AS var_duration,
  CAST(0 AS bigint) AS satisfied,
  CAST(0 AS bigint) AS tolerating,
  CAST(0 AS bigint) AS invalid_durations
FROM top_messages
WHERE position <= 10
UNION ALL
SELECT
  CAST('impossible_times' AS text) AS kind,
  CAST(NULL AS text) AS win,
  CAST(NULL AS text) AS level,
  CAST(NULL AS text) AS service,
  CAST(NULL AS text) AS operation,
  CAST(NULL AS bigint) AS bucket_start,
  CAST(NULL AS text) AS message,
  CAST(NULL AS text) AS example,
  operations,
  CAST(0 AS bigint) AS failures,
  CAST(0 AS bigint) AS samples,
  CAST(NULL AS double precision) AS sum_duration,
  CAST(NULL AS double precision) AS min_duration,
  CAST(NULL AS double precision) AS max_duration,
  CAST(NULL AS double precision) AS p50,
  CAST(NULL AS double precision) AS p95,
  CAST(NULL AS double precision) AS p99,
  CAST(NULL AS double precision) AS var_duration,
  CAST(0 AS bigint) AS satisfied,
  CAST(0 AS bigint) AS tolerating,
  CAST(0 AS bigint) AS invalid_durations
FROM impossible
UNION ALL
SELECT
  CAST('status' AS text) AS kind,
  CAST('current' AS text) AS win,
  CAST(NULL AS text) AS level,
  CAST(NULL AS text) AS service,
  CAST(NULL AS text) AS operation,
  CAST(NULL AS bigint) AS bucket_start,
  CAST(status AS text) AS message,
  CAST(NULL AS text) AS example,
  operations,
  failures,
  CAST(0 AS bigint) AS samples,
  CAST(NULL AS double precision) AS sum_duration,
  CAST(NULL AS double precision) AS min_duration,
  CAST(NULL AS double precision) AS max_duration,
  CAST(NULL AS double precision) AS p50,
  CAST(NULL AS double precision) AS p95,
  CAST(NULL AS double precision) AS p99,
  CAST(NULL AS double precision) AS var_duration,
  CAST(0 AS bigint) AS satisfied,
  CAST(0 AS bigint) AS tolerating,
  CAST(0 AS bigint) AS invalid_durations
FROM statuses
WHERE position <= 20
