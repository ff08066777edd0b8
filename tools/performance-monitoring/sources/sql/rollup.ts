// sql/rollup.sql is generated: its refresh reads rows through aggregate.sql's own CTEs (logs,
// ops, failed_ops, fingerprinted), so the rollup's service, operation, failure, valid-duration
// and fingerprint rules are the report's, never a copy (docs/sources.md, docs/error-groups.md, docs/rollups.md). `npx tsx
// tools/performance-monitoring/sources/sql/build-rollup.ts` writes it, and a test fails when it is stale.

import { toolFile } from '../../base/paths.js';
import { aggregationSql } from './aggregate.js';
import { cte, splitCtes, substitute } from './ctes.js';
import { BUCKET_KEY, BUCKET_WIDTH } from './histogram.js';
import { BLOCKS_SIGNATURE, blocksFunction, halfHourRows } from './rollup-blocks.js';

export { BLOCKS_SIGNATURE } from './rollup-blocks.js';

import { HISTOGRAM_LAYOUT, RAW_TIMELINE_SPAN, ROLLUP_THRESHOLD, TIMELINE_SPANS } from './rollup-spans.js';
import { READ_WORK_MEM } from './rpc.js';

export const ROLLUP_FILE = toolFile('sql/rollup.sql');
export const REFRESH_SIGNATURE = 'public.perf_monitor_refresh_rollups(interval, integer)';
/** pg_try_advisory_xact_lock key of the refresh: one refresh at a time per database. */
export const REFRESH_LOCK_KEY = 7450213906413;

/** The CTEs of aggregate.sql the rollup reads through, in their order there. */
const REUSED_CTES = ['logs', 'ops', 'failed_ops', 'fingerprinted'] as const;

/** aggregate.sql's parameters as the refresh sets them, for one range of whole hours
 *  [v_from, v_to): every row is "current" and the timeline bucket is the finest timeline span
 *  (30 minutes), which the refresh builds timeline rows of; the hours are made of those. */
const PARAMETER_VALUES: Readonly<Record<string, string>> = {
  'CAST($1 AS timestamptz)': 'v_from',
  'CAST($2 AS timestamptz)': 'v_to',
  'CAST($3 AS timestamptz)': 'v_from',
  'CAST($4 AS text)': 'CAST(NULL AS text)',
  'CAST($6 AS integer)': String(RAW_TIMELINE_SPAN),
};

/** The CTEs of aggregate.sql the refresh reads through, joined, with its parameters set: the
 *  hours [from, to) (SQL expressions; the function's variables by default, the tailed files'
 *  DuckDB build gives literals: sources/sql/rollup-tail.ts). */
export function reusedCtes(sql: string = aggregationSql(), range: { from: string; to: string } = { from: 'v_from', to: 'v_to' }): string {
  const parts = splitCtes(sql);
  const values = {
    ...PARAMETER_VALUES,
    'CAST($1 AS timestamptz)': range.from,
    'CAST($2 AS timestamptz)': range.to,
    'CAST($3 AS timestamptz)': range.from,
  };
  const text = substitute(REUSED_CTES.map((name) => cte(parts, name, 'rollup-sql.ts')).join(',\n'), values);
  if (/\$[0-9]/.test(text)) throw new Error('aggregate.sql: a parameter in the reused CTEs has no value in rollup-sql.ts');
  return text;
}

/** A table's row-level security policy for service_role: on Supabase the role bypasses RLS and
 *  this changes nothing; on plain PostgreSQL a role of that name without BYPASSRLS would otherwise
 *  see no row (reads fall back to raw rows) and be refused every write (no refresh). */
function servicePolicy(table: string): string {
  return `
    IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polname = 'perf_monitor_service_role' AND polrelid = '${table}'::regclass) THEN
      CREATE POLICY perf_monitor_service_role ON ${table} TO service_role USING (true) WITH CHECK (true);
    END IF;`;
}

function grants(object: string, kind: 'FUNCTION' | 'TABLE', serviceRole: string): string {
  const on = `${kind} ${object}`;
  const policy = kind === 'TABLE' ? servicePolicy(object) : '';
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
    GRANT ${serviceRole} ON ${on} TO service_role;${policy}
  END IF;
END
$grants$;`;
}

/** The one pass over the raw rows (ops, from reusedCtes) both builds share, dialect-neutral
 *  (PostgreSQL's refresh, and the tailed files' rollups in DuckDB: rollup-tail.ts): per half hour,
 *  operation and histogram bucket (NULL for rows without a valid duration), each group's exact
 *  figures (bucket_counts; hourCountsCte adds them up per hour). */
export function bucketCountsCtes(): string {
  return `keyed AS (
  SELECT bucket, service, operation, failed, invalid, dur,
    CASE WHEN dur IS NOT NULL THEN ${BUCKET_KEY('dur')} END AS bucket_key
  FROM (SELECT bucket, service, operation, failed, invalid, dur, ${BUCKET_WIDTH('dur')} AS w FROM ops) AS d
),
bucket_counts AS MATERIALIZED (
  SELECT bucket, service, operation, bucket_key,
    count(*) AS n,
    count(*) FILTER (WHERE failed) AS n_failed,
    count(dur) AS samples,
    sum(dur) AS sum_duration,
    -- bigint squares summed as numeric (int128 inside PostgreSQL): exact, and fast.
    sum(CAST(dur AS bigint) * CAST(dur AS bigint)) AS sum_squares,
    min(dur) AS min_duration,
    max(dur) AS max_duration,
    count(*) FILTER (WHERE invalid) AS invalid_durations,
    -- Apdex at the default T, on the exact durations (docs/rollups.md).
    count(*) FILTER (WHERE NOT failed AND dur <= ${ROLLUP_THRESHOLD}) AS satisfied,
    count(*) FILTER (WHERE NOT failed AND dur > ${ROLLUP_THRESHOLD} AND dur <= ${4 * ROLLUP_THRESHOLD}) AS tolerating
  FROM keyed
  GROUP BY bucket, service, operation, bucket_key
)`;
}

/** The hours' figures from bucket_counts: its half hours added. */
export function hourCountsCte(): string {
  return `hour_counts AS (
  SELECT bucket - bucket % 3600 AS bucket, service, operation, bucket_key,
    sum(n) AS n, sum(n_failed) AS n_failed, sum(samples) AS samples, sum(sum_duration) AS sum_duration,
    sum(sum_squares) AS sum_squares, min(min_duration) AS min_duration, max(max_duration) AS max_duration,
    sum(invalid_durations) AS invalid_durations, sum(satisfied) AS satisfied, sum(tolerating) AS tolerating
  FROM bucket_counts
  GROUP BY 1, service, operation, bucket_key
)`;
}

/** Per hour, operation and error fingerprint of the failed rows (aggregate.sql's fingerprinted):
 *  the count, the latest time and the most recent message (ties: the greater). */
export function fingerprintGroupsCte(): string {
  return `fingerprint_groups AS (
  SELECT CAST(floor(extract(epoch FROM created_at) / 3600) AS bigint) * 3600 AS bucket,
    service, operation, fingerprint, count(*) AS n, max(created_at) AS last_at,
    (array_agg(message ORDER BY created_at DESC, message DESC))[1] AS example
  FROM fingerprinted
  GROUP BY 1, service, operation, fingerprint
)`;
}

/** The rows of the hours [v_from, v_to), as INSERT ... SELECT, and (a writable CTE) their
 *  30-minute timeline rows. */
function buildStatement(): string {
  return `WITH ${reusedCtes()},
-- One pass over the raw rows (the table is read once, not once for the figures and once for the
-- histogram): grouped by half hour, operation and histogram bucket (NULL for rows without a valid
-- duration), each group's exact figures; the hour's figures are then the sums of its halves', and
-- the 30-minute timeline rows the sums of their operations'.
${bucketCountsCtes()},
${hourCountsCte()},
half_hours AS (
  ${halfHourRows()}
),
stats AS (
  SELECT bucket, service, operation,
    sum(n) AS operations, sum(n_failed) AS failures, sum(samples) AS samples,
    sum(sum_duration) AS sum_duration, sum(sum_squares) AS sum_squares,
    min(min_duration) AS min_duration, max(max_duration) AS max_duration,
    sum(invalid_durations) AS invalid_durations, sum(satisfied) AS satisfied, sum(tolerating) AS tolerating,
    array_agg(bucket_key ORDER BY bucket_key) FILTER (WHERE bucket_key IS NOT NULL) AS keys,
    array_agg(n ORDER BY bucket_key) FILTER (WHERE bucket_key IS NOT NULL) AS counts,
    array_agg(bucket_key ORDER BY bucket_key) FILTER (WHERE bucket_key IS NOT NULL AND n_failed > 0) AS failed_keys,
    array_agg(n_failed ORDER BY bucket_key) FILTER (WHERE bucket_key IS NOT NULL AND n_failed > 0) AS failed_counts
  FROM hour_counts
  GROUP BY bucket, service, operation
),
${fingerprintGroupsCte()},
fingerprint_maps AS (
  SELECT bucket, service, operation,
    jsonb_object_agg(fingerprint, jsonb_build_object(
      'count', n, 'example', example,
      'last_at', to_char(last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) AS fingerprints
  FROM fingerprint_groups
  GROUP BY bucket, service, operation
)
INSERT INTO public.perf_monitor_rollup (
  hour, service, operation, operations, failures, samples, sum_duration, sum_squares,
  min_duration, max_duration, invalid_durations, satisfied, tolerating, histogram_keys, histogram_counts,
  failure_histogram_keys, failure_histogram_counts, fingerprints
)
SELECT to_timestamp(stats.bucket), stats.service, stats.operation, CAST(operations AS bigint), CAST(failures AS bigint), CAST(samples AS bigint),
  COALESCE(sum_duration, 0), COALESCE(sum_squares, 0), min_duration, max_duration, invalid_durations, satisfied, tolerating,
  COALESCE(keys, '{}'), COALESCE(counts, '{}'), COALESCE(failed_keys, '{}'), COALESCE(failed_counts, '{}'),
  COALESCE(fingerprints, '{}')
FROM stats
LEFT JOIN fingerprint_maps USING (bucket, service, operation);`;
}

/** A timestamptz as UTC ISO text with milliseconds, as the CLI prints times. */
const utcText = (t: string) => `to_char(${t} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export { HISTOGRAM_LAYOUT } from './rollup-spans.js';

export function rollupSql(): string {
  return `-- GENERATED by \`npx tsx tools/performance-monitoring/sources/sql/build-rollup.ts\` from rollup-sql.ts
-- and aggregate.sql (whose CTEs the refresh reads through): edit those, not this file.
-- perf-monitor's hourly rollups (docs/rollups.md): per-hour, per-(service, operation)
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
  -- Apdex at T = ${ROLLUP_THRESHOLD} ms (the default --threshold), on the exact durations: not failed and
  -- d <= T; not failed and T < d <= 4T.
  satisfied                bigint      NOT NULL,
  tolerating               bigint      NOT NULL,
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

-- Blocks: the hourly rows merged over 3 hours, a day and a week (span_hours; epoch-aligned),
-- each built once all its hours are before the watermark, so a long window reads a few rows per
-- (service, operation) instead of one per hour. Same columns and merge rules as the hourly rows.
CREATE TABLE IF NOT EXISTS public.perf_monitor_rollup_block (
  span_hours               integer     NOT NULL,
  LIKE public.perf_monitor_rollup,
  PRIMARY KEY (span_hours, hour, service, operation)
);

-- An install of layout 2 (before the Apdex counts): the columns added, the rows then dropped below.
-- (Checked first: ADD COLUMN IF NOT EXISTS would print a notice on every later install.)
DO $columns$
DECLARE
  v_table text;
  v_column text;
BEGIN
  FOREACH v_table IN ARRAY ARRAY['perf_monitor_rollup', 'perf_monitor_rollup_block'] LOOP
    FOREACH v_column IN ARRAY ARRAY['satisfied', 'tolerating'] LOOP
      IF NOT EXISTS (SELECT 1 FROM pg_attribute
                     WHERE attrelid = to_regclass('public.' || v_table) AND attname = v_column AND NOT attisdropped) THEN
        EXECUTE format('ALTER TABLE public.%I ADD COLUMN %I bigint NOT NULL DEFAULT 0', v_table, v_column);
      END IF;
    END LOOP;
  END LOOP;
END
$columns$;

-- Timeline rows: per service (service '' for all services) and span of ${TIMELINE_SPANS.join(', ')} seconds (every
-- timeline bucket width a report reads rollups for), the figures a report's timeline shows, made
-- ready: exact counts and sums, Apdex at ${ROLLUP_THRESHOLD} ms, and p50/p95/p99 from the merged histogram
-- (kept, for the next coarser span). A whole timeline bucket is one row (docs/rollups.md).
CREATE TABLE IF NOT EXISTS public.perf_monitor_rollup_timeline (
  span_seconds             integer     NOT NULL,
  hour                     timestamptz NOT NULL,
  service                  text        NOT NULL,
  operations               bigint      NOT NULL,
  failures                 bigint      NOT NULL,
  samples                  bigint      NOT NULL,
  sum_duration             numeric     NOT NULL,
  sum_squares              numeric     NOT NULL,
  min_duration             integer,
  max_duration             integer,
  invalid_durations        bigint      NOT NULL,
  satisfied                bigint      NOT NULL,
  tolerating               bigint      NOT NULL,
  p50                      double precision,
  p95                      double precision,
  p99                      double precision,
  histogram_keys           bigint[]    NOT NULL,
  histogram_counts         bigint[]    NOT NULL,
  PRIMARY KEY (span_seconds, hour, service)
);
-- An install of layout 3 (spans in hours, from 1 hour): the column renamed (grants and policies
-- kept), its rows then dropped below, as every layout change drops them.
DO $span$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute
             WHERE attrelid = 'public.perf_monitor_rollup_timeline'::regclass AND attname = 'span_hours' AND NOT attisdropped) THEN
    ALTER TABLE public.perf_monitor_rollup_timeline RENAME COLUMN span_hours TO span_seconds;
  END IF;
END
$span$;

-- One row: every hour before watermark is rolled up (NULL: nothing yet).
CREATE TABLE IF NOT EXISTS public.perf_monitor_rollup_state (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  watermark  timestamptz,
  updated_at timestamptz
);
INSERT INTO public.perf_monitor_rollup_state (id) VALUES (true) ON CONFLICT (id) DO NOTHING;
-- The histogram's layout (sources/sql/histogram.ts): rows of another layout cannot be merged with
-- these, so an upgrade that changes it empties the rollups; the refresh builds them again.
ALTER TABLE public.perf_monitor_rollup_state ADD COLUMN IF NOT EXISTS histogram_layout integer;
DO $layout$
BEGIN
  IF EXISTS (SELECT 1 FROM public.perf_monitor_rollup_state WHERE histogram_layout IS DISTINCT FROM ${HISTOGRAM_LAYOUT}) THEN
    TRUNCATE public.perf_monitor_rollup, public.perf_monitor_rollup_block, public.perf_monitor_rollup_timeline;
    UPDATE public.perf_monitor_rollup_state SET watermark = NULL, histogram_layout = ${HISTOGRAM_LAYOUT};
  END IF;
END
$layout$;

-- Not for the API's anon and authenticated keys (Supabase exposes public tables): RLS with no
-- policy for them denies them even if a grant comes back; the owner and Supabase's service_role
-- bypass it, and a policy below lets a service_role without BYPASSRLS (plain PostgreSQL) in.
ALTER TABLE public.perf_monitor_rollup ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.perf_monitor_rollup_block ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.perf_monitor_rollup_timeline ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.perf_monitor_rollup_state ENABLE ROW LEVEL SECURITY;

DROP FUNCTION IF EXISTS ${REFRESH_SIGNATURE};
DROP FUNCTION IF EXISTS ${BLOCKS_SIGNATURE};

${blocksFunction()}

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
SET work_mem = '${READ_WORK_MEM}'
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
  IF v_mark > v_limit THEN
    -- A watermark ahead of the clock (a refresh ran while the server's clock was fast): the hours
    -- up to it were rolled up before their rows existed, and would never be rebuilt. Say so, drop
    -- what lies after the last complete hour and rebuild from it, minus the lag, as usual.
    RAISE WARNING 'perf_monitor_refresh_rollups: the watermark % is ahead of the clock (last complete hour %: was the clock set back?): rolled back to that hour, rebuilding from %',
      ${utcText('v_mark')}, ${utcText('v_limit')}, ${utcText(`to_timestamp(floor(extract(epoch FROM v_limit - p_lag) / 3600) * 3600)`)};
    DELETE FROM public.perf_monitor_rollup AS r WHERE r.hour >= v_limit;
    DELETE FROM public.perf_monitor_rollup_block AS b WHERE b.hour + b.span_hours * interval '1 hour' > v_limit;
    DELETE FROM public.perf_monitor_rollup_timeline AS t WHERE t.hour + t.span_seconds * interval '1 second' > v_limit;
    v_mark := v_limit;
    UPDATE public.perf_monitor_rollup_state AS s SET watermark = v_limit, updated_at = now();
  END IF;
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
  DELETE FROM public.perf_monitor_rollup_timeline AS t WHERE t.span_seconds = ${RAW_TIMELINE_SPAN} AND t.hour >= v_from AND t.hour < v_to;
${buildStatement()}

  PERFORM public.perf_monitor_rollup_blocks(v_from, v_to, greatest(v_mark, v_to));
  UPDATE public.perf_monitor_rollup_state AS s
  SET watermark = greatest(v_mark, v_to), updated_at = now();
  RETURN QUERY SELECT CAST(extract(epoch FROM v_to - v_from) / 3600 AS integer), greatest(v_mark, v_to);
END
$perf_monitor$;

${grants(REFRESH_SIGNATURE, 'FUNCTION', 'EXECUTE')}

${grants(BLOCKS_SIGNATURE, 'FUNCTION', 'EXECUTE')}

${grants('public.perf_monitor_rollup', 'TABLE', 'SELECT, INSERT, UPDATE, DELETE')}

${grants('public.perf_monitor_rollup_block', 'TABLE', 'SELECT, INSERT, UPDATE, DELETE')}

${grants('public.perf_monitor_rollup_timeline', 'TABLE', 'SELECT, INSERT, UPDATE, DELETE')}

-- An upgrade from a version without blocks or timeline rows: build them for what is already rolled up (PERFORM
-- in a DO block: psql prints no result table).
DO $upgrade$
BEGIN
  PERFORM public.perf_monitor_rollup_blocks(min(r.hour), max(r.hour) + interval '1 hour', s.watermark)
  FROM public.perf_monitor_rollup AS r, public.perf_monitor_rollup_state AS s
  WHERE NOT EXISTS (SELECT 1 FROM public.perf_monitor_rollup_block) OR NOT EXISTS (SELECT 1 FROM public.perf_monitor_rollup_timeline)
  GROUP BY s.watermark
  HAVING count(*) > 0;
END
$upgrade$;

${grants('public.perf_monitor_rollup_state', 'TABLE', 'SELECT, INSERT, UPDATE, DELETE')}

COMMIT;
`;
}
