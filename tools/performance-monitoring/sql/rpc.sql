-- GENERATED from aggregate.sql (and the rollup read built from it, sources/sql/rollup-read.ts) by
-- `npm run sql:rpc`: edit those, not this file.
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
      AND (p.oid IS DISTINCT FROM to_regprocedure('public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer, boolean)')
        OR p.proargnames IS DISTINCT FROM ARRAY['p_start', 'p_end', 'p_previous_start', 'p_service', 'p_threshold', 'p_bucket_seconds', 'p_exact']::text[]
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
  p_bucket_seconds integer DEFAULT 3600,
  p_exact boolean DEFAULT false
) RETURNS json
-- plpgsql with custom plans: a LANGUAGE sql function is planned without the parameter values
-- (it estimated 1,332 rows for 2M, scanned by index, without parallel workers: 1.5x slower).
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
SET jit = off
SET plan_cache_mode = force_custom_plan
-- Its own statement timeout, above Supabase's 8 s API default: PostgREST 12+ applies it per call.
SET statement_timeout = '25s'
-- The rollup read's hash aggregates spill to sorts at the 4 MB default (2-3x slower).
SET work_mem = '64MB'
AS $perf_monitor$
DECLARE
  -- rollup.sql is installed (and readable): the answer carries its 'rollup' row.
  v_installed boolean := false;
  v_watermark timestamptz;
  -- The installed rows' layout (rollup-cover.ts's layoutOf: NULL before the column existed).
  v_layout text;
  -- The read's bounds (rollup-bounds.ts), computed once below.
  v_current_1_lo timestamptz;
  v_current_1_hi timestamptz;
  v_previous_1_lo timestamptz;
  v_previous_1_hi timestamptz;
  v_whole_lo timestamptz;
  v_whole_hi timestamptz;
  v_previous_3_lo timestamptz;
  v_previous_3_hi timestamptz;
  v_previous_24_lo timestamptz;
  v_previous_24_hi timestamptz;
  v_previous_168_lo timestamptz;
  v_previous_168_hi timestamptz;
  v_current_3_lo timestamptz;
  v_current_3_hi timestamptz;
  v_current_24_lo timestamptz;
  v_current_24_hi timestamptz;
  v_current_168_lo timestamptz;
  v_current_168_hi timestamptz;
  v_edge_before_1_lo timestamptz;
  v_edge_before_1_hi timestamptz;
  v_edge_before_3_lo timestamptz;
  v_edge_before_3_hi timestamptz;
  v_edge_before_24_lo timestamptz;
  v_edge_before_24_hi timestamptz;
  v_edge_before_168_lo timestamptz;
  v_edge_before_168_hi timestamptz;
  v_edge_after_1_lo timestamptz;
  v_edge_after_1_hi timestamptz;
  v_edge_after_3_lo timestamptz;
  v_edge_after_3_hi timestamptz;
  v_edge_after_24_lo timestamptz;
  v_edge_after_24_hi timestamptz;
  v_edge_after_168_lo timestamptz;
  v_edge_after_168_hi timestamptz;
BEGIN
  -- The rollups answer when not told to be exact, when the rollups can give the timeline (whole hours, or 30 minutes
  -- at T = 2000 for all services or one: rollup-bounds.ts's timelineFits) and
  -- when their watermark covers some of the window. The rollup tables are named in static SQL:
  -- plpgsql resolves them only when a statement runs, so without rollup.sql none of it does.
  IF NOT p_exact AND (p_bucket_seconds % 3600 = 0 OR (p_bucket_seconds = 1800 AND (p_threshold = 2000 AND (p_service IS NULL OR strpos(p_service, chr(31)) = 0)))) AND to_regclass('public.perf_monitor_rollup_state') IS NOT NULL
     AND has_table_privilege('public.perf_monitor_rollup_state', 'SELECT') THEN
    v_installed := true;
    SELECT watermark, (to_jsonb(s) ->> 'histogram_layout') INTO v_watermark, v_layout FROM public.perf_monitor_rollup_state AS s;
    -- Every table the read names, readable (an older rollup.sql lacks the newer ones: raw rows then),
    -- and rows of this version's layout (an older rollup.sql's rows: raw rows until it is run again).
    IF (v_watermark > to_timestamp(ceil(extract(epoch FROM p_previous_start - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 3600) * 3600))
       AND v_layout = '5'
       AND to_regclass('public.perf_monitor_rollup') IS NOT NULL AND to_regclass('public.perf_monitor_rollup_block') IS NOT NULL AND to_regclass('public.perf_monitor_rollup_timeline') IS NOT NULL
       AND has_table_privilege('public.perf_monitor_rollup', 'SELECT') AND has_table_privilege('public.perf_monitor_rollup_block', 'SELECT') AND has_table_privilege('public.perf_monitor_rollup_timeline', 'SELECT') THEN
      v_current_1_lo := to_timestamp(ceil(extract(epoch FROM p_start - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 3600) * 3600);
      v_current_1_hi := greatest(v_current_1_lo, least(to_timestamp(floor(extract(epoch FROM p_end - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 3600) * 3600), v_watermark));
      v_previous_1_lo := to_timestamp(ceil(extract(epoch FROM p_previous_start - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 3600) * 3600);
      v_previous_1_hi := greatest(v_previous_1_lo, least(to_timestamp(floor(extract(epoch FROM p_start - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 3600) * 3600), v_watermark));
      v_whole_lo := CASE WHEN (p_threshold = 2000 AND (p_service IS NULL OR strpos(p_service, chr(31)) = 0)) THEN least(to_timestamp(ceil(extract(epoch FROM v_current_1_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / p_bucket_seconds) * p_bucket_seconds), v_current_1_hi) ELSE v_current_1_hi END;
      v_whole_hi := greatest(v_whole_lo, to_timestamp(floor(extract(epoch FROM v_current_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / p_bucket_seconds) * p_bucket_seconds));
      v_previous_3_lo := to_timestamp(ceil(extract(epoch FROM v_previous_1_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800);
      v_previous_3_hi := greatest(v_previous_3_lo, to_timestamp(floor(extract(epoch FROM v_previous_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800));
      v_previous_24_lo := to_timestamp(ceil(extract(epoch FROM v_previous_1_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400);
      v_previous_24_hi := greatest(v_previous_24_lo, to_timestamp(floor(extract(epoch FROM v_previous_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400));
      v_previous_168_lo := to_timestamp(ceil(extract(epoch FROM v_previous_1_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800);
      v_previous_168_hi := greatest(v_previous_168_lo, to_timestamp(floor(extract(epoch FROM v_previous_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800));
      v_current_3_lo := to_timestamp(ceil(extract(epoch FROM v_current_1_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800);
      v_current_3_hi := greatest(v_current_3_lo, to_timestamp(floor(extract(epoch FROM v_current_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800));
      v_current_24_lo := to_timestamp(ceil(extract(epoch FROM v_current_1_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400);
      v_current_24_hi := greatest(v_current_24_lo, to_timestamp(floor(extract(epoch FROM v_current_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400));
      v_current_168_lo := to_timestamp(ceil(extract(epoch FROM v_current_1_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800);
      v_current_168_hi := greatest(v_current_168_lo, to_timestamp(floor(extract(epoch FROM v_current_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800));
      v_edge_before_1_lo := v_current_1_lo;
      v_edge_before_1_hi := v_whole_lo;
      v_edge_before_3_lo := v_current_3_lo;
      v_edge_before_3_hi := CASE WHEN p_bucket_seconds % 10800 = 0 THEN greatest(v_current_3_lo, to_timestamp(floor(extract(epoch FROM v_whole_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800)) ELSE v_current_3_lo END;
      v_edge_before_24_lo := v_current_24_lo;
      v_edge_before_24_hi := CASE WHEN p_bucket_seconds % 86400 = 0 THEN greatest(v_current_24_lo, to_timestamp(floor(extract(epoch FROM v_whole_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400)) ELSE v_current_24_lo END;
      v_edge_before_168_lo := v_current_168_lo;
      v_edge_before_168_hi := CASE WHEN p_bucket_seconds % 604800 = 0 THEN greatest(v_current_168_lo, to_timestamp(floor(extract(epoch FROM v_whole_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800)) ELSE v_current_168_lo END;
      v_edge_after_1_lo := v_whole_hi;
      v_edge_after_1_hi := v_current_1_hi;
      v_edge_after_3_lo := to_timestamp(ceil(extract(epoch FROM v_whole_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800);
      v_edge_after_3_hi := CASE WHEN p_bucket_seconds % 10800 = 0 THEN greatest(v_edge_after_3_lo, to_timestamp(floor(extract(epoch FROM v_current_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800)) ELSE v_edge_after_3_lo END;
      v_edge_after_24_lo := to_timestamp(ceil(extract(epoch FROM v_whole_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400);
      v_edge_after_24_hi := CASE WHEN p_bucket_seconds % 86400 = 0 THEN greatest(v_edge_after_24_lo, to_timestamp(floor(extract(epoch FROM v_current_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400)) ELSE v_edge_after_24_lo END;
      v_edge_after_168_lo := to_timestamp(ceil(extract(epoch FROM v_whole_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800);
      v_edge_after_168_hi := CASE WHEN p_bucket_seconds % 604800 = 0 THEN greatest(v_edge_after_168_lo, to_timestamp(floor(extract(epoch FROM v_current_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800)) ELSE v_edge_after_168_lo END;
      RETURN (SELECT coalesce(json_agg(summary), '[]'::json) FROM (
WITH logs AS NOT MATERIALIZED (
  SELECT source, operation, level, status, message, duration_ms, created_at
  FROM "integration_logs"
),
window_ops AS NOT MATERIALIZED (
  SELECT
    (created_at >= CAST($1 AS timestamptz)) AS is_current,
    CASE WHEN trim(source) = '' THEN '(none)' ELSE source END AS service,
    COALESCE(operation, '(none)') AS operation,
    CASE WHEN created_at >= CAST($1 AS timestamptz)
      THEN CAST(floor(extract(epoch FROM created_at) / CAST($6 AS integer)) AS bigint) * CAST($6 AS integer)
    END AS bucket,
    COALESCE(lower(status) = 'error' OR lower(level) = 'error', false) AS failed,
    CASE WHEN duration_ms BETWEEN 0 AND 2147483647 THEN duration_ms END AS dur,
    COALESCE(NOT (duration_ms BETWEEN 0 AND 2147483647), false) AS invalid,
    status, level, message, created_at
  FROM logs
  WHERE created_at >= CAST($3 AS timestamptz)
    AND created_at < CAST($2 AS timestamptz)
    AND created_at >= CAST('2000-01-01 00:00:00+00' AS timestamptz)
    AND created_at < CAST('10000-01-01 00:00:00+00' AS timestamptz)
    AND (duration_ms IS NOT NULL OR lower(status) IN ('success', 'error'))
    AND (CAST($4 AS text) IS NULL OR source = ANY(string_to_array(CAST($4 AS text), chr(31))))
),
ops AS NOT MATERIALIZED (
  SELECT * FROM window_ops WHERE created_at >= CAST($3 AS timestamptz) AND created_at < v_previous_1_lo
  UNION ALL
  SELECT * FROM window_ops WHERE created_at >= v_previous_1_hi AND created_at < v_current_1_lo
  UNION ALL
  SELECT * FROM window_ops WHERE created_at >= v_current_1_hi AND created_at < CAST($2 AS timestamptz)
),
failed_ops AS (
  SELECT service, operation, created_at, COALESCE(message, '(no message)') AS message
  FROM ops
  WHERE is_current AND (lower(status) = 'error' OR lower(level) = 'error')
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
rollup_hours AS NOT MATERIALIZED (
  SELECT (hour >= v_current_1_lo) AS is_current, service, operation, operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating
  FROM public.perf_monitor_rollup WHERE ((1 = 1 AND (hour >= v_previous_1_lo AND hour < v_previous_1_hi) AND NOT (hour >= v_previous_3_lo AND hour < v_previous_3_hi))
      OR (1 = 3 AND (hour >= v_previous_3_lo AND hour < v_previous_3_hi) AND NOT (hour >= v_previous_24_lo AND hour < v_previous_24_hi))
      OR (1 = 24 AND (hour >= v_previous_24_lo AND hour < v_previous_24_hi) AND NOT (hour >= v_previous_168_lo AND hour < v_previous_168_hi))
      OR (1 = 168 AND (hour >= v_previous_168_lo AND hour < v_previous_168_hi))
      OR (1 = 1 AND (hour >= v_current_1_lo AND hour < v_current_1_hi) AND NOT (hour >= v_current_3_lo AND hour < v_current_3_hi))
      OR (1 = 3 AND (hour >= v_current_3_lo AND hour < v_current_3_hi) AND NOT (hour >= v_current_24_lo AND hour < v_current_24_hi))
      OR (1 = 24 AND (hour >= v_current_24_lo AND hour < v_current_24_hi) AND NOT (hour >= v_current_168_lo AND hour < v_current_168_hi))
      OR (1 = 168 AND (hour >= v_current_168_lo AND hour < v_current_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31))))
  UNION ALL
  SELECT (hour >= v_current_1_lo) AS is_current, service, operation, operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating
  FROM public.perf_monitor_rollup_block WHERE ((span_hours = 1 AND (hour >= v_previous_1_lo AND hour < v_previous_1_hi) AND NOT (hour >= v_previous_3_lo AND hour < v_previous_3_hi))
      OR (span_hours = 3 AND (hour >= v_previous_3_lo AND hour < v_previous_3_hi) AND NOT (hour >= v_previous_24_lo AND hour < v_previous_24_hi))
      OR (span_hours = 24 AND (hour >= v_previous_24_lo AND hour < v_previous_24_hi) AND NOT (hour >= v_previous_168_lo AND hour < v_previous_168_hi))
      OR (span_hours = 168 AND (hour >= v_previous_168_lo AND hour < v_previous_168_hi))
      OR (span_hours = 1 AND (hour >= v_current_1_lo AND hour < v_current_1_hi) AND NOT (hour >= v_current_3_lo AND hour < v_current_3_hi))
      OR (span_hours = 3 AND (hour >= v_current_3_lo AND hour < v_current_3_hi) AND NOT (hour >= v_current_24_lo AND hour < v_current_24_hi))
      OR (span_hours = 24 AND (hour >= v_current_24_lo AND hour < v_current_24_hi) AND NOT (hour >= v_current_168_lo AND hour < v_current_168_hi))
      OR (span_hours = 168 AND (hour >= v_current_168_lo AND hour < v_current_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31))))
),
rollup_histogram AS NOT MATERIALIZED (
  SELECT r.is_current, r.service, r.operation, h.bucket_key, h.n, CAST(0 AS bigint) AS n_failed
  FROM (SELECT (hour >= v_current_1_lo) AS is_current, r.* FROM public.perf_monitor_rollup AS r WHERE ((1 = 1 AND (hour >= v_current_1_lo AND hour < v_current_1_hi) AND NOT (hour >= v_current_3_lo AND hour < v_current_3_hi))
      OR (1 = 3 AND (hour >= v_current_3_lo AND hour < v_current_3_hi) AND NOT (hour >= v_current_24_lo AND hour < v_current_24_hi))
      OR (1 = 24 AND (hour >= v_current_24_lo AND hour < v_current_24_hi) AND NOT (hour >= v_current_168_lo AND hour < v_current_168_hi))
      OR (1 = 168 AND (hour >= v_current_168_lo AND hour < v_current_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31)))) OFFSET 0) AS r, unnest(r.histogram_keys, r.histogram_counts) AS h(bucket_key, n)
  UNION ALL
  SELECT r.is_current, r.service, r.operation, h.bucket_key, CAST(0 AS bigint), h.n
  FROM (SELECT (hour >= v_current_1_lo) AS is_current, r.* FROM public.perf_monitor_rollup AS r WHERE ((1 = 1 AND (hour >= v_current_1_lo AND hour < v_current_1_hi) AND NOT (hour >= v_current_3_lo AND hour < v_current_3_hi))
      OR (1 = 3 AND (hour >= v_current_3_lo AND hour < v_current_3_hi) AND NOT (hour >= v_current_24_lo AND hour < v_current_24_hi))
      OR (1 = 24 AND (hour >= v_current_24_lo AND hour < v_current_24_hi) AND NOT (hour >= v_current_168_lo AND hour < v_current_168_hi))
      OR (1 = 168 AND (hour >= v_current_168_lo AND hour < v_current_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31)))) AND failures > 0 AND NOT (CAST($5 AS integer) = 2000) OFFSET 0) AS r, unnest(r.failure_histogram_keys, r.failure_histogram_counts) AS h(bucket_key, n)
  UNION ALL
  SELECT r.is_current, r.service, r.operation, h.bucket_key, h.n, CAST(0 AS bigint) AS n_failed
  FROM (SELECT (hour >= v_current_1_lo) AS is_current, r.* FROM public.perf_monitor_rollup_block AS r WHERE ((span_hours = 1 AND (hour >= v_current_1_lo AND hour < v_current_1_hi) AND NOT (hour >= v_current_3_lo AND hour < v_current_3_hi))
      OR (span_hours = 3 AND (hour >= v_current_3_lo AND hour < v_current_3_hi) AND NOT (hour >= v_current_24_lo AND hour < v_current_24_hi))
      OR (span_hours = 24 AND (hour >= v_current_24_lo AND hour < v_current_24_hi) AND NOT (hour >= v_current_168_lo AND hour < v_current_168_hi))
      OR (span_hours = 168 AND (hour >= v_current_168_lo AND hour < v_current_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31)))) OFFSET 0) AS r, unnest(r.histogram_keys, r.histogram_counts) AS h(bucket_key, n)
  UNION ALL
  SELECT r.is_current, r.service, r.operation, h.bucket_key, CAST(0 AS bigint), h.n
  FROM (SELECT (hour >= v_current_1_lo) AS is_current, r.* FROM public.perf_monitor_rollup_block AS r WHERE ((span_hours = 1 AND (hour >= v_current_1_lo AND hour < v_current_1_hi) AND NOT (hour >= v_current_3_lo AND hour < v_current_3_hi))
      OR (span_hours = 3 AND (hour >= v_current_3_lo AND hour < v_current_3_hi) AND NOT (hour >= v_current_24_lo AND hour < v_current_24_hi))
      OR (span_hours = 24 AND (hour >= v_current_24_lo AND hour < v_current_24_hi) AND NOT (hour >= v_current_168_lo AND hour < v_current_168_hi))
      OR (span_hours = 168 AND (hour >= v_current_168_lo AND hour < v_current_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31)))) AND failures > 0 AND NOT (CAST($5 AS integer) = 2000) OFFSET 0) AS r, unnest(r.failure_histogram_keys, r.failure_histogram_counts) AS h(bucket_key, n)
),
rollup_edge AS NOT MATERIALIZED (
  SELECT CASE WHEN hour >= v_current_1_lo
      THEN CAST(floor(date_part('epoch', hour) / CAST($6 AS integer)) AS bigint) * CAST($6 AS integer)
    END AS bucket, service, operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating
  FROM public.perf_monitor_rollup WHERE ((1 = 1 AND (hour >= v_edge_before_1_lo AND hour < v_edge_before_1_hi) AND NOT (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi))
      OR (1 = 3 AND (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi) AND NOT (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi))
      OR (1 = 24 AND (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi) AND NOT (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (1 = 168 AND (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (1 = 1 AND (hour >= v_edge_after_1_lo AND hour < v_edge_after_1_hi) AND NOT (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi))
      OR (1 = 3 AND (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi) AND NOT (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi))
      OR (1 = 24 AND (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi) AND NOT (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi))
      OR (1 = 168 AND (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31))))
  UNION ALL
  SELECT CASE WHEN hour >= v_current_1_lo
      THEN CAST(floor(date_part('epoch', hour) / CAST($6 AS integer)) AS bigint) * CAST($6 AS integer)
    END AS bucket, service, operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating
  FROM public.perf_monitor_rollup_block WHERE ((span_hours = 1 AND (hour >= v_edge_before_1_lo AND hour < v_edge_before_1_hi) AND NOT (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi))
      OR (span_hours = 3 AND (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi) AND NOT (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi))
      OR (span_hours = 24 AND (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi) AND NOT (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (span_hours = 168 AND (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (span_hours = 1 AND (hour >= v_edge_after_1_lo AND hour < v_edge_after_1_hi) AND NOT (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi))
      OR (span_hours = 3 AND (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi) AND NOT (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi))
      OR (span_hours = 24 AND (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi) AND NOT (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi))
      OR (span_hours = 168 AND (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31))))
),
rollup_edge_histogram AS NOT MATERIALIZED (
  SELECT r.bucket, r.service, h.bucket_key, h.n, CAST(0 AS bigint) AS n_failed
  FROM (SELECT CASE WHEN hour >= v_current_1_lo
      THEN CAST(floor(date_part('epoch', hour) / CAST($6 AS integer)) AS bigint) * CAST($6 AS integer)
    END AS bucket, r.* FROM public.perf_monitor_rollup AS r WHERE ((1 = 1 AND (hour >= v_edge_before_1_lo AND hour < v_edge_before_1_hi) AND NOT (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi))
      OR (1 = 3 AND (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi) AND NOT (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi))
      OR (1 = 24 AND (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi) AND NOT (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (1 = 168 AND (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (1 = 1 AND (hour >= v_edge_after_1_lo AND hour < v_edge_after_1_hi) AND NOT (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi))
      OR (1 = 3 AND (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi) AND NOT (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi))
      OR (1 = 24 AND (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi) AND NOT (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi))
      OR (1 = 168 AND (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31)))) OFFSET 0) AS r, unnest(r.histogram_keys, r.histogram_counts) AS h(bucket_key, n)
  UNION ALL
  SELECT r.bucket, r.service, h.bucket_key, CAST(0 AS bigint), h.n
  FROM (SELECT CASE WHEN hour >= v_current_1_lo
      THEN CAST(floor(date_part('epoch', hour) / CAST($6 AS integer)) AS bigint) * CAST($6 AS integer)
    END AS bucket, r.* FROM public.perf_monitor_rollup AS r WHERE ((1 = 1 AND (hour >= v_edge_before_1_lo AND hour < v_edge_before_1_hi) AND NOT (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi))
      OR (1 = 3 AND (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi) AND NOT (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi))
      OR (1 = 24 AND (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi) AND NOT (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (1 = 168 AND (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (1 = 1 AND (hour >= v_edge_after_1_lo AND hour < v_edge_after_1_hi) AND NOT (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi))
      OR (1 = 3 AND (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi) AND NOT (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi))
      OR (1 = 24 AND (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi) AND NOT (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi))
      OR (1 = 168 AND (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31)))) AND failures > 0 AND NOT (CAST($5 AS integer) = 2000) OFFSET 0) AS r, unnest(r.failure_histogram_keys, r.failure_histogram_counts) AS h(bucket_key, n)
  UNION ALL
  SELECT r.bucket, r.service, h.bucket_key, h.n, CAST(0 AS bigint) AS n_failed
  FROM (SELECT CASE WHEN hour >= v_current_1_lo
      THEN CAST(floor(date_part('epoch', hour) / CAST($6 AS integer)) AS bigint) * CAST($6 AS integer)
    END AS bucket, r.* FROM public.perf_monitor_rollup_block AS r WHERE ((span_hours = 1 AND (hour >= v_edge_before_1_lo AND hour < v_edge_before_1_hi) AND NOT (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi))
      OR (span_hours = 3 AND (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi) AND NOT (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi))
      OR (span_hours = 24 AND (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi) AND NOT (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (span_hours = 168 AND (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (span_hours = 1 AND (hour >= v_edge_after_1_lo AND hour < v_edge_after_1_hi) AND NOT (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi))
      OR (span_hours = 3 AND (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi) AND NOT (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi))
      OR (span_hours = 24 AND (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi) AND NOT (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi))
      OR (span_hours = 168 AND (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31)))) OFFSET 0) AS r, unnest(r.histogram_keys, r.histogram_counts) AS h(bucket_key, n)
  UNION ALL
  SELECT r.bucket, r.service, h.bucket_key, CAST(0 AS bigint), h.n
  FROM (SELECT CASE WHEN hour >= v_current_1_lo
      THEN CAST(floor(date_part('epoch', hour) / CAST($6 AS integer)) AS bigint) * CAST($6 AS integer)
    END AS bucket, r.* FROM public.perf_monitor_rollup_block AS r WHERE ((span_hours = 1 AND (hour >= v_edge_before_1_lo AND hour < v_edge_before_1_hi) AND NOT (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi))
      OR (span_hours = 3 AND (hour >= v_edge_before_3_lo AND hour < v_edge_before_3_hi) AND NOT (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi))
      OR (span_hours = 24 AND (hour >= v_edge_before_24_lo AND hour < v_edge_before_24_hi) AND NOT (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (span_hours = 168 AND (hour >= v_edge_before_168_lo AND hour < v_edge_before_168_hi))
      OR (span_hours = 1 AND (hour >= v_edge_after_1_lo AND hour < v_edge_after_1_hi) AND NOT (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi))
      OR (span_hours = 3 AND (hour >= v_edge_after_3_lo AND hour < v_edge_after_3_hi) AND NOT (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi))
      OR (span_hours = 24 AND (hour >= v_edge_after_24_lo AND hour < v_edge_after_24_hi) AND NOT (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi))
      OR (span_hours = 168 AND (hour >= v_edge_after_168_lo AND hour < v_edge_after_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31)))) AND failures > 0 AND NOT (CAST($5 AS integer) = 2000) OFFSET 0) AS r, unnest(r.failure_histogram_keys, r.failure_histogram_counts) AS h(bucket_key, n)
),
rollup_timeline AS NOT MATERIALIZED (
  SELECT CAST(floor(date_part('epoch', hour)) AS bigint) AS bucket, NULLIF(service, '') AS service, operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating, p50, p95, p99
  FROM public.perf_monitor_rollup_timeline WHERE span_seconds = CAST($6 AS integer) AND (hour >= v_whole_lo AND hour < v_whole_hi)
    AND (CASE WHEN CAST($4 AS text) IS NULL THEN true ELSE service = CAST($4 AS text) END)
  UNION ALL
  SELECT CAST(floor(date_part('epoch', hour)) AS bigint), CAST(NULL AS text), operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating, p50, p95, p99
  FROM public.perf_monitor_rollup_timeline WHERE span_seconds = CAST($6 AS integer) AND (hour >= v_whole_lo AND hour < v_whole_hi)
    AND (CASE WHEN CAST($4 AS text) IS NULL THEN true ELSE service = CAST($4 AS text) END) AND CAST($4 AS text) IS NOT NULL
),
rollup_fingerprints AS NOT MATERIALIZED (
  SELECT service, operation, f.key AS fingerprint, CAST(f.value->>'count' AS bigint) AS n,
    f.value->>'example' AS example, CAST(f.value->>'last_at' AS timestamptz) AS last_at
  FROM public.perf_monitor_rollup, jsonb_each(fingerprints) AS f
  WHERE ((1 = 1 AND (hour >= v_current_1_lo AND hour < v_current_1_hi) AND NOT (hour >= v_current_3_lo AND hour < v_current_3_hi))
      OR (1 = 3 AND (hour >= v_current_3_lo AND hour < v_current_3_hi) AND NOT (hour >= v_current_24_lo AND hour < v_current_24_hi))
      OR (1 = 24 AND (hour >= v_current_24_lo AND hour < v_current_24_hi) AND NOT (hour >= v_current_168_lo AND hour < v_current_168_hi))
      OR (1 = 168 AND (hour >= v_current_168_lo AND hour < v_current_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31)))) AND failures > 0
  UNION ALL
  SELECT service, operation, f.key AS fingerprint, CAST(f.value->>'count' AS bigint) AS n,
    f.value->>'example' AS example, CAST(f.value->>'last_at' AS timestamptz) AS last_at
  FROM public.perf_monitor_rollup_block, jsonb_each(fingerprints) AS f
  WHERE ((span_hours = 1 AND (hour >= v_current_1_lo AND hour < v_current_1_hi) AND NOT (hour >= v_current_3_lo AND hour < v_current_3_hi))
      OR (span_hours = 3 AND (hour >= v_current_3_lo AND hour < v_current_3_hi) AND NOT (hour >= v_current_24_lo AND hour < v_current_24_hi))
      OR (span_hours = 24 AND (hour >= v_current_24_lo AND hour < v_current_24_hi) AND NOT (hour >= v_current_168_lo AND hour < v_current_168_hi))
      OR (span_hours = 168 AND (hour >= v_current_168_lo AND hour < v_current_168_hi)))
    AND (CAST($4 AS text) IS NULL OR service = ANY(string_to_array(CAST($4 AS text), chr(31)))) AND failures > 0
),
raw_groups AS (
  SELECT is_current, service, operation, bucket, bucket_key, count(*) AS operations, count(*) FILTER (WHERE failed) AS failures,
    count(dur) AS samples, sum(dur) AS sum_duration, sum(CAST(dur AS bigint) * CAST(dur AS bigint)) AS sum_squares,
    min(dur) AS min_duration, max(dur) AS max_duration, count(*) FILTER (WHERE invalid) AS invalid_durations,
    count(*) FILTER (WHERE NOT failed AND dur <= CAST($5 AS integer)) AS satisfied,
    count(*) FILTER (WHERE NOT failed AND dur > CAST($5 AS integer) AND dur <= 4 * CAST($5 AS integer)) AS tolerating
  FROM (
    SELECT is_current, service, operation, bucket, failed, invalid, dur,
      CASE WHEN is_current AND dur IS NOT NULL THEN (CAST(floor((dur - 1) / w) AS bigint) + 1) * w END AS bucket_key
    FROM (SELECT is_current, service, operation, bucket, failed, invalid, dur, CASE WHEN dur <= 100 THEN 1 WHEN dur <= 200 THEN 2 WHEN dur <= 500 THEN 4 WHEN dur <= 1000 THEN 10 WHEN dur <= 2000 THEN 20 WHEN dur <= 5000 THEN 40 WHEN dur <= 10000 THEN 100 WHEN dur <= 20000 THEN 200 WHEN dur <= 50000 THEN 400 WHEN dur <= 100000 THEN 1000 WHEN dur <= 200000 THEN 2000 WHEN dur <= 500000 THEN 4000 WHEN dur <= 1000000 THEN 10000 WHEN dur <= 2000000 THEN 20000 WHEN dur <= 5000000 THEN 40000 WHEN dur <= 10000000 THEN 100000 WHEN dur <= 20000000 THEN 200000 WHEN dur <= 50000000 THEN 400000 WHEN dur <= 100000000 THEN 1000000 WHEN dur <= 200000000 THEN 2000000 WHEN dur <= 500000000 THEN 4000000 WHEN dur <= 1000000000 THEN 10000000 WHEN dur <= 2000000000 THEN 20000000 WHEN dur <= 5000000000 THEN 40000000 ELSE 100000000 END AS w FROM ops) AS d
  ) AS k
  GROUP BY is_current, service, operation, bucket, bucket_key
),
raw_keys AS (
  SELECT is_current, service, operation, bucket, bucket_key, samples AS n, failures AS n_failed
  FROM raw_groups WHERE bucket_key IS NOT NULL
),
raw_parts AS (
  SELECT is_current, service, operation, bucket, sum(operations) AS operations, sum(failures) AS failures, sum(samples) AS samples,
    sum(sum_duration) AS sum_duration, sum(sum_squares) AS sum_squares,
    min(min_duration) AS min_duration, max(max_duration) AS max_duration,
    sum(invalid_durations) AS invalid_durations, sum(satisfied) AS satisfied, sum(tolerating) AS tolerating
  FROM raw_groups
  GROUP BY is_current, service, operation, bucket
),
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
  FROM rollup_histogram WHERE n_failed > 0 AND NOT (CAST($5 AS integer) = 2000)
  UNION ALL
  SELECT is_current, service, operation, CAST(NULL AS bigint), bucket_key, n_failed FROM raw_keys WHERE n_failed > 0 AND NOT (CAST($5 AS integer) = 2000)
),
edge_failed_keys AS (
  SELECT bucket, service, bucket_key, n_failed FROM rollup_edge_histogram WHERE n_failed > 0 AND NOT (CAST($5 AS integer) = 2000)
  UNION ALL
  SELECT bucket, service, bucket_key, n_failed FROM raw_keys WHERE n_failed > 0 AND NOT (CAST($5 AS integer) = 2000)
),
failed_apdex AS (
  SELECT 1 + 2 * GROUPING(service, operation) AS gset, is_current, service, operation, CAST(NULL AS bigint) AS bucket,
    sum(n_failed) FILTER (WHERE bucket_key <= CAST($5 AS integer)) AS satisfied,
    sum(n_failed) FILTER (WHERE bucket_key > CAST($5 AS integer) AND bucket_key <= 4 * CAST($5 AS integer)) AS tolerating
  FROM failed_keys
  GROUP BY GROUPING SETS ((is_current), (is_current, service), (is_current, service, operation))
  UNION ALL
  SELECT 2 + 4 * GROUPING(service), true, service, CAST(NULL AS text), bucket,
    sum(n_failed) FILTER (WHERE bucket_key <= CAST($5 AS integer)),
    sum(n_failed) FILTER (WHERE bucket_key > CAST($5 AS integer) AND bucket_key <= 4 * CAST($5 AS integer))
  FROM edge_failed_keys
  GROUP BY GROUPING SETS ((bucket), (bucket, service))
),
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
  SELECT gset, is_current, service, operation, bucket, bucket_key, n,
    (bucket_key - (CASE WHEN bucket_key <= 100 THEN 1 WHEN bucket_key <= 200 THEN 2 WHEN bucket_key <= 500 THEN 4 WHEN bucket_key <= 1000 THEN 10 WHEN bucket_key <= 2000 THEN 20 WHEN bucket_key <= 5000 THEN 40 WHEN bucket_key <= 10000 THEN 100 WHEN bucket_key <= 20000 THEN 200 WHEN bucket_key <= 50000 THEN 400 WHEN bucket_key <= 100000 THEN 1000 WHEN bucket_key <= 200000 THEN 2000 WHEN bucket_key <= 500000 THEN 4000 WHEN bucket_key <= 1000000 THEN 10000 WHEN bucket_key <= 2000000 THEN 20000 WHEN bucket_key <= 5000000 THEN 40000 WHEN bucket_key <= 10000000 THEN 100000 WHEN bucket_key <= 20000000 THEN 200000 WHEN bucket_key <= 50000000 THEN 400000 WHEN bucket_key <= 100000000 THEN 1000000 WHEN bucket_key <= 200000000 THEN 2000000 WHEN bucket_key <= 500000000 THEN 4000000 WHEN bucket_key <= 1000000000 THEN 10000000 WHEN bucket_key <= 2000000000 THEN 20000000 WHEN bucket_key <= 5000000000 THEN 40000000 ELSE 100000000 END - 1) / 2.0) AS value,
    sum(n) OVER (PARTITION BY gset, is_current, service, operation, bucket ORDER BY bucket_key ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below,
    sum(n) OVER (PARTITION BY gset, is_current, service, operation, bucket) AS total
  FROM key_counts
),
distribution AS (
  SELECT gset, is_current, service, operation, bucket,
    min(value) FILTER (WHERE below > floor(50 * (total - 1) / 100.0)) AS p50_low,
    min(value) FILTER (WHERE below > ceil(50 * (total - 1) / 100.0)) AS p50_high,
    max(50 * (total - 1) - 100 * floor(50 * (total - 1) / 100.0)) / 100.0 AS p50_fraction,
    min(value) FILTER (WHERE below > floor(95 * (total - 1) / 100.0)) AS p95_low,
    min(value) FILTER (WHERE below > ceil(95 * (total - 1) / 100.0)) AS p95_high,
    max(95 * (total - 1) - 100 * floor(95 * (total - 1) / 100.0)) / 100.0 AS p95_fraction,
    min(value) FILTER (WHERE below > floor(99 * (total - 1) / 100.0)) AS p99_low,
    min(value) FILTER (WHERE below > ceil(99 * (total - 1) / 100.0)) AS p99_high,
    max(99 * (total - 1) - 100 * floor(99 * (total - 1) / 100.0)) / 100.0 AS p99_fraction,
    sum(n) FILTER (WHERE bucket_key <= CAST($5 AS integer)) AS satisfying,
    sum(n) FILTER (WHERE bucket_key > CAST($5 AS integer) AND bucket_key <= 4 * CAST($5 AS integer)) AS tolerating
  FROM ranked
  GROUP BY gset, is_current, service, operation, bucket
),
totals AS (
  SELECT 1 + 2 * GROUPING(service, operation) AS gset, is_current, service, operation, CAST(NULL AS bigint) AS bucket,
    sum(operations) AS operations, sum(failures) AS failures, sum(samples) AS samples,
    sum(sum_duration) AS sum_duration, sum(sum_squares) AS sum_squares,
    min(min_duration) AS min_duration, max(max_duration) AS max_duration,
    sum(invalid_durations) AS invalid_durations, sum(satisfied) AS satisfied, sum(tolerating) AS tolerating
  FROM (
    SELECT is_current, service, operation, operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating FROM rollup_hours
    UNION ALL
    SELECT is_current, service, operation, operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating FROM raw_parts
  ) AS parts
  GROUP BY GROUPING SETS ((is_current), (is_current, service), (is_current, service, operation))
  UNION ALL
  SELECT 2 + 4 * GROUPING(service), true, service, CAST(NULL AS text), bucket,
    sum(operations) AS operations, sum(failures) AS failures, sum(samples) AS samples,
    sum(sum_duration) AS sum_duration, sum(sum_squares) AS sum_squares,
    min(min_duration) AS min_duration, max(max_duration) AS max_duration,
    sum(invalid_durations) AS invalid_durations, sum(satisfied) AS satisfied, sum(tolerating) AS tolerating
  FROM (
    SELECT bucket, service, operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating FROM rollup_edge
    UNION ALL
    SELECT bucket, service, operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations, satisfied, tolerating FROM raw_parts WHERE is_current
  ) AS parts
  GROUP BY GROUPING SETS ((bucket), (bucket, service))
),
stats AS (
  SELECT t.is_current, t.service, t.operation, t.bucket, t.gset % 2 = 0 AS in_timeline,
    CASE WHEN t.gset IN (6, 7) THEN 'overall' WHEN t.gset IN (2, 3) THEN 'service' ELSE 'operation' END AS level,
    CAST(t.operations AS bigint) AS operations,
    CAST(t.failures AS bigint) AS failures,
    CAST(t.samples AS bigint) AS samples,
    CASE WHEN t.samples > 0 THEN t.sum_duration END AS sum_duration,
    t.min_duration, t.max_duration,
    CASE WHEN t.is_current THEN ARRAY[CAST(greatest(t.min_duration, least(t.max_duration, d.p50_low + d.p50_fraction * (d.p50_high - d.p50_low))) AS double precision), CAST(greatest(t.min_duration, least(t.max_duration, d.p95_low + d.p95_fraction * (d.p95_high - d.p95_low))) AS double precision), CAST(greatest(t.min_duration, least(t.max_duration, d.p99_low + d.p99_fraction * (d.p99_high - d.p99_low))) AS double precision)] END AS pct,
    CASE WHEN t.samples > 1
      THEN CAST(t.samples * t.sum_squares - t.sum_duration * t.sum_duration AS double precision)
        / (CAST(t.samples AS double precision) * (t.samples - 1))
    END AS var_duration,
    CAST(CASE WHEN NOT t.is_current THEN NULL WHEN CAST($5 AS integer) = 2000 THEN t.satisfied ELSE COALESCE(d.satisfying, 0) - COALESCE(f.satisfied, 0) END AS bigint) AS satisfied,
    CAST(CASE WHEN NOT t.is_current THEN NULL WHEN CAST($5 AS integer) = 2000 THEN t.tolerating ELSE COALESCE(d.tolerating, 0) - COALESCE(f.tolerating, 0) END AS bigint) AS tolerating,
    CAST(t.invalid_durations AS bigint) AS invalid_durations
  FROM totals AS t
  LEFT JOIN distribution AS d ON d.gset = t.gset AND d.is_current = t.is_current AND COALESCE(d.service, '') = COALESCE(t.service, '') AND COALESCE(d.operation, '') = COALESCE(t.operation, '') AND COALESCE(d.bucket, -1) = COALESCE(t.bucket, -1)
  LEFT JOIN failed_apdex AS f ON f.gset = t.gset AND f.is_current = t.is_current AND COALESCE(f.service, '') = COALESCE(t.service, '') AND COALESCE(f.operation, '') = COALESCE(t.operation, '') AND COALESCE(f.bucket, -1) = COALESCE(t.bucket, -1)
  UNION ALL
  SELECT true, service, CAST(NULL AS text), bucket, true, CASE WHEN service IS NULL THEN 'overall' ELSE 'service' END,
    CAST(operations AS bigint), CAST(failures AS bigint), CAST(samples AS bigint),
    CASE WHEN samples > 0 THEN sum_duration END, min_duration, max_duration,
    ARRAY[CAST(p50 AS double precision), CAST(p95 AS double precision), CAST(p99 AS double precision)],
    CASE WHEN w.samples > 1
      THEN CAST(w.samples * w.sum_squares - w.sum_duration * w.sum_duration AS double precision)
        / (CAST(w.samples AS double precision) * (w.samples - 1))
    END,
    CAST(satisfied AS bigint), CAST(tolerating AS bigint), CAST(invalid_durations AS bigint)
  FROM rollup_timeline AS w
),
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
    AND (duration_ms IS NOT NULL OR lower(status) IN ('success', 'error'))
    AND (CAST($4 AS text) IS NULL OR source = ANY(string_to_array(CAST($4 AS text), chr(31))))
),
statuses AS (
  SELECT CAST(NULL AS text) AS status, CAST(0 AS bigint) AS operations, CAST(0 AS bigint) AS failures, CAST(0 AS bigint) AS position
  WHERE false
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
UNION ALL
SELECT
  CAST('rollup' AS text) AS kind,
  CAST(NULL AS text) AS win,
  CAST(NULL AS text) AS level,
  CAST(NULL AS text) AS service,
  CAST(NULL AS text) AS operation,
  CAST(floor(extract(epoch FROM v_watermark)) AS bigint) AS bucket_start,
  CAST(NULL AS text) AS message,
  CAST(NULL AS text) AS example,
  CAST((extract(epoch FROM v_previous_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) - extract(epoch FROM v_previous_1_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) + extract(epoch FROM v_current_1_hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) - extract(epoch FROM v_current_1_lo - CAST('1970-01-01 00:00:00+00' AS timestamptz))) / 3600 AS bigint) AS operations,
  CAST(0 AS bigint) AS failures,
  CAST(0 AS bigint) AS samples,
  CAST(NULL AS double precision) AS sum_duration,
  CAST(NULL AS double precision) AS min_duration,
  CAST(NULL AS double precision) AS max_duration,
  CAST(NULL AS double precision) AS p50,
  CAST(NULL AS double precision) AS p95,
  CAST(NULL AS double precision) AS p99,
  CAST(NULL AS double precision) AS var_duration,
  CAST(NULL AS bigint) AS satisfied,
  CAST(NULL AS bigint) AS tolerating,
  CAST(0 AS bigint) AS invalid_durations
) AS summary);
    END IF;
  END IF;
  -- Raw rows alone; with the 'rollup' row (0 hours) where rollups are installed, for the client's coverage line.
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
    COALESCE(lower(status) = 'error' OR lower(level) = 'error', false) AS failed,
    CASE WHEN duration_ms BETWEEN 0 AND 2147483647 THEN duration_ms END AS dur,
    COALESCE(NOT (duration_ms BETWEEN 0 AND 2147483647), false) AS invalid,
    status, level, message, created_at
  FROM logs
  WHERE created_at >= CAST($3 AS timestamptz)
    AND created_at < CAST($2 AS timestamptz)
    AND created_at >= CAST('2000-01-01 00:00:00+00' AS timestamptz)
    AND created_at < CAST('10000-01-01 00:00:00+00' AS timestamptz)
    AND (duration_ms IS NOT NULL OR lower(status) IN ('success', 'error'))
    AND (CAST($4 AS text) IS NULL OR source = ANY(string_to_array(CAST($4 AS text), chr(31))))
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
    percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY dur) FILTER (WHERE is_current) AS pct,
    var_samp(CAST(dur AS double precision)) AS var_duration,
    CASE WHEN is_current THEN count(*) FILTER (WHERE NOT failed AND dur <= CAST($5 AS integer)) END AS satisfied,
    CASE WHEN is_current THEN count(*) FILTER (WHERE NOT failed AND dur > CAST($5 AS integer) AND dur <= 4 * CAST($5 AS integer)) END AS tolerating,
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
  WHERE is_current AND (lower(status) = 'error' OR lower(level) = 'error')
),
statuses AS (
  SELECT status, count(*) AS operations, count(*) FILTER (WHERE failed) AS failures,
    row_number() OVER (ORDER BY count(*) DESC, md5(COALESCE(status, ''))) AS position
  FROM ops
  WHERE is_current
  GROUP BY status
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
UNION ALL
SELECT
  CAST('rollup' AS text) AS kind,
  CAST(NULL AS text) AS win,
  CAST(NULL AS text) AS level,
  CAST(NULL AS text) AS service,
  CAST(NULL AS text) AS operation,
  CAST(floor(extract(epoch FROM v_watermark)) AS bigint) AS bucket_start,
  CAST(NULL AS text) AS message,
  CAST(NULL AS text) AS example,
  CAST(0 AS bigint) AS operations,
  CAST(0 AS bigint) AS failures,
  CAST(0 AS bigint) AS samples,
  CAST(NULL AS double precision) AS sum_duration,
  CAST(NULL AS double precision) AS min_duration,
  CAST(NULL AS double precision) AS max_duration,
  CAST(NULL AS double precision) AS p50,
  CAST(NULL AS double precision) AS p95,
  CAST(NULL AS double precision) AS p99,
  CAST(NULL AS double precision) AS var_duration,
  CAST(NULL AS bigint) AS satisfied,
  CAST(NULL AS bigint) AS tolerating,
  CAST(0 AS bigint) AS invalid_durations
WHERE v_installed
) AS summary);
END
$perf_monitor$;

-- Functions in public are executable by everyone (and so by Supabase's anon key) unless revoked.
REVOKE EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer, boolean) FROM PUBLIC;
DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    REVOKE EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer, boolean) FROM anon;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    REVOKE EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer, boolean) FROM authenticated;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    GRANT EXECUTE ON FUNCTION public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer, integer, boolean) TO service_role;
  END IF;
END
$grants$;

DO $drop_old$
DECLARE
  old regprocedure;
BEGIN
  FOR old IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proname = 'perf_monitor_slo'
      AND (p.oid IS DISTINCT FROM to_regprocedure('public.perf_monitor_slo(timestamptz, timestamptz, text, boolean)')
        OR p.proargnames IS DISTINCT FROM ARRAY['p_end', 'p_period_start', 'p_thresholds', 'p_exact']::text[]
        OR p.prorettype <> 'json'::regtype)
  LOOP
    EXECUTE format('DROP FUNCTION %s', old);
  END LOOP;
END
$drop_old$;

-- The SLO read (docs/slos.md): events, failures and slow samples of the rolling period and of each
-- burn window, per service and overall, per latency threshold, in one scan.
CREATE OR REPLACE FUNCTION public.perf_monitor_slo(
  p_end timestamptz,
  p_period_start timestamptz,
  p_thresholds text DEFAULT '',
  p_exact boolean DEFAULT false
) RETURNS json
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
SET jit = off
SET plan_cache_mode = force_custom_plan
SET statement_timeout = '25s'
SET work_mem = '64MB'
AS $perf_monitor_slo$
DECLARE
  v_watermark timestamptz;
  v_end timestamptz;
  v_scan_start timestamptz;
  v_scan_hour timestamptz;
  v_start_period timestamptz;
  v_hour_period timestamptz;
  v_start_5m timestamptz;
  v_hour_5m timestamptz;
  v_start_30m timestamptz;
  v_hour_30m timestamptz;
  v_start_1h timestamptz;
  v_hour_1h timestamptz;
  v_start_6h timestamptz;
  v_hour_6h timestamptz;
  v_start_3d timestamptz;
  v_hour_3d timestamptz;
  v_rolled_end timestamptz;
BEGIN
  v_end := p_end;
  v_start_period := p_period_start;
  v_hour_period := to_timestamp(ceil(extract(epoch FROM v_start_period) / 3600) * 3600);
  v_start_5m := p_end - INTERVAL '5 minutes';
  v_hour_5m := to_timestamp(ceil(extract(epoch FROM v_start_5m) / 3600) * 3600);
  v_start_30m := p_end - INTERVAL '30 minutes';
  v_hour_30m := to_timestamp(ceil(extract(epoch FROM v_start_30m) / 3600) * 3600);
  v_start_1h := p_end - INTERVAL '1 hour';
  v_hour_1h := to_timestamp(ceil(extract(epoch FROM v_start_1h) / 3600) * 3600);
  v_start_6h := p_end - INTERVAL '6 hours';
  v_hour_6h := to_timestamp(ceil(extract(epoch FROM v_start_6h) / 3600) * 3600);
  v_start_3d := p_end - INTERVAL '3 days';
  v_hour_3d := to_timestamp(ceil(extract(epoch FROM v_start_3d) / 3600) * 3600);
  v_scan_start := least(v_start_period, v_start_5m, v_start_30m, v_start_1h, v_start_6h, v_start_3d);
  v_scan_hour := to_timestamp(ceil(extract(epoch FROM v_scan_start) / 3600) * 3600);
  v_rolled_end := v_scan_hour;
  -- The rollups answer the complete hours before their watermark, when installed, readable and
  -- not told to be exact; the tables are named in static SQL, resolved only when it runs.
  IF NOT p_exact AND to_regclass('public.perf_monitor_rollup_state') IS NOT NULL AND has_table_privilege('public.perf_monitor_rollup_state', 'SELECT')
     AND to_regclass('public.perf_monitor_rollup_timeline') IS NOT NULL AND has_table_privilege('public.perf_monitor_rollup_timeline', 'SELECT') THEN
    SELECT watermark INTO v_watermark FROM public.perf_monitor_rollup_state;
    -- The rolled-up hours end at the last complete hour or the watermark, whichever is first.
    v_rolled_end := greatest(v_scan_hour, least(to_timestamp(floor(extract(epoch FROM p_end) / 3600) * 3600), COALESCE(v_watermark, CAST('-infinity' AS timestamptz))));
    RETURN (SELECT coalesce(json_agg(slo), '[]'::json) FROM (
WITH logs AS NOT MATERIALIZED (
  SELECT source, operation, level, status, message, duration_ms, created_at
  FROM "integration_logs"
),
ops AS NOT MATERIALIZED (
  SELECT
    (created_at >= v_end) AS is_current,
    CASE WHEN trim(source) = '' THEN '(none)' ELSE source END AS service,
    COALESCE(operation, '(none)') AS operation,
    CASE WHEN created_at >= v_end
      THEN CAST(floor(extract(epoch FROM created_at) / 3600) AS bigint) * 3600
    END AS bucket,
    COALESCE(lower(status) = 'error' OR lower(level) = 'error', false) AS failed,
    CASE WHEN duration_ms BETWEEN 0 AND 2147483647 THEN duration_ms END AS dur,
    COALESCE(NOT (duration_ms BETWEEN 0 AND 2147483647), false) AS invalid,
    status, level, message, created_at
  FROM logs
  WHERE created_at >= v_scan_start
    AND created_at < v_end
    AND created_at >= CAST('2000-01-01 00:00:00+00' AS timestamptz)
    AND created_at < CAST('10000-01-01 00:00:00+00' AS timestamptz)
    AND (duration_ms IS NOT NULL OR lower(status) IN ('success', 'error'))
    AND (CAST(NULL AS text) IS NULL OR source = ANY(string_to_array(CAST(NULL AS text), chr(31))))
),
thresholds AS (
  SELECT CAST(NULL AS integer) AS t
  UNION ALL
  SELECT CAST(x AS integer) FROM (SELECT unnest(string_to_array(p_thresholds, ',')) AS x) AS listed WHERE x <> ''
),
raw_ops AS NOT MATERIALIZED (
  SELECT * FROM ops
  WHERE created_at >= v_rolled_end
    OR created_at < v_scan_hour
    OR (created_at >= v_start_period AND created_at < v_hour_period)
    OR (created_at >= v_start_5m AND created_at < v_hour_5m)
    OR (created_at >= v_start_30m AND created_at < v_hour_30m)
    OR (created_at >= v_start_1h AND created_at < v_hour_1h)
    OR (created_at >= v_start_6h AND created_at < v_hour_6h)
    OR (created_at >= v_start_3d AND created_at < v_hour_3d)
),
segments AS (
  SELECT lo, greatest(lo, hi) AS hi FROM (VALUES
    (least(v_hour_period, v_rolled_end), least(v_rolled_end, CASE WHEN v_hour_5m > v_hour_period THEN v_hour_5m END, CASE WHEN v_hour_30m > v_hour_period THEN v_hour_30m END, CASE WHEN v_hour_1h > v_hour_period THEN v_hour_1h END, CASE WHEN v_hour_6h > v_hour_period THEN v_hour_6h END, CASE WHEN v_hour_3d > v_hour_period THEN v_hour_3d END)),
    (least(v_hour_5m, v_rolled_end), CASE WHEN v_hour_period = v_hour_5m THEN least(v_hour_5m, v_rolled_end) ELSE least(v_rolled_end, CASE WHEN v_hour_period > v_hour_5m THEN v_hour_period END, CASE WHEN v_hour_30m > v_hour_5m THEN v_hour_30m END, CASE WHEN v_hour_1h > v_hour_5m THEN v_hour_1h END, CASE WHEN v_hour_6h > v_hour_5m THEN v_hour_6h END, CASE WHEN v_hour_3d > v_hour_5m THEN v_hour_3d END) END),
    (least(v_hour_30m, v_rolled_end), CASE WHEN v_hour_period = v_hour_30m OR v_hour_5m = v_hour_30m THEN least(v_hour_30m, v_rolled_end) ELSE least(v_rolled_end, CASE WHEN v_hour_period > v_hour_30m THEN v_hour_period END, CASE WHEN v_hour_5m > v_hour_30m THEN v_hour_5m END, CASE WHEN v_hour_1h > v_hour_30m THEN v_hour_1h END, CASE WHEN v_hour_6h > v_hour_30m THEN v_hour_6h END, CASE WHEN v_hour_3d > v_hour_30m THEN v_hour_3d END) END),
    (least(v_hour_1h, v_rolled_end), CASE WHEN v_hour_period = v_hour_1h OR v_hour_5m = v_hour_1h OR v_hour_30m = v_hour_1h THEN least(v_hour_1h, v_rolled_end) ELSE least(v_rolled_end, CASE WHEN v_hour_period > v_hour_1h THEN v_hour_period END, CASE WHEN v_hour_5m > v_hour_1h THEN v_hour_5m END, CASE WHEN v_hour_30m > v_hour_1h THEN v_hour_30m END, CASE WHEN v_hour_6h > v_hour_1h THEN v_hour_6h END, CASE WHEN v_hour_3d > v_hour_1h THEN v_hour_3d END) END),
    (least(v_hour_6h, v_rolled_end), CASE WHEN v_hour_period = v_hour_6h OR v_hour_5m = v_hour_6h OR v_hour_30m = v_hour_6h OR v_hour_1h = v_hour_6h THEN least(v_hour_6h, v_rolled_end) ELSE least(v_rolled_end, CASE WHEN v_hour_period > v_hour_6h THEN v_hour_period END, CASE WHEN v_hour_5m > v_hour_6h THEN v_hour_5m END, CASE WHEN v_hour_30m > v_hour_6h THEN v_hour_30m END, CASE WHEN v_hour_1h > v_hour_6h THEN v_hour_1h END, CASE WHEN v_hour_3d > v_hour_6h THEN v_hour_3d END) END),
    (least(v_hour_3d, v_rolled_end), CASE WHEN v_hour_period = v_hour_3d OR v_hour_5m = v_hour_3d OR v_hour_30m = v_hour_3d OR v_hour_1h = v_hour_3d OR v_hour_6h = v_hour_3d THEN least(v_hour_3d, v_rolled_end) ELSE least(v_rolled_end, CASE WHEN v_hour_period > v_hour_3d THEN v_hour_period END, CASE WHEN v_hour_5m > v_hour_3d THEN v_hour_5m END, CASE WHEN v_hour_30m > v_hour_3d THEN v_hour_30m END, CASE WHEN v_hour_1h > v_hour_3d THEN v_hour_1h END, CASE WHEN v_hour_6h > v_hour_3d THEN v_hour_6h END) END)) AS s(lo, hi)
),
cover AS (
  SELECT p.span, p.lo, p.hi
  FROM segments AS s CROSS JOIN LATERAL (VALUES
    (1, s.lo, least(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800), s.hi)),
    (1, greatest(greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800)), s.lo), s.hi),
    (3, to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800), least(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 21600) * 21600), greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800)))),
    (3, greatest(greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 21600) * 21600), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 21600) * 21600)), to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800)), greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 10800) * 10800))),
    (6, to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 21600) * 21600), least(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 43200) * 43200), greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 21600) * 21600), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 21600) * 21600)))),
    (6, greatest(greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 43200) * 43200), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 43200) * 43200)), to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 21600) * 21600)), greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 21600) * 21600), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 21600) * 21600))),
    (12, to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 43200) * 43200), least(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400), greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 43200) * 43200), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 43200) * 43200)))),
    (12, greatest(greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400)), to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 43200) * 43200)), greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 43200) * 43200), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 43200) * 43200))),
    (24, to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400), least(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800), greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400)))),
    (24, greatest(greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800)), to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400)), greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 86400) * 86400))),
    (168, to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800), greatest(to_timestamp(ceil(extract(epoch FROM s.lo - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800), to_timestamp(floor(extract(epoch FROM s.hi - CAST('1970-01-01 00:00:00+00' AS timestamptz)) / 604800) * 604800)))) AS p(span, lo, hi)
  WHERE p.lo < p.hi
),
rolled AS (
  SELECT r.service, th.t, r.hour, r.operations, r.failures, r.samples,
    CASE WHEN th.t IS NULL OR r.max_duration IS NULL OR r.max_duration <= th.t THEN 0
      ELSE (SELECT coalesce(sum(h.c), 0) FROM unnest(r.histogram_keys, r.histogram_counts) AS h(k, c) WHERE h.k > th.t) END AS slow,
    CASE WHEN th.t IS NULL OR r.max_duration IS NULL OR r.max_duration <= th.t OR (CAST(floor((th.t - 1) / (CASE WHEN th.t <= 100 THEN 1 WHEN th.t <= 200 THEN 2 WHEN th.t <= 500 THEN 4 WHEN th.t <= 1000 THEN 10 WHEN th.t <= 2000 THEN 20 WHEN th.t <= 5000 THEN 40 WHEN th.t <= 10000 THEN 100 WHEN th.t <= 20000 THEN 200 WHEN th.t <= 50000 THEN 400 WHEN th.t <= 100000 THEN 1000 WHEN th.t <= 200000 THEN 2000 WHEN th.t <= 500000 THEN 4000 WHEN th.t <= 1000000 THEN 10000 WHEN th.t <= 2000000 THEN 20000 WHEN th.t <= 5000000 THEN 40000 WHEN th.t <= 10000000 THEN 100000 WHEN th.t <= 20000000 THEN 200000 WHEN th.t <= 50000000 THEN 400000 WHEN th.t <= 100000000 THEN 1000000 WHEN th.t <= 200000000 THEN 2000000 WHEN th.t <= 500000000 THEN 4000000 WHEN th.t <= 1000000000 THEN 10000000 WHEN th.t <= 2000000000 THEN 20000000 WHEN th.t <= 5000000000 THEN 40000000 ELSE 100000000 END)) AS bigint) + 1) * (CASE WHEN th.t <= 100 THEN 1 WHEN th.t <= 200 THEN 2 WHEN th.t <= 500 THEN 4 WHEN th.t <= 1000 THEN 10 WHEN th.t <= 2000 THEN 20 WHEN th.t <= 5000 THEN 40 WHEN th.t <= 10000 THEN 100 WHEN th.t <= 20000 THEN 200 WHEN th.t <= 50000 THEN 400 WHEN th.t <= 100000 THEN 1000 WHEN th.t <= 200000 THEN 2000 WHEN th.t <= 500000 THEN 4000 WHEN th.t <= 1000000 THEN 10000 WHEN th.t <= 2000000 THEN 20000 WHEN th.t <= 5000000 THEN 40000 WHEN th.t <= 10000000 THEN 100000 WHEN th.t <= 20000000 THEN 200000 WHEN th.t <= 50000000 THEN 400000 WHEN th.t <= 100000000 THEN 1000000 WHEN th.t <= 200000000 THEN 2000000 WHEN th.t <= 500000000 THEN 4000000 WHEN th.t <= 1000000000 THEN 10000000 WHEN th.t <= 2000000000 THEN 20000000 WHEN th.t <= 5000000000 THEN 40000000 ELSE 100000000 END) = th.t THEN 0
      ELSE (SELECT coalesce(sum(h.c), 0) FROM unnest(r.histogram_keys, r.histogram_counts) AS h(k, c) WHERE h.k = (CAST(floor((th.t - 1) / (CASE WHEN th.t <= 100 THEN 1 WHEN th.t <= 200 THEN 2 WHEN th.t <= 500 THEN 4 WHEN th.t <= 1000 THEN 10 WHEN th.t <= 2000 THEN 20 WHEN th.t <= 5000 THEN 40 WHEN th.t <= 10000 THEN 100 WHEN th.t <= 20000 THEN 200 WHEN th.t <= 50000 THEN 400 WHEN th.t <= 100000 THEN 1000 WHEN th.t <= 200000 THEN 2000 WHEN th.t <= 500000 THEN 4000 WHEN th.t <= 1000000 THEN 10000 WHEN th.t <= 2000000 THEN 20000 WHEN th.t <= 5000000 THEN 40000 WHEN th.t <= 10000000 THEN 100000 WHEN th.t <= 20000000 THEN 200000 WHEN th.t <= 50000000 THEN 400000 WHEN th.t <= 100000000 THEN 1000000 WHEN th.t <= 200000000 THEN 2000000 WHEN th.t <= 500000000 THEN 4000000 WHEN th.t <= 1000000000 THEN 10000000 WHEN th.t <= 2000000000 THEN 20000000 WHEN th.t <= 5000000000 THEN 40000000 ELSE 100000000 END)) AS bigint) + 1) * (CASE WHEN th.t <= 100 THEN 1 WHEN th.t <= 200 THEN 2 WHEN th.t <= 500 THEN 4 WHEN th.t <= 1000 THEN 10 WHEN th.t <= 2000 THEN 20 WHEN th.t <= 5000 THEN 40 WHEN th.t <= 10000 THEN 100 WHEN th.t <= 20000 THEN 200 WHEN th.t <= 50000 THEN 400 WHEN th.t <= 100000 THEN 1000 WHEN th.t <= 200000 THEN 2000 WHEN th.t <= 500000 THEN 4000 WHEN th.t <= 1000000 THEN 10000 WHEN th.t <= 2000000 THEN 20000 WHEN th.t <= 5000000 THEN 40000 WHEN th.t <= 10000000 THEN 100000 WHEN th.t <= 20000000 THEN 200000 WHEN th.t <= 50000000 THEN 400000 WHEN th.t <= 100000000 THEN 1000000 WHEN th.t <= 200000000 THEN 2000000 WHEN th.t <= 500000000 THEN 4000000 WHEN th.t <= 1000000000 THEN 10000000 WHEN th.t <= 2000000000 THEN 20000000 WHEN th.t <= 5000000000 THEN 40000000 ELSE 100000000 END)) END AS uncertain
  FROM cover AS c
  JOIN public.perf_monitor_rollup_timeline AS r ON r.span_seconds = c.span * 3600 AND r.hour >= c.lo AND r.hour < c.hi
  CROSS JOIN thresholds AS th
  WHERE r.service <> ''
),
parts AS (
  SELECT service, t,
    sum(operations) FILTER (WHERE (windows & 1) <> 0) AS wperiod_operations,
    sum(failures) FILTER (WHERE (windows & 1) <> 0) AS wperiod_failures,
    sum(samples) FILTER (WHERE (windows & 1) <> 0) AS wperiod_samples,
    sum(slow) FILTER (WHERE (windows & 1) <> 0) AS wperiod_slow,
    CAST(0 AS bigint) AS wperiod_uncertain,
    sum(operations) FILTER (WHERE (windows & 2) <> 0) AS w5m_operations,
    sum(failures) FILTER (WHERE (windows & 2) <> 0) AS w5m_failures,
    sum(samples) FILTER (WHERE (windows & 2) <> 0) AS w5m_samples,
    sum(slow) FILTER (WHERE (windows & 2) <> 0) AS w5m_slow,
    CAST(0 AS bigint) AS w5m_uncertain,
    sum(operations) FILTER (WHERE (windows & 4) <> 0) AS w30m_operations,
    sum(failures) FILTER (WHERE (windows & 4) <> 0) AS w30m_failures,
    sum(samples) FILTER (WHERE (windows & 4) <> 0) AS w30m_samples,
    sum(slow) FILTER (WHERE (windows & 4) <> 0) AS w30m_slow,
    CAST(0 AS bigint) AS w30m_uncertain,
    sum(operations) FILTER (WHERE (windows & 8) <> 0) AS w1h_operations,
    sum(failures) FILTER (WHERE (windows & 8) <> 0) AS w1h_failures,
    sum(samples) FILTER (WHERE (windows & 8) <> 0) AS w1h_samples,
    sum(slow) FILTER (WHERE (windows & 8) <> 0) AS w1h_slow,
    CAST(0 AS bigint) AS w1h_uncertain,
    sum(operations) FILTER (WHERE (windows & 16) <> 0) AS w6h_operations,
    sum(failures) FILTER (WHERE (windows & 16) <> 0) AS w6h_failures,
    sum(samples) FILTER (WHERE (windows & 16) <> 0) AS w6h_samples,
    sum(slow) FILTER (WHERE (windows & 16) <> 0) AS w6h_slow,
    CAST(0 AS bigint) AS w6h_uncertain,
    sum(operations) FILTER (WHERE (windows & 32) <> 0) AS w3d_operations,
    sum(failures) FILTER (WHERE (windows & 32) <> 0) AS w3d_failures,
    sum(samples) FILTER (WHERE (windows & 32) <> 0) AS w3d_samples,
    sum(slow) FILTER (WHERE (windows & 32) <> 0) AS w3d_slow,
    CAST(0 AS bigint) AS w3d_uncertain
  FROM (
    SELECT service, t, windows, count(*) AS operations, count(*) FILTER (WHERE failed) AS failures,
      count(dur) AS samples, count(*) FILTER (WHERE dur > t) AS slow
    FROM (
      SELECT service, failed, dur, CASE WHEN created_at >= v_start_period AND (created_at >= v_rolled_end OR created_at < v_hour_period) THEN 1 ELSE 0 END
      + CASE WHEN created_at >= v_start_5m AND (created_at >= v_rolled_end OR created_at < v_hour_5m) THEN 2 ELSE 0 END
      + CASE WHEN created_at >= v_start_30m AND (created_at >= v_rolled_end OR created_at < v_hour_30m) THEN 4 ELSE 0 END
      + CASE WHEN created_at >= v_start_1h AND (created_at >= v_rolled_end OR created_at < v_hour_1h) THEN 8 ELSE 0 END
      + CASE WHEN created_at >= v_start_6h AND (created_at >= v_rolled_end OR created_at < v_hour_6h) THEN 16 ELSE 0 END
      + CASE WHEN created_at >= v_start_3d AND (created_at >= v_rolled_end OR created_at < v_hour_3d) THEN 32 ELSE 0 END AS windows
      FROM raw_ops
    ) AS placed CROSS JOIN thresholds
    GROUP BY service, t, windows
  ) AS sets
  GROUP BY service, t
  UNION ALL
  SELECT service, t,
    sum(operations) FILTER (WHERE hour >= v_hour_period) AS wperiod_operations,
    sum(failures) FILTER (WHERE hour >= v_hour_period) AS wperiod_failures,
    sum(samples) FILTER (WHERE hour >= v_hour_period) AS wperiod_samples,
    sum(slow) FILTER (WHERE hour >= v_hour_period) AS wperiod_slow,
    sum(uncertain) FILTER (WHERE hour >= v_hour_period) AS wperiod_uncertain,
    sum(operations) FILTER (WHERE hour >= v_hour_5m) AS w5m_operations,
    sum(failures) FILTER (WHERE hour >= v_hour_5m) AS w5m_failures,
    sum(samples) FILTER (WHERE hour >= v_hour_5m) AS w5m_samples,
    sum(slow) FILTER (WHERE hour >= v_hour_5m) AS w5m_slow,
    sum(uncertain) FILTER (WHERE hour >= v_hour_5m) AS w5m_uncertain,
    sum(operations) FILTER (WHERE hour >= v_hour_30m) AS w30m_operations,
    sum(failures) FILTER (WHERE hour >= v_hour_30m) AS w30m_failures,
    sum(samples) FILTER (WHERE hour >= v_hour_30m) AS w30m_samples,
    sum(slow) FILTER (WHERE hour >= v_hour_30m) AS w30m_slow,
    sum(uncertain) FILTER (WHERE hour >= v_hour_30m) AS w30m_uncertain,
    sum(operations) FILTER (WHERE hour >= v_hour_1h) AS w1h_operations,
    sum(failures) FILTER (WHERE hour >= v_hour_1h) AS w1h_failures,
    sum(samples) FILTER (WHERE hour >= v_hour_1h) AS w1h_samples,
    sum(slow) FILTER (WHERE hour >= v_hour_1h) AS w1h_slow,
    sum(uncertain) FILTER (WHERE hour >= v_hour_1h) AS w1h_uncertain,
    sum(operations) FILTER (WHERE hour >= v_hour_6h) AS w6h_operations,
    sum(failures) FILTER (WHERE hour >= v_hour_6h) AS w6h_failures,
    sum(samples) FILTER (WHERE hour >= v_hour_6h) AS w6h_samples,
    sum(slow) FILTER (WHERE hour >= v_hour_6h) AS w6h_slow,
    sum(uncertain) FILTER (WHERE hour >= v_hour_6h) AS w6h_uncertain,
    sum(operations) FILTER (WHERE hour >= v_hour_3d) AS w3d_operations,
    sum(failures) FILTER (WHERE hour >= v_hour_3d) AS w3d_failures,
    sum(samples) FILTER (WHERE hour >= v_hour_3d) AS w3d_samples,
    sum(slow) FILTER (WHERE hour >= v_hour_3d) AS w3d_slow,
    sum(uncertain) FILTER (WHERE hour >= v_hour_3d) AS w3d_uncertain
  FROM rolled
  GROUP BY service, t
)
SELECT
  CASE WHEN GROUPING(service) = 1 THEN 'overall' ELSE 'service' END AS level,
  CASE WHEN GROUPING(service) = 1 THEN NULL ELSE service END AS service,
  t AS threshold,
  CAST(extract(epoch FROM v_rolled_end - v_scan_hour) / 3600 AS bigint) AS rollup_hours,
  CAST(coalesce(sum(wperiod_operations), 0) AS bigint) AS wperiod_operations,
  CAST(coalesce(sum(wperiod_failures), 0) AS bigint) AS wperiod_failures,
  CAST(coalesce(sum(wperiod_samples), 0) AS bigint) AS wperiod_samples,
  CAST(coalesce(sum(wperiod_slow), 0) AS bigint) AS wperiod_slow,
  CAST(coalesce(sum(wperiod_uncertain), 0) AS bigint) AS wperiod_uncertain,
  CAST(coalesce(sum(w5m_operations), 0) AS bigint) AS w5m_operations,
  CAST(coalesce(sum(w5m_failures), 0) AS bigint) AS w5m_failures,
  CAST(coalesce(sum(w5m_samples), 0) AS bigint) AS w5m_samples,
  CAST(coalesce(sum(w5m_slow), 0) AS bigint) AS w5m_slow,
  CAST(coalesce(sum(w5m_uncertain), 0) AS bigint) AS w5m_uncertain,
  CAST(coalesce(sum(w30m_operations), 0) AS bigint) AS w30m_operations,
  CAST(coalesce(sum(w30m_failures), 0) AS bigint) AS w30m_failures,
  CAST(coalesce(sum(w30m_samples), 0) AS bigint) AS w30m_samples,
  CAST(coalesce(sum(w30m_slow), 0) AS bigint) AS w30m_slow,
  CAST(coalesce(sum(w30m_uncertain), 0) AS bigint) AS w30m_uncertain,
  CAST(coalesce(sum(w1h_operations), 0) AS bigint) AS w1h_operations,
  CAST(coalesce(sum(w1h_failures), 0) AS bigint) AS w1h_failures,
  CAST(coalesce(sum(w1h_samples), 0) AS bigint) AS w1h_samples,
  CAST(coalesce(sum(w1h_slow), 0) AS bigint) AS w1h_slow,
  CAST(coalesce(sum(w1h_uncertain), 0) AS bigint) AS w1h_uncertain,
  CAST(coalesce(sum(w6h_operations), 0) AS bigint) AS w6h_operations,
  CAST(coalesce(sum(w6h_failures), 0) AS bigint) AS w6h_failures,
  CAST(coalesce(sum(w6h_samples), 0) AS bigint) AS w6h_samples,
  CAST(coalesce(sum(w6h_slow), 0) AS bigint) AS w6h_slow,
  CAST(coalesce(sum(w6h_uncertain), 0) AS bigint) AS w6h_uncertain,
  CAST(coalesce(sum(w3d_operations), 0) AS bigint) AS w3d_operations,
  CAST(coalesce(sum(w3d_failures), 0) AS bigint) AS w3d_failures,
  CAST(coalesce(sum(w3d_samples), 0) AS bigint) AS w3d_samples,
  CAST(coalesce(sum(w3d_slow), 0) AS bigint) AS w3d_slow,
  CAST(coalesce(sum(w3d_uncertain), 0) AS bigint) AS w3d_uncertain
FROM parts
GROUP BY GROUPING SETS ((service, t), (t))
) AS slo);
  END IF;
  RETURN (SELECT coalesce(json_agg(slo), '[]'::json) FROM (
WITH logs AS NOT MATERIALIZED (
  SELECT source, operation, level, status, message, duration_ms, created_at
  FROM "integration_logs"
),
ops AS NOT MATERIALIZED (
  SELECT
    (created_at >= v_end) AS is_current,
    CASE WHEN trim(source) = '' THEN '(none)' ELSE source END AS service,
    COALESCE(operation, '(none)') AS operation,
    CASE WHEN created_at >= v_end
      THEN CAST(floor(extract(epoch FROM created_at) / 3600) AS bigint) * 3600
    END AS bucket,
    COALESCE(lower(status) = 'error' OR lower(level) = 'error', false) AS failed,
    CASE WHEN duration_ms BETWEEN 0 AND 2147483647 THEN duration_ms END AS dur,
    COALESCE(NOT (duration_ms BETWEEN 0 AND 2147483647), false) AS invalid,
    status, level, message, created_at
  FROM logs
  WHERE created_at >= v_scan_start
    AND created_at < v_end
    AND created_at >= CAST('2000-01-01 00:00:00+00' AS timestamptz)
    AND created_at < CAST('10000-01-01 00:00:00+00' AS timestamptz)
    AND (duration_ms IS NOT NULL OR lower(status) IN ('success', 'error'))
    AND (CAST(NULL AS text) IS NULL OR source = ANY(string_to_array(CAST(NULL AS text), chr(31))))
),
slo_bounds AS (SELECT v_end AS b0, v_scan_start AS b1, v_scan_hour AS b2, v_start_period AS b3, v_hour_period AS b4, v_start_5m AS b5, v_hour_5m AS b6, v_start_30m AS b7, v_hour_30m AS b8, v_start_1h AS b9, v_hour_1h AS b10, v_start_6h AS b11, v_hour_6h AS b12, v_start_3d AS b13, v_hour_3d AS b14),
thresholds AS (
  SELECT CAST(NULL AS integer) AS t
  UNION ALL
  SELECT CAST(x AS integer) FROM (SELECT unnest(string_to_array(p_thresholds, ',')) AS x) AS listed WHERE x <> ''
),
parts AS (
  SELECT service, t,
    sum(operations) FILTER (WHERE (windows & 1) <> 0) AS wperiod_operations,
    sum(failures) FILTER (WHERE (windows & 1) <> 0) AS wperiod_failures,
    sum(samples) FILTER (WHERE (windows & 1) <> 0) AS wperiod_samples,
    sum(slow) FILTER (WHERE (windows & 1) <> 0) AS wperiod_slow,
    CAST(0 AS bigint) AS wperiod_uncertain,
    sum(operations) FILTER (WHERE (windows & 2) <> 0) AS w5m_operations,
    sum(failures) FILTER (WHERE (windows & 2) <> 0) AS w5m_failures,
    sum(samples) FILTER (WHERE (windows & 2) <> 0) AS w5m_samples,
    sum(slow) FILTER (WHERE (windows & 2) <> 0) AS w5m_slow,
    CAST(0 AS bigint) AS w5m_uncertain,
    sum(operations) FILTER (WHERE (windows & 4) <> 0) AS w30m_operations,
    sum(failures) FILTER (WHERE (windows & 4) <> 0) AS w30m_failures,
    sum(samples) FILTER (WHERE (windows & 4) <> 0) AS w30m_samples,
    sum(slow) FILTER (WHERE (windows & 4) <> 0) AS w30m_slow,
    CAST(0 AS bigint) AS w30m_uncertain,
    sum(operations) FILTER (WHERE (windows & 8) <> 0) AS w1h_operations,
    sum(failures) FILTER (WHERE (windows & 8) <> 0) AS w1h_failures,
    sum(samples) FILTER (WHERE (windows & 8) <> 0) AS w1h_samples,
    sum(slow) FILTER (WHERE (windows & 8) <> 0) AS w1h_slow,
    CAST(0 AS bigint) AS w1h_uncertain,
    sum(operations) FILTER (WHERE (windows & 16) <> 0) AS w6h_operations,
    sum(failures) FILTER (WHERE (windows & 16) <> 0) AS w6h_failures,
    sum(samples) FILTER (WHERE (windows & 16) <> 0) AS w6h_samples,
    sum(slow) FILTER (WHERE (windows & 16) <> 0) AS w6h_slow,
    CAST(0 AS bigint) AS w6h_uncertain,
    sum(operations) FILTER (WHERE (windows & 32) <> 0) AS w3d_operations,
    sum(failures) FILTER (WHERE (windows & 32) <> 0) AS w3d_failures,
    sum(samples) FILTER (WHERE (windows & 32) <> 0) AS w3d_samples,
    sum(slow) FILTER (WHERE (windows & 32) <> 0) AS w3d_slow,
    CAST(0 AS bigint) AS w3d_uncertain
  FROM (
    SELECT service, t, windows, count(*) AS operations, count(*) FILTER (WHERE failed) AS failures,
      count(dur) AS samples, count(*) FILTER (WHERE dur > t) AS slow
    FROM (
      SELECT service, failed, dur, CASE WHEN created_at >= v_start_period THEN 1 ELSE 0 END
      + CASE WHEN created_at >= v_start_5m THEN 2 ELSE 0 END
      + CASE WHEN created_at >= v_start_30m THEN 4 ELSE 0 END
      + CASE WHEN created_at >= v_start_1h THEN 8 ELSE 0 END
      + CASE WHEN created_at >= v_start_6h THEN 16 ELSE 0 END
      + CASE WHEN created_at >= v_start_3d THEN 32 ELSE 0 END AS windows
      FROM ops
    ) AS placed CROSS JOIN thresholds
    GROUP BY service, t, windows
  ) AS sets
  GROUP BY service, t
)
SELECT
  CASE WHEN GROUPING(service) = 1 THEN 'overall' ELSE 'service' END AS level,
  CASE WHEN GROUPING(service) = 1 THEN NULL ELSE service END AS service,
  t AS threshold,
  CAST(0 AS bigint) AS rollup_hours,
  CAST(coalesce(sum(wperiod_operations), 0) AS bigint) AS wperiod_operations,
  CAST(coalesce(sum(wperiod_failures), 0) AS bigint) AS wperiod_failures,
  CAST(coalesce(sum(wperiod_samples), 0) AS bigint) AS wperiod_samples,
  CAST(coalesce(sum(wperiod_slow), 0) AS bigint) AS wperiod_slow,
  CAST(coalesce(sum(wperiod_uncertain), 0) AS bigint) AS wperiod_uncertain,
  CAST(coalesce(sum(w5m_operations), 0) AS bigint) AS w5m_operations,
  CAST(coalesce(sum(w5m_failures), 0) AS bigint) AS w5m_failures,
  CAST(coalesce(sum(w5m_samples), 0) AS bigint) AS w5m_samples,
  CAST(coalesce(sum(w5m_slow), 0) AS bigint) AS w5m_slow,
  CAST(coalesce(sum(w5m_uncertain), 0) AS bigint) AS w5m_uncertain,
  CAST(coalesce(sum(w30m_operations), 0) AS bigint) AS w30m_operations,
  CAST(coalesce(sum(w30m_failures), 0) AS bigint) AS w30m_failures,
  CAST(coalesce(sum(w30m_samples), 0) AS bigint) AS w30m_samples,
  CAST(coalesce(sum(w30m_slow), 0) AS bigint) AS w30m_slow,
  CAST(coalesce(sum(w30m_uncertain), 0) AS bigint) AS w30m_uncertain,
  CAST(coalesce(sum(w1h_operations), 0) AS bigint) AS w1h_operations,
  CAST(coalesce(sum(w1h_failures), 0) AS bigint) AS w1h_failures,
  CAST(coalesce(sum(w1h_samples), 0) AS bigint) AS w1h_samples,
  CAST(coalesce(sum(w1h_slow), 0) AS bigint) AS w1h_slow,
  CAST(coalesce(sum(w1h_uncertain), 0) AS bigint) AS w1h_uncertain,
  CAST(coalesce(sum(w6h_operations), 0) AS bigint) AS w6h_operations,
  CAST(coalesce(sum(w6h_failures), 0) AS bigint) AS w6h_failures,
  CAST(coalesce(sum(w6h_samples), 0) AS bigint) AS w6h_samples,
  CAST(coalesce(sum(w6h_slow), 0) AS bigint) AS w6h_slow,
  CAST(coalesce(sum(w6h_uncertain), 0) AS bigint) AS w6h_uncertain,
  CAST(coalesce(sum(w3d_operations), 0) AS bigint) AS w3d_operations,
  CAST(coalesce(sum(w3d_failures), 0) AS bigint) AS w3d_failures,
  CAST(coalesce(sum(w3d_samples), 0) AS bigint) AS w3d_samples,
  CAST(coalesce(sum(w3d_slow), 0) AS bigint) AS w3d_slow,
  CAST(coalesce(sum(w3d_uncertain), 0) AS bigint) AS w3d_uncertain
FROM parts
GROUP BY GROUPING SETS ((service, t), (t))
) AS slo);
END
$perf_monitor_slo$;

REVOKE EXECUTE ON FUNCTION public.perf_monitor_slo(timestamptz, timestamptz, text, boolean) FROM PUBLIC;
DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    REVOKE EXECUTE ON FUNCTION public.perf_monitor_slo(timestamptz, timestamptz, text, boolean) FROM anon;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    REVOKE EXECUTE ON FUNCTION public.perf_monitor_slo(timestamptz, timestamptz, text, boolean) FROM authenticated;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    GRANT EXECUTE ON FUNCTION public.perf_monitor_slo(timestamptz, timestamptz, text, boolean) TO service_role;
  END IF;
END
$grants$;

-- PostgREST caches the schema; tell it about the new function (delivered at COMMIT).
NOTIFY pgrst, 'reload schema';

COMMIT;
