// A live view's PostgreSQL source (docs/live.md, "Sources"): one connection kept from one refresh to
// the next, its fixed texts (the probe, the rollup read) prepared on it, gives at every refresh the
// figures a one-shot read gives (each on its own connection, unprepared), for windows that move as a
// live view's do; the counts are the rows put in, counted here.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { HOUR, insertRows, type LogRow, MINUTE, refresh } from '../harness/rollup-rows.js';
import { PostgresSource } from '../sources/postgres.js';
import type { AggregateQuery } from '../sources/types.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
let pg: PgServer;
let url: string;
const rows: LogRow[] = [];
const NOW = Date.now();

beforeAll(async () => {
  pg = await startPostgres();
  url = await pg.createDatabase('live_read');
  for (const file of ['schema.sql', 'rollup.sql']) await runSqlFile(url, join(SQL_DIR, file));
  // Three days, one operation every 3 minutes over two services, every 9th failed, up to a minute ago.
  for (let at = NOW - 72 * HOUR; at < NOW - MINUTE; at += 3 * MINUTE) {
    const failed = rows.length % 9 === 0;
    rows.push({
      source: rows.length % 2 === 0 ? 'crm' : 'billing',
      operation: rows.length % 3 === 0 ? 'sync' : 'push',
      level: failed ? 'error' : 'info',
      status: failed ? 'error' : 'success',
      message: failed ? 'boom' : null,
      duration_ms: 40 + ((rows.length * 7919) % 2500),
      at,
    });
  }
  await withSql(url, async (sql) => {
    await insertRows(sql, rows);
    await refresh(sql, '0 seconds');
  });
}, 90_000);

afterAll(async () => {
  await pg?.stop();
});

/** A 24-hour window ending `end` (30-minute buckets: the rollups answer it). */
const window = (end: number, services: string[] | null): AggregateQuery => ({
  start: new Date(end - 24 * HOUR),
  end: new Date(end),
  previousStart: new Date(end - 48 * HOUR),
  services,
  threshold: 2000,
});

describe('the live PostgreSQL source: a kept connection, prepared reads', () => {
  it('every refresh gives the one-shot figures, on one connection', async () => {
    const notices: string[] = [];
    const live = new PostgresSource(new URL(url), 'integration_logs', 10_000, true, (line) => notices.push(line), true);
    const backends = new Set<string>();
    try {
      // Ends that move as a live view's refreshes do, on and off the half hour; one with --service.
      const ends = [NOW, NOW + 5_000, NOW - 29 * MINUTE, NOW - 61 * MINUTE];
      for (const [i, end] of ends.entries()) {
        const query = window(end, i === 3 ? ['crm'] : null);
        const got = await live.aggregate(query);
        // The live source's connection: the oldest of the tool's (the one-shot ones come after it).
        await withSql(url, async (sql) => {
          const [oldest] = await sql<{ id: string }[]>`SELECT pid || ' ' || backend_start AS id FROM pg_stat_activity
            WHERE application_name = 'perf-monitor' ORDER BY backend_start LIMIT 1`;
          backends.add(oldest?.id ?? 'none');
        });
        const oneShot = new PostgresSource(new URL(url), 'integration_logs', 10_000, true);
        const expected = await oneShot.aggregate(query).finally(() => oneShot.close());
        expect(got.aggregation).toBe('rollup');
        expect(got).toEqual(expected);
        const counted = rows.filter(
          (r) => r.at >= query.start.getTime() && r.at < end && (query.services === null || query.services.includes(r.source)),
        ).length;
        const overall = got.stats.find((r) => r.window === 'current' && r.level === 'overall');
        expect(overall?.operations).toBe(counted);
      }
      // One connection served every refresh.
      expect(backends.size).toBe(1);
      expect(backends.has('none')).toBe(false);
      expect(notices).toEqual([]);
    } finally {
      await live.close();
    }
  }, 60_000);
});
