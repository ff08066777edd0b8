// sql/rollup.sql is generated: its refresh reads rows through aggregate.sql's own CTEs (logs,
// ops, failed_ops, fingerprinted), so the rollup's service, operation, failure, valid-duration
// and fingerprint rules are the report's, never a copy (SPEC §1, §14, §17). `npx tsx
// tools/performance-monitoring/sql/build-rollup.ts` writes it, and a test fails when it is stale.
import { aggregationSql } from './aggregate-sql.js';

export const ROLLUP_FILE = new URL('../sql/rollup.sql', import.meta.url);
export const REFRESH_SIGNATURE = 'public.perf_monitor_refresh_rollups(interval, integer)';
/** pg_try_advisory_xact_lock key of the refresh: one refresh at a time per database. */
export const REFRESH_LOCK_KEY = 7450213906413;

/** The CTEs of aggregate.sql the rollup reads through, in their order there. */
const REUSED_CTES = ['logs', 'ops', 'failed_ops', 'fingerprinted'] as const;

/** aggregate.sql's parameters as the refresh sets them, for one range of whole hours
 *  [v_from, v_to): every row is "current" and the timeline bucket is the hour. */
const PARAMETER_VALUES: Readonly<Record<string, string>> = {
  'CAST($1 AS timestamptz)': 'v_from',
  'CAST($2 AS timestamptz)': 'v_to',
  'CAST($3 AS timestamptz)': 'v_from',
  'CAST($4 AS text)': 'CAST(NULL AS text)',
  'CAST($6 AS integer)': '3600',
};

/** The named CTEs of aggregate.sql, each `name AS (...)` from its first line to its `)`. */
export function reusedCtes(sql: string = aggregationSql()): string {
  const lines = sql.split('\n').filter((line) => !/^\s*--/.test(line));
  const found = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const head = /^(?:WITH )?([a-z_]+) AS (NOT MATERIALIZED )?\($/.exec(lines[i] ?? '');
    if (!head?.[1]) continue;
    const end = lines.findIndex((line, j) => j > i && /^\),?$/.test(line));
    if (end < 0) throw new Error(`aggregate.sql: CTE ${head[1]} has no closing line`);
    found.set(head[1], [`${head[1]} AS ${head[2] ?? ''}(`, ...lines.slice(i + 1, end), ')'].join('\n'));
  }
  const parts = REUSED_CTES.map((name) => {
    const cte = found.get(name);
    if (cte === undefined) throw new Error(`aggregate.sql has no CTE ${name}, which rollup-sql.ts reads through`);
    return cte;
  });
  let text = parts.join(',\n');
  for (const [parameter, value] of Object.entries(PARAMETER_VALUES)) text = text.split(parameter).join(value);
  if (/\$[0-9]/.test(text)) throw new Error('aggregate.sql: a parameter in the reused CTEs has no value in rollup-sql.ts');
  return text;
}

/** The histogram key of an integer duration `d` (ms): the inclusive upper end of its bucket. */
const BUCKET_KEY = `CASE
      WHEN dur <= 1000 THEN CAST(dur AS bigint)
      ELSE (CAST(dur - 1 AS bigint) / w + 1) * w
    END`;
const BUCKET_WIDTH = `CASE
      WHEN dur <= 10000 THEN 10 WHEN dur <= 100000 THEN 100 WHEN dur <= 1000000 THEN 1000
      WHEN dur <= 10000000 THEN 10000 WHEN dur <= 100000000 THEN 100000
      WHEN dur <= 1000000000 THEN 1000000 ELSE 10000000
    END`;

function grants(object: string, kind: 'FUNCTION' | 'TABLE', serviceRole: string): string {
  const on = `${kind} ${object}`;
  return `REVOKE ALL ON ${on} FROM PUBLIC;
DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    REVOKE ALL ON ${on} FROM anon;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    REVOKE ALL ON ${on} FROM authenticated;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    GRANT ${serviceRole} ON ${on} TO service_role;
  END IF;
END
$grants$;`;
}

/** The rows of the hours [v_from, v_to), as INSERT ... SELECT. */
function buildStatement(): string {
  return `INSERT INTO public.perf_monitor_rollup (
  hour, service, operation, operations, failures, samples, sum_duration, sum_squares,
  min_duration, max_duration, invalid_durations, histogram_keys, histogram_counts,
  failure_histogram_keys, failure_histogram_counts, fingerprints
)
WITH ${reusedCtes()},
keyed AS (
  SELECT bucket, service, operation, failed, ${BUCKET_KEY} AS bucket_key
  FROM (SELECT bucket, service, operation, failed, dur, ${BUCKET_WIDTH} AS w FROM ops WHERE dur IS NOT NULL) AS d
),
bucket_counts AS (
  SELECT bucket, service, operation, bucket_key, count(*) AS n, count(*) FILTER (WHERE failed) AS n_failed
  FROM keyed
  GROUP BY bucket, service, operation, bucket_key
),
histograms AS (
  SELECT bucket, service, operation,
    array_agg(bucket_key ORDER BY bucket_key) AS keys,
    array_agg(n ORDER BY bucket_key) AS counts,
    array_agg(bucket_key ORDER BY bucket_key) FILTER (WHERE n_failed > 0) AS failed_keys,
    array_agg(n_failed ORDER BY bucket_key) FILTER (WHERE n_failed > 0) AS failed_counts
  FROM bucket_counts
  GROUP BY bucket, service, operation
),
fingerprint_groups AS (
  SELECT CAST(floor(extract(epoch FROM created_at) / 3600) AS bigint) * 3600 AS bucket,
    service, operation, fingerprint, count(*) AS n, max(created_at) AS last_at,
    (array_agg(message ORDER BY created_at DESC, message DESC))[1] AS example
  FROM fingerprinted
  GROUP BY 1, service, operation, fingerprint
),
fingerprint_maps AS (
  SELECT bucket, service, operation,
    jsonb_object_agg(fingerprint, jsonb_build_object(
      'count', n, 'example', example,
      'last_at', to_char(last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) AS fingerprints
  FROM fingerprint_groups
  GROUP BY bucket, service, operation
),
stats AS (
  SELECT bucket, service, operation,
    count(*) AS operations,
    count(*) FILTER (WHERE failed) AS failures,
    count(dur) AS samples,
    sum(dur) AS sum_duration,
    -- bigint squares summed as numeric (int128 inside PostgreSQL): exact, and fast.
    sum(CAST(dur AS bigint) * CAST(dur AS bigint)) AS sum_squares,
    min(dur) AS min_duration,
    max(dur) AS max_duration,
    count(*) FILTER (WHERE invalid) AS invalid_durations
  FROM ops
  GROUP BY bucket, service, operation
)
SELECT to_timestamp(stats.bucket), stats.service, stats.operation, operations, failures, samples,
  COALESCE(sum_duration, 0), COALESCE(sum_squares, 0), min_duration, max_duration, invalid_durations,
  COALESCE(keys, '{}'), COALESCE(counts, '{}'), COALESCE(failed_keys, '{}'), COALESCE(failed_counts, '{}'),
  COALESCE(fingerprints, '{}')
FROM stats
LEFT JOIN histograms USING (bucket, service, operation)
LEFT JOIN fingerprint_maps USING (bucket, service, operation);`;
}

export function rollupSql(): string {
  return `-- GENERATED by \`npx tsx tools/performance-monitoring/sql/build-rollup.ts\` from rollup-sql.ts
-- and aggregate.sql (whose CTEs the refresh reads through): edit those, not this file.
-- perf-monitor's hourly rollups (SPEC §17, docs/rollups.md): per-hour, per-(service, operation)
-- aggregates of integration_logs, and perf_monitor_refresh_rollups() to keep them current.
-- Idempotent: safe to run again; an upgrade replaces the function.
--   Supabase: paste into the SQL editor and run.   PostgreSQL: psql "$DATABASE_URL" -f rollup.sql
BEGIN;

CREATE TABLE IF NOT EXISTS public.perf_monitor_rollup (
  hour                     timestamptz NOT NULL,
  service                  text        NOT NULL,
  operation                text        NOT NULL,
  operations               bigint      NOT NULL,
  failures                 bigint      NOT NULL,
  samples                  bigint      NOT NULL,
  sum_duration             numeric     NOT NULL,
  sum_squares              numeric     NOT NULL,
  min_duration             integer,
  max_duration             integer,
  invalid_durations        bigint      NOT NULL,
  -- The duration histogram (docs/rollups.md): ascending bucket keys (each the inclusive upper
  -- end of its bucket, ms) and their counts, over all samples; failure_*: the samples of failed
  -- operations only (so Apdex, which counts failures as frustrated, can be computed).
  histogram_keys           bigint[]    NOT NULL,
  histogram_counts         bigint[]    NOT NULL,
  failure_histogram_keys   bigint[]    NOT NULL,
  failure_histogram_counts bigint[]    NOT NULL,
  -- fingerprint -> {count, example (most recent message), last_at (UTC ISO, microseconds)}
  fingerprints             jsonb       NOT NULL,
  PRIMARY KEY (hour, service, operation)
);

-- One row: every hour before watermark is rolled up (NULL: nothing yet).
CREATE TABLE IF NOT EXISTS public.perf_monitor_rollup_state (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  watermark  timestamptz,
  updated_at timestamptz
);
INSERT INTO public.perf_monitor_rollup_state (id) VALUES (true) ON CONFLICT (id) DO NOTHING;

-- Not for the API's anon and authenticated keys (Supabase exposes public tables): RLS with no
-- policy denies them even if a grant comes back; the owner and service_role bypass it.
ALTER TABLE public.perf_monitor_rollup ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.perf_monitor_rollup_state ENABLE ROW LEVEL SECURITY;

DROP FUNCTION IF EXISTS ${REFRESH_SIGNATURE};

-- Rebuilds whole hours: from the watermark minus p_lag (late rows) up to the last complete hour,
-- at most p_max_hours per call. A concurrent call returns at once (0 hours).
CREATE FUNCTION ${REFRESH_SIGNATURE.replace('(interval, integer)', '')}(
  p_lag interval DEFAULT '2 hours',
  p_max_hours integer DEFAULT 168
) RETURNS TABLE (hours_built integer, watermark timestamptz)
LANGUAGE plpgsql VOLATILE
SET search_path = public, pg_temp
SET jit = off
SET plan_cache_mode = force_custom_plan
AS $perf_monitor$
#variable_conflict use_column
DECLARE
  v_mark timestamptz;
  v_limit timestamptz;
  v_from timestamptz;
  v_to timestamptz;
BEGIN
  IF p_lag IS NULL OR p_lag < interval '0' THEN
    RAISE EXCEPTION 'perf_monitor_refresh_rollups: p_lag must be an interval of 0 or more, not %', p_lag;
  END IF;
  IF p_max_hours IS NULL OR p_max_hours < 1 THEN
    RAISE EXCEPTION 'perf_monitor_refresh_rollups: p_max_hours must be 1 or more, not %', p_max_hours;
  END IF;
  IF NOT pg_try_advisory_xact_lock(${REFRESH_LOCK_KEY}) THEN
    RETURN QUERY SELECT 0, s.watermark FROM public.perf_monitor_rollup_state AS s;
    RETURN;
  END IF;
  SELECT s.watermark INTO v_mark FROM public.perf_monitor_rollup_state AS s FOR UPDATE;
  -- Hours by the epoch, so a session time zone with a half-hour offset changes nothing.
  v_limit := to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600);
  IF v_mark IS NULL THEN
    SELECT to_timestamp(floor(extract(epoch FROM min(l.created_at)) / 3600) * 3600) INTO v_from
    FROM "integration_logs" AS l
    WHERE l.created_at >= CAST('2000-01-01 00:00:00+00' AS timestamptz) AND l.created_at < v_limit;
  ELSE
    v_from := to_timestamp(floor(extract(epoch FROM v_mark - p_lag) / 3600) * 3600);
  END IF;
  IF v_from IS NULL OR v_from >= v_limit THEN
    RETURN QUERY SELECT 0, v_mark;
    RETURN;
  END IF;
  v_to := least(v_limit, v_from + p_max_hours * interval '1 hour');
  IF v_mark IS NOT NULL AND v_to <= v_mark AND v_mark < v_limit THEN
    RAISE EXCEPTION 'perf_monitor_refresh_rollups: p_max_hours (%) must cover more than p_lag (%), or the watermark never moves', p_max_hours, p_lag;
  END IF;

  DELETE FROM public.perf_monitor_rollup AS r WHERE r.hour >= v_from AND r.hour < v_to;
${buildStatement()}

  UPDATE public.perf_monitor_rollup_state AS s
  SET watermark = greatest(v_mark, v_to), updated_at = now();
  RETURN QUERY SELECT CAST(extract(epoch FROM v_to - v_from) / 3600 AS integer), greatest(v_mark, v_to);
END
$perf_monitor$;

${grants(REFRESH_SIGNATURE, 'FUNCTION', 'EXECUTE')}

${grants('public.perf_monitor_rollup', 'TABLE', 'SELECT, INSERT, UPDATE, DELETE')}

${grants('public.perf_monitor_rollup_state', 'TABLE', 'SELECT, INSERT, UPDATE, DELETE')}

COMMIT;
`;
}
