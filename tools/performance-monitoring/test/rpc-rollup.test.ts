// The Supabase RPC reads the rollups (docs/rollups.md, issue 13): real PostgreSQL with schema.sql, rpc.sql
// and rollup.sql, the PostgREST test server, the real CLI. With rollups covering the window the
// report says source.aggregation 'rollup' and percentiles 'approximate', its counts are exactly the
// --exact run's and its percentiles within 1% of them; rollups installed but behind (or empty) give
// the stderr coverage line; --exact reads raw rows only and says nothing about rollups.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { generateRows, supabaseLikeDatabase } from '../harness/dataset.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { type PostgrestServer, startPostgrestServer } from '../harness/postgrest-server.js';

const HOUR = 3_600_000;
const ROLLUP_SQL = fileURLToPath(new URL('../sql/rollup.sql', import.meta.url));
const SERVICE_KEY = 'rpc-rollup-service-role-key-31c9e7';
/** Now, to the minute: the rows end here, and so does every report (--until). */
const UNTIL = new Date(Math.floor(Date.now() / 60_000) * 60_000);
// Four days of rows ending now: 48 h windows, so --hours 72 has rows in both of its windows.
const ROWS = generateRows({ operationsPerWindow: 20_000, until: UNTIL.toISOString(), hours: 48, seed: 1317 });
const REFRESH = 'run --refresh-rollups, or schedule it with pg_cron (docs/rollups.md)';

let pg: PgServer;
let url: string;
let api: PostgrestServer;

beforeAll(async () => {
  pg = await startPostgres();
  url = await supabaseLikeDatabase(pg, 'rpc_rollup', ROWS, { withRpc: true });
  const installed = await runSqlFile(url, ROLLUP_SQL);
  // A first install says it had no older functions to drop, nothing else.
  expect(installed.stderr.replace(/^psql:.*NOTICE:.*does not exist, skipping\n/gm, '')).toBe('');
  api = await startPostgrestServer({ databaseUrl: url, serviceRoleKey: SERVICE_KEY });
});

afterAll(async () => {
  await api?.close();
  await pg?.stop();
});

beforeEach(() => api.resetStats());

interface Perf {
  p50Duration: number | null;
  p95Duration: number | null;
  p99Duration: number | null;
}
interface Bucket {
  operations: number;
  failures: number;
  p95Duration: number | null;
}
interface TopError {
  message: string;
  count: number;
  example: string;
}
interface Report {
  source: { kind: string; aggregation: string; percentiles: string };
  timeline: { bucketSeconds: number; starts: string[] };
  overall: Perf & {
    totalOperations: number;
    failedOperations: number;
    samples: number;
    timeline: Bucket[];
    trend: { previousOperations: number };
  };
  services: {
    service: string;
    operations: { total: number; failed: number };
    performance: Perf & { samples: number };
    errors: { total: number; topErrors: TopError[] };
    timeline: Bucket[];
    byOperation: (Perf & { operation: string; calls: number; failures: number })[];
  }[];
  mostFrequentErrors: (TopError & { service: string })[];
}

interface Run {
  report: Report;
  stderr: string;
}

/** One CLI run through the RPC; exit 0, and exactly one request (the RPC). */
async function viaRpc(hours: number, extra: string[] = [], threshold = '1000'): Promise<Run> {
  const args = ['--format', 'json', '--until', UNTIL.toISOString(), '--threshold', threshold, '--hours', String(hours), ...extra];
  const result = await runCli(args, {
    env: { SUPABASE_URL: api.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY, PERFMON_TIMEOUT_MS: '30000' },
  });
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(api.requests.splice(0).map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual(['POST /rest/v1/rpc/perf_monitor_summary 200']);
  return { report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

const bucketCounts = (buckets: Bucket[]) => buckets.map((b) => [b.operations, b.failures]);

/** Every count of a report: these the rollups must give exactly. */
function counts(report: Report) {
  return {
    timeline: report.timeline,
    overall: {
      operations: report.overall.totalOperations,
      failures: report.overall.failedOperations,
      samples: report.overall.samples,
      previousOperations: report.overall.trend.previousOperations,
      timeline: bucketCounts(report.overall.timeline),
    },
    services: report.services.map((s) => ({
      service: s.service,
      operations: s.operations,
      samples: s.performance.samples,
      errors: s.errors,
      timeline: bucketCounts(s.timeline),
      byOperation: s.byOperation.map((o) => [o.operation, o.calls, o.failures]),
    })),
    mostFrequentErrors: report.mostFrequentErrors,
  };
}

/** Every percentile of a report, by where it is: overall, per service, per operation, per bucket. */
function percentiles(report: Report): Map<string, number | null> {
  const found = new Map<string, number | null>();
  const add = (where: string, perf: Perf) => {
    for (const p of ['p50Duration', 'p95Duration', 'p99Duration'] as const) found.set(`${where} ${p}`, perf[p]);
  };
  add('overall', report.overall);
  for (const [i, b] of report.overall.timeline.entries()) found.set(`overall bucket ${i} p95Duration`, b.p95Duration);
  for (const s of report.services) {
    add(s.service, s.performance);
    for (const [i, b] of s.timeline.entries()) found.set(`${s.service} bucket ${i} p95Duration`, b.p95Duration);
    for (const o of s.byOperation) add(`${s.service} ${o.operation}`, o);
  }
  return found;
}

/** The percentiles of `approximate` that are not within 1% of the exact ones (none expected). */
function percentilesOffByOverOnePercent(approximate: Report, exact: Report): string[] {
  const wanted = percentiles(exact);
  const got = percentiles(approximate);
  expect([...got.keys()]).toEqual([...wanted.keys()]);
  return [...wanted].flatMap(([where, value]) => {
    const other = got.get(where) ?? null;
    const close = value === null ? other === null : other !== null && Math.abs(other - value) <= 0.01 * Math.abs(value);
    return close ? [] : [`${where}: ${other} for ${value}`];
  });
}

/** Rolls up every complete hour up to `hoursBehind` hours before the current one; the watermark. */
async function refresh(hoursBehind: number): Promise<number> {
  return withSql(url, async (sql) => {
    const [first] = await sql<{ hours: number }[]>`
      SELECT CAST(floor(extract(epoch FROM now()) / 3600) - floor(extract(epoch FROM min(created_at)) / 3600) AS integer) AS hours
      FROM integration_logs WHERE created_at >= '2000-01-01'`;
    const [state] = await sql<{ watermark: Date }[]>`
      SELECT watermark FROM perf_monitor_refresh_rollups('0 hours', ${(first?.hours ?? 0) - hoursBehind})`;
    return state?.watermark?.getTime() ?? NaN;
  });
}

/** Hours of both windows of a `hours` report from `watermark` to the end's last whole hour. */
const hoursAfter = (watermark: number, hours: number) =>
  (Math.floor(UNTIL.getTime() / HOUR) * HOUR - Math.max(watermark, Math.ceil((UNTIL.getTime() - 2 * hours * HOUR) / HOUR) * HOUR)) / HOUR;

describe('rollups installed, never refreshed', () => {
  it('--hours 36: raw rows, exact percentiles, and the line saying the rollups are empty; --exact: no line', async () => {
    const run = await viaRpc(36);
    expect(run.report.source).toEqual({ kind: 'supabase', aggregation: 'server', percentiles: 'exact' });
    expect(run.stderr).toBe(`perf-monitor: rollups are installed but empty: raw rows were read (${REFRESH})\n`);
    const exact = await viaRpc(36, ['--exact']);
    expect(exact).toEqual({ report: { ...run.report, generatedAt: expect.any(String) }, stderr: '' });
  });
});

describe('rollups six hours behind', () => {
  let watermark: number;
  beforeAll(async () => {
    watermark = await refresh(6);
  });

  it('--hours 36: read from the rollups, the coverage line, counts exactly the --exact ones', async () => {
    // Hand check: the refresh stopped six hours before the current one (unless an hour began since UNTIL).
    expect(watermark).toBeGreaterThanOrEqual(Math.floor(UNTIL.getTime() / HOUR) * HOUR - 6 * HOUR);
    const rollup = await viaRpc(36);
    const exact = await viaRpc(36, ['--exact']);
    expect(rollup.report.source).toEqual({ kind: 'supabase', aggregation: 'rollup', percentiles: 'approximate' });
    expect(rollup.stderr).toBe(
      `perf-monitor: rollups end at ${new Date(watermark).toISOString()}: the ${hoursAfter(watermark, 36)} complete hours after it were read from raw rows (${REFRESH})\n`,
    );
    expect(exact.report.source).toEqual({ kind: 'supabase', aggregation: 'server', percentiles: 'exact' });
    expect(exact.stderr).toBe('');
    expect(counts(rollup.report)).toEqual(counts(exact.report));
    expect(percentilesOffByOverOnePercent(rollup.report, exact.report)).toEqual([]);
  });
});

describe('rollups up to date', () => {
  beforeAll(async () => {
    await refresh(0);
  });

  it.each([
    { hours: 36, bucketSeconds: 3600, threshold: '1000', least: 12_000 },
    { hours: 72, bucketSeconds: 10_800, threshold: '1000', least: 25_000 },
    // 30-minute buckets: the timeline rows, which count Apdex at 2000 ms (at another T: raw rows).
    { hours: 24, bucketSeconds: 1800, threshold: '2000', least: 8_000 },
  ])(
    '--hours $hours ($bucketSeconds s buckets): counts exactly the --exact ones, percentiles within 1%',
    async ({ hours, bucketSeconds, threshold, least }) => {
      const rollup = await viaRpc(hours, [], threshold);
      const exact = await viaRpc(hours, ['--exact'], threshold);
      expect(rollup.report.source).toEqual({ kind: 'supabase', aggregation: 'rollup', percentiles: 'approximate' });
      expect(exact.report.source).toEqual({ kind: 'supabase', aggregation: 'server', percentiles: 'exact' });
      expect({ rollup: rollup.stderr, exact: exact.stderr }).toEqual({ rollup: '', exact: '' });
      expect(rollup.report.timeline.bucketSeconds).toBe(bucketSeconds);
      const exactCounts = counts(exact.report);
      // Not a comparison of empty reports: the rows of the current window, services, error groups.
      expect(exactCounts.overall.operations).toBeGreaterThan(least);
      expect(exactCounts.overall.previousOperations).toBeGreaterThan(5_000);
      expect(exactCounts.mostFrequentErrors.length).toBeGreaterThan(3);
      expect(counts(rollup.report)).toEqual(exactCounts);
      expect(percentilesOffByOverOnePercent(rollup.report, exact.report)).toEqual([]);
      // And they are the histogram's, not the exact ones again (most differ a little: 232 of 328 at 36 h).
      const exactPercentiles = percentiles(exact.report);
      expect([...percentiles(rollup.report)].filter(([where, value]) => exactPercentiles.get(where) !== value).length).toBeGreaterThan(
        exactPercentiles.size / 2,
      );
    },
  );

  it('DATABASE_URL reads them too and says so the same way (the rollup row counts the hours read)', async () => {
    const args = ['--format', 'json', '--until', UNTIL.toISOString(), '--threshold', '1000', '--hours', '72'];
    const [direct, rpc] = await Promise.all([runCli(args, { env: { DATABASE_URL: url } }), viaRpc(72)]);
    expect({ code: direct.code, stderr: direct.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(direct.stdout) as Report;
    expect(report.source).toEqual({ kind: 'postgres', aggregation: 'rollup', percentiles: 'approximate' });
    expect(counts(report)).toEqual(counts(rpc.report));
  });
});
