// Issue 14, the network paths (items 1, 2, 5, 12) and issue 16's RPC-missing notice, through the
// real CLI against hostile HTTP servers of our own on 127.0.0.1 (harness/hostile-http.ts).
// Every failure is one stderr line naming the source and the cause, no report, no secret.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import {
  type HostileServer,
  logRows,
  RPC_PATH,
  redirect,
  requestedRange,
  rpcNotFound,
  sendJson,
  startServer,
  streamBody,
  TABLE_PATH,
} from '../harness/hostile-http.js';

const UNTIL = '2025-11-20T10:00:00.000Z';
const ARGS = ['--format', 'json', '--until', UNTIL];
const KEY = 'hardening-net-service-role-key-5e1f7a';
const servers: HostileServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...args: Parameters<typeof startServer>): Promise<HostileServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}

const supabaseEnv = (url: string, extra: Record<string, string> = {}) => ({
  SUPABASE_URL: url,
  SUPABASE_SERVICE_ROLE_KEY: KEY,
  PERFMON_TIMEOUT_MS: '10000',
  ...extra,
});

/** What the fallback prints first on stderr, the RPC being missing (two lines of <= 100 columns). */
const RPC_MISSING_NOTICE =
  'perf-monitor: the perf_monitor_summary RPC is not installed: rows are read and aggregated here.\n' +
  'perf-monitor: For aggregation in the database, install tools/performance-monitoring/sql/rpc.sql.\n';

const pageRequests = (server: HostileServer) => server.requests.filter((r) => r.path === TABLE_PATH).length;

/** The RPC is missing, so the CLI pages through the table; `page` answers each page request. */
const fallback = (page: Parameters<typeof startServer>[0]) =>
  serve((request, response) => (request.path === RPC_PATH ? rpcNotFound(response) : page(request, response)));

// A broken run must end long before this; on 5b5982a the fallback tests hit it (an endless loop).
const CLI_TIMEOUT = { timeoutMs: 30_000 };

describe('the Supabase fallback checks every page (item 1)', () => {
  const unusable = (server: HostileServer, what: string) =>
    `${RPC_MISSING_NOTICE}perf-monitor: Supabase at 127.0.0.1:${server.port}: reading integration_logs got an unusable answer: ${what}\n`;

  it('the same 1,000 rows for every request, whatever the filters: exit 1 after a few requests', async () => {
    const rows = logRows(Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, created_at: '2001-01-01T00:00:00+00:00' })));
    const server = await fallback((_request, response) => sendJson(response, 200, rows));
    const { code, stdout, stderr } = await runCli(ARGS, { env: supabaseEnv(server.url), ...CLI_TIMEOUT });
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: unusable(server, 'a row outside the requested created_at range (the server ignored the filter)'),
    });
    // One page request per time slice at most (4), each refused at once.
    expect(pageRequests(server)).toBeLessThanOrEqual(4);
  });

  it('a server that keeps the range but ignores the keyset cursor: exit 1 on the second page', async () => {
    // 1,000 rows at the lower bound it was asked for: the next request's lower bound is the same
    // instant, so the same rows come back forever.
    const server = await fallback((request, response) => {
      const { gte } = requestedRange(request.query);
      sendJson(response, 200, logRows(Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, created_at: gte }))));
    });
    const { code, stdout, stderr } = await runCli(ARGS, { env: supabaseEnv(server.url), ...CLI_TIMEOUT });
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: unusable(server, 'the page did not advance past the previous one (the server ignored the keyset filter)'),
    });
    // 4 slices × 2 pages at most.
    expect(pageRequests(server)).toBeLessThanOrEqual(8);
  });

  it('rows out of (created_at, id) order within a page: exit 1', async () => {
    const server = await fallback((request, response) => {
      const { gte } = requestedRange(request.query);
      const at = new Date(gte).getTime();
      // Newest first: descending created_at.
      const rows = [2, 1, 0].map((s, i) => ({ id: i + 1, created_at: new Date(at + s * 1000).toISOString() }));
      sendJson(response, 200, logRows(rows));
    });
    const { code, stdout, stderr } = await runCli(ARGS, { env: supabaseEnv(server.url), ...CLI_TIMEOUT });
    expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: '', stderr: unusable(server, 'rows out of (created_at, id) order') });
    expect(pageRequests(server)).toBeLessThanOrEqual(4);
  });

  it('rows of another service than --service: exit 1', async () => {
    const server = await fallback((request, response) => {
      const { gte } = requestedRange(request.query);
      sendJson(response, 200, logRows([{ id: 1, created_at: gte, source: 'shipping' }]));
    });
    const { code, stdout, stderr } = await runCli([...ARGS, '--service', 'billing'], { env: supabaseEnv(server.url), ...CLI_TIMEOUT });
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: unusable(server, 'a row of another service than --service (the server ignored the filter)'),
    });
  });

  it('a well-behaved server still gives the report, microsecond timestamps and equal instants included', async () => {
    // Two pages of one slice share one instant (ids 1-2 then 3), as PostgREST pages by (created_at, id).
    const server = await fallback((request, response) => {
      const { gte, lt } = requestedRange(request.query);
      const inLastSlice = lt === UNTIL || lt.startsWith('2025-11-20T10:00:00');
      if (!inLastSlice) return sendJson(response, 200, []);
      const keyset = request.query.get('or') ?? '';
      const at = '2025-11-20T09:30:00.123456+00:00';
      if (!keyset.includes('id.gt'))
        return sendJson(
          response,
          200,
          logRows([
            { id: 1, created_at: at },
            { id: 2, created_at: at },
          ]),
        );
      if (keyset.includes('id.gt."2"') && gte.startsWith('2025-11-20T09:30:00.123456')) {
        return sendJson(response, 200, logRows([{ id: 3, created_at: at, duration_ms: 400 }]));
      }
      return sendJson(response, 200, []);
    });
    const { code, stdout, stderr } = await runCli(ARGS, { env: supabaseEnv(server.url), ...CLI_TIMEOUT });
    expect(stderr).not.toContain('unusable');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { overall: { totalOperations: number; avgDuration: number } };
    expect(report.overall.totalOperations).toBe(3);
    expect(report.overall.avgDuration).toBe(200);
  });
});

describe('no credentials follow a redirect to another origin (item 2)', () => {
  /** A server that would make a report (no RPC, no rows) and records whether anyone came. */
  const elsewhere = () => fallback((_request, response) => sendJson(response, 200, []));

  for (const status of [307, 302]) {
    it(`SUPABASE_URL answering ${status} to another port: refused, the other origin receives nothing`, async () => {
      const other = await elsewhere();
      const front = await serve((request, response) => redirect(response, status, other.url, request));
      const { code, stdout, stderr } = await runCli(ARGS, { env: supabaseEnv(front.url), ...CLI_TIMEOUT });
      expect({ code, stdout, stderr }).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `perf-monitor: Supabase at 127.0.0.1:${front.port}: refused to follow a redirect (HTTP ${status}) to another origin, ` +
          `http://127.0.0.1:${other.port} (set SUPABASE_URL to the address that answers)\n`,
      });
      expect(other.requests).toEqual([]);
      // Refused at once: no retries.
      expect(front.requests).toHaveLength(1);
    });
  }

  it('a redirect within the same origin is followed, the key along (it goes where it was meant to)', async () => {
    const server = await serve((request, response) => {
      if (!request.path.startsWith('/moved/')) return redirect(response, 307, `http://127.0.0.1:${server.port}/moved`, request);
      if (request.path === `/moved${RPC_PATH}`) return rpcNotFound(response);
      return sendJson(response, 200, []);
    });
    const { code, stdout } = await runCli(ARGS, { env: supabaseEnv(server.url), ...CLI_TIMEOUT });
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { overall: { totalOperations: number } }).overall.totalOperations).toBe(0);
    const moved = server.requests.filter((r) => r.path.startsWith('/moved/'));
    expect(moved.length).toBeGreaterThan(0);
    for (const request of moved) expect(request.headers.apikey).toBe(KEY);
  });

  it('the Slack webhook answering 307 to another port: nothing reaches it, one line, exit 4', async () => {
    const other = await serve((_request, response) => sendJson(response, 200, 'ok'));
    const front = await serve((request, response) => redirect(response, 307, other.url, request));
    const webhook = `${front.url}/services/T0NET/B0NET/webhook-secret-token-7c1d`;
    const { code, stdout, stderr } = await runCli(['--demo', '--until', UNTIL, '--alert', '--format', 'json'], {
      env: { SLACK_WEBHOOK_URL: webhook, PERFMON_STATE_DIR: emptyDir('perfmon-state-'), PERFMON_TIMEOUT_MS: '10000' },
      ...CLI_TIMEOUT,
    });
    expect(code).toBe(4);
    expect(other.requests).toEqual([]);
    expect(front.requests).toHaveLength(1);
    // The alerts redactor hides every URL in a delivery error, the origin included.
    const reason = 'Slack webhook: refused to follow a redirect (HTTP 307) to another origin, [redacted]';
    const slack = (
      JSON.parse(stdout) as { alerts: { channels: { channel: string; failed: { reason: string } | null }[] } }
    ).alerts.channels.find((c) => c.channel === 'slack');
    expect(slack?.failed?.reason).toBe(reason);
    expect(stdout + stderr).not.toContain('webhook-secret-token');
  });
});

describe('error bodies are read and shown bounded (item 5)', () => {
  it('a 100 MB non-JSON error answer: one short line, exit 1, modest memory', async () => {
    const sent: Promise<number>[] = [];
    const server = await serve((_request, response) => {
      sent.push(streamBody(response, 500, 100 * 1024 * 1024, '<html>'.repeat(10_000)));
    });
    const rssFile = join(emptyDir(), 'maxrss');
    const preload = new URL('../harness/max-rss.mjs', import.meta.url).href;
    const { code, stdout, stderr } = await runCli(ARGS, {
      env: supabaseEnv(server.url, { NODE_OPTIONS: `--import=${preload}`, PERFMON_TEST_MAXRSS_FILE: rssFile }),
      ...CLI_TIMEOUT,
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.split('\n');
    expect(lines).toHaveLength(2); // one line and its newline
    expect(lines[0]).toMatch(
      new RegExp(
        `^perf-monitor: Supabase at 127\\.0\\.0\\.1:${server.port}: the RPC failed \\(HTTP 500, after 3 attempts\\): (<html>)+<?h?t?m?l?…$`,
      ),
    );
    expect(lines[0]?.length).toBeLessThan(300);
    console.log(`stderr line: ${lines[0]?.length} characters`);
    // Each attempt stopped reading early: far less than 100 MB went out.
    const written = await Promise.all(sent);
    expect(written).toHaveLength(3);
    for (const bytes of written) expect(bytes).toBeLessThan(20 * 1024 * 1024);
    const maxRssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
    console.log(`max RSS of the CLI against a 100 MB error answer: ${maxRssMiB.toFixed(0)} MiB`);
    // A run that gets a 4-byte error answer peaks at ~130 MiB here; 5b5982a peaked at 685 MB.
    expect(maxRssMiB).toBeLessThan(200);
  });

  it('the Slack webhook answering 500 with 100 MB: each attempt reads a prefix only, exit 4', async () => {
    const sent: Promise<number>[] = [];
    const server = await serve((_request, response) => {
      sent.push(streamBody(response, 500, 100 * 1024 * 1024, 'no_service '.repeat(6_000), { 'content-type': 'text/plain' }));
    });
    const { code, stdout } = await runCli(['--demo', '--until', UNTIL, '--alert', '--format', 'json'], {
      env: {
        SLACK_WEBHOOK_URL: `${server.url}/services/T0NET/B0NET/webhook-secret-token-7c1d`,
        PERFMON_STATE_DIR: emptyDir('perfmon-state-'),
        PERFMON_TIMEOUT_MS: '10000',
      },
      ...CLI_TIMEOUT,
    });
    expect(code).toBe(4);
    const written = await Promise.all(sent);
    expect(written).toHaveLength(3);
    for (const bytes of written) expect(bytes).toBeLessThan(20 * 1024 * 1024);
    const slack = (
      JSON.parse(stdout) as { alerts: { channels: { channel: string; failed: { reason: string } | null }[] } }
    ).alerts.channels.find((c) => c.channel === 'slack');
    expect(slack?.failed?.reason).toMatch(/^Slack webhook: HTTP 500 (no_service )+/);
    expect(slack?.failed?.reason.length).toBeLessThan(200);
  });

  it('a success answer over 32 MiB is refused at once, not parsed, not retried', async () => {
    const server = await serve(
      (_request, response) =>
        void streamBody(response, 200, 40 * 1024 * 1024, '[1,'.repeat(20_000), { 'content-type': 'application/json' }),
    );
    const { code, stdout, stderr } = await runCli(ARGS, { env: supabaseEnv(server.url), ...CLI_TIMEOUT });
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: `perf-monitor: Supabase at 127.0.0.1:${server.port}: the answer is larger than 32 MiB, far more than a page of rows\n`,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('control characters in an error message are removed, and the message stays one line', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 400, { code: 'XX000', message: '\u001b[2J\u001b[31mboom\r\nline two\u0007' }),
    );
    const { code, stderr } = await runCli(ARGS, { env: supabaseEnv(server.url), ...CLI_TIMEOUT });
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: `perf-monitor: Supabase at 127.0.0.1:${server.port}: the RPC failed (HTTP 400 XX000): [2J [31mboom line two\n`,
    });
  });
});

describe('configuration errors say what is wrong (item 12)', () => {
  it('DATABASE_URL with sslmode=bogus: exit 2, naming sslmode and the allowed values', async () => {
    const { code, stdout, stderr } = await runCli(ARGS, {
      env: { DATABASE_URL: 'postgres://u:secret-pw-41@127.0.0.1:1/db?sslmode=bogus' },
    });
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'perf-monitor: DATABASE_URL has sslmode=bogus: use one of disable, allow, prefer, require, verify-ca, verify-full\n',
    });
  });

  it('SUPABASE_URL with credentials: exit 2 at once, no request, the credentials not printed', async () => {
    const server = await serve((_request, response) => sendJson(response, 200, []));
    const url = `http://someone:hunter2-pass@127.0.0.1:${server.port}`;
    const { code, stdout, stderr } = await runCli(ARGS, { env: supabaseEnv(url), ...CLI_TIMEOUT });
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'perf-monitor: SUPABASE_URL contains a user name or password (user:password@), which HTTP clients refuse: remove it; the key goes in SUPABASE_SERVICE_ROLE_KEY\n',
    });
    expect(server.requests).toEqual([]);
  });
});

describe('the RPC-missing notice (issue 16)', () => {
  it('fits two lines of at most 100 columns', async () => {
    const server = await fallback((_request, response) => sendJson(response, 200, []));
    const { code, stderr } = await runCli(ARGS, { env: supabaseEnv(server.url), ...CLI_TIMEOUT });
    expect(code).toBe(0);
    expect(stderr).toBe(RPC_MISSING_NOTICE);
    for (const line of stderr.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});
