// The rollup's blocks on real PostgreSQL (docs/rollups.md): after a refresh over 17
// days, perf_monitor_rollup_block holds, for 3 h, 24 h and 168 h, one row per epoch-aligned block
// ending by the watermark, equal to the merge of its hourly rows as this test computes it in
// TypeScript from the hourly rows read back; a late row within the lag updates its hour and its
// blocks on the next refresh; rollup.sql installs twice cleanly and prints nothing; and running
// it again over rolled-up hours and an empty blocks table (an upgrade) builds the blocks.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTwice, type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { currentHour, HOUR, insertRows, type LogRow, MINUTE, normal, random, refresh } from '../harness/rollup-rows.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
const SCHEMA = join(SQL_DIR, 'schema.sql');
const ROLLUP = join(SQL_DIR, 'rollup.sql');
const SPANS = [3, 24, 168];
const DAYS = 17;

/** psql's notices of an idempotent statement run again: expected, not worth a user's attention. */
const SKIPPING = /^psql:.*NOTICE:.*(already exists, skipping|does not exist, skipping)\n/gm;

/** rollup.sql run again as a user runs it: what psql printed, minus SKIPPING. */
async function install(url: string): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await runSqlFile(url, ROLLUP);
  return { stdout, stderr: stderr.replace(SKIPPING, '') };
}

let pg: PgServer;

beforeAll(async () => {
  pg = await startPostgres();
});

afterAll(async () => {
  await pg?.stop();
});

/** A log-normal duration around 400 ms; 2% odd: half invalid (-3), half null. Draws from `rand` in
 *  the order the rows always have, so the seeded rows stay the same. */
function drawDuration(rand: () => number): number | null {
  if (rand() >= 0.02) return Math.max(0, Math.round(Math.exp(Math.log(400) + 1.5 * normal(rand))));
  return rand() < 0.5 ? -3 : null;
}

function failureMessage(rand: () => number, duration: number | null, i: number): string {
  return rand() < 0.5 ? `Timeout after ${duration ?? 0}ms for job ${i.toString(16)}` : `Connection reset by peer ${i}`;
}

/** ~1,600 rows over the last 17 days: two services, three operations, ~6% failures with two
 *  fingerprints (and distinct messages, so the latest example matters), a few invalid and null durations. */
function rows(hourNow: number): LogRow[] {
  const rand = random(17);
  const out: LogRow[] = [];
  const ops = [
    ['crm', 'sync'],
    ['crm', 'push'],
    ['flow', 'run'],
  ] as const;
  for (let i = 0; i < 1600; i++) {
    const [source, operation] = ops[i % 3] ?? ops[0];
    const at = hourNow - DAYS * 24 * HOUR + Math.floor(rand() * DAYS * 24 * HOUR);
    const failed = rand() < 0.06;
    const duration = drawDuration(rand);
    const message = failed ? failureMessage(rand, duration, i) : null;
    out.push({
      source,
      operation,
      level: failed ? 'error' : 'info',
      status: failed ? 'error' : 'success',
      message,
      duration_ms: duration,
      at,
    });
  }
  return out;
}

interface Fingerprint {
  count: number;
  example: string;
  last_at: string;
}

/** A rollup row as read back: counts and sums as text (numeric, bigint), arrays of text. */
interface RollupRow {
  span_hours: number;
  hour: string;
  service: string;
  operation: string;
  operations: string;
  failures: string;
  samples: string;
  sum_duration: string;
  sum_squares: string;
  min_duration: number | null;
  max_duration: number | null;
  invalid_durations: string;
  histogram_keys: string[];
  histogram_counts: string[];
  failure_histogram_keys: string[];
  failure_histogram_counts: string[];
  fingerprints: Record<string, Fingerprint>;
}

const COLUMNS = `to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS hour, service, operation,
  operations::text, failures::text, samples::text, sum_duration::text, sum_squares::text, min_duration, max_duration,
  invalid_durations::text, histogram_keys::text[], histogram_counts::text[], failure_histogram_keys::text[],
  failure_histogram_counts::text[], fingerprints`;

async function hourlyRows(sql: postgres.Sql): Promise<RollupRow[]> {
  return sql.unsafe<RollupRow[]>(`SELECT 1 AS span_hours, ${COLUMNS} FROM perf_monitor_rollup ORDER BY hour, service, operation`);
}

async function blockRows(sql: postgres.Sql): Promise<RollupRow[]> {
  return sql.unsafe<RollupRow[]>(
    `SELECT span_hours, ${COLUMNS} FROM perf_monitor_rollup_block ORDER BY span_hours, hour, service, operation`,
  );
}

const isoHour = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const big = (s: string) => BigInt(s);

function compareAscending<T extends bigint | string>(a: T, b: T): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/** Two sparse histograms added key by key, keys ascending. */
function addHistograms(keys: string[][], counts: string[][]): { keys: string[]; counts: string[] } {
  const sums = new Map<bigint, bigint>();
  for (const [i, ks] of keys.entries()) {
    for (const [j, k] of ks.entries()) sums.set(big(k), (sums.get(big(k)) ?? 0n) + big(counts[i]?.[j] ?? '0'));
  }
  const sorted = [...sums.entries()].sort(([a], [b]) => compareAscending(a, b));
  return { keys: sorted.map(([k]) => String(k)), counts: sorted.map(([, n]) => String(n)) };
}

/** The blocks docs/rollups.md describes, merged here from the hourly rows: each block of each span
 *  that holds a row and ends at or before the watermark. */
function expectedBlocks(hourly: RollupRow[], watermark: number): RollupRow[] {
  const out: RollupRow[] = [];
  for (const span of SPANS) {
    for (const [key, members] of blockGroups(hourly, span, watermark)) out.push(mergedBlock(span, key, members));
  }
  const order = (r: RollupRow) => `${String(r.span_hours).padStart(4, '0')} ${r.hour} ${r.service} ${r.operation}`;
  return out.sort((a, b) => compareAscending(order(a), order(b)));
}

/** The hourly rows of each whole `span`-hour block that ends at or before the watermark, by
 *  JSON [block start, service, operation]. */
function blockGroups(hourly: RollupRow[], span: number, watermark: number): Map<string, RollupRow[]> {
  const groups = new Map<string, RollupRow[]>();
  for (const row of hourly) {
    const start = Math.floor(Date.parse(row.hour) / (span * HOUR)) * span * HOUR;
    if (start + span * HOUR > watermark) continue;
    const key = JSON.stringify([start, row.service, row.operation]);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return groups;
}

/** Fingerprints added up; the example and time are the latest's (ties: the greater example). */
function mergedFingerprints(members: RollupRow[]): Record<string, Fingerprint> {
  const fingerprints: Record<string, Fingerprint> = {};
  for (const r of members) {
    for (const [fingerprint, f] of Object.entries(r.fingerprints)) {
      const seen = fingerprints[fingerprint];
      if (!seen) {
        fingerprints[fingerprint] = { ...f };
        continue;
      }
      const later = f.last_at > seen.last_at || (f.last_at === seen.last_at && f.example > seen.example);
      fingerprints[fingerprint] = {
        count: seen.count + f.count,
        example: later ? f.example : seen.example,
        last_at: later ? f.last_at : seen.last_at,
      };
    }
  }
  return fingerprints;
}

function mergedBlock(span: number, key: string, members: RollupRow[]): RollupRow {
  const [start, service, operation] = JSON.parse(key) as [number, string, string];
  const sum = (pick: (r: RollupRow) => string) => String(members.reduce((a, r) => a + big(pick(r)), 0n));
  const durations = members.filter((r) => r.min_duration !== null);
  const histogram = addHistograms(
    members.map((r) => r.histogram_keys),
    members.map((r) => r.histogram_counts),
  );
  const failed = addHistograms(
    members.map((r) => r.failure_histogram_keys),
    members.map((r) => r.failure_histogram_counts),
  );
  return {
    span_hours: span,
    hour: isoHour(start),
    service,
    operation,
    operations: sum((r) => r.operations),
    failures: sum((r) => r.failures),
    samples: sum((r) => r.samples),
    sum_duration: sum((r) => r.sum_duration),
    sum_squares: sum((r) => r.sum_squares),
    min_duration: durations.length ? Math.min(...durations.map((r) => r.min_duration ?? 0)) : null,
    max_duration: durations.length ? Math.max(...durations.map((r) => r.max_duration ?? 0)) : null,
    invalid_durations: sum((r) => r.invalid_durations),
    histogram_keys: histogram.keys,
    histogram_counts: histogram.counts,
    failure_histogram_keys: failed.keys,
    failure_histogram_counts: failed.counts,
    fingerprints: mergedFingerprints(members),
  };
}

/** The blocks as the database holds them, checked against the merge of the hourly rows. */
async function checkBlocks(sql: postgres.Sql, watermark: number): Promise<RollupRow[]> {
  const blocks = (await blockRows(sql)).map((r) => ({ ...r }));
  expect(blocks).toEqual(
    expectedBlocks(
      (await hourlyRows(sql)).map((r) => ({ ...r })),
      watermark,
    ),
  );
  return blocks;
}

async function database(name: string): Promise<{ url: string; hourNow: number }> {
  const url = await pg.createDatabase(name);
  for (const file of [SCHEMA, ROLLUP]) await runSqlFile(url, file);
  const hourNow = await withSql(url, async (sql) => {
    const hour = await currentHour(sql);
    await insertRows(sql, rows(hour));
    return hour;
  });
  return { url, hourNow };
}

describe('perf_monitor_rollup_block', () => {
  it('after a refresh over 17 days, holds each complete 3 h, 24 h and 168 h block, equal to the merge of its hourly rows', async () => {
    const { url } = await database('blocks_merge');
    await withSql(url, async (sql) => {
      const { watermark } = await refresh(sql);
      const blocks = await checkBlocks(sql, watermark);
      // Every span is there, each block epoch-aligned, ending at or before the watermark; 17 days
      // hold at least two whole epoch weeks.
      for (const span of SPANS) {
        const starts = new Set(blocks.filter((b) => b.span_hours === span).map((b) => Date.parse(b.hour)));
        expect(starts.size, `${span} h blocks`).toBeGreaterThanOrEqual(span === 168 ? 2 : Math.floor((DAYS * 24) / span) - 1);
        for (const start of starts) {
          expect(start % (span * HOUR)).toBe(0);
          expect(start + span * HOUR).toBeLessThanOrEqual(watermark);
        }
      }
      // The merge is not trivial: blocks of several hours, with fingerprints of several hours.
      expect(
        blocks.some((b) => b.span_hours === 168 && Number(b.operations) > 100 && Object.values(b.fingerprints).some((f) => f.count > 1)),
      ).toBe(true);
    });
  });

  it('a late row within the lag updates its hour and its blocks on the next refresh', async () => {
    const { url } = await database('blocks_late');
    await withSql(url, async (sql) => {
      const { watermark } = await refresh(sql);
      const before = await checkBlocks(sql, watermark);
      // The last hour of the last day that ended by the watermark: its 3 h and 24 h blocks are
      // complete, and it is within a lag of 30 hours.
      const dayEnd = Math.floor(watermark / (24 * HOUR)) * 24 * HOUR;
      const hour = dayEnd - HOUR;
      await insertRows(sql, [
        {
          source: 'crm',
          operation: 'sync',
          level: 'error',
          status: 'error',
          message: 'Late failure 99',
          duration_ms: 123457,
          at: hour + 59 * MINUTE + 59_000,
        },
      ]);
      const next = await refresh(sql, '30 hours');
      expect(next.watermark).toBeGreaterThanOrEqual(watermark);
      const after = await checkBlocks(sql, next.watermark);
      const hourly = await hourlyRows(sql);
      const lateHour = hourly.find((r) => r.hour === isoHour(hour) && r.service === 'crm' && r.operation === 'sync');
      expect(lateHour?.fingerprints['Late failure <n>']).toEqual({
        count: 1,
        example: 'Late failure 99',
        last_at: `${new Date(hour + 59 * MINUTE + 59_000).toISOString().slice(0, -1)}000Z`,
      });
      // Each block holding that hour has one more operation and failure, and the new key 124000 (width 1000).
      for (const span of SPANS) {
        const start = isoHour(Math.floor(hour / (span * HOUR)) * span * HOUR);
        const find = (list: RollupRow[]) =>
          list.find((b) => b.span_hours === span && b.hour === start && b.service === 'crm' && b.operation === 'sync');
        const [old, now] = [find(before), find(after)];
        if (Date.parse(start) + span * HOUR > next.watermark) {
          expect(now, `${span} h block not complete yet`).toBeUndefined();
          continue;
        }
        expect(Number(now?.operations), `${span} h block`).toBe(Number(old?.operations ?? 0) + 1);
        expect(Number(now?.failures)).toBe(Number(old?.failures ?? 0) + 1);
        expect(now?.failure_histogram_keys).toContain('124000');
        expect(now?.fingerprints['Late failure <n>']?.count).toBe(1);
      }
    });
  });

  it('rollup.sql installs twice cleanly, printing nothing; run again over rolled-up hours with no blocks (an upgrade), it builds them', async () => {
    const url = await pg.createDatabase('blocks_upgrade');
    for (const run of await installTwice(url, [SCHEMA, ROLLUP], SKIPPING)) expect(run).toEqual({ ...run, stderr: '' });
    expect(await install(url)).toEqual({ stdout: '', stderr: '' });
    const expected = await withSql(url, async (sql) => {
      await insertRows(sql, rows(await currentHour(sql)));
      const { watermark } = await refresh(sql);
      const blocks = await checkBlocks(sql, watermark);
      expect(blocks.length).toBeGreaterThan(100);
      // A database rolled up by a version without blocks.
      await sql`TRUNCATE perf_monitor_rollup_block`;
      return blocks;
    });
    expect(await install(url)).toEqual({ stdout: '', stderr: '' });
    await withSql(url, async (sql) => expect((await blockRows(sql)).map((r) => ({ ...r }))).toEqual(expected));
    // Once built, running it again leaves them as they are.
    expect(await install(url)).toEqual({ stdout: '', stderr: '' });
    await withSql(url, async (sql) => expect((await blockRows(sql)).map((r) => ({ ...r }))).toEqual(expected));
  });
});
