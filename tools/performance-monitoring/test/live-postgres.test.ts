// --serve over a real PostgreSQL with the hourly rollups installed (docs/live.md): a refresh of a
// 24-hour window (30-minute buckets) reads complete hours and whole buckets from the rollups and
// the raw rows of the hours they lack, so rows inserted now show at the next refresh; a source that hangs (the table locked by another session) is cut off
// at PERFMON_TIMEOUT_MS, the report marked stale with the cause, and the next refresh recovers.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type LiveProcess, startLive } from '../harness/live.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { HOUR, insertRows, type LogRow, MINUTE, refresh } from '../harness/rollup-rows.js';
import type { Report } from '../report/types.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
let pg: PgServer;
let url: string;
let live: LiveProcess;
const rows: LogRow[] = [];

const row = (at: number, status = 'success'): LogRow => ({
  source: 'crm',
  operation: 'sync',
  level: status === 'error' ? 'error' : 'info',
  status,
  message: status === 'error' ? 'boom' : null,
  duration_ms: 100 + (at % 1000),
  at,
});
const report = async () => (await (await fetch(new URL('/report.json', live.url))).json()) as Report;
/** The window: 24 hours, the usual live one (30-minute buckets, which the rollups answer too). */
const WINDOW = 24 * HOUR;
/** Operations of the current window, counted here from the rows put in. */
const expected = (end: string) => rows.filter((r) => r.at >= Date.parse(end) - WINDOW && r.at < Date.parse(end)).length;

beforeAll(async () => {
  pg = await startPostgres();
  url = await pg.createDatabase('live');
  for (const file of ['schema.sql', 'rollup.sql']) await runSqlFile(url, join(SQL_DIR, file));
  const now = Date.now();
  // Four days, one operation every 10 minutes (every 7th failed), up to a minute ago.
  for (let at = now - 96 * HOUR + MINUTE; at < now - MINUTE; at += 10 * MINUTE)
    rows.push(row(at, rows.length % 7 === 0 ? 'error' : 'success'));
  await withSql(url, async (sql) => {
    await insertRows(sql, rows);
    await refresh(sql, '0 seconds');
  });
  live = await startLive(['--serve', '0', '--interval', '5s', '--hours', '24'], { env: { DATABASE_URL: url, PERFMON_TIMEOUT_MS: '1500' } });
}, 90_000);

afterAll(async () => {
  if (live?.child.exitCode === null) await live.stop('SIGKILL');
  await pg?.stop();
});

describe('--serve over PostgreSQL', () => {
  it('reads complete hours from the rollups and the newest raw rows at each refresh', async () => {
    const first = await report();
    expect(first.source.aggregation).toBe('rollup');
    expect(first.timeline.bucketSeconds).toBe(1800);
    expect(first.overall.totalOperations).toBe(expected(first.period.end));
    // Every bucket's count, whole ones from their timeline rows, adds up to the window's.
    expect(first.overall.timeline.reduce((n, b) => n + b.operations, 0)).toBe(expected(first.period.end));
    const added = [row(Date.now() - 1000), row(Date.now() - 500, 'error')];
    await withSql(url, (sql) => insertRows(sql, added));
    rows.push(...added);
    const next = await eventually('the new rows in the report', 12_000, async () => {
      const r = await report();
      return r.period.end !== first.period.end && r.overall.totalOperations === expected(r.period.end) ? r : undefined;
    });
    expect(next.overall.failedOperations).toBe(
      rows.filter((r) => r.status === 'error' && r.at >= Date.parse(next.period.end) - WINDOW).length,
    );
  }, 30_000);

  it('a hanging source: cut off at PERFMON_TIMEOUT_MS, stale with the cause, then recovered', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const locker = withSql(url, (sql: postgres.Sql) =>
      sql.begin(async (tx) => {
        await tx`LOCK TABLE integration_logs IN ACCESS EXCLUSIVE MODE`;
        await released;
      }),
    );
    try {
      const cause = await eventually('/healthz 503', 15_000, async () => {
        const res = await fetch(new URL('/healthz', live.url));
        return res.status === 503 ? res.text() : undefined;
      });
      expect(cause).toMatch(/^stale: the last refresh failed: .*(no answer within 1\.5s|statement timeout of 1500 ms)/);
      const metrics = await (await fetch(new URL('/metrics', live.url))).text();
      expect(metrics).toContain('\nperfmon_up 0\n');
    } finally {
      release();
      await locker;
    }
    await eventually('/healthz 200 again', 15_000, async () =>
      (await fetch(new URL('/healthz', live.url))).status === 200 ? true : undefined,
    );
    expect((await live.stop('SIGTERM')).code).toBe(0);
  }, 45_000);
});
