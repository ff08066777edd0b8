// sql/rpc.sql is generated from sql/aggregate.sql and the rollup read built from it (one source
// of truth for the SQL text) and from the declared parameters (aggregate-contract.ts): `npm run
// sql:rpc` writes it, and a test fails when it is stale.

import { toolFile } from '../../base/paths.js';
import { aggregationSql } from './aggregate.js';
import { RPC_PARAMETERS, rollupRowSql } from './aggregate-contract.js';
import { substitute } from './ctes.js';
import { bounds, namedBounds, sqlExpressions, timelineFits } from './rollup-bounds.js';
import { boundParameters, boundsAs, layoutOf, READ_TABLES, ROLLUP_END, rollupCovers } from './rollup-cover.js';
import { rollupReadTemplate } from './rollup-read.js';
import { HISTOGRAM_LAYOUT } from './rollup-spans.js';
import { asJson, bodyOf, dropOtherVersions, executeGrants, STATE_TABLE } from './rpc-install.js';
import { sloRpcSql } from './rpc-slo.js';
import { READ_WORK_MEM } from './session.js';

export const RPC_FILE = toolFile('sql/rpc.sql');
export const RPC_FUNCTION = 'public.perf_monitor_summary';

/** The RPC's own statement timeout. A function setting, so that PostgREST (12.0+; 12.2+ through
 *  db-hoisted-tx-settings, which lists statement_timeout by default) hoists it into the call's
 *  transaction, overriding the API role's 8 s; PostgreSQL alone applies a function's
 *  statement_timeout only to statements after the call. 25 s: under the CLI's default client
 *  timeout (PERFMON_TIMEOUT_MS 30 s), so the database cancels and says so before the client gives
 *  up, and far under the API's 60 s cap. */
export const RPC_STATEMENT_TIMEOUT = '25s';

/** The function's identity, as REVOKE, GRANT and regprocedure take it. */
export const RPC_SIGNATURE = `${RPC_FUNCTION}(${RPC_PARAMETERS.map((p) => p.sqlType).join(', ')})`;

function argumentList(): string {
  return RPC_PARAMETERS.map((p) => `  ${p.name} ${p.sqlType}${'rpcDefault' in p ? ` DEFAULT ${p.rpcDefault}` : ''}`).join(',\n');
}

const WATERMARK = 'v_watermark';

/** The read's inputs as the function has them. */
const RPC_ALGEBRA = sqlExpressions({ bucket: 'p_bucket_seconds', threshold: 'p_threshold', service: 'p_service' });

/** The read's bounds as variables (rollup-bounds.ts, the rules the CLI computes in TypeScript):
 *  assigned once per call, then passed into the read as parameters, so PostgreSQL plans a short
 *  text with their values (force_custom_plan) instead of folding ~300 kB of expressions. */
const boundVariable = (name: string) => `v_${name}`;
function boundAssignments(names: readonly string[]): string {
  const all = new Map(
    namedBounds(bounds(RPC_ALGEBRA, { previousStart: 'p_previous_start', start: 'p_start', end: 'p_end', watermark: WATERMARK })),
  );
  // Each bound once: a later one that contains an earlier one's expression names its variable
  // instead (the edges are built on the whole buckets, which are built on the current hours).
  const assigned: [string, string][] = [];
  const lines = names.map((name) => {
    let expression = all.get(name) ?? '';
    for (const [earlier, text] of [...assigned].sort((a, b) => b[1].length - a[1].length))
      expression = expression.split(text).join(boundVariable(earlier));
    assigned.push([name, all.get(name) ?? '']);
    return `${boundVariable(name)} := ${expression};`;
  });
  return lines.join('\n      ');
}

export function rpcSql(): string {
  const raw = bodyOf(aggregationSql());
  // $1..$6 are the function's own arguments; the read's $7 is the watermark read here.
  const template = bodyOf(rollupReadTemplate('postgres'));
  // The bounds others are built on first: each window's hours, then the whole buckets.
  const first = ['current_1_lo', 'current_1_hi', 'previous_1_lo', 'previous_1_hi', 'whole_lo', 'whole_hi'];
  const used = boundParameters(template, 8).names;
  const names = [...first.filter((name) => used.includes(name)), ...used.filter((name) => !first.includes(name))];
  const rollupRead = substitute(boundsAs(template, boundVariable), { [ROLLUP_END]: WATERMARK });
  if (/\$([7-9]|\d\d)\b/.test(rollupRead))
    throw new Error('rollupReadTemplate still takes $7 or a bound in a form rpc.ts does not replace');
  return `-- GENERATED from aggregate.sql (and the rollup read built from it, sources/sql/rollup-read.ts) by
-- \`npm run sql:rpc\`: edit those, not this file.
-- perf-monitor's server-side aggregation for Supabase: one call returns every aggregate row as
-- one JSON array (so PostgREST's max-rows never truncates it). Idempotent, and an upgrade: it
-- replaces any older version of the function, in one transaction.
--   Supabase: paste into the SQL editor and run.   PostgreSQL: psql "$DATABASE_URL" -f rpc.sql
BEGIN;

${dropOtherVersions(
  'perf_monitor_summary',
  RPC_SIGNATURE,
  RPC_PARAMETERS.map((p) => p.name),
)}

CREATE OR REPLACE FUNCTION ${RPC_FUNCTION}(
${argumentList()}
) RETURNS json
-- plpgsql with custom plans: a LANGUAGE sql function is planned without the parameter values
-- (it estimated 1,332 rows for 2M, scanned by index, without parallel workers: 1.5x slower).
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
SET jit = off
SET plan_cache_mode = force_custom_plan
-- Its own statement timeout, above Supabase's 8 s API default: PostgREST 12+ applies it per call.
SET statement_timeout = '${RPC_STATEMENT_TIMEOUT}'
-- The rollup read's hash aggregates spill to sorts at the 4 MB default (2-3x slower).
SET work_mem = '${READ_WORK_MEM}'
AS $perf_monitor$
DECLARE
  -- rollup.sql is installed (and readable): the answer carries its 'rollup' row.
  v_installed boolean := false;
  ${WATERMARK} timestamptz;
  -- The installed rows' layout (rollup-cover.ts's layoutOf: NULL before the column existed).
  v_layout text;
  -- The read's bounds (rollup-bounds.ts), computed once below.
  ${names.map((name) => `${boundVariable(name)} timestamptz;`).join('\n  ')}
BEGIN
  -- The rollups answer when not told to be exact, when the rollups can give the timeline (whole hours, or 30 minutes
  -- at T = 2000 for all services or one: rollup-bounds.ts's timelineFits) and
  -- when their watermark covers some of the window. The rollup tables are named in static SQL:
  -- plpgsql resolves them only when a statement runs, so without rollup.sql none of it does.
  IF NOT p_exact AND ${timelineFits(RPC_ALGEBRA)} AND to_regclass('${STATE_TABLE}') IS NOT NULL
     AND has_table_privilege('${STATE_TABLE}', 'SELECT') THEN
    v_installed := true;
    SELECT watermark, ${layoutOf('s')} INTO ${WATERMARK}, v_layout FROM ${STATE_TABLE} AS s;
    -- Every table the read names, readable (an older rollup.sql lacks the newer ones: raw rows then),
    -- and rows of this version's layout (an older rollup.sql's rows: raw rows until it is run again).
    IF ${rollupCovers(WATERMARK, 'p_previous_start')}
       AND v_layout = '${HISTOGRAM_LAYOUT}'
       AND ${READ_TABLES.map((t) => `to_regclass('public.${t}') IS NOT NULL`).join(' AND ')}
       AND ${READ_TABLES.map((t) => `has_table_privilege('public.${t}', 'SELECT')`).join(' AND ')} THEN
      ${boundAssignments(names)}
      ${asJson(rollupRead, 'summary')}
    END IF;
  END IF;
  -- Raw rows alone; with the 'rollup' row (0 hours) where rollups are installed, for the client's coverage line.
  ${asJson(`${raw}\nUNION ALL\n${rollupRowSql(WATERMARK, 'CAST(0 AS bigint)')}\nWHERE v_installed`, 'summary')}
END
$perf_monitor$;

-- Functions in public are executable by everyone (and so by Supabase's anon key) unless revoked.
${executeGrants(RPC_SIGNATURE)}

${sloRpcSql({ statementTimeout: RPC_STATEMENT_TIMEOUT, workMem: READ_WORK_MEM })}

-- PostgREST caches the schema; tell it about the new function (delivered at COMMIT).
NOTIFY pgrst, 'reload schema';

COMMIT;
`;
}
