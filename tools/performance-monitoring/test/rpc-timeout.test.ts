// Statement timeouts (issue 13, item 5): the RPC declares its own statement_timeout, the PostgREST
// test server hoists it into the call's transaction as PostgREST 12+ does, and a timeout from the
// database is one line on stderr (exit 1, nothing on stdout) naming the timeout and saying to
// install the rollups or narrow --hours, through Supabase (the RPC) and PostgreSQL alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { generateRows, supabaseLikeDatabase } from '../harness/dataset.js';
import { type PgServer, startPostgres, withSql } from '../harness/postgres.js';
import { type PostgrestServer, startPostgrestServer } from '../harness/postgrest-server.js';
import { RPC_SIGNATURE } from '../sources/sql/rpc.js';

const UNTIL = '2025-11-20T10:00:00.000Z';
const ARGS = ['--format', 'json', '--until', UNTIL, '--threshold', '1000'];
const SERVICE_KEY = 'rpc-timeout-service-role-key-6d1f0c';
const ROWS = generateRows({ operationsPerWindow: 200, until: UNTIL, seed: 13 });

let pg: PgServer;
let url: string;
let server: PostgrestServer;

beforeAll(async () => {
  pg = await startPostgres();
  url = await supabaseLikeDatabase(pg, 'rpc_timeout', ROWS, { withRpc: true });
  await withSql(url, async (sql) => {
    // What rpc.sql installs: the function's own timeout, for PostgREST to hoist.
    const [fn] = await sql`SELECT proconfig FROM pg_proc WHERE oid = to_regprocedure(${RPC_SIGNATURE})`;
    expect(fn?.proconfig).toContain('statement_timeout=25s');
    // A deterministic slow read: integration_logs becomes a view that sleeps 30 s before its rows
    // (every query naming the table, the RPC's and the direct one, reads through it). Nothing here
    // sets a session or role timeout, so only a hoisted function setting can cut the RPC short.
    await sql.unsafe(`
      ALTER TABLE integration_logs RENAME TO integration_logs_rows;
      CREATE FUNCTION slow_rows() RETURNS SETOF integration_logs_rows LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_sleep(30);
        RETURN QUERY SELECT * FROM integration_logs_rows;
      END $$;
      CREATE VIEW integration_logs AS SELECT * FROM slow_rows();
      ALTER FUNCTION ${RPC_SIGNATURE} SET statement_timeout = '300ms';
    `);
  });
  server = await startPostgrestServer({ databaseUrl: url, serviceRoleKey: SERVICE_KEY });
});

afterAll(async () => {
  await server?.close();
  await pg?.stop();
});

describe('statement timeouts', () => {
  it("the PostgREST test server hoists the function's statement_timeout: HTTP 500, 57014", async () => {
    // Without hoisting the call would sleep the whole 30 s and answer 200; the client gives up at 20 s.
    const response = await fetch(`${server.url}/rest/v1/rpc/perf_monitor_summary`, {
      method: 'POST',
      headers: { apikey: SERVICE_KEY, Authorization: `Bearer ${SERVICE_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ p_start: '2025-11-19T10:00:00Z', p_end: UNTIL, p_previous_start: '2025-11-18T10:00:00Z' }),
      signal: AbortSignal.timeout(20_000),
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 500,
      body: { code: '57014', message: 'canceling statement due to statement timeout', details: null, hint: null },
    });
  });

  it('Supabase: the RPC timing out is one line naming its timeout, asked once (a timeout would time out again), no fallback to rows', async () => {
    server.resetStats();
    const result = await runCli(ARGS, {
      env: { SUPABASE_URL: server.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY, PERFMON_TIMEOUT_MS: '10000' },
    });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `perf-monitor: Supabase at 127.0.0.1:${server.port}: the RPC hit its statement timeout (25s, set by rpc.sql; before PostgREST 12, ` +
        "the API role's: 8s by default): install the rollups (tools/performance-monitoring/sql/rollup.sql) or narrow --hours\n",
    });
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual(['POST /rest/v1/rpc/perf_monitor_summary 500']);
  });

  it('PostgreSQL: the query timing out is one line naming PERFMON_TIMEOUT_MS', async () => {
    // The server's statement_timeout (300 ms) fires a second before the client's own cut-off.
    const result = await runCli(ARGS, { env: { DATABASE_URL: url, PERFMON_TIMEOUT_MS: '300' } });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'perf-monitor: PostgreSQL: the query hit its statement timeout of 300 ms (PERFMON_TIMEOUT_MS): install the rollups ' +
        '(tools/performance-monitoring/sql/rollup.sql, refreshed by pg_cron or --refresh-rollups) or narrow --hours\n',
    });
  });
});
