// One generated dataset (support/dataset.ts), four ways in: an NDJSON file, PostgreSQL
// (DATABASE_URL), Supabase with the RPC (server-side aggregation) and Supabase without it (keyset
// paged reads through the 1,000-row cap, aggregated in DuckDB). The JSON reports, through the real
// CLI, must be identical apart from `source` and `generatedAt`.
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliResult, comparable, emptyDir, runCli } from '../harness/cli.js';
import { countOperations, countRows, generateRows, supabaseLikeDatabase, writeNdjsonFile } from '../harness/dataset.js';
import { type PgServer, startPostgres } from '../harness/postgres.js';
import { type PostgrestServer, type RequestLogEntry, startPostgrestServer } from '../harness/postgrest-server.js';

const UNTIL = '2025-11-20T10:00:00.000Z';
const HOURS = 24;
const END = new Date(UNTIL);
const START = new Date(END.getTime() - HOURS * 3_600_000);
const PREVIOUS_START = new Date(END.getTime() - 2 * HOURS * 3_600_000);
const ARGS = ['--format', 'json', '--until', UNTIL, '--threshold', '1000'];
const SERVICE_KEY = 'differential-service-role-key-7d41c2';
const ROWS = generateRows({ operationsPerWindow: 13_000, until: UNTIL, hours: HOURS, seed: 20251120 });
const RPC_PATH = '/rest/v1/rpc/perf_monitor_summary';

let pg: PgServer;
let ndjson: string;
let plainUrl: string; // schema.sql only
let rpcUrl: string; // schema.sql and rpc.sql
let plainApi: PostgrestServer;
let rpcApi: PostgrestServer;

beforeAll(async () => {
  pg = await startPostgres();
  ndjson = await writeNdjsonFile(join(emptyDir('perfmon-diff-'), 'logs.ndjson'), ROWS);
  [plainUrl, rpcUrl] = await Promise.all([
    supabaseLikeDatabase(pg, 'perfmon_plain', ROWS, { withRpc: false }),
    supabaseLikeDatabase(pg, 'perfmon_rpc', ROWS, { withRpc: true }),
  ]);
  [plainApi, rpcApi] = await Promise.all([
    startPostgrestServer({ databaseUrl: plainUrl, serviceRoleKey: SERVICE_KEY, maxRows: 1000 }),
    startPostgrestServer({ databaseUrl: rpcUrl, serviceRoleKey: SERVICE_KEY, maxRows: 1000 }),
  ]);
});

afterAll(async () => {
  await Promise.all([plainApi?.close(), rpcApi?.close()]);
  await pg?.stop();
});

beforeEach(() => {
  plainApi.resetStats();
  rpcApi.resetStats();
});

interface Runs {
  file: CliResult;
  postgres: CliResult;
  rpc: CliResult;
  fallback: CliResult;
}

async function runAll(extra: string[]): Promise<Runs> {
  const supabase = (api: PostgrestServer) => ({
    SUPABASE_URL: api.url,
    SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
    PERFMON_TIMEOUT_MS: '30000',
  });
  const [file, postgres, rpc, fallback] = await Promise.all([
    runCli(['--input', ndjson, ...ARGS, ...extra]),
    runCli([...ARGS, ...extra], { env: { DATABASE_URL: plainUrl } }),
    runCli([...ARGS, ...extra], { env: supabase(rpcApi) }),
    runCli([...ARGS, ...extra], { env: supabase(plainApi) }),
  ]);
  return { file, postgres, rpc, fallback };
}

function expectSameReports(runs: Runs): Record<string, unknown> {
  for (const [name, run] of Object.entries(runs)) {
    expect({ name, code: run.code }).toEqual({ name, code: 0 });
  }
  expect(runs.file.stderr).toBe('');
  expect(runs.postgres.stderr).toBe('');
  expect(runs.rpc.stderr).toBe('');
  // The fallback says once, in one line, why it reads rows and how to avoid it.
  expect(runs.fallback.stderr).toMatch(
    /^perf-monitor: the perf_monitor_summary RPC is not installed: .*\nperf-monitor: .*sql\/rpc\.sql\.\n$/,
  );

  expect(JSON.parse(runs.file.stdout).source).toEqual({ kind: 'file', aggregation: 'client', percentiles: 'exact' });
  expect(JSON.parse(runs.postgres.stdout).source).toEqual({ kind: 'postgres', aggregation: 'server', percentiles: 'exact' });
  expect(JSON.parse(runs.rpc.stdout).source).toEqual({ kind: 'supabase', aggregation: 'server', percentiles: 'exact' });
  expect(JSON.parse(runs.fallback.stdout).source).toEqual({ kind: 'supabase', aggregation: 'client', percentiles: 'exact' });

  const reference = comparable(runs.file.stdout);
  expect(comparable(runs.postgres.stdout)).toEqual(reference);
  expect(comparable(runs.rpc.stdout)).toEqual(reference);
  expect(comparable(runs.fallback.stdout)).toEqual(reference);
  return reference;
}

const gets = (log: RequestLogEntry[]) => log.filter((r) => r.method === 'GET');

function expectRpcOnly(log: RequestLogEntry[]): RequestLogEntry {
  expect(log.map((r) => `${r.method} ${r.url.split('?')[0]} ${r.status}`)).toEqual([`POST ${RPC_PATH} 200`]);
  return log[0] as RequestLogEntry;
}

describe('the same report from a file, PostgreSQL, Supabase RPC and Supabase fallback', () => {
  it('all services', async () => {
    const current = countOperations(ROWS, START, END);
    expect(current).toBe(13_000);
    expect(countOperations(ROWS, PREVIOUS_START, START)).toBe(13_000);

    const runs = await runAll([]);
    const report = expectSameReports(runs) as {
      overall: { totalOperations: number; trend: { previousOperations: number } };
      services: { service: string; status: string; errors: { topErrors: { message: string }[] } }[];
      dataQuality: { invalidDurations: number };
      mostFrequentErrors: { message: string }[];
    };

    // Not a comparison of empty reports: every row of the current window was counted.
    expect(report.overall.totalOperations).toBe(current);
    expect(report.overall.trend.previousOperations).toBe(13_000);
    expect(report.dataQuality.invalidDurations).toBeGreaterThan(0);
    expect(report.services.map((s) => s.service).sort()).toEqual(['hubspot', 'legacy-ftp', 'n8n', 'shopify', 'supabase', 'unleashed']);
    expect(report.services.find((s) => s.service === 'legacy-ftp')?.status).toBe('silent');
    expect(report.mostFrequentErrors.map((e) => e.message)).toEqual(
      expect.arrayContaining(['line one\nline two', '(no message)', 'Zeitüberschreitung – keine Antwort']),
    );

    // RPC: one small answer.
    const rpcCall = expectRpcOnly(rpcApi.requests);
    // Fallback: the RPC is missing (404), then keyset pages, well past the 1,000-row cap.
    const first = plainApi.requests[0];
    expect(first).toMatchObject({ method: 'POST', status: 404 });
    expect(first?.url.split('?')[0]).toBe(RPC_PATH);
    const pages = gets(plainApi.requests);
    expect(plainApi.requests).toHaveLength(pages.length + 1);
    expect(pages.length).toBeGreaterThan(25);
    expect(pages.every((p) => p.status === 200 || p.status === 206)).toBe(true);
    expect(pages.every((p) => !/[?&]offset=/.test(p.url))).toBe(true);
    const fetched = countRows(ROWS, PREVIOUS_START, END);
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(fetched / 1000));
    const pageBytes = pages.reduce((n, p) => n + p.bytes, 0);
    // The timeline's rows (a bucket per 30 minutes, overall and per service) are most of it.
    expect(rpcCall.bytes).toBeLessThan(32 * 1024);
    // Its size depends on services and buckets, not on rows: 10x smaller already at this size.
    expect(rpcCall.bytes * 10).toBeLessThan(pageBytes);
    console.info(
      `differential: ${ROWS.length} rows generated, ${fetched} in both windows, ${current} operations now; ` +
        `fallback ${pages.length} GET pages, ${pageBytes} body bytes; RPC ${rpcCall.bytes} body bytes`,
    );
  }, 120_000);

  it('one service (--service n8n: the bulk import with thousands of equal created_at)', async () => {
    const current = countOperations(ROWS, START, END, 'n8n');
    const runs = await runAll(['--service', 'n8n']);
    const report = expectSameReports(runs) as { overall: { totalOperations: number }; services: { service: string }[] };
    expect(report.overall.totalOperations).toBe(current);
    expect(report.services.map((s) => s.service)).toEqual(['n8n']);

    expectRpcOnly(rpcApi.requests);
    const pages = gets(plainApi.requests);
    // --service is pushed down: every page filters on source.
    expect(pages.every((p) => p.url.includes('source=eq.n8n'))).toBe(true);
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(countRows(ROWS, PREVIOUS_START, END, 'n8n') / 1000));
  }, 120_000);
});
