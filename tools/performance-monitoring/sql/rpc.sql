-- GENERATED from aggregate.sql by `npm run sql:rpc`: edit aggregate.sql, not this file.
-- perf-monitor's server-side aggregation for Supabase: one call returns every aggregate row as
-- one JSON array (so PostgREST's max-rows never truncates it). Idempotent.
--   Supabase: paste into the SQL editor and run.   PostgreSQL: psql "$DATABASE_URL" -f rpc.sql
CREATE OR REPLACE FUNCTION public.perf_monitor_summary(
  p_start timestamptz,
  p_end timestamptz,
  p_previous_start timestamptz,
  p_service text DEFAULT NULL,
  p_threshold integer DEFAULT 2000
) RETURNS json
-- plpgsql with custom plans: a LANGUAGE sql function is planned without the parameter values
-- (it estimated 1,332 rows for 2M, scanned by index, without parallel workers: 1.5x slower).
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
SET jit = off
SET plan_cache_mode = force_custom_plan
AS $perf_monitor$
BEGIN
RETURN (SELECT coalesce(json_agg(summary), '[]'::json) FROM (
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
) AS summary);
END
$perf_monitor$;

-- Functions in public are executable by everyone (and so by Supabase's anon key) unless revoked.
REVOKE EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer) FROM PUBLIC;
DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    REVOKE EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer) FROM anon;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    REVOKE EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer) FROM authenticated;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    GRANT EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer) TO service_role;
  END IF;
END
$grants$;

-- PostgREST caches the schema; tell it about the new function.
NOTIFY pgrst, 'reload schema';
