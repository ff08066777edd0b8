// The previous window is read for its counts, sums, min, max and variance only (docs/sources.md):
// the raw aggregation in PostgreSQL and DuckDB and the rollup read give its rows NULL percentiles
// and Apdex counts and every other figure exact (computed here from the rows); the current window
// keeps its percentiles and Apdex; an older RPC's previous-window percentiles are dropped when
// decoded, a current row without Apdex counts is refused; the report's trend against the
// previous window is the same through the rollups and with --exact, and is the rows' own.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import { writeNdjsonFile } from '../harness/dataset.js';
import { type PgServer, runSqlFile, startPostgres } from '../harness/postgres.js';
import { currentHour, HISTOGRAM_BOUND, HOUR, insertRows, type LogRow, MINUTE, normal, random, refresh } from '../harness/rollup-rows.js';
import { statsOf } from '../harness/stats.js';
import { type DuckDb, openDuckDb } from '../sources/duckdb.js';
import { decodeAggregateRows } from '../sources/rows.js';
import { aggregationParams, aggregationSql } from '../sources/sql/aggregate.js';
import { rollupReadParams, rollupReadSql } from '../sources/sql/rollup-read.js';
import type { AggregateQuery, Aggregates, Stats, StatsRow } from '../sources/types.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
const WINDOW_HOURS = 48;
const SERVICES = ['crm', 'flow', 'mail'] as const;
/** The rollups count Apdex at 2,000 ms: at that T the read's Apdex is exact. */
const T = 2000;

let pg: PgServer;
let sql: postgres.Sql;
let duck: DuckDb;
let url: string;
let until: number;
let watermark: number;
let rows: LogRow[];
let query: AggregateQuery;

/** A lognormal duration around 300 ms; 1% null, 1% invalid (-5). */
function drawDuration(rand: () => number): number | null {
  const odd = rand();
  if (odd < 0.01) return null;
  if (odd < 0.02) return -5;
  return Math.max(0, Math.round(Math.exp(Math.log(300) + 1.4 * normal(rand))));
}

/** 2,400 rows over both windows (and a little before), three services of two operations, ~6%
 *  failures, lognormal durations around 300 ms (some past 4T), a few null and invalid ones. */
function makeRows(end: number): LogRow[] {
  const rand = random(11);
  const out: LogRow[] = [];
  const from = end - 2 * WINDOW_HOURS * HOUR - 3 * HOUR;
  for (let i = 0; i < 2400; i++) {
    const source = SERVICES[i % 3] ?? 'crm';
    const failed = rand() < 0.06;
    const duration = drawDuration(rand);
    out.push({
      source,
      operation: i % 2 === 0 ? 'sync' : 'push',
      level: failed ? 'error' : 'info',
      status: failed ? 'error' : 'success',
      message: failed ? `HTTP 503 from upstream ${i % 5}` : null,
      duration_ms: duration,
      at: from + Math.floor(rand() * (end - from + HOUR)),
    });
  }
  return out;
}

/** The figures of one window (and service, or all), computed here from the rows. */
function expected(window: 'current' | 'previous', service: string | null): Stats {
  const lo = window === 'current' ? query.start.getTime() : query.previousStart.getTime();
  const hi = window === 'current' ? query.end.getTime() : query.start.getTime();
  const picked = rows.filter((r) => r.at >= lo && r.at < hi && (service === null || r.source === service));
  const failed = picked.flatMap((r, i) => (r.status === 'error' ? [i] : []));
  return statsOf(
    picked.map((r) => r.duration_ms),
    { failed, threshold: T },
  );
}

const close = (a: number | null, b: number | null, relative: number) =>
  a === b || (a !== null && b !== null && Math.abs(a - b) <= relative * Math.abs(b));

/** The window-level rows (overall and per service) of `a`, each checked against the rows' own
 *  figures: the previous window's without percentiles or Apdex, the current window's with them
 *  (exact, or within `percentileBound` relative). */
function checkWindows(a: Aggregates, percentileBound: number): void {
  const levels = a.stats.filter((r): r is Exclude<StatsRow, { level: 'operation' }> => r.level !== 'operation');
  expect(levels).toHaveLength(2 * (1 + SERVICES.length));
  for (const row of levels) {
    const service = row.level === 'service' ? row.service : null;
    const want = expected(row.window, service);
    const label = `${row.window} ${service ?? 'overall'}`;
    const { p50, p95, p99, varDuration, satisfied, tolerating, ...counts } = row;
    const { p50: w50, p95: w95, p99: w99, varDuration: wVar, satisfied: wSat, tolerating: wTol, ...wantCounts } = want;
    expect({ label, ...counts }).toEqual({
      label,
      window: row.window,
      level: row.level,
      ...(service === null ? {} : { service }),
      ...wantCounts,
    });
    expect(close(varDuration, wVar, 1e-9), `${label} variance ${varDuration} vs ${wVar}`).toBe(true);
    if (row.window === 'previous') {
      expect({ label, p50, p95, p99, satisfied, tolerating }).toEqual({
        label,
        p50: null,
        p95: null,
        p99: null,
        satisfied: null,
        tolerating: null,
      });
    } else {
      expect({ label, satisfied, tolerating }).toEqual({ label, satisfied: wSat, tolerating: wTol });
      for (const [got, want] of [
        [p50, w50],
        [p95, w95],
        [p99, w99],
      ] as const) {
        expect(close(got, want, percentileBound), `${label} percentile ${got} vs ${want}`).toBe(true);
      }
    }
  }
  // Every operation row of the previous window too.
  const previousOperations = a.stats.filter((r) => r.window === 'previous' && r.level === 'operation');
  expect(previousOperations).toHaveLength(SERVICES.length * 2);
  for (const r of previousOperations) expect([r.p50, r.p95, r.p99, r.satisfied, r.tolerating]).toEqual([null, null, null, null, null]);
}

beforeAll(async () => {
  pg = await startPostgres();
  url = await pg.createDatabase('previous_window');
  for (const file of ['schema.sql', 'rollup.sql']) await runSqlFile(url, join(SQL_DIR, file));
  sql = postgres(url, { max: 1, onnotice: () => {} });
  const hourNow = await currentHour(sql);
  // 23 minutes past an hour: both windows' edges cut hours, so raw edges and rollups both count.
  until = hourNow - 2 * HOUR + 23 * MINUTE;
  rows = makeRows(until);
  await insertRows(sql, rows);
  watermark = (await refresh(sql)).watermark;
  expect(watermark).toBeGreaterThanOrEqual(hourNow);
  query = {
    start: new Date(until - WINDOW_HOURS * HOUR),
    end: new Date(until),
    previousStart: new Date(until - 2 * WINDOW_HOURS * HOUR),
    services: null,
    threshold: T,
  };
  duck = await openDuckDb();
  const file = await writeNdjsonFile(
    join(emptyDir('perfmon-previous-'), 'rows.ndjson'),
    rows.map(({ at, ...r }, id) => ({ id, ...r, created_at: new Date(at).toISOString() })),
  );
  await duck.connection.run(`CREATE TABLE integration_logs AS SELECT source, operation, level, status, message,
    CAST(duration_ms AS INTEGER) AS duration_ms, CAST(created_at AS TIMESTAMPTZ) AS created_at FROM read_json('${file}')`);
}, 60_000);

afterAll(async () => {
  duck?.close();
  await sql?.end({ timeout: 5 });
  await pg?.stop();
});

describe('the previous window: counts, sums and variance, no percentiles or Apdex', () => {
  it('the raw aggregation in PostgreSQL: exact figures, NULL p50/p95/p99/satisfied/tolerating in the previous window', async () => {
    checkWindows(decodeAggregateRows(await sql.unsafe(aggregationSql(), aggregationParams(query)), 'PostgreSQL'), 1e-12);
  });

  it('the raw aggregation in DuckDB: the same', async () => {
    const reader = await duck.connection.runAndReadAll(aggregationSql(), aggregationParams(query));
    checkWindows(decodeAggregateRows(reader.getRowObjectsJS(), 'DuckDB'), 1e-12);
  });

  it('the rollup read: the same; the current percentiles within the histogram bound (under 1 %)', async () => {
    const read = rollupReadSql('postgres');
    const raw = await sql.unsafe(read.text, rollupReadParams(read, query, watermark));
    const rollup = raw.find((r) => r.kind === 'rollup');
    // Most hours came from the rollups (the read's own count), so their rows are what was checked.
    expect(Number(rollup?.operations)).toBeGreaterThan(2 * WINDOW_HOURS - 6);
    checkWindows(decodeAggregateRows(raw, 'PostgreSQL'), HISTOGRAM_BOUND);
  });

  it('an older RPC sends the previous window percentiles and Apdex: dropped; a current row without Apdex: refused', async () => {
    const raw = (await sql.unsafe(aggregationSql(), aggregationParams(query))).map((r) => ({ ...r }));
    const older = raw.map((r) =>
      r.kind === 'stats' && r.win === 'previous' && Number(r.samples) > 0
        ? { ...r, p50: r.min_duration, p95: r.min_duration, p99: r.min_duration, satisfied: 0, tolerating: 0 }
        : r,
    );
    expect(older.filter((r) => r.kind === 'stats' && r.win === 'previous' && r.p50 !== null).length).toBe(
      1 + SERVICES.length + SERVICES.length * 2,
    );
    const decoded = decodeAggregateRows(older, 'the RPC');
    expect(decoded).toEqual(decodeAggregateRows(raw, 'the RPC'));
    const broken = raw.map((r) => (r.kind === 'stats' && r.win === 'current' && r.level === 'overall' ? { ...r, satisfied: null } : r));
    expect(() => decodeAggregateRows(broken, 'the RPC')).toThrow(/Apdex counts are null in the current window/);
  });

  it('the report: the trend against the previous window is its own figures, through the rollups and with --exact', async () => {
    const args = ['--hours', String(WINDOW_HOURS), '--until', new Date(until).toISOString(), '--threshold', String(T), '--format', 'json'];
    const viaRollup = await runCli(args, { env: { DATABASE_URL: url } });
    const viaExact = await runCli([...args, '--exact'], { env: { DATABASE_URL: url } });
    expect(viaRollup).toMatchObject({ code: 0, stderr: '' });
    expect(viaExact).toMatchObject({ code: 0, stderr: '' });
    type Trend = { previousAvgDuration: number | null; previousOperations: number; percentChange: number | null; pValue: number | null };
    type Report = { source: { aggregation: string }; overall: { trend: Trend }; services: { service: string; trend: Trend }[] };
    const [r, x] = [JSON.parse(viaRollup.stdout) as Report, JSON.parse(viaExact.stdout) as Report];
    expect([r.source.aggregation, x.source.aggregation]).toEqual(['rollup', 'server']);
    const trendOf = (service: string | null) => {
      const before = expected('previous', service);
      const avg = (before.sumDuration ?? 0) / before.samples;
      return { previousOperations: before.operations, previousAvgDuration: Math.round(avg * 10) / 10 };
    };
    for (const report of [r, x]) {
      expect(report.overall.trend).toMatchObject(trendOf(null));
      for (const s of report.services) expect(s.trend).toMatchObject(trendOf(s.service));
    }
    // The same trend both ways: the previous window's averages and variances are exact in both.
    expect(r.overall.trend).toEqual(x.overall.trend);
    expect(r.services.map((s) => s.trend)).toEqual(x.services.map((s) => s.trend));
  });
});
