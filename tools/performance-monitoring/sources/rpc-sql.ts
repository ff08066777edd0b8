// sql/rpc.sql is generated from sql/aggregate.sql (one source of truth for the SQL text):
// `npm run sql:rpc` writes it, and a test fails when it is stale.
import { aggregationSqlTemplate } from './aggregate-sql.js';

export const RPC_FILE = new URL('../sql/rpc.sql', import.meta.url);

const SIGNATURE = 'public.perf_monitor_summary(timestamptz, timestamptz, timestamptz, text, integer)';

export function rpcSql(): string {
  const body = aggregationSqlTemplate()
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .trim();
  return `-- GENERATED from aggregate.sql by \`npm run sql:rpc\`: edit aggregate.sql, not this file.
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
${body}
) AS summary);
END
$perf_monitor$;

-- Functions in public are executable by everyone (and so by Supabase's anon key) unless revoked.
REVOKE EXECUTE ON FUNCTION ${SIGNATURE} FROM PUBLIC;
DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    REVOKE EXECUTE ON FUNCTION ${SIGNATURE} FROM anon;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    REVOKE EXECUTE ON FUNCTION ${SIGNATURE} FROM authenticated;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    GRANT EXECUTE ON FUNCTION ${SIGNATURE} TO service_role;
  END IF;
END
$grants$;

-- PostgREST caches the schema; tell it about the new function.
NOTIFY pgrst, 'reload schema';
`;
}
