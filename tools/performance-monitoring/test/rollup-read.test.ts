// The rollup read path on real PostgreSQL through the real CLI (docs/rollups.md, issue 13 item 7): the
// same ~3,000 rows over 17 days reported through the rollups and with --exact give the same
// counts, sums, min and max and percentiles within the histogram's bound, with timelines of 1 h
// (--hours 36), 3 h (--hours 72), 6 h (--hours 200) and 30 min (--hours 24) buckets and with --service; a window the
// rollups cover only in part reads the rest raw (counts still exact) and says so in one stderr
// line; a 24-hour window (30-minute buckets) reads them too (the 30-minute timeline rows), but not
// with a --service set of several or another --threshold (no rows to merge a 30-minute bucket from:
// raw rows, as a 12-hour window's 15-minute buckets); another PERFMON_TABLE and --exact read raw rows.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparable, runCli } from '../harness/cli.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { compareReports, currentHour, HOUR, insertRows, type LogRow, MINUTE, normal, random, refresh } from '../harness/rollup-rows.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));

let pg: PgServer;
/** The database rolled up to the current hour, and the one rolled up to 6 hours before it. */
let full: string;
let partial: string;
let hourNow: number;
/** --until of every report: 23 min past an hour, so every window's edges cut hours. */
let until: number;

/** A log-normal duration around 250 ms; 1% odd: half null, half invalid (-1). Draws from `rand` in
 *  the order the rows always have, so the seeded rows stay the same. */
function drawDuration(rand: () => number): number | null {
  if (rand() >= 0.01) return Math.max(0, Math.round(Math.exp(Math.log(250) + 1.5 * normal(rand))));
  return rand() < 0.5 ? null : -1;
}

/** 3,000 rows from until - 405 h (a row exactly there) to until + 1 h, three services, ~5% failures
 *  in three fingerprints, lognormal durations (median 250 ms, sigma 1.5), a few null and invalid ones. */
function rows(end: number): LogRow[] {
  const rand = random(7);
  const ops = [
    ['crm', 'sync'],
    ['crm', 'push'],
    ['flow', 'run'],
    ['mail', 'send'],
  ] as const;
  const out: LogRow[] = [
    { source: 'crm', operation: 'sync', level: 'info', status: 'success', message: null, duration_ms: 100, at: end - 405 * HOUR },
  ];
  for (let i = 0; i < 3000; i++) {
    const [source, operation] = ops[i % ops.length] ?? ops[0];
    const failed = rand() < 0.05;
    const d = drawDuration(rand);
    const message = failed ? ([`Timeout after ${d ?? 0}ms`, `HTTP 503 from upstream ${i % 7}`, 'Connection reset'][i % 3] ?? null) : null;
    out.push({
      source,
      operation,
      level: failed ? 'error' : 'info',
      status: failed ? 'error' : 'success',
      message,
      duration_ms: d,
      at: end - 405 * HOUR + Math.floor(rand() * 406 * HOUR),
    });
  }
  return out;
}

async function database(name: string): Promise<string> {
  const url = await pg.createDatabase(name);
  for (const file of ['schema.sql', 'rollup.sql']) await runSqlFile(url, join(SQL_DIR, file));
  await withSql(url, (sql) => insertRows(sql, rows(until)));
  return url;
}

beforeAll(async () => {
  pg = await startPostgres();
  hourNow = await withSql(pg.url(), currentHour);
  until = hourNow - 2 * HOUR + 23 * MINUTE + 456;
  full = await database('read_full');
  partial = await database('read_partial');
  await withSql(full, async (sql) => expect((await refresh(sql)).watermark).toBeGreaterThanOrEqual(hourNow));
  // The first hour is until - 405 h rounded down = hourNow - 407 h: 401 hours end 6 hours ago.
  await withSql(partial, async (sql) =>
    expect(await refresh(sql, '2 hours', 401)).toEqual({ hoursBuilt: 401, watermark: hourNow - 6 * HOUR }),
  );
}, 60_000);

afterAll(async () => {
  await pg?.stop();
});

const report = (hours: number, extra: string[] = []) => [
  '--hours',
  String(hours),
  '--until',
  new Date(until).toISOString(),
  '--format',
  'json',
  ...extra,
];

/** The report through the rollups and with --exact: both exit 0 with nothing on stderr unless said. */
async function both(url: string, args: string[], rollupStderr = '') {
  const env = { DATABASE_URL: url };
  const viaRollup = await runCli(args, { env });
  const viaExact = await runCli([...args, '--exact'], { env });
  expect(viaRollup).toMatchObject({ code: 0, stderr: rollupStderr });
  expect(viaExact).toMatchObject({ code: 0, stderr: '' });
  const [r, x] = [JSON.parse(viaRollup.stdout) as Record<string, unknown>, JSON.parse(viaExact.stdout) as Record<string, unknown>];
  expect(x.source).toEqual({ kind: 'postgres', aggregation: 'server', percentiles: 'exact' });
  return { r, x, rollupOut: viaRollup.stdout, exactOut: viaExact.stdout };
}

describe('reports through the rollups against --exact', () => {
  for (const [hours, bucketSeconds] of [
    [36, 3600],
    [72, 10_800],
    [200, 21_600],
    [24, 1800],
  ] as const) {
    it(`--hours ${hours} (${bucketSeconds / 60} min buckets): counts exact, percentiles within the bound`, async () => {
      const { r, x } = await both(full, report(hours));
      expect(r.source).toEqual({ kind: 'postgres', aggregation: 'rollup', percentiles: 'approximate' });
      expect((r.timeline as { bucketSeconds: number }).bucketSeconds).toBe(bucketSeconds);
      expect((r.overall as { totalOperations: number }).totalOperations).toBeGreaterThan(hours * 5);
      const diff = compareReports(r as never, x as never);
      expect(diff.percentiles).toBeGreaterThan(50);
      // At T = 2000 (and 4T = 8000, bucket ends) Apdex is exact too.
      for (const a of diff.apdex) expect(a.rollup, a.path).toBe(a.exact);
    });
  }

  it('--service: the one service, counts exact, percentiles within the bound', async () => {
    const { r, x } = await both(full, report(72, ['--service', 'flow']));
    expect(r.source).toEqual({ kind: 'postgres', aggregation: 'rollup', percentiles: 'approximate' });
    expect(r.service).toBe('flow');
    expect((r.services as { service: string }[]).map((s) => s.service)).toEqual(['flow']);
    compareReports(r as never, x as never);
  });

  it('--service twice: the two services, counts exact, percentiles within the bound', async () => {
    const { r, x } = await both(full, report(72, ['--service', 'flow', '--service', 'mail']));
    expect(r.source).toEqual({ kind: 'postgres', aggregation: 'rollup', percentiles: 'approximate' });
    expect(r.service).toEqual(['flow', 'mail']);
    expect((r.services as { service: string }[]).map((s) => s.service).sort()).toEqual(['flow', 'mail']);
    compareReports(r as never, x as never);
  });

  it('a window the rollups cover in part: the rest read raw, counts still exact, one stderr line naming the hours', async () => {
    // Rolled up to hourNow - 6 h; the window ends at until (hourNow - 2 h + 23 min): the complete
    // hours hourNow - 6 h .. hourNow - 3 h, 4 of them, come from raw rows.
    const notice = `perf-monitor: rollups end at ${new Date(hourNow - 6 * HOUR).toISOString()}: the 4 complete hours after it were read from raw rows (run --refresh-rollups, or schedule it with pg_cron (docs/rollups.md))\n`;
    const { r, x } = await both(partial, report(48), notice);
    expect(r.source).toEqual({ kind: 'postgres', aggregation: 'rollup', percentiles: 'approximate' });
    compareReports(r as never, x as never);
    // And the same report as the fully rolled-up database's, for the figures that are exact.
    const { x: fullExact } = await both(full, report(48));
    expect(comparable(JSON.stringify(x))).toEqual(comparable(JSON.stringify(fullExact)));
  });
});

describe('reports that read raw rows', () => {
  for (const [what, hours, extra, bucketSeconds] of [
    ['a 12-hour window (15-minute buckets)', 12, [], 900],
    ['a 24-hour window with --service twice', 24, ['--service', 'flow', '--service', 'mail'], 1800],
    ['a 24-hour window at --threshold 1500', 24, ['--threshold', '1500'], 1800],
  ] as const) {
    it(`${what}: server aggregation, the --exact report`, async () => {
      const { r, rollupOut, exactOut } = await both(full, report(hours, [...extra]));
      expect(r.source).toEqual({ kind: 'postgres', aggregation: 'server', percentiles: 'exact' });
      expect((r.timeline as { bucketSeconds: number }).bucketSeconds).toBe(bucketSeconds);
      expect(comparable(rollupOut)).toEqual(comparable(exactOut));
    });
  }

  it('PERFMON_TABLE naming another table: server aggregation, no notice, the --exact report of the same rows', async () => {
    await withSql(full, async (sql) => {
      await sql`CREATE TABLE IF NOT EXISTS other_logs (LIKE integration_logs INCLUDING ALL)`;
      await sql`TRUNCATE other_logs`;
      await sql`INSERT INTO other_logs SELECT * FROM integration_logs`;
    });
    const other = await runCli(report(48), { env: { DATABASE_URL: full, PERFMON_TABLE: 'other_logs' } });
    expect(other).toMatchObject({ code: 0, stderr: '' });
    const { x, exactOut } = await both(full, report(48));
    expect(JSON.parse(other.stdout).source).toEqual(x.source);
    expect(comparable(other.stdout)).toEqual(comparable(exactOut));
  });
});
