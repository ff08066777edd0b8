// The demo week: deterministic, inside its window, and telling the intended story when the
// real aggregation SQL runs over it.
import { readFileSync } from 'node:fs';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoTable } from '../sources/demo-data.js';
import { aggregationParams } from '../sources/sql/aggregate-contract.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SERVICES = ['hubspot', 'n8n', 'shopify', 'supabase', 'unleashed'];
const AGGREGATE_SQL = readFileSync(new URL('../sql/aggregate.sql', import.meta.url), 'utf8');

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

type Row = Record<string, unknown>;

async function rows(sql: string, params: (string | number | null)[] = []): Promise<Row[]> {
  const reader = await connection.runAndReadAll(sql, params);
  return reader.getRowObjectsJS() as Row[];
}

/** An order-independent fingerprint of every column of every row. */
async function fingerprint(table: string): Promise<string> {
  const [row] = await rows(`
    SELECT count(*) AS n,
      md5(string_agg(CAST(hash(id, source, operation, level, status, message, duration_ms, created_at) AS VARCHAR), ','
        ORDER BY id)) AS digest
    FROM ${table}`);
  return `${String(row!.n)}:${String(row!.digest)}`;
}

interface Stats {
  operations: number;
  failures: number;
  samples: number;
  avg: number;
  p95: number;
  errorRate: number;
}

/** The aggregation SQL as the monitor runs it: default 24 h window, threshold 2000. */
async function aggregate(end: Date) {
  const params = aggregationParams({
    start: new Date(end.getTime() - DAY_MS),
    end,
    previousStart: new Date(end.getTime() - 2 * DAY_MS),
    services: null,
    threshold: 2000,
  });
  const result = await rows(AGGREGATE_SQL, params);
  const stats = (win: string, level: string, service?: string, operation?: string): Stats => {
    const row = result.find(
      (r) =>
        r.kind === 'stats' &&
        r.win === win &&
        r.level === level &&
        (service === undefined || r.service === service) &&
        (operation === undefined || r.operation === operation),
    );
    if (!row) throw new Error(`no ${win} ${level} ${service ?? ''} ${operation ?? ''}`);
    const operations = Number(row.operations);
    const failures = Number(row.failures);
    const samples = Number(row.samples);
    return {
      operations,
      failures,
      samples,
      avg: Number(row.sum_duration) / samples,
      p95: Number(row.p95),
      errorRate: (failures / operations) * 100,
    };
  };
  return { stats, result };
}

const change = (now: Stats, previous: Stats): number => ((now.avg - previous.avg) / previous.avg) * 100;

describe('createDemoTable', () => {
  const end = new Date('2025-11-20T10:00:00.000Z');

  it('is deterministic for a given end', async () => {
    await createDemoTable(connection, end);
    await createDemoTable(connection, end, 'demo_again');
    expect(await fingerprint('demo_again')).toBe(await fingerprint('integration_logs'));
    const [diff] = await rows(`
      SELECT count(*) AS n FROM (
        (SELECT * FROM integration_logs EXCEPT ALL SELECT * FROM demo_again)
        UNION ALL
        (SELECT * FROM demo_again EXCEPT ALL SELECT * FROM integration_logs))`);
    expect(Number(diff!.n)).toBe(0);
  });

  it('moves with end: another end gives other rows, inside its own week', async () => {
    await createDemoTable(connection, end);
    const later = new Date(end.getTime() + 5 * HOUR_MS + 1234);
    await createDemoTable(connection, later, 'demo_later');
    expect(await fingerprint('demo_later')).not.toBe(await fingerprint('integration_logs'));
    const [row] = await rows(
      `
      SELECT count(*) FILTER (WHERE created_at < CAST($1 AS TIMESTAMPTZ) OR created_at >= CAST($2 AS TIMESTAMPTZ)) AS outside,
        count(*) FILTER (WHERE created_at >= CAST($3 AS TIMESTAMPTZ)) AS in_last_five_hours
      FROM demo_later`,
      [new Date(later.getTime() - 7 * DAY_MS).toISOString(), later.toISOString(), end.toISOString()],
    );
    expect(Number(row!.outside)).toBe(0);
    expect(Number(row!.in_last_five_hours)).toBeGreaterThan(0);
  });

  it('fills exactly [end - 7 days, end) with the integration_logs columns', async () => {
    await createDemoTable(connection, end);
    const columns = await rows(`
      SELECT column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_name = 'integration_logs' ORDER BY ordinal_position`);
    expect(columns.map((c) => `${String(c.column_name)} ${String(c.data_type)} ${String(c.is_nullable)}`)).toEqual([
      'id BIGINT YES',
      'source VARCHAR NO',
      'operation VARCHAR YES',
      'level VARCHAR YES',
      'status VARCHAR YES',
      'message VARCHAR YES',
      'duration_ms INTEGER YES',
      'created_at TIMESTAMP WITH TIME ZONE NO',
    ]);
    const [row] = await rows(
      `
      SELECT count(*) AS total,
        count(*) FILTER (WHERE created_at < CAST($1 AS TIMESTAMPTZ) OR created_at >= CAST($2 AS TIMESTAMPTZ)) AS outside,
        count(*) FILTER (WHERE created_at < CAST($3 AS TIMESTAMPTZ)) AS first_day,
        count(*) FILTER (WHERE created_at >= CAST($4 AS TIMESTAMPTZ)) AS last_day,
        count(DISTINCT id) AS ids
      FROM integration_logs`,
      [
        new Date(end.getTime() - 7 * DAY_MS).toISOString(),
        end.toISOString(),
        new Date(end.getTime() - 6 * DAY_MS).toISOString(),
        new Date(end.getTime() - DAY_MS).toISOString(),
      ],
    );
    expect(Number(row!.outside)).toBe(0);
    expect(Number(row!.ids)).toBe(Number(row!.total));
    // Both ends of the week are populated.
    expect(Number(row!.first_day)).toBeGreaterThan(1000);
    expect(Number(row!.last_day)).toBeGreaterThan(1000);
  });

  it('has realistic volumes, services, operations, log lines and a few bad durations', async () => {
    await createDemoTable(connection, end);
    const [row] = await rows(`
      SELECT count(*) AS total,
        count(*) FILTER (WHERE duration_ms IS NOT NULL OR status IN ('success', 'error')) AS operations,
        count(*) FILTER (WHERE duration_ms IS NULL AND status = 'info') AS log_lines,
        count(*) FILTER (WHERE duration_ms < 0) AS negative,
        count(*) FILTER (WHERE status = 'error' AND level = 'error') AS errors,
        count(*) FILTER (WHERE status = 'warning' AND level = 'warn' AND duration_ms IS NOT NULL) AS warnings
      FROM integration_logs`);
    const total = Number(row!.total);
    const operations = Number(row!.operations);
    expect(operations).toBeGreaterThanOrEqual(40_000);
    expect(operations).toBeLessThanOrEqual(60_000);
    expect(Number(row!.log_lines) / total).toBeGreaterThan(0.05);
    expect(Number(row!.log_lines) / total).toBeLessThan(0.1);
    expect(Number(row!.negative)).toBeGreaterThanOrEqual(3);
    expect(Number(row!.negative)).toBeLessThanOrEqual(10);
    expect(Number(row!.warnings)).toBeGreaterThan(0);
    expect(Number(row!.errors) / operations).toBeGreaterThan(0.005);
    expect(Number(row!.errors) / operations).toBeLessThan(0.03);

    const services = await rows(`
      SELECT source, count(DISTINCT operation) AS operations FROM integration_logs GROUP BY source ORDER BY source`);
    expect(services.map((s) => s.source)).toEqual(SERVICES);
    for (const s of services) {
      expect(Number(s.operations)).toBeGreaterThanOrEqual(2);
      expect(Number(s.operations)).toBeLessThanOrEqual(4);
    }
    const messages = await rows(`SELECT DISTINCT message FROM integration_logs WHERE status = 'error'`);
    expect(messages.map((m) => m.message)).toEqual(
      expect.arrayContaining([
        'Rate limit exceeded (429)',
        '502 Bad Gateway',
        '503 Service Unavailable',
        'ECONNRESET: connection reset by peer',
      ]),
    );
    // Workflow timeouts name their n8n execution: one cause, many texts (an error group, docs/error-groups.md).
    const timeouts = messages.map((m) => String(m.message)).filter((m) => m.startsWith('Workflow execution timeout'));
    expect(timeouts.length).toBeGreaterThan(10);
    expect(timeouts.every((m) => /^Workflow execution timeout \(execution [45][0-9]{4}\)$/.test(m))).toBe(true);
  });

  it('has diurnal traffic: working hours (UTC) busier than the night', async () => {
    await createDemoTable(connection, end);
    // UTC hour ranges computed here, so the SQL needs no time-zone functions (no ICU).
    const ranges: string[] = [];
    const midnight = Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate());
    for (let day = 1; day <= 6; day++) {
      const base = midnight - day * DAY_MS;
      const iso = (ms: number) => `'${new Date(ms).toISOString()}'`;
      ranges.push(`('day', ${iso(base + 9 * HOUR_MS)}, ${iso(base + 16 * HOUR_MS)})`);
      ranges.push(`('night', ${iso(base)}, ${iso(base + 5 * HOUR_MS)})`);
    }
    const counts = await rows(`
      SELECT r.kind, count(*) AS n
      FROM (VALUES ${ranges.join(', ')}) r(kind, lo, hi)
      JOIN integration_logs l ON l.created_at >= CAST(r.lo AS TIMESTAMPTZ) AND l.created_at < CAST(r.hi AS TIMESTAMPTZ)
      GROUP BY r.kind`);
    const perHour = (kind: string) => Number(counts.find((c) => c.kind === kind)!.n) / (kind === 'day' ? 7 : 5);
    expect(perHour('day')).toBeGreaterThan(3 * perHour('night'));
  });

  for (const label of ['now', '2025-11-20T10:00:00Z', '2026-01-01T00:00:00Z', '2025-06-07T03:30:00Z']) {
    it(`tells the story in the last 24 hours (end ${label})`, async () => {
      const storyEnd = label === 'now' ? new Date() : new Date(label);
      await createDemoTable(connection, storyEnd);
      const { stats } = await aggregate(storyEnd);

      const n8nNow = stats('current', 'service', 'n8n');
      const n8nBefore = stats('previous', 'service', 'n8n');
      expect(n8nNow.errorRate).toBeGreaterThan(5);
      expect(change(n8nNow, n8nBefore)).toBeGreaterThan(10);
      expect(n8nNow.p95).toBeGreaterThan(4000);

      const unleashed = change(stats('current', 'service', 'unleashed'), stats('previous', 'service', 'unleashed'));
      expect(unleashed).toBeLessThan(-10);

      // The others stay stable (docs/metrics.md: within +-10%).
      for (const service of ['hubspot', 'shopify', 'supabase']) {
        expect(Math.abs(change(stats('current', 'service', service), stats('previous', 'service', service)))).toBeLessThan(10);
      }

      const overall = stats('current', 'overall');
      expect(overall.errorRate).toBeLessThan(5);
      expect(overall.avg).toBeLessThan(2000);
      // "Slowest operations" has an operation above the threshold.
      expect(
        Math.max(
          stats('current', 'operation', 'hubspot', 'contacts.batch').avg,
          stats('current', 'operation', 'n8n', 'workflows.execute').avg,
        ),
      ).toBeGreaterThan(2000);

      for (const service of SERVICES) {
        expect(stats('current', 'service', service).samples).toBeGreaterThanOrEqual(20);
        expect(stats('previous', 'service', service).samples).toBeGreaterThanOrEqual(20);
      }
      // Clock skew shows in dataQuality for the default window.
      const [skew] = await rows(
        `
        SELECT count(*) AS n FROM integration_logs WHERE duration_ms < 0 AND created_at >= CAST($1 AS TIMESTAMPTZ)`,
        [new Date(storyEnd.getTime() - DAY_MS).toISOString()],
      );
      expect(Number(skew!.n)).toBeGreaterThan(0);

      const services = SERVICES.map((service) => {
        const now = stats('current', 'service', service);
        const before = stats('previous', 'service', service);
        return `${service} ops=${now.operations} err=${now.errorRate.toFixed(2)}% avg=${now.avg.toFixed(0)} vs ${before.avg.toFixed(0)} (${change(now, before).toFixed(1)}%) p95=${now.p95.toFixed(0)}`;
      });
      console.error(
        `demo story, end ${storyEnd.toISOString()}: overall ops=${overall.operations} err=${overall.errorRate.toFixed(2)}% avg=${overall.avg.toFixed(0)}\n  ${services.join('\n  ')}`,
      );
    });
  }
});
