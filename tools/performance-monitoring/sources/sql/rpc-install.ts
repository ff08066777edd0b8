// What installing one of the shipped RPCs takes besides its body (sql/rpc.sql): dropping every
// other version of it, least privilege, and the body's text as a function holds it. Shared by
// perf_monitor_summary (rpc.ts) and perf_monitor_slo (rpc-slo.ts).

/** The rollups' state row, which both RPCs read their watermark from. */
export const STATE_TABLE = 'public.perf_monitor_rollup_state';

/** SQL text as a function body holds it: without comment lines. */
export const bodyOf = (sql: string) =>
  sql
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n')
    .trim();

/** A read's rows returned as one JSON array, so PostgREST's max-rows never truncates it. */
export const asJson = (body: string, alias: string) => `RETURN (SELECT coalesce(json_agg(${alias}), '[]'::json) FROM (
${body}
) AS ${alias});`;

const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Drops every other function of this name in public: an older signature (other argument types or
 *  names, or return type) would otherwise stay next to the new one, and PostgREST refuses to
 *  choose between overloads (PGRST203); CREATE OR REPLACE cannot rename arguments either. */
export function dropOtherVersions(name: string, signature: string, argumentNames: readonly string[]): string {
  const names = `ARRAY[${argumentNames.map(sqlText).join(', ')}]::text[]`;
  return `DO $drop_old$
DECLARE
  old regprocedure;
BEGIN
  FOR old IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proname = ${sqlText(name)}
      AND (p.oid IS DISTINCT FROM to_regprocedure(${sqlText(signature)})
        OR p.proargnames IS DISTINCT FROM ${names}
        OR p.prorettype <> 'json'::regtype)
  LOOP
    EXECUTE format('DROP FUNCTION %s', old);
  END LOOP;
END
$drop_old$;`;
}

/** Functions in public are executable by everyone (and so by Supabase's anon key) unless revoked. */
export function executeGrants(signature: string): string {
  return `REVOKE EXECUTE ON FUNCTION ${signature} FROM PUBLIC;
DO $grants$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    REVOKE EXECUTE ON FUNCTION ${signature} FROM anon;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    REVOKE EXECUTE ON FUNCTION ${signature} FROM authenticated;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    GRANT EXECUTE ON FUNCTION ${signature} TO service_role;
  END IF;
END
$grants$;`;
}
