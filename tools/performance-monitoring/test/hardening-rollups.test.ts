// Issue 27's rollup defects, as a user meets them (the CLI as a process, real PostgreSQL), each
// report's counts checked against --exact: a refresh whose session the server ends mid-step; a
// watermark ahead of the clock (reports and the refresh); an older rollup.sql install without the
// blocks table; roles without BYPASSRLS under row-level security (refresh, read, the fallback line).
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLLED, collect, emptyDir, MONITOR, runCli, TSX_LOADER } from '../harness/cli.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { startPostgrestServer } from '../harness/postgrest-server.js';
import { currentHour, HOUR, insertRows, type LogRow, MINUTE } from '../harness/rollup-rows.js';

/** The service-role key the PostgREST test server takes (a test value, no secret). */
const RPC_KEY = 'test-service-role-key-0123456789';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));

let pg: PgServer;
let hourNow: number;

beforeAll(async () => {
  pg = await startPostgres();
  hourNow = await withSql(pg.url(), currentHour);
}, 60_000);

afterAll(async () => {
  await pg?.stop();
});

const iso = (ms: number) => new Date(ms).toISOString();

/** Rows in each of the `hours` complete hours before the current one: `perHour` an hour, one in
 *  ten failed; durations 10..999 ms. */
function rows(hours: number, perHour: number): LogRow[] {
  const out: LogRow[] = [];
  for (let h = 1; h <= hours; h++) {
    for (let i = 0; i < perHour; i++) {
      const failed = i % 10 === 0;
      out.push({
        source: i % 3 === 0 ? 'n8n' : 'hubspot',
        operation: i % 3 === 0 ? 'wf.run' : 'contacts.batch',
        level: failed ? 'error' : 'info',
        status: failed ? 'error' : 'success',
        message: failed ? `Timeout after ${i}ms` : null,
        duration_ms: 10 + ((i * 37 + h) % 990),
        at: hourNow - h * HOUR + Math.floor((i * HOUR) / perHour),
      });
    }
  }
  return out;
}

async function database(name: string, rowsIn: LogRow[]): Promise<string> {
  const url = await pg.createDatabase(name);
  for (const file of ['schema.sql', 'rollup.sql']) await runSqlFile(url, join(SQL_DIR, file));
  await withSql(url, (sql) => insertRows(sql, rowsIn));
  return url;
}

/** --hours over complete hours, ending 17 minutes into the current hour. */
const report = (hours: number) => ['--hours', String(hours), '--until', iso(hourNow + 17 * MINUTE), '--format', 'json'];

interface Overall {
  operations: number;
  failures: number;
}

/** A report's overall current-window counts, and its source. */
function overall(stdout: string): { counts: Overall; source: unknown } {
  const json = JSON.parse(stdout) as { overall: { totalOperations: number; failedOperations: number }; source: unknown };
  return { counts: { operations: json.overall.totalOperations, failures: json.overall.failedOperations }, source: json.source };
}

/** rows(h, 30) read --hours 36 to 17 minutes past the current hour: 35 whole hours of 30 (3 failed)
 *  and the last 21 rows (2 failed) of the hour before them. */
const FULL_36 = { operations: 35 * 30 + 21, failures: 35 * 3 + 2 };

/** The report through the rollups and with --exact: both exit 0, the same counts, `counts`; the
 *  rollup read's stderr is `stderr`, the exact one's empty. */
async function expectExact(
  env: Record<string, string>,
  hours: number,
  counts: Overall,
  stderr = '',
  aggregation = 'rollup',
): Promise<void> {
  const [viaRollup, viaExact] = [await runCli(report(hours), { env }), await runCli([...report(hours), '--exact'], { env })];
  expect(viaRollup).toMatchObject({ code: 0, stderr });
  expect(viaExact).toMatchObject({ code: 0, stderr: '' });
  expect(overall(viaExact.stdout)).toEqual({ counts, source: { kind: 'postgres', aggregation: 'server', percentiles: 'exact' } });
  const percentiles = aggregation === 'rollup' ? 'approximate' : 'exact';
  expect(overall(viaRollup.stdout)).toEqual({ counts, source: { kind: 'postgres', aggregation, percentiles } });
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function startCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const full: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTROLLED) delete full[name];
  Object.assign(full, env);
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MONITOR, ...args], {
    cwd: emptyDir(),
    env: full,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child as ChildProcessByStdio<null, Readable, Readable>);
}

describe('issue 27 #3: the server ends the refresh session mid-step', () => {
  it('one line naming the cause, exit 1; the next refresh converges (counts equal to --exact)', async () => {
    const url = await database('terminated', rows(40, 30));
    const env = { DATABASE_URL: url };
    let result: Promise<{ code: number | null; stdout: string; stderr: string }> = Promise.resolve({ code: null, stdout: '', stderr: '' });
    await withSql(url, (sql) =>
      sql.begin(async (tx) => {
        // The refresh's first step waits on the state row this transaction holds.
        await tx`SELECT watermark FROM perf_monitor_rollup_state FOR UPDATE`;
        result = startCli(['--refresh-rollups'], env);
        await until(async () => {
          await tx`SELECT pg_stat_clear_snapshot()`;
          const [row] = await tx<{ n: number }[]>`
            SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'perf-monitor' AND wait_event_type = 'Lock'`;
          return row?.n === 1;
        }, 'the refresh to wait on the state row');
        const [refresh] = await tx<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE application_name = 'perf-monitor'`;
        const [killed] = await tx<{ done: boolean }[]>`SELECT pg_terminate_backend(${refresh?.pid ?? 0}) AS done`;
        expect(killed?.done).toBe(true);
      }),
    );
    expect(await result).toEqual({
      code: 1,
      stdout: '',
      stderr: `perf-monitor: PostgreSQL at 127.0.0.1:${new URL(url).port}: the server ended the session during a refresh step (a restart, a failover or pg_terminate_backend): that step was rolled back, run it again\n`,
    });
    expect(await withSql(url, async (sql) => (await sql`SELECT count(*)::int AS n FROM perf_monitor_rollup`)[0]?.n)).toBe(0);
    // The next refresh builds the 40 hours whole, and a report through them counts as --exact does.
    expect(await runCli(['--refresh-rollups'], { env })).toEqual({
      code: 0,
      stdout: '',
      stderr: `perf-monitor: rollups: 40 hours built; rolled up to ${iso(hourNow)}\n`,
    });
    await expectExact(env, 36, { operations: FULL_36.operations, failures: FULL_36.failures });
  }, 60_000);
});

describe('issue 27 #7: a watermark ahead of the clock', () => {
  it('the refresh says so in one line, rebuilds from now - lag, and the report counts as --exact', async () => {
    const url = await database('ahead', rows(40, 30));
    const env = { DATABASE_URL: url };
    expect((await runCli(['--refresh-rollups'], { env })).code).toBe(0);
    // A refresh ran with the server's clock 5 hours fast; then the clock was set back, and rows
    // came in for hours the rollups already claimed: 6 an hour (1 failed) in the last two.
    const late = rows(2, 6);
    await withSql(url, async (sql) => {
      await sql`UPDATE perf_monitor_rollup_state SET watermark = ${iso(hourNow + 5 * HOUR)}::timestamptz`;
      await insertRows(sql, late);
    });
    expect(late).toHaveLength(12);
    const counts = { operations: FULL_36.operations + 12, failures: FULL_36.failures + 2 };
    // Until a refresh: reports read raw rows (right figures) and say why, rather than empty hours.
    await expectExact(
      env,
      36,
      counts,
      `perf-monitor: rollups not read (raw rows were): their watermark ${iso(hourNow + 5 * HOUR)} is ahead of the server's clock ` +
        '(was it set back?): run --refresh-rollups, which rebuilds them\n',
      'server',
    );
    expect(await runCli(['--refresh-rollups'], { env })).toEqual({
      code: 0,
      stdout: '',
      stderr:
        `perf-monitor: rollups: the watermark ${iso(hourNow + 5 * HOUR)} is ahead of the clock (last complete hour ${iso(hourNow)}: ` +
        `was the clock set back?): rolled back to that hour, rebuilding from ${iso(hourNow - 2 * HOUR)}\n` +
        `perf-monitor: rollups: 2 hours built; rolled up to ${iso(hourNow)}\n`,
    });
    await expectExact(env, 36, counts);
    // Back to normal: the next refresh re-reads the lag and says nothing more.
    expect(await runCli(['--refresh-rollups'], { env })).toEqual({
      code: 0,
      stdout: '',
      stderr: `perf-monitor: rollups: 2 hours built; rolled up to ${iso(hourNow)}\n`,
    });
  }, 60_000);
});

describe('issue 27 #8: an older rollup.sql install without the blocks table', () => {
  it('a report over 36 hours reads raw rows (figures of --exact) and says why in one line; rollup.sql again reads the rollups', async () => {
    const url = await database('no_blocks', rows(40, 30));
    const env = { DATABASE_URL: url };
    expect((await runCli(['--refresh-rollups'], { env })).code).toBe(0);
    await withSql(url, (sql) => sql`DROP TABLE perf_monitor_rollup_block`);
    const notice =
      'perf-monitor: rollups not read (raw rows were): table perf_monitor_rollup_block does not exist (rollup.sql from an older version): ' +
      'run tools/performance-monitoring/sql/rollup.sql again\n';
    await expectExact(env, 36, FULL_36, notice, 'server');
    // 48 hours: all 40 hours of rows.
    await expectExact(env, 48, { operations: 40 * 30, failures: 40 * 3 }, notice, 'server');
    // The upgrade rollup.sql says to run builds the blocks from the hourly rows.
    await runSqlFile(url, join(SQL_DIR, 'rollup.sql'));
    await expectExact(env, 36, FULL_36);
  }, 60_000);
});

describe('issue 27 #8 through the Supabase RPC: an older rollup.sql install without the blocks table', () => {
  it('the RPC reads raw rows: the figures of --exact, not an error', async () => {
    const url = await database('no_blocks_rpc', rows(40, 30));
    await runSqlFile(url, join(SQL_DIR, 'rpc.sql'));
    expect((await runCli(['--refresh-rollups'], { env: { DATABASE_URL: url } })).code).toBe(0);
    await withSql(url, (sql) => sql`DROP TABLE perf_monitor_rollup_block`);
    const api = await startPostgrestServer({ databaseUrl: url, serviceRoleKey: RPC_KEY });
    try {
      const env = { SUPABASE_URL: api.url, SUPABASE_SERVICE_ROLE_KEY: RPC_KEY };
      const [viaRpc, viaExact] = [await runCli(report(36), { env }), await runCli([...report(36), '--exact'], { env })];
      expect(viaExact).toMatchObject({ code: 0, stderr: '' });
      expect(viaRpc).toMatchObject({ code: 0 });
      expect(overall(viaExact.stdout).counts).toEqual(FULL_36);
      expect(overall(viaRpc.stdout)).toEqual({
        counts: FULL_36,
        source: { kind: 'supabase', aggregation: 'server', percentiles: 'exact' },
      });
    } finally {
      await api.close();
    }
  }, 60_000);
});

describe('issue 27 #15: roles without BYPASSRLS, row-level security on (plain PostgreSQL)', () => {
  /** `url` logged in as `role` (password `role`-pw). */
  const as = (url: string, role: string) => Object.assign(new URL(url), { username: role, password: `${role}-pw` }).href;
  const READ_POLICY = (role: string) =>
    ['perf_monitor_rollup', 'perf_monitor_rollup_block', 'perf_monitor_rollup_timeline', 'perf_monitor_rollup_state']
      .map((t) => `CREATE POLICY perf_monitor_read_${role} ON ${t} FOR SELECT TO ${role} USING (true);`)
      .join('\n');

  it('service_role with the documented grants refreshes and reads; a reader without a policy is told why it read raw rows', async () => {
    const url = await pg.createDatabase('rls');
    await runSqlFile(url, join(SQL_DIR, 'schema.sql'));
    await withSql(url, async (sql) => {
      await sql.unsafe(`
        CREATE ROLE service_role LOGIN NOBYPASSRLS PASSWORD 'service_role-pw';
        CREATE ROLE reporter LOGIN NOBYPASSRLS PASSWORD 'reporter-pw';
        GRANT SELECT ON integration_logs TO service_role, reporter;
        -- As on Supabase: RLS on the table, a policy for who may read it.
        ALTER TABLE integration_logs ENABLE ROW LEVEL SECURITY;
        CREATE POLICY logs_read ON integration_logs FOR SELECT TO service_role, reporter USING (true);`);
      const [role] = await sql<{ bypass: boolean }[]>`SELECT rolbypassrls AS bypass FROM pg_roles WHERE rolname = 'service_role'`;
      expect(role?.bypass).toBe(false);
    });
    await runSqlFile(url, join(SQL_DIR, 'rollup.sql'));
    await withSql(url, (sql) => insertRows(sql, rows(40, 30)));

    // service_role: the grants rollup.sql gives it are enough to refresh, and to read.
    const service = { DATABASE_URL: as(url, 'service_role') };
    expect(await runCli(['--refresh-rollups'], { env: service })).toEqual({
      code: 0,
      stdout: '',
      stderr: `perf-monitor: rollups: 40 hours built; rolled up to ${iso(hourNow)}\n`,
    });
    await expectExact(service, 36, FULL_36);

    // A reader granted SELECT on the rollups, but no policy: RLS shows it no row; it reads raw rows and says so.
    await withSql(
      url,
      (sql) =>
        sql`GRANT SELECT ON perf_monitor_rollup, perf_monitor_rollup_block, perf_monitor_rollup_timeline, perf_monitor_rollup_state TO reporter`,
    );
    const reporter = { DATABASE_URL: as(url, 'reporter') };
    await expectExact(
      reporter,
      36,
      FULL_36,
      'perf-monitor: rollups not read (raw rows were): perf_monitor_rollup_state shows this role no row (row-level security, and no policy for it): ' +
        'see docs/rollups.md, "Roles and row-level security"\n',
      'server',
    );
    // docs/rollups.md's policies for a reader: it reads the rollups.
    await withSql(url, (sql) => sql.unsafe(READ_POLICY('reporter')));
    await expectExact(reporter, 36, FULL_36);
    // A role without SELECT on them at all is told so too.
    await withSql(url, (sql) => sql`REVOKE SELECT ON perf_monitor_rollup_block FROM reporter`);
    await expectExact(
      reporter,
      36,
      FULL_36,
      'perf-monitor: rollups not read (raw rows were): this role may not SELECT from perf_monitor_rollup_block: see docs/rollups.md, "Roles and row-level security"\n',
      'server',
    );
  }, 90_000);
});
