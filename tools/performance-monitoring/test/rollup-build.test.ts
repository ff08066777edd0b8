// The refresh's build (docs/rollups.md, "Timeline rows"): the raw pass an hour at a time, its hourly
// operation rows and 30-minute service rows two grouping sets of one aggregation, gives the very
// rows layout 4's first build gave (the fixture: rollup.sql before this change, grouping by half
// hour and operation, then summing the halves into hours), row for row and column for column, in
// the hourly, block and timeline tables: on real PostgreSQL, one database each, the same rows put
// in both: several services (one blank), dense and sparse operations (a row or two a day), rows on
// the half-hour and hour edges, durations on bucket edges, null and invalid ones, failures whose
// messages fold into fingerprints; built in steps of 30 hours (as a first build of months goes),
// then a late row and one more refresh. And the columns those rows are compressed in: lz4.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { currentHour, HOUR, insertRows, type LogRow, MINUTE, normal, random, refresh } from '../harness/rollup-rows.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
const BEFORE = fileURLToPath(new URL('./fixtures/rollup-layout4-halves.sql', import.meta.url));

let pg: PgServer;
let before: string;
let now: string;
let hourNow: number;

// Two weeks: at least one whole epoch-aligned week block.
const DAYS = 14;
const SPARSE_OPS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const EDGE_DURATIONS = [0, 1, 200, 201, 500, 501, 1000, 1001, 2000, 2001, 8000, 8001, 30_000];

/** The rows: `start` is a whole hour, DAYS days before the last complete one. */
function dataset(start: number): LogRow[] {
  const rand = random(24);
  const out: LogRow[] = [];
  const row = (source: string, operation: string | null, at: number, d: number | null, failed: boolean): LogRow => ({
    source,
    operation,
    level: failed ? 'error' : 'info',
    status: failed ? 'error' : 'success',
    message: failed ? `Upstream 50${Math.floor(rand() * 4)} for order ${Math.floor(rand() * 1e6)}` : null,
    duration_ms: d,
    at,
  });
  const lognormal = (median: number) => Math.max(0, Math.round(Math.exp(Math.log(median) + 1.1 * normal(rand))));
  const span = DAYS * 24 * HOUR;
  // Dense operations: 5,000 rows over the days, a few without a valid duration.
  const dense = [
    ['api', 'get', 180],
    ['api', 'put', 900],
    ['jobs', 'run', 2500],
    ['', null, 400],
  ] as const;
  for (let i = 0; i < 5000; i++) {
    const [source, operation, median] = dense[i % dense.length] ?? dense[0];
    const odd = rand() < 0.02;
    const oddDuration = rand() < 0.5 ? null : -3;
    out.push(row(source, operation, start + Math.floor(rand() * span), odd ? oddDuration : lognormal(median), rand() < 0.07));
  }
  // Sparse operations: one or two rows a day each.
  for (const op of SPARSE_OPS) {
    for (let day = 0; day < DAYS; day++) {
      const n = 1 + Math.floor(rand() * 2);
      for (let k = 0; k < n; k++)
        out.push(row('sync', op, start + day * 24 * HOUR + Math.floor(rand() * 24 * HOUR), lognormal(3000), rand() < 0.2));
    }
  }
  // Half-hour and hour edges, with durations on bucket edges: every 7th hour.
  for (let h = start; h < start + span; h += 7 * HOUR) {
    for (const at of [h, h + 30 * MINUTE - 1, h + 30 * MINUTE, h + HOUR - 1]) {
      const d = EDGE_DURATIONS[Math.floor(rand() * EDGE_DURATIONS.length)] ?? 0;
      out.push(row('api', 'get', at, d, false), row('sync', SPARSE_OPS[0] ?? 'a', at, d, rand() < 0.5));
    }
  }
  // Rows of the current (incomplete) hour: never rolled up.
  out.push(row('api', 'get', start + span + HOUR + 5 * MINUTE, 120, false));
  return out;
}

/** Every row of the three rollup tables, as text, in key order. */
async function tables(sql: postgres.Sql) {
  const all = async (query: string) => (await sql.unsafe(query)).map((r) => r.t as string);
  return {
    hours: await all('SELECT r::text AS t FROM perf_monitor_rollup AS r ORDER BY hour, service, operation'),
    blocks: await all('SELECT b::text AS t FROM perf_monitor_rollup_block AS b ORDER BY span_hours, hour, service, operation'),
    timeline: await all('SELECT t::text AS t FROM perf_monitor_rollup_timeline AS t ORDER BY span_seconds, hour, service'),
    state: await all('SELECT watermark::text AS t FROM perf_monitor_rollup_state'),
  };
}

/** Refreshes in steps of 30 hours (lag 2 hours) until the watermark is the current hour; the steps. */
async function buildInSteps(sql: postgres.Sql): Promise<number> {
  let steps = 0;
  for (;;) {
    const { watermark } = await refresh(sql, '2 hours', 30);
    steps++;
    if (watermark >= hourNow || steps > 40) return steps;
  }
}

beforeAll(async () => {
  pg = await startPostgres();
  before = await pg.createDatabase('build_before');
  now = await pg.createDatabase('build_now');
  await runSqlFile(before, join(SQL_DIR, 'schema.sql'));
  await runSqlFile(before, BEFORE);
  await runSqlFile(now, join(SQL_DIR, 'schema.sql'));
  await runSqlFile(now, join(SQL_DIR, 'rollup.sql'));
  hourNow = await withSql(now, currentHour);
  const rows = dataset(hourNow - DAYS * 24 * HOUR - HOUR);
  for (const db of [before, now]) await withSql(db, (sql) => insertRows(sql, rows));
}, 60_000);

afterAll(async () => {
  await pg?.stop();
});

describe('the build, an hour at a time with two grouping sets', () => {
  it('gives the rows layout 4 built by summing half hours, in every table, in steps and after a late row', async () => {
    const steps = await Promise.all([before, now].map((db) => withSql(db, buildInSteps)));
    expect(steps[0]).toBeGreaterThan(10);
    expect(steps[1]).toBe(steps[0]);
    const want = await withSql(before, tables);
    const got = await withSql(now, tables);
    // The dataset reaches every table and span: hours of sparse operations, every block span, every timeline span.
    expect(want.hours.length).toBeGreaterThan(DAYS * 24 * 4);
    expect(want.hours.filter((t) => t.includes(',sync,')).length).toBeGreaterThan(SPARSE_OPS.length * DAYS);
    expect(new Set(want.blocks.map((t) => t.split(',')[0]))).toEqual(new Set(['(3', '(24', '(168']));
    expect(new Set(want.timeline.map((t) => t.split(',')[0])).size).toBe(7);
    expect(got).toEqual(want);

    // A late row within the lag (the last complete hour's second half), then one more refresh each.
    const late: LogRow = {
      source: 'sync',
      operation: 'late',
      level: 'error',
      status: 'error',
      message: 'Late 42',
      duration_ms: 4321,
      at: hourNow - HOUR + 30 * MINUTE,
    };
    for (const db of [before, now])
      await withSql(db, async (sql) => {
        await insertRows(sql, [late]);
        await refresh(sql, '2 hours', 30);
      });
    const wantLate = await withSql(before, tables);
    expect(wantLate.hours.some((t) => t.includes(',late,'))).toBe(true);
    expect(await withSql(now, tables)).toEqual(wantLate);
  });

  it('compresses the histograms and fingerprints with lz4 (Debian builds PostgreSQL with it); the fixture did not', async () => {
    const methods = (db: string) =>
      withSql(db, (sql) =>
        sql.unsafe(`SELECT attrelid::regclass::text AS t, attname AS c, attcompression AS m FROM pg_attribute
          WHERE attrelid::regclass::text LIKE 'perf_monitor_rollup%' AND attname IN ('histogram_keys', 'histogram_counts',
            'failure_histogram_keys', 'failure_histogram_counts', 'fingerprints')
          ORDER BY 1, 2`),
      );
    const columns = await methods(now);
    // 5 columns in the hourly and block tables, 2 in the timeline table.
    expect(columns.length).toBe(12);
    expect(new Set(columns.map((r) => r.m))).toEqual(new Set(['l']));
    expect(new Set((await methods(before)).map((r) => r.m))).toEqual(new Set(['']));
  });
});
