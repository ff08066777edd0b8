-- GENERATED from aggregate.sql by `npm run sql:rpc`: edit aggregate.sql, not this file.
-- perf-monitor's server-side aggregation for Supabase: one call returns every aggregate row as
-- one JSON array (so PostgREST's max-rows never truncates it). Idempotent, and an upgrade: it
-- replaces any older version of the function, in one transaction.
--   Supabase: paste into the SQL editor and run.   PostgreSQL: psql "$DATABASE_URL" -f rpc.sql
BEGIN;

DO $drop_old$
DECLARE
  old regprocedure;
BEGIN
  FOR old IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proname = 'perf_monitor_summary'
      AND (p.oid IS DISTINCT FROM to_regprocedure('public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer)')
        OR p.proargnames IS DISTINCT FROM ARRAY['p_start', 'p_end', 'p_previous_start', 'p_service', 'p_threshold', 'p_bucket_seconds']::text[]
        OR p.prorettype <> 'json'::regtype)
  LOOP
    EXECUTE format('DROP FUNCTION %s', old);
  END LOOP;
END
$drop_old$;

CREATE OR REPLACE FUNCTION public.perf_monitor_summary(
  p_start timestamptz,
  p_end timestamptz,
  p_previous_start timestamptz,
  p_service text DEFAULT NULL,
  p_threshold integer DEFAULT 2000,
  p_bucket_seconds integer DEFAULT 3600
) RETURNS json
-- plpgsql with custom plans: a LANGUAGE sql function is planned without the parameter values
-- (it estimated 1,332 rows for 2M, scanned by index, without parallel workers: 1.5x slower).
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
SET jit = off
SET plan_cache_mode = force_custom_plan
-- Its own statement timeout, above Supabase's 8 s API default: PostgREST 12+ applies it per call.
SET statement_timeout = '25s'
AS $perf_monitor$
BEGIN
RETURN (SELECT coalesce(json_agg(summary), '[]'::json) FROM (
WITH logs AS NOT MATERIALIZED (
  SELECT source, operation, level, status, message, duration_ms, created_at
  FROM "integration_logs"
),
ops AS NOT MATERIALIZED (
  SELECT
    (created_at >= CAST($1 AS timestamptz)) AS is_current,
    CASE WHEN trim(source) = '' THEN '(none)' ELSE source END AS service,
    COALESCE(operation, '(none)') AS operation,
    CASE WHEN created_at >= CAST($1 AS timestamptz)
      THEN CAST(floor(extract(epoch FROM created_at) / CAST($6 AS integer)) AS bigint) * CAST($6 AS integer)
    END AS bucket,
    COALESCE(status = 'error' OR level = 'error', false) AS failed,
    CASE WHEN duration_ms BETWEEN 0 AND 2147483647 THEN duration_ms END AS dur,
    COALESCE(NOT (duration_ms BETWEEN 0 AND 2147483647), false) AS invalid,
    status, level, message, created_at
  FROM logs
  WHERE created_at >= CAST($3 AS timestamptz)
    AND created_at < CAST($2 AS timestamptz)
    AND created_at >= CAST('2000-01-01 00:00:00+00' AS timestamptz)
    AND created_at < CAST('10000-01-01 00:00:00+00' AS timestamptz)
    AND (duration_ms IS NOT NULL OR status IN ('success', 'error'))
    AND (CAST($4 AS text) IS NULL OR source = CAST($4 AS text))
),
stats AS (
  SELECT
    is_current, service, operation, bucket,
    GROUPING(bucket) = 0 AS in_timeline,
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
    percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY dur) AS pct,
    var_samp(CAST(dur AS double precision)) AS var_duration,
    count(*) FILTER (WHERE NOT failed AND dur <= CAST($5 AS integer)) AS satisfied,
    count(*) FILTER (WHERE NOT failed AND dur > CAST($5 AS integer) AND dur <= 4 * CAST($5 AS integer)) AS tolerating,
    count(*) FILTER (WHERE invalid) AS invalid_durations
  FROM ops
  GROUP BY GROUPING SETS (
    (is_current), (is_current, service), (is_current, service, operation),
    (is_current, bucket), (is_current, service, bucket)
  )
),
failed_ops AS (
  SELECT service, operation, created_at, COALESCE(message, '(no message)') AS message
  FROM ops
  WHERE is_current AND (status = 'error' OR level = 'error')
),
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
impossible AS (
  SELECT count(*) AS operations
  FROM logs
  WHERE (created_at < CAST('2000-01-01 00:00:00+00' AS timestamptz)
      OR created_at >= CAST('10000-01-01 00:00:00+00' AS timestamptz))
    AND (duration_ms IS NOT NULL OR status IN ('success', 'error'))
    AND (CAST($4 AS text) IS NULL OR source = CAST($4 AS text))
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
) AS summary);
END
$perf_monitor$;

-- Functions in public are executable by everyone (and so by Supabase's anon key) unless revoked.
REVOKE EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer) FROM PUBLIC;
DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    REVOKE EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer) FROM anon;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    REVOKE EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer) FROM authenticated;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    GRANT EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer) TO service_role;
  END IF;
END
$grants$;

-- PostgREST caches the schema; tell it about the new function (delivered at COMMIT).
NOTIFY pgrst, 'reload schema';

COMMIT;
