// The histogram's bound (docs/rollups.md, issue 13 item 4) on real PostgreSQL, through the real CLI:
// for a heavy-tailed, a bimodal and a tiny-sample dataset, `--hours 48 --format json` read
// through the rollups (after a refresh) against the same with --exact: every p50/p95/p99
// (overall, per service, per operation, per timeline bucket) within 1% of exact (the histogram's
// bound, each bucket's half-width over its smallest value, just under 1%, plus the JSON's 0.1 ms
// rounding; the worst under that bound alone), every count, sum, average, min and max equal; Apdex equal where T and
// 4T are bucket boundaries (2000 and 8000, 150 and 600), and within the documented bound for
// T = 1234 (at most the samples in the buckets holding T and 4T move, each by half a point).

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import {
  bucketOf,
  compareReports,
  currentHour,
  type Differences,
  HISTOGRAM_BOUND,
  HOUR,
  insertRows,
  type LogRow,
  MINUTE,
  normal,
  random,
  refresh,
} from '../harness/rollup-rows.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
const WINDOW = 48 * HOUR;

let pg: PgServer;

beforeAll(async () => {
  pg = await startPostgres();
});

afterAll(async () => {
  await pg?.stop();
});

type Duration = (rand: () => number) => number;

/** Heavy-tailed: lognormal (median 300 ms, sigma 2) and Pareto (alpha 0.5), 1 ms .. 10^8 ms. */
const heavy: Duration = (rand) =>
  Math.min(1e8, Math.max(1, Math.round(rand() < 0.7 ? Math.exp(Math.log(300) + 2 * normal(rand)) : 1 / (1 - rand()) ** 2)));
/** Bimodal: 60% around 40 ms, 40% around 9,000 ms. */
const bimodal: Duration = (rand) => Math.max(1, Math.round(rand() < 0.6 ? 40 + 4 * normal(rand) : 9000 + 600 * normal(rand)));

/**
 * `count` rows of each of `ops` spread at random over [until - 2 windows - 2 h, until + 1 h): the
 * window edges (until is 23 min past an hour) cut hours, and some rows fall outside both windows.
 * ~5% failures with a fingerprinted message; plus per operation a null and an invalid duration.
 */
function rowsOf(
  seed: number,
  ops: readonly { source: string; operation: string; count: number }[],
  duration: Duration,
  until: number,
): LogRow[] {
  const rand = random(seed);
  const span = 2 * WINDOW + 3 * HOUR;
  const out: LogRow[] = [];
  for (const { source, operation, count } of ops) {
    for (let i = 0; i < count; i++) {
      const failed = rand() < 0.05;
      const d = duration(rand);
      out.push({
        source,
        operation,
        level: failed ? 'error' : 'info',
        status: failed ? 'error' : 'success',
        message: failed ? `Timeout after ${d}ms for job ${1000 + i}` : null,
        duration_ms: d,
        at: until - 2 * WINDOW - 2 * HOUR + Math.floor(rand() * span),
      });
    }
    out.push({ source, operation, level: 'info', status: 'success', message: null, duration_ms: null, at: until - 5 * HOUR + 7 * MINUTE });
    out.push({ source, operation, level: 'info', status: 'success', message: null, duration_ms: -5, at: until - 60 * HOUR + 11 * MINUTE });
  }
  return out;
}

/** Successful samples right at and below T = 1234 and 4T = 4936, inside their buckets
 *  (1230, 1240] and (4920, 4940]: the ones whose Apdex class a bucket cannot tell. */
function nearThreshold(source: string, operation: string, until: number): LogRow[] {
  return [1231, 1232, 1234, 1234, 1236, 4921, 4930, 4936, 4940].map((d, i) => ({
    source,
    operation,
    level: 'info',
    status: 'success',
    message: null,
    duration_ms: d,
    at: until - 3 * HOUR - i * 17 * MINUTE,
  }));
}

interface Dataset {
  name: string;
  rows: (until: number) => LogRow[];
}

const DATASETS: Dataset[] = [
  {
    name: 'heavy',
    rows: (until) => [
      ...rowsOf(
        1,
        [
          { source: 'api', operation: 'get', count: 1500 },
          { source: 'api', operation: 'put', count: 700 },
          { source: 'worker', operation: 'job', count: 1200 },
        ],
        heavy,
        until,
      ),
      ...nearThreshold('api', 'get', until),
    ],
  },
  {
    name: 'bimodal',
    rows: (until) => [
      ...rowsOf(
        2,
        [
          { source: 'api', operation: 'get', count: 1500 },
          { source: 'cache', operation: 'hit', count: 900 },
          { source: 'cache', operation: 'miss', count: 600 },
        ],
        bimodal,
        until,
      ),
      ...nearThreshold('cache', 'miss', until),
    ],
  },
  {
    // Operations of 1, 2, 3 and 5 rows in all (some land in the previous window, or outside both).
    name: 'tiny',
    rows: (until) =>
      rowsOf(
        3,
        [1, 2, 3, 5, 1, 2, 3, 5].map((count, i) => ({ source: i < 4 ? 'one' : 'two', operation: `op${count}`, count })),
        heavy,
        until,
      ),
  },
];

interface Report {
  services: { service: string; byOperation: { operation: string }[] }[];
  source: Record<string, string>;
  timeline: { bucketSeconds: number };
}

/** At T=1234 no bucket ends at T or 4T: per group, the current window's samples, and the
 *  successful ones in the bucket holding T or in the one holding 4T: each of those may change
 *  class, moving Apdex by half a point. */
function checkApdexAt1234(a: Differences['apdex'][number], x: Report, rows: LogRow[], until: number): void {
  const [tBucket, fourTBucket] = [bucketOf(1234).hi, bucketOf(4936).hi];
  const [, i, j] = /^\$\.(?:overall|services\[(\d+)\](?:\.byOperation\[(\d+)\])?)\.apdex$/.exec(a.path) ?? [];
  const service = i === undefined ? null : x.services[Number(i)]?.service;
  const operation = j === undefined ? null : x.services[Number(i)]?.byOperation[Number(j)]?.operation;
  const samples = rows.filter(
    (row) =>
      row.at >= until - WINDOW &&
      row.at < until &&
      row.duration_ms !== null &&
      row.duration_ms >= 0 &&
      (service === null || row.source === service) &&
      (operation === null || row.operation === operation),
  );
  if (samples.length === 0) {
    expect(a).toMatchObject({ rollup: null, exact: null });
    return;
  }
  const ambiguous = samples.filter(
    (row) => row.status === 'success' && [tBucket, fourTBucket].includes(bucketOf(row.duration_ms ?? 0).hi),
  ).length;
  // Each figure is rounded to 3 decimals.
  const bound = (0.5 * ambiguous) / samples.length + 0.001;
  expect(Math.abs((a.rollup ?? 0) - (a.exact ?? 0)), `${a.path} at T=1234 (bound ${bound})`).toBeLessThanOrEqual(bound);
}

describe('rollup percentiles and Apdex against --exact (--hours 48)', () => {
  for (const dataset of DATASETS) {
    it(`${dataset.name}: percentiles within the bound, counts and sums exact, Apdex exact at bucket boundaries and within its bound at 1234`, async () => {
      const url = await pg.createDatabase(`accuracy_${dataset.name}`);
      for (const file of ['schema.sql', 'rollup.sql']) await runSqlFile(url, join(SQL_DIR, file));
      const { until, rows } = await withSql(url, async (sql) => {
        const hourNow = await currentHour(sql);
        const end = hourNow - 2 * HOUR + 23 * MINUTE + 456;
        const data = dataset.rows(end);
        await insertRows(sql, data);
        const { watermark } = await refresh(sql);
        expect(watermark).toBeGreaterThanOrEqual(hourNow);
        return { until: end, rows: data };
      });
      const env = { DATABASE_URL: url };
      const base = ['--hours', '48', '--until', new Date(until).toISOString(), '--format', 'json'];
      let worst = 0;
      for (const threshold of [2000, 150, 1234]) {
        const args = [...base, '--threshold', String(threshold)];
        const [viaRollup, viaExact] = [await runCli(args, { env }), await runCli([...args, '--exact'], { env })];
        expect(viaRollup).toMatchObject({ code: 0, stderr: '' });
        expect(viaExact).toMatchObject({ code: 0, stderr: '' });
        const [r, x] = [JSON.parse(viaRollup.stdout) as Report, JSON.parse(viaExact.stdout) as Report];
        expect(r.source).toEqual({ kind: 'postgres', aggregation: 'rollup', percentiles: 'approximate' });
        expect(x.source).toEqual({ kind: 'postgres', aggregation: 'server', percentiles: 'exact' });
        expect(r.timeline.bucketSeconds).toBe(3600);
        const diff = compareReports(JSON.parse(viaRollup.stdout), JSON.parse(viaExact.stdout));
        worst = Math.max(worst, diff.maxRelative);
        expect(diff.percentiles).toBeGreaterThan(20);
        expect(diff.apdex.map((a) => a.path)).toEqual([
          '$.overall.apdex',
          ...x.services.flatMap((s, i) => [
            `$.services[${i}].apdex`,
            ...s.byOperation.map((_, j) => `$.services[${i}].byOperation[${j}].apdex`),
          ]),
        ]);
        if (threshold !== 1234) {
          // 2000 and 8000 end buckets of width 20 and 100; 150 ends one of width 2 and 600 one of width 10.
          for (const a of diff.apdex) expect(a.rollup, `${a.path} at T=${threshold}`).toBe(a.exact);
          continue;
        }
        for (const a of diff.apdex) checkApdexAt1234(a, x, rows, until);
      }
      expect(worst).toBeLessThan(HISTOGRAM_BOUND);
    }, 50_000);
  }
});
