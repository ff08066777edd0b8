// A tailed file's own rollups (sources/file/tail-rollups.ts, docs/live.md): over several refreshes
// of a 24-hour window (appends in the open hour, an hour closing, an out-of-order append into a
// rolled-up hour, a rotation), each report's counts, failures, sums, min and max equal the ones
// computed here from the rows written, its percentiles are within 1% of percentile_cont over those
// rows (computed here), its error groups equal a one-shot exact read's, and each refresh rolls up
// only the hours that closed (or that late rows fell into) since the last one.
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyDir } from '../harness/cli.js';
import { FileSource } from '../sources/file/source.js';
import { TailingFileSource } from '../sources/file/tail.js';
import type { AggregateQuery, SourceResult, Stats } from '../sources/types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The first refresh's "now": 20 minutes into an hour, so every window has partial hours at its edges. */
const NOW = Date.parse('2025-11-20T12:20:00Z');
const SERVICES = ['api', 'billing', 'search'];
const OPERATIONS = ['get', 'put'];

interface Row {
  source: string;
  operation: string;
  status: string;
  message: string | null;
  duration_ms: number | null;
  created_at: number;
}

/** Deterministic rows: durations from 3 ms to ~9 s (exact to 200 ms, then every bucket width), a
 *  failure every 13th row with one of three messages, a row without a duration now and then. */
function rows(count: number, from: number, to: number, seed: number): Row[] {
  return Array.from({ length: count }, (_, k) => {
    const i = k + seed;
    const failed = i % 13 === 0;
    return {
      source: SERVICES[i % 3] as string,
      operation: OPERATIONS[(i >> 2) % 2] as string,
      status: failed ? 'error' : 'success',
      message: failed ? `timeout after ${(i % 3) + 1}0 s on shard ${i % 7}` : null,
      duration_ms: i % 97 === 0 ? null : 3 + ((i * 7919) % (i % 5 === 0 ? 9000 : 700)),
      created_at: from + Math.floor(((to - from) * k) / count),
    };
  });
}

const ndjson = (list: Row[]) => list.map((r) => `${JSON.stringify({ ...r, created_at: new Date(r.created_at).toISOString() })}\n`).join('');

const windows = (now: number): AggregateQuery => ({
  start: new Date(now - DAY),
  end: new Date(now),
  previousStart: new Date(now - 2 * DAY),
  services: null,
  threshold: 2000,
});

/** percentile_cont: the values at ranks floor and ceil of p(n - 1), interpolated. */
function percentile(sorted: number[], p: number): number {
  const position = p * (sorted.length - 1);
  const [low, high] = [sorted[Math.floor(position)] as number, sorted[Math.ceil(position)] as number];
  return low + (position - Math.floor(position)) * (high - low);
}

/** The figures of `list`, exactly, as aggregate.sql defines them (docs/sources.md). */
function figures(list: Row[]) {
  const durations = list.flatMap((r) => (r.duration_ms === null ? [] : [r.duration_ms])).sort((a, b) => a - b);
  return {
    operations: list.length,
    failures: list.filter((r) => r.status === 'error').length,
    samples: durations.length,
    sumDuration: durations.reduce((sum, d) => sum + d, 0),
    minDuration: durations[0],
    maxDuration: durations[durations.length - 1],
    p: [0.5, 0.95, 0.99].map((q) => percentile(durations, q)),
    satisfied: list.filter((r) => r.status !== 'error' && r.duration_ms !== null && r.duration_ms <= 2000).length,
  };
}

/** Every figure of `got` checked against `list`: counts exact, percentiles within 1%. */
function expectFigures(got: Stats | undefined, list: Row[], current: boolean, what: string): void {
  const want = figures(list);
  expect(got, what).toBeDefined();
  const { operations, failures, samples, sumDuration, minDuration, maxDuration } = got as Stats;
  expect({ operations, failures, samples, sumDuration, minDuration, maxDuration }, what).toEqual({
    operations: want.operations,
    failures: want.failures,
    samples: want.samples,
    sumDuration: want.sumDuration,
    minDuration: want.minDuration,
    maxDuration: want.maxDuration,
  });
  if (!current) return;
  expect(got?.satisfied, what).toBe(want.satisfied);
  [got?.p50, got?.p95, got?.p99].forEach((p, i) => {
    const exact = want.p[i] as number;
    expect(Math.abs((p as number) - exact), `${what} percentile ${i}: ${p} vs ${exact}`).toBeLessThanOrEqual(exact * 0.01);
  });
}

/** The report of `result` checked against the rows of the file (those the windows hold). */
function check(result: SourceResult, all: Row[], now: number): void {
  const q = windows(now);
  const [previousStart, start, end] = [q.previousStart.getTime(), q.start.getTime(), q.end.getTime()];
  const inWindow = (current: boolean) =>
    all.filter((r) => (current ? r.created_at >= start && r.created_at < end : r.created_at >= previousStart && r.created_at < start));
  for (const current of [true, false]) {
    const window = current ? 'current' : 'previous';
    const list = inWindow(current);
    const stats = result.stats.filter((s) => s.window === window);
    expectFigures(
      stats.find((s) => s.level === 'overall'),
      list,
      current,
      `${window} overall`,
    );
    for (const service of SERVICES) {
      const mine = list.filter((r) => r.source === service);
      expectFigures(
        stats.find((s) => s.level === 'service' && s.service === service),
        mine,
        current,
        `${window} ${service}`,
      );
      for (const operation of OPERATIONS) {
        expectFigures(
          stats.find((s) => s.level === 'operation' && s.service === service && s.operation === operation),
          mine.filter((r) => r.operation === operation),
          current,
          `${window} ${service} ${operation}`,
        );
      }
    }
  }
  // The timeline: 30-minute buckets of the current window, overall, counts exact and p95 within 1%.
  const buckets = new Map<number, Row[]>();
  for (const r of inWindow(true)) {
    const bucket = Math.floor(r.created_at / 1_800_000) * 1800;
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), r]);
  }
  const overall = result.timeline.filter((t) => t.level === 'overall');
  expect(overall.map((t) => t.bucketStart).sort()).toEqual([...buckets.keys()].sort());
  for (const t of overall)
    expectFigures(t, buckets.get(t.bucketStart) ?? [], true, `bucket ${new Date(t.bucketStart * 1000).toISOString()}`);
}

const sources: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of sources.splice(0)) await s.close();
});
const settings = (path: string, rollups = true) => ({
  paths: [path],
  inputFormat: null,
  stdinMaxBytes: 1 << 20,
  mappings: [],
  timeUnit: 'ms' as const,
  rollups,
});

/** Error groups in one order (a source answers them in no particular order; the report sorts). */
const inOrder = (errors: SourceResult['errors']) =>
  [...errors].sort((a, b) => (JSON.stringify([a.service, a.message]) < JSON.stringify([b.service, b.message]) ? -1 : 1));

/** The error groups of a one-shot, exact read of the same file (no rollups anywhere). */
async function exactErrors(path: string, now: number): Promise<SourceResult['errors']> {
  const source = new FileSource(settings(path, false), () => {});
  sources.push(source);
  return inOrder((await source.aggregate(windows(now))).errors);
}

describe('a tailed file read through its own rollups', () => {
  it('gives the figures of an exact read over appends, late rows and a rotation, rolling up only new hours', async () => {
    const path = join(emptyDir(), 'ops.ndjson');
    // 50 hours of rows: some older than both windows (dropped), both windows, and the open hour.
    let all = rows(6000, NOW - 50 * HOUR, NOW - 60_000, 0);
    writeFileSync(path, ndjson(all));
    const source = new TailingFileSource(settings(path), () => {});
    sources.push(source);

    let now = NOW;
    let result = await source.aggregate(windows(now));
    expect(result.aggregation).toBe('rollup');
    // Both windows' complete hours: 23 of the previous one and 23 of the current one (12:20 to 12:20).
    expect(result.rollup).toEqual({ watermark: Date.parse('2025-11-20T12:00:00Z') / 1000, hours: 46 });
    check(result, all, now);
    expect(inOrder(result.errors)).toEqual(await exactErrors(path, now));
    const first = source.rollups.hoursBuilt;

    // Appends in the open hour: nothing closed, nothing rolled up; the edge rows are read raw.
    now = NOW + 10 * 60_000;
    let added = rows(300, NOW, now - 1000, 10_000);
    appendFileSync(path, ndjson(added));
    all = [...all, ...added];
    result = await source.aggregate(windows(now));
    expect(source.rollups.hoursBuilt).toBe(first);
    check(result, all, now);

    // An hour closes (12:00-13:00) and a late row arrives for 07:xx, an hour rolled up long ago:
    // the hours from 07:00 are rolled up again (from the kept raw rows), 13:00 is the new mark.
    now = NOW + 60 * 60_000;
    const late = rows(40, Date.parse('2025-11-20T07:10:00Z'), Date.parse('2025-11-20T07:50:00Z'), 20_000);
    added = [...rows(200, NOW + 10 * 60_000, now - 1000, 30_000), ...late];
    appendFileSync(path, ndjson(added));
    all = [...all, ...added];
    result = await source.aggregate(windows(now));
    expect(source.rollups.hoursBuilt - first).toBe(13 - 7);
    expect(result.rollup?.watermark).toBe(Date.parse('2025-11-20T13:00:00Z') / 1000);
    check(result, all, now);
    expect(inOrder(result.errors)).toEqual(await exactErrors(path, now));

    // Rotation: a new file under the name, read whole again and rolled up from scratch.
    const rotated = rows(3000, now - 30 * HOUR, now - 1000, 40_000);
    renameSync(path, `${path}.1`);
    writeFileSync(path, ndjson(rotated));
    const before = source.rollups.hoursBuilt;
    result = await source.aggregate(windows(now));
    expect(source.rollups.hoursBuilt - before).toBe(47);
    check(result, rotated, now);
    expect(inOrder(result.errors)).toEqual(await exactErrors(path, now));
  });

  it('rolls up a large first read over several refreshes, reading raw rows exactly until it has caught up', async () => {
    const path = join(emptyDir(), 'ops.ndjson');
    const all = rows(6000, NOW - 50 * HOUR, NOW - 60_000, 0);
    writeFileSync(path, ndjson(all));
    const source = new TailingFileSource(settings(path), () => {});
    sources.push(source);
    // ~120 rows an hour: 1,000 rows a refresh is 8 hours of the 47 to roll up.
    source.rollups.rowsPerRefresh = 1000;
    const seen: string[] = [];
    for (let refresh = 0; refresh < 8; refresh++) {
      const result = await source.aggregate(windows(NOW));
      seen.push(result.aggregation);
      check(result, all, NOW);
    }
    expect(seen).toEqual(['client', 'client', 'client', 'client', 'client', 'rollup', 'rollup', 'rollup']);
    expect(source.rollups.hoursBuilt).toBe(47);
  });

  it('agrees with the exact read for one --service, several, and a 48-hour window (hourly buckets)', async () => {
    const path = join(emptyDir(), 'ops.ndjson');
    writeFileSync(path, ndjson(rows(6000, NOW - 97 * HOUR, NOW - 60_000, 0)));
    const rolled = new TailingFileSource(settings(path), () => {});
    const exact = new TailingFileSource(settings(path, false), () => {});
    sources.push(rolled, exact);
    const key = (r: { level: string; service?: string; operation?: string }) => `${r.level} ${r.service ?? ''} ${r.operation ?? ''}`;
    const cases: [AggregateQuery, string][] = [
      [{ ...windows(NOW), services: ['api'] }, 'rollup'],
      // Several services at 30-minute buckets: the timeline rows hold one service or all, so raw rows.
      [{ ...windows(NOW), services: ['api', 'search'] }, 'client'],
      [{ ...windows(NOW), start: new Date(NOW - 2 * DAY), previousStart: new Date(NOW - 4 * DAY), services: ['api', 'search'] }, 'rollup'],
      [{ ...windows(NOW), start: new Date(NOW - 2 * DAY), previousStart: new Date(NOW - 4 * DAY) }, 'rollup'],
    ];
    for (const [query, aggregation] of cases) {
      const [got, want] = [await rolled.aggregate(query), await exact.aggregate(query)];
      const what = `${query.services?.join('+') ?? 'all'} from ${query.start.toISOString()}`;
      expect(got.aggregation, what).toBe(aggregation);
      const wanted = new Map(want.stats.map((s) => [`${s.window} ${key(s)}`, s]));
      expect(got.stats.length, what).toBe(want.stats.length);
      for (const s of got.stats) {
        const w = wanted.get(`${s.window} ${key(s)}`);
        expect({ ...s, p50: null, p95: null, p99: null, varDuration: null }, `${what} ${key(s)}`).toEqual({
          ...w,
          p50: null,
          p95: null,
          p99: null,
          varDuration: null,
        });
        for (const p of ['p50', 'p95', 'p99'] as const) {
          if (w?.[p] == null) expect(s[p]).toBeNull();
          else expect(Math.abs((s[p] as number) - w[p]), `${what} ${key(s)} ${p}`).toBeLessThanOrEqual(w[p] * 0.01);
        }
      }
      const timeline = (r: SourceResult) =>
        r.timeline.map((t) => `${key(t)} ${t.bucketStart} ${t.operations} ${t.failures} ${t.samples}`).sort();
      expect(timeline(got), what).toEqual(timeline(want));
      expect(inOrder(got.errors), what).toEqual(inOrder(want.errors));
    }
  });

  it('reads exactly where the rollups do not apply: --exact, fractional durations, another --threshold', async () => {
    const path = join(emptyDir(), 'ops.ndjson');
    const all = rows(2000, NOW - 40 * HOUR, NOW - 60_000, 0);
    writeFileSync(path, ndjson(all));
    const exact = new TailingFileSource(settings(path, false), () => {});
    sources.push(exact);
    expect((await exact.aggregate(windows(NOW))).aggregation).toBe('client');

    const source = new TailingFileSource(settings(path), () => {});
    sources.push(source);
    expect((await source.aggregate({ ...windows(NOW), threshold: 500 })).aggregation).toBe('client');
    expect((await source.aggregate(windows(NOW))).aggregation).toBe('rollup');
    // A fraction of a millisecond: the histogram keys whole milliseconds, so the read is exact again.
    appendFileSync(path, ndjson([{ ...(all[0] as Row), duration_ms: 12.5, created_at: NOW - 120_000 }]));
    const result = await source.aggregate(windows(NOW));
    expect(result.aggregation).toBe('client');
    expect(result.stats.find((s) => s.window === 'current' && s.level === 'overall')?.maxDuration).toBe(
      figures(all.filter((r) => r.created_at >= NOW - DAY)).maxDuration,
    );
  });
});
