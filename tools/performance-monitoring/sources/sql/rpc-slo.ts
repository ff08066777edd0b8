// The SLO read as an RPC for Supabase (docs/slos.md), installed by sql/rpc.sql next to
// perf_monitor_summary: perf_monitor_slo returns the rows of sources/sql/slo.ts as one JSON array,
// reading the complete hours before the rollups' watermark from the rollups where installed.

import { BURN_WINDOWS, SLO_WINDOWS } from '../slo-windows.js';
import { asJson, bodyOf, dropOtherVersions, executeGrants, STATE_TABLE } from './rpc-install.js';
import { SLO_BOUNDS, type SloRef, sloRawSql, sloRollupSql } from './slo.js';

export const SLO_RPC_NAME = 'perf_monitor_slo';

/** Its arguments; the read's bounds are computed from them inside (sources/sql/slo.ts' SLO_BOUNDS). */
export const SLO_RPC_PARAMETERS = [
  { name: 'p_end', sqlType: 'timestamptz', doc: 'the report end: every window ends here (exclusive)' },
  { name: 'p_period_start', sqlType: 'timestamptz', doc: 'start of the rolling SLO period (inclusive)' },
  { name: 'p_thresholds', sqlType: 'text', doc: "the latency thresholds, ms, comma-separated ('' for none)" },
  { name: 'p_exact', sqlType: 'boolean', doc: '--exact: read raw rows only, never the rollups' },
] as const;

/** Bounds and thresholds as the function's variables: plpgsql passes them to the query as
 *  parameters, planned with their values (plan_cache_mode = force_custom_plan). */
const variables: SloRef = (name) => (name === 'thresholds' ? 'p_thresholds' : `v_${name}`);

const hourUp = (t: string) => `to_timestamp(ceil(extract(epoch FROM ${t}) / 3600) * 3600)`;

/** The assignments of the bounds, as sloBounds() computes them for the other sources. */
function boundAssignments(): string {
  const starts = SLO_WINDOWS.map((w) => {
    const slug = w === 'period' ? 'period' : w;
    const interval = BURN_WINDOWS.find((b) => b.name === w)?.sql;
    return { slug, value: interval === undefined ? 'p_period_start' : `p_end - ${interval}` };
  });
  return [
    'v_end := p_end;',
    ...starts.flatMap(({ slug, value }) => [`v_start_${slug} := ${value};`, `v_hour_${slug} := ${hourUp(`v_start_${slug}`)};`]),
    `v_scan_start := least(${starts.map(({ slug }) => `v_start_${slug}`).join(', ')});`,
    `v_scan_hour := ${hourUp('v_scan_start')};`,
    // No rolled-up hour unless the rollups answer (below).
    'v_rolled_end := v_scan_hour;',
  ].join('\n  ');
}

export const SLO_RPC_SIGNATURE = `public.${SLO_RPC_NAME}(${SLO_RPC_PARAMETERS.map((p) => p.sqlType).join(', ')})`;

const DEFAULTS: Partial<Record<string, string>> = { p_thresholds: " DEFAULT ''", p_exact: ' DEFAULT false' };

/** The rollup table the read takes its rolled-up hours from (sources/sql/slo.ts). */
const ROLLUP_TABLE = 'public.perf_monitor_rollup_timeline';

export function sloRpcSql(settings: { statementTimeout: string; workMem: string }): string {
  const rollup = bodyOf(sloRollupSql('integration_logs', variables));
  if (/\$[0-9]/.test(rollup)) throw new Error('sloRollupSql still takes a positional parameter rpc-slo.ts does not set');
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
  ${[...SLO_BOUNDS, 'rolled_end'].map((name) => `v_${name} timestamptz;`).join('\n  ')}
BEGIN
  ${boundAssignments()}
  -- The rollups answer the complete hours before their watermark, when installed, readable and
  -- not told to be exact; the tables are named in static SQL, resolved only when it runs.
  IF NOT p_exact AND to_regclass('${STATE_TABLE}') IS NOT NULL AND has_table_privilege('${STATE_TABLE}', 'SELECT')
     AND to_regclass('${ROLLUP_TABLE}') IS NOT NULL AND has_table_privilege('${ROLLUP_TABLE}', 'SELECT') THEN
    SELECT watermark INTO v_watermark FROM ${STATE_TABLE};
    -- The rolled-up hours end at the last complete hour or the watermark, whichever is first.
    v_rolled_end := greatest(v_scan_hour, least(to_timestamp(floor(extract(epoch FROM p_end) / 3600) * 3600), COALESCE(v_watermark, CAST('-infinity' AS timestamptz))));
    ${asJson(rollup, 'slo')}
  END IF;
  ${asJson(bodyOf(sloRawSql('integration_logs', variables)), 'slo')}
END
$perf_monitor_slo$;

${executeGrants(SLO_RPC_SIGNATURE)}`;
}
