// `monitor.ts --refresh-rollups` over a first build of three days on real PostgreSQL (docs/rollups.md):
// steps of 24 hours that together give the table one call of the function gives; one stderr line
// at the end, and on a terminal (a real pseudo-terminal from util-linux `script`) a progress line
// redrawn in place and cleared; Ctrl-C stops after the current step (exit 130, its hours kept);
// a refresh running elsewhere is named, not reported as "0 hours built".
import { spawn, spawnSync } from 'node:child_process';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLLED, emptyDir, MONITOR, runCli, TSX_LOADER } from '../harness/cli.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { rollupTable } from '../harness/rollup-rows.js';
import { REFRESH_LOCK_KEY } from '../sources/sql/rollup.js';

const SQL_DIR = new URL('../sql/', import.meta.url);
const HOUR = 3_600_000;
/** Rows over 74 complete hours: steps of 24, 24, 24 and 2 hours. */
const HOURS = 74;
const ESC_K = '\u001b[K';

let pg: PgServer;

beforeAll(async () => {
  pg = await startPostgres();
});

afterAll(async () => {
  await pg?.stop();
});

const iso = (ms: number) => new Date(ms).toISOString();

/** A fresh database with schema.sql, rollup.sql and rows in each of the last HOURS complete hours
 *  (plus one in the current hour, never rolled up); `hourNow` is the current hour's start. */
async function database(name: string): Promise<{ url: string; h0: number; hourNow: number }> {
  const url = await pg.createDatabase(name);
  for (const file of ['schema.sql', 'rollup.sql']) await runSqlFile(url, new URL(file, SQL_DIR).pathname);
  return withSql(url, async (sql) => {
    const [row] = await sql<{ ms: string }[]>`SELECT floor(extract(epoch FROM now()) / 3600) * 3600000 AS ms`;
    const hourNow = Number(row?.ms);
    const h0 = hourNow - HOURS * HOUR;
    const rows = [];
    for (let h = 0; h <= HOURS; h++) {
      const at = (minute: number) => iso(h0 + h * HOUR + minute * 60_000);
      rows.push({
        source: 'hubspot',
        operation: 'contacts.batch',
        level: 'info',
        status: 'success',
        message: null,
        duration_ms: 10 + ((h * 37) % 500),
        created_at: at(5),
      });
      rows.push({
        source: 'hubspot',
        operation: 'contacts.batch',
        level: 'info',
        status: 'success',
        message: null,
        duration_ms: 900 + h,
        created_at: at(25),
      });
      if (h % 5 === 0)
        rows.push({
          source: 'n8n',
          operation: 'wf.run',
          level: 'error',
          status: 'error',
          message: `Timeout after ${3000 + h}ms`,
          duration_ms: 3000 + h,
          created_at: at(45),
        });
    }
    await sql`INSERT INTO integration_logs ${sql(rows, 'source', 'operation', 'level', 'status', 'message', 'duration_ms', 'created_at')}`;
    return { url, h0, hourNow };
  });
}

/** The same rows rolled up by one call of the function, large enough for all of them. */
let single: Record<string, unknown>[];

beforeAll(async () => {
  const { url } = await database('refresh_single');
  await withSql(url, async (sql) => {
    const [row] = await sql<{ hours_built: number }[]>`SELECT hours_built FROM perf_monitor_refresh_rollups('2 hours', 168)`;
    expect(row?.hours_built).toBe(HOURS);
  });
  single = await withSql(url, rollupTable);
  // 74 hours of hubspot, 15 of them (every fifth, 0 to 70) with n8n too.
  expect(single).toHaveLength(HOURS + 15);
});

/** The CLI under a real pseudo-terminal: `script` runs it, what the terminal shows comes back. */
function terminalCommand(url: string): { command: string; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, SHELL: '/bin/sh', TERM: 'xterm-256color' };
  for (const name of CONTROLLED) if (name !== 'DATABASE_URL') delete env[name];
  // exec: the CLI is the terminal's foreground process itself, as when a user types the command.
  return { command: `exec ${JSON.stringify(process.execPath)} --import ${TSX_LOADER} ${MONITOR} --refresh-rollups`, env };
}

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const progress = (text: string) => `\rperf-monitor: rollups: ${text}${ESC_K}`;

/** Runs the CLI on a terminal while this test holds the state row, so the first step waits;
 *  types Ctrl-C `presses` times, then lets the step go on. `beforeRelease`: the CLI had exited
 *  before that. */
async function ctrlCDuringFirstStep(url: string, presses: 1 | 2): Promise<{ code: number | null; shown: string; beforeRelease: boolean }> {
  const { command, env } = terminalCommand(url);
  let shown = '';
  let closed = false;
  let exit: Promise<number | null> = Promise.resolve(null);
  let beforeRelease = false;
  await withSql(url, (sql) =>
    sql.begin(async (tx) => {
      await tx`SELECT watermark FROM perf_monitor_rollup_state FOR UPDATE`;
      const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
      exit = new Promise((resolve) => child.on('close', (code) => resolve(code)));
      void exit.then(() => (closed = true));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (shown += chunk));
      await until(async () => {
        // Activity is read once per transaction unless the snapshot is cleared.
        await tx`SELECT pg_stat_clear_snapshot()`;
        const [row] = await tx<{ n: number }[]>`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'perf-monitor' AND wait_event_type = 'Lock'`;
        return row?.n === 1;
      }, 'the first step to wait on the lock');
      child.stdin.write('\u0003');
      await until(() => shown.includes('stopping after this step'), 'the notice that it stops after this step');
      if (presses === 2) {
        child.stdin.write('\u0003');
        await until(() => closed, 'the CLI to quit');
        beforeRelease = true;
      }
    }),
  );
  return { code: await exit, shown, beforeRelease };
}

describe('monitor.ts --refresh-rollups over three days', () => {
  it('off a terminal: the same table as one call, one stderr line, no progress; then the lag', async () => {
    const { url, hourNow } = await database('refresh_pipe');
    const cwd = emptyDir();
    const first = await runCli(['--refresh-rollups'], { env: { DATABASE_URL: url }, cwd });
    expect(first).toEqual({ code: 0, stdout: '', stderr: `perf-monitor: rollups: 74 hours built; rolled up to ${iso(hourNow)}\n` });
    expect(await withSql(url, rollupTable)).toEqual(single);
    // Up to date: one call, re-reading the 2 hours of lag.
    const again = await runCli(['--refresh-rollups'], { env: { DATABASE_URL: url }, cwd });
    expect(again).toEqual({ code: 0, stdout: '', stderr: `perf-monitor: rollups: 2 hours built; rolled up to ${iso(hourNow)}\n` });
    expect(await withSql(url, rollupTable)).toEqual(single);
  });

  it('on a terminal: a progress line after each step, redrawn with \\r and cleared before the final line', async () => {
    const { url, h0, hourNow } = await database('refresh_tty');
    const { command, env } = terminalCommand(url);
    const result = spawnSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      progress('refreshing') +
        progress(`24 hours built, 50 to go; rolled up to ${iso(h0 + 24 * HOUR)}`) +
        progress(`48 hours built, 26 to go; rolled up to ${iso(h0 + 48 * HOUR)}`) +
        progress(`72 hours built, 2 to go; rolled up to ${iso(h0 + 72 * HOUR)}`) +
        `\r${ESC_K}` +
        // The terminal turns \n into \r\n.
        `perf-monitor: rollups: 74 hours built; rolled up to ${iso(hourNow)}\r\n`,
    );
    expect(await withSql(url, rollupTable)).toEqual(single);
  });

  it('Ctrl-C during a step: stops after it, exit 130, its hours kept; the next run goes on from there', async () => {
    const { url, h0, hourNow } = await database('refresh_sigint');
    const { code, shown } = await ctrlCDuringFirstStep(url, 1);
    expect(code).toBe(130);
    expect(shown).toBe(
      progress('refreshing') +
        // The terminal echoes the keystroke.
        '^C' +
        progress('stopping after this step (Ctrl-C again to quit at once)') +
        `\r${ESC_K}` +
        `perf-monitor: rollups: 24 hours built, then interrupted (50 hours to go: run it again); rolled up to ${iso(h0 + 24 * HOUR)}\r\n`,
    );
    expect(await withSql(url, rollupTable)).toEqual(single.filter((row) => String(row.hour) < iso(h0 + 24 * HOUR)));
    // The next run starts at the watermark, minus the lag: 2 + 50 hours.
    const rest = await runCli(['--refresh-rollups'], { env: { DATABASE_URL: url } });
    expect(rest).toEqual({ code: 0, stdout: '', stderr: `perf-monitor: rollups: 52 hours built; rolled up to ${iso(hourNow)}\n` });
    expect(await withSql(url, rollupTable)).toEqual(single);
  });

  it('a second Ctrl-C quits at once, killed by SIGINT, while the step still waits', async () => {
    const { url } = await database('refresh_sigint_twice');
    const { code, shown, beforeRelease } = await ctrlCDuringFirstStep(url, 2);
    expect(beforeRelease).toBe(true);
    // script reports a child killed by a signal as 128 + its number (SIGINT: 2).
    expect(code).toBe(130);
    expect(shown).toBe(`${progress('refreshing')}^C${progress('stopping after this step (Ctrl-C again to quit at once)')}^C\r\n`);
  });

  it('while another refresh holds the lock: says so, exit 0, and leaves the table alone', async () => {
    const { url, hourNow } = await database('refresh_busy');
    const cwd = emptyDir();
    expect((await runCli(['--refresh-rollups'], { env: { DATABASE_URL: url }, cwd })).code).toBe(0);
    const other = postgres(url, { max: 1, onnotice: () => {} });
    try {
      // Another session's refresh, as far as the lock goes (a session lock: it outlives this statement).
      await other`SELECT pg_advisory_lock(${String(REFRESH_LOCK_KEY)}::bigint)`;
      const busy = await runCli(['--refresh-rollups'], { env: { DATABASE_URL: url }, cwd });
      expect(busy).toEqual({
        code: 0,
        stdout: '',
        stderr: `perf-monitor: rollups: not refreshed: another refresh is running; rolled up to ${iso(hourNow)}\n`,
      });
    } finally {
      await other.end({ timeout: 5 });
    }
    expect(await withSql(url, rollupTable)).toEqual(single);
  });
});
