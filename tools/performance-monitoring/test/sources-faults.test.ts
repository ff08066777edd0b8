// Faults (docs/cli.md, docs/sources.md) through the real CLI against real servers: the PostgREST test server with
// injected faults, and PostgreSQL. Every failure is exit 1, no report on stdout, one line on
// stderr naming the source and the cause, no stack trace, no secret.
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../harness/cli.js';
import { countOperations, generateRows, supabaseLikeDatabase } from '../harness/dataset.js';
import { freePort, type PgServer, startPostgres } from '../harness/postgres.js';
import { type FaultRequest, type PostgrestServer, startPostgrestServer } from '../harness/postgrest-server.js';

const UNTIL = '2025-11-20T10:00:00.000Z';
const END = new Date(UNTIL);
const START = new Date(END.getTime() - 24 * 3_600_000);
const ARGS = ['--format', 'json', '--until', UNTIL, '--threshold', '1000'];
const SERVICE_KEY = 'faults-service-role-key-93be0a';
const ANON_KEY = 'faults-anon-key-51c7d2';
const WRONG_KEY = 'faults-wrong-key-0f3e88';
// Generous where no timeout is meant to fire (the machine may be busy); the timeout tests set 1000.
const TIMEOUT_MS = '10000';
// About 6,600 rows over both windows: each of the fallback's 4 time slices spans two full pages.
const ROWS = generateRows({ operationsPerWindow: 3000, until: UNTIL, seed: 7 });
const CURRENT_OPERATIONS = countOperations(ROWS, START, END);

let pg: PgServer;
let rpcUrl: string; // schema.sql + rpc.sql
let plainUrl: string; // schema.sql only
const servers: PostgrestServer[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  [rpcUrl, plainUrl] = await Promise.all([
    supabaseLikeDatabase(pg, 'faults_rpc', ROWS, { withRpc: true }),
    supabaseLikeDatabase(pg, 'faults_plain', ROWS, { withRpc: false }),
  ]);
  // A table whose reads take far longer than PERFMON_TIMEOUT_MS.
  const sql = postgres(rpcUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`
      CREATE FUNCTION slow_rows() RETURNS SETOF integration_logs LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_sleep(30);
        RETURN QUERY SELECT * FROM integration_logs;
      END $$;
      CREATE VIEW slow_logs AS SELECT * FROM slow_rows();
    `);
  } finally {
    await sql.end({ timeout: 5 });
  }
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await pg?.stop();
});

/** A PostgREST test server of its own for each test, so request logs and faults stay apart. */
async function api(databaseUrl: string): Promise<PostgrestServer> {
  const server = await startPostgrestServer({ databaseUrl, serviceRoleKey: SERVICE_KEY, anonKey: ANON_KEY });
  servers.push(server);
  return server;
}

/** Arrival times of requests (ms, performance.now()): a fault that records and never fires. */
function clock(server: PostgrestServer, which: (r: FaultRequest) => boolean = () => true): number[] {
  const arrivals: number[] = [];
  server.faults.unshift({
    match: (r) => {
      if (which(r)) arrivals.push(performance.now());
      return false;
    },
    respond: { status: 500 },
    times: Infinity,
  });
  return arrivals;
}

const isRpc = (r: FaultRequest) => r.method === 'POST' && r.path === '/rest/v1/rpc/perf_monitor_summary';
const isPage = (r: FaultRequest) => r.method === 'GET' && r.path === '/rest/v1/integration_logs';
/** A keyset continuation page (not a slice's first page). */
const isNextPage = (r: FaultRequest) => isPage(r) && (r.searchParams.get('or') ?? '').includes('id.gt.');

function supabaseEnv(server: PostgrestServer | string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SUPABASE_URL: typeof server === 'string' ? server : server.url,
    SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
    PERFMON_TIMEOUT_MS: TIMEOUT_MS,
    ...extra,
  };
}

const SECRETS = () => [SERVICE_KEY, ANON_KEY, WRONG_KEY, pg.password, 'wrong-password-4be1'];

function expectNoSecrets(result: CliResult): void {
  for (const secret of SECRETS()) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

/** Exit 1, nothing on stdout, one line on stderr matching `pattern`, no stack, no secret. */
function expectFailure(result: CliResult, pattern: RegExp): void {
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect({ code: result.code, stdout: result.stdout, lines: result.stderr.split('\n').length }).toEqual({ code: 1, stdout: '', lines: 2 });
  expect(result.stderr).toMatch(/^perf-monitor: .+\n$/);
  expect(result.stderr).toMatch(pattern);
  expectNoSecrets(result);
}

function expectReport(result: CliResult, aggregation: 'server' | 'client'): void {
  expect(result.code, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout) as { source: unknown; overall: { totalOperations: number } };
  expect(report.source).toEqual({ kind: 'supabase', aggregation, percentiles: 'exact' });
  expect(report.overall.totalOperations).toBe(CURRENT_OPERATIONS);
  expectNoSecrets(result);
}

const statuses = (server: PostgrestServer) => server.requests.map((r) => `${r.method} ${r.status}`);

describe('supabase: transient faults are retried', () => {
  it('500 then 200 on the RPC: retried, report printed', async () => {
    const server = await api(rpcUrl);
    server.faults.push({ match: isRpc, respond: { status: 500 } });
    const result = await runCli(ARGS, { env: supabaseEnv(server) });
    expectReport(result, 'server');
    expect(result.stderr).toBe('');
    expect(statuses(server)).toEqual(['POST 500', 'POST 200']);
  });

  it('RPC missing: one notice, then pages with a 503, a body cut off, a reset connection: retried, every row counted once', async () => {
    const server = await api(plainUrl);
    server.faults.push(
      { match: isNextPage, respond: { status: 503 } },
      { match: isNextPage, respond: 'truncate' },
      { match: isNextPage, respond: 'destroy' },
    );
    const result = await runCli(ARGS, { env: supabaseEnv(server) });
    expectReport(result, 'client');
    expect(result.stderr).toMatch(
      /^perf-monitor: the perf_monitor_summary RPC is not installed: .*\nperf-monitor: .*tools\/performance-monitoring\/sql\/rpc\.sql\.\n$/,
    );
    expect(server.requests[0]).toMatchObject({ method: 'POST', status: 404 });
    expect(server.requests.map((r) => r.fault).filter((f) => f !== null)).toEqual(['status', 'truncate', 'destroy']);
  });

  it('429 with Retry-After: 1 then 200: waits the second the server asked for', async () => {
    const server = await api(rpcUrl);
    const arrivals = clock(server);
    server.faults.push({ match: isRpc, respond: { status: 429, headers: { 'Retry-After': '1' }, body: { message: 'slow down' } } });
    const result = await runCli(ARGS, { env: supabaseEnv(server) });
    expectReport(result, 'server');
    expect(statuses(server)).toEqual(['POST 429', 'POST 200']);
    const [first, second] = arrivals;
    // Without Retry-After the first backoff is at most 200 ms.
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(950);
    expect((second ?? 0) - (first ?? 0)).toBeLessThan(5000);
  });
});

describe('supabase: failures', () => {
  it('401 (wrong key): no retry, says to check SUPABASE_SERVICE_ROLE_KEY', async () => {
    const server = await api(rpcUrl);
    const result = await runCli(ARGS, { env: supabaseEnv(server, { SUPABASE_SERVICE_ROLE_KEY: WRONG_KEY }) });
    expectFailure(result, /HTTP 401.*check SUPABASE_SERVICE_ROLE_KEY/);
    expect(statuses(server)).toEqual(['POST 401']);
  });

  it('the anon key instead of the service role key: the RPC is refused (42501), no retry', async () => {
    const server = await api(rpcUrl);
    const result = await runCli(ARGS, { env: supabaseEnv(server, { SUPABASE_SERVICE_ROLE_KEY: ANON_KEY }) });
    expectFailure(result, /HTTP 401.*check SUPABASE_SERVICE_ROLE_KEY/);
    expect(server.requests.map((r) => [r.method, r.status, r.role])).toEqual([['POST', 401, 'anon']]);
  });

  it('a server that never answers: exit 1 after 3 attempts of PERFMON_TIMEOUT_MS each', async () => {
    const server = await api(rpcUrl);
    server.faults.push({ respond: 'hang', times: Infinity });
    const started = performance.now();
    const result = await runCli(ARGS, { env: supabaseEnv(server, { PERFMON_TIMEOUT_MS: '1000' }) });
    const elapsed = performance.now() - started;
    expectFailure(result, /Supabase at 127\.0\.0\.1:\d+: no answer within 1000 ms \(PERFMON_TIMEOUT_MS\), after 3 attempts/);
    expect(server.requests.map((r) => r.fault)).toEqual(['hang', 'hang', 'hang']);
    // 3 x 1 s + backoff (at most 0.2 + 0.4 s) + start-up; far below the test's own timeout.
    expect(elapsed).toBeGreaterThan(3000);
    expect(elapsed).toBeLessThan(20_000);
  });

  it('connection refused: exit 1, one line', async () => {
    const port = await freePort();
    const result = await runCli(ARGS, { env: supabaseEnv(`http://127.0.0.1:${port}`) });
    expectFailure(result, /Supabase at 127\.0\.0\.1:\d+: connection refused, after 3 attempts/);
  });

  it('table missing (PERFMON_TABLE=nope): exit 1, says to run sql/schema.sql, no retry', async () => {
    const server = await api(rpcUrl);
    const result = await runCli(ARGS, { env: supabaseEnv(server, { PERFMON_TABLE: 'nope' }) });
    expectFailure(result, /table nope not found: run tools\/performance-monitoring\/sql\/schema\.sql/);
    expect(server.requests.length).toBeGreaterThan(0);
    // One request per time slice at most: a 404 is not retried.
    expect(server.requests.length).toBeLessThanOrEqual(4);
    expect(server.requests.every((r) => r.method === 'GET' && r.status === 404)).toBe(true);
  });

  it('a page failing mid-way on every attempt: exit 1 and no partial report', async () => {
    const server = await api(plainUrl);
    server.faults.push({ match: isNextPage, skip: 1, times: Infinity, respond: { status: 500 } });
    const result = await runCli(ARGS, { env: supabaseEnv(server) });
    expect(result.stdout).toBe('');
    // The RPC notice (two lines) came first; the failure is the last line.
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/RPC is not installed/);
    expectFailure(
      { ...result, stderr: `${lines.slice(2).join('\n')}\n` },
      /reading integration_logs failed \(HTTP 500, after 3 attempts\)/,
    );
    expect(lines).toHaveLength(3);
    const pages = server.requests.filter((r) => r.method === 'GET');
    // Pages went through before the failure, and the failing page was tried 3 times.
    expect(pages.filter((r) => r.status === 200 || r.status === 206).length).toBeGreaterThan(1);
    expect(pages.filter((r) => r.status === 500).length).toBeGreaterThanOrEqual(3);
  });

  it('one time slice failing while the others are slow: the run stops at once, their requests aborted', async () => {
    const server = await api(plainUrl);
    const firstSlice = (r: FaultRequest) => isPage(r) && r.searchParams.getAll('created_at').includes('gte.2025-11-18T10:00:00.000Z');
    server.faults.push({ match: firstSlice, times: Infinity, respond: { status: 500 } });
    server.faults.push({ match: isPage, times: Infinity, respond: { delayMs: 15_000 } });
    const pageArrivals = clock(server, isPage);
    const result = await runCli(ARGS, { env: supabaseEnv(server, { PERFMON_TIMEOUT_MS: '20000' }) });
    // From the first page asked for to the exit (CLI start-up excluded: the machine may be busy).
    const elapsed = performance.now() - (pageArrivals[0] ?? 0);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(/reading integration_logs failed \(HTTP 500, after 3 attempts\)/);
    // Not one page of the slow slices came back, and none was asked for after the failure.
    expect(elapsed).toBeLessThan(10_000);
    expect(server.requests.filter((r) => r.url.includes('id.gt.')).length).toBe(0);
    expect(server.requests.filter((r) => r.status === 500)).toHaveLength(3);
  });
});

describe('postgres: failures', () => {
  const withPassword = (url: string, password: string) => {
    const u = new URL(url);
    u.password = password;
    return u.href;
  };
  const pgEnv = (url: string, extra: Record<string, string> = {}) => ({ DATABASE_URL: url, PERFMON_TIMEOUT_MS: TIMEOUT_MS, ...extra });

  it('wrong password: authentication failed', async () => {
    const result = await runCli(ARGS, { env: pgEnv(withPassword(rpcUrl, 'wrong-password-4be1')) });
    expectFailure(result, /PostgreSQL at 127\.0\.0\.1:\d+: authentication failed for user 'postgres': check DATABASE_URL/);
  });

  it('missing database', async () => {
    const result = await runCli(ARGS, { env: pgEnv(pg.url('no_such_db')) });
    expectFailure(result, /database 'no_such_db' does not exist/);
  });

  it('missing table: says to run sql/schema.sql', async () => {
    const result = await runCli(ARGS, { env: pgEnv(rpcUrl, { PERFMON_TABLE: 'nope' }) });
    expectFailure(result, /table nope does not exist in 'faults_rpc': run tools\/performance-monitoring\/sql\/schema\.sql/);
  });

  it('a query slower than PERFMON_TIMEOUT_MS: timed out', async () => {
    const started = performance.now();
    const result = await runCli(ARGS, { env: pgEnv(rpcUrl, { PERFMON_TABLE: 'slow_logs', PERFMON_TIMEOUT_MS: '1000' }) });
    expectFailure(
      result,
      /^perf-monitor: PostgreSQL: the query hit its statement timeout of 1000 ms \(PERFMON_TIMEOUT_MS\): install the rollups \(tools\/performance-monitoring\/sql\/rollup\.sql, refreshed by pg_cron or --refresh-rollups\) or narrow --hours\n$/,
    );
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('a server that accepts the connection but never answers: timed out', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const url = new URL(rpcUrl);
      url.port = String(port);
      const started = performance.now();
      const result = await runCli(ARGS, { env: pgEnv(url.href, { PERFMON_TIMEOUT_MS: '1000' }) });
      expectFailure(result, /PostgreSQL at 127\.0\.0\.1:\d+: connection timed out after 1000 ms/);
      expect(performance.now() - started).toBeLessThan(20_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a connection that stalls after login (a proxy stops forwarding the query): timed out, 3 attempts', async () => {
    const target = new URL(rpcUrl);
    const sockets = new Set<Socket>();
    let attempts = 0;
    // Forwards the startup and authentication, then swallows everything from the first
    // extended-protocol Parse message on, like a network that drops a session mid-way.
    const proxy = createServer((client) => {
      sockets.add(client);
      const server = connect(Number(target.port), target.hostname);
      sockets.add(server);
      let stalled = false;
      client.on('data', (chunk: Buffer) => {
        if (!stalled && chunk[0] === 0x50) {
          stalled = true;
          attempts++;
        }
        if (!stalled) server.write(chunk);
      });
      server.on('data', (chunk: Buffer) => client.write(chunk));
      for (const s of [client, server]) s.on('error', () => {}).on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = new URL(rpcUrl);
      url.port = String((proxy.address() as AddressInfo).port);
      const started = performance.now();
      const result = await runCli(ARGS, { env: pgEnv(url.href, { PERFMON_TIMEOUT_MS: '1000' }) });
      expectFailure(result, /PostgreSQL at 127\.0\.0\.1:\d+: no answer within 1000 ms \(PERFMON_TIMEOUT_MS\), after 3 attempts/);
      expect(attempts).toBe(3);
      expect(performance.now() - started).toBeLessThan(30_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('connection refused', async () => {
    const port = await freePort();
    const url = new URL(rpcUrl);
    url.port = String(port);
    const result = await runCli(ARGS, { env: pgEnv(url.href) });
    expectFailure(result, /PostgreSQL at 127\.0\.0\.1:\d+: connection refused/);
  });
});
