// The SLO read as an RPC for Supabase (docs/slos.md), installed by sql/rpc.sql next to
// perf_monitor_summary: perf_monitor_slo returns the rows of sources/sql/slo.ts as one JSON array,
// reading the complete hours before the rollups' watermark from the rollups where installed.
import { dropOtherVersions, executeGrants } from './rpc-install.js';
import { SLO_PARAMETERS, SLO_WATERMARK, sloRawSql, sloRollupSql } from './slo.js';

export const SLO_RPC_NAME = 'perf_monitor_slo';

/** Its arguments: the read's, then --exact. */
export const SLO_RPC_PARAMETERS = [
  ...SLO_PARAMETERS,
  { name: 'p_exact', sqlType: 'boolean', doc: '--exact: read raw rows only, never the rollups' },
] as const;

export const SLO_RPC_SIGNATURE = `public.${SLO_RPC_NAME}(${SLO_RPC_PARAMETERS.map((p) => p.sqlType).join(', ')})`;

const DEFAULTS: Partial<Record<string, string>> = { p_thresholds: " DEFAULT ''", p_exact: ' DEFAULT false' };

const STATE_TABLE = 'public.perf_monitor_rollup_state';
const ROLLUP_TABLE = 'public.perf_monitor_rollup';

const bodyOf = (sql: string) =>
  sql
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n')
    .trim();

const asJson = (body: string) => `RETURN (SELECT coalesce(json_agg(slo), '[]'::json) FROM (
${body}
) AS slo);`;

export function sloRpcSql(settings: { statementTimeout: string; workMem: string }): string {
  // $1..$3 are the function's own arguments (plpgsql reads $n as its n-th argument); $4 is the watermark read here.
  const rollup = bodyOf(sloRollupSql('integration_logs'))
    .split(SLO_WATERMARK)
    .join("COALESCE(v_watermark, CAST('-infinity' AS timestamptz))");
  if (/\$4\b/.test(rollup)) throw new Error('sloRollupSql still takes $4 in a form rpc-slo.ts does not replace');
  return `${dropOtherVersions(
    SLO_RPC_NAME,
    SLO_RPC_SIGNATURE,
    SLO_RPC_PARAMETERS.map((p) => p.name),
  )}

-- The SLO read (docs/slos.md): events, failures and slow samples of the rolling period and of each
-- burn window, per service and overall, per latency threshold, in one scan.
CREATE OR REPLACE FUNCTION ${SLO_RPC_SIGNATURE.replace(/\(.*\)$/, '')}(
${SLO_RPC_PARAMETERS.map((p) => `  ${p.name} ${p.sqlType}${DEFAULTS[p.name] ?? ''}`).join(',\n')}
) RETURNS json
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
SET jit = off
SET plan_cache_mode = force_custom_plan
SET statement_timeout = '${settings.statementTimeout}'
SET work_mem = '${settings.workMem}'
AS $perf_monitor_slo$
DECLARE
  v_watermark timestamptz;
BEGIN
  -- The rollups answer the complete hours before their watermark, when installed, readable and
  -- not told to be exact; the tables are named in static SQL, resolved only when it runs.
  IF NOT p_exact AND to_regclass('${STATE_TABLE}') IS NOT NULL AND has_table_privilege('${STATE_TABLE}', 'SELECT')
     AND to_regclass('${ROLLUP_TABLE}') IS NOT NULL AND has_table_privilege('${ROLLUP_TABLE}', 'SELECT') THEN
    SELECT watermark INTO v_watermark FROM ${STATE_TABLE};
    ${asJson(rollup)}
  END IF;
  ${asJson(bodyOf(sloRawSql('integration_logs')))}
END
$perf_monitor_slo$;

${executeGrants(SLO_RPC_SIGNATURE)}`;
}
