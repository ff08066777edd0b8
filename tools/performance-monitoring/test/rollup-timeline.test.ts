// The timeline rows the refresh makes ready (docs/rollups.md, "Timeline rows"), on real PostgreSQL:
// each row (per span of 30 min to 7 d, per service and overall) equals the merge of its hours,
// computed here from the hourly rows (the 30-minute rows from the raw rows, here), and its Apdex
// counts those of the raw rows, counted here; a
// report reads a whole bucket from its one row and merges only the partial buckets at the window's
// edges (a row changed in the table shows in the whole buckets only), and merges every bucket at
// another --threshold (a 200-hour window's 6-hour buckets and a 24-hour window's 30-minute ones);
// an install of layout 2 (the fixture: rollup.sql before these rows), 3 (before the 30-minute
// rows) or 4 (the ladder's widths halved) is upgraded by running rollup.sql again: its rows dropped,
// rebuilt by the next refresh, the same rows as layout 3's or 4's build made (each span now merged
// from the span before it) but for the histograms, which the reports then read within the bound.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTIONS } from '../cli/options.js';
import { comparable, runCli } from '../harness/cli.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import {
  bucketOf,
  compareReports,
  currentHour,
  HISTOGRAM_BOUND,
  HOUR,
  insertRows,
  type LogRow,
  MINUTE,
  normal,
  random,
  refresh,
} from '../harness/rollup-rows.js';
import { BUCKET_WIDTHS } from '../sources/buckets.js';
import { HISTOGRAM_LAYOUT } from '../sources/sql/rollup.js';
import { RAW_TIMELINE_SPAN, ROLLUP_THRESHOLD, TIMELINE_SPANS } from '../sources/sql/rollup-spans.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
const LAYOUT_2 = fileURLToPath(new URL('./fixtures/rollup-layout2.sql', import.meta.url));
const LAYOUT_3 = fileURLToPath(new URL('./fixtures/rollup-layout3.sql', import.meta.url));
const LAYOUT_4 = fileURLToPath(new URL('./fixtures/rollup-layout4.sql', import.meta.url));

let pg: PgServer;
let url: string;
let until: number;
let rows: LogRow[];

/** 4,000 rows over the 17 days before `end` (+1 h after it): two services, three operations,
 *  lognormal durations around T (median 900 ms, sigma 1.2), ~6% failures, a few null and invalid. */
function dataset(end: number): LogRow[] {
  const rand = random(11);
  const ops = [
    ['api', 'get'],
    ['api', 'put'],
    ['jobs', 'run'],
  ] as const;
  const out: LogRow[] = [];
  for (let i = 0; i < 4000; i++) {
    const [source, operation] = ops[i % ops.length] ?? ops[0];
    const failed = rand() < 0.06;
    const odd = rand() < 0.01;
    const oddValue = rand() < 0.5 ? null : -3;
    const d = odd ? oddValue : Math.max(0, Math.round(Math.exp(Math.log(900) + 1.2 * normal(rand))));
    out.push({
      source,
      operation,
      level: failed ? 'error' : 'info',
      status: failed ? 'error' : 'success',
      message: failed ? `Timeout ${i % 5}` : null,
      duration_ms: d,
      at: end - 17 * 24 * HOUR + Math.floor(rand() * (17 * 24 + 1) * HOUR),
    });
  }
  return out;
}

beforeAll(async () => {
  pg = await startPostgres();
  url = await pg.createDatabase('timeline_rows');
  for (const file of ['schema.sql', 'rollup.sql']) await runSqlFile(url, join(SQL_DIR, file));
  await withSql(url, async (sql) => {
    const hourNow = await currentHour(sql);
    until = hourNow - 2 * HOUR + 23 * MINUTE + 456;
    rows = dataset(until);
    await insertRows(sql, rows);
    expect((await refresh(sql)).watermark).toBeGreaterThanOrEqual(hourNow);
  });
}, 60_000);

afterAll(async () => {
  await pg?.stop();
});

interface Figures {
  operations: number;
  failures: number;
  samples: number;
  sum: number;
  squares: bigint;
  min: number | null;
  max: number | null;
  invalid: number;
  histogram: Map<number, number>;
}

const empty = (): Figures => ({
  operations: 0,
  failures: 0,
  samples: 0,
  sum: 0,
  squares: 0n,
  min: null,
  max: null,
  invalid: 0,
  histogram: new Map(),
});

/** percentile_cont's rule over the histogram's samples, each its bucket's middle, clamped to min and max. */
function percentile(f: Figures, p: number): number | null {
  if (f.samples === 0) return null;
  const values: number[] = [];
  for (const [key, n] of [...f.histogram].sort((a, b) => a[0] - b[0])) {
    const width = key - bucketOf(key).lo;
    for (let i = 0; i < n; i++) values.push(key - (width - 1) / 2);
  }
  const position = (p / 100) * (values.length - 1);
  const [lo, hi] = [values[Math.floor(position)] ?? 0, values[Math.ceil(position)] ?? 0];
  const value = lo + (position - Math.floor(position)) * (hi - lo);
  return Math.max(f.min ?? value, Math.min(f.max ?? value, value));
}

interface HourRow {
  hour: Date;
  service: string;
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
}

interface TimelineRow extends HourRow {
  span_seconds: number;
  satisfied: string;
  tolerating: string;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

const COLUMNS = `service, operations::text, failures::text, samples::text, sum_duration::text, sum_squares::text,
  min_duration, max_duration, invalid_durations::text, histogram_keys::text[], histogram_counts::text[]`;

/** Adds hourly row `r` into `f`. */
function add(f: Figures, r: HourRow): void {
  f.operations += Number(r.operations);
  f.failures += Number(r.failures);
  f.samples += Number(r.samples);
  f.sum += Number(r.sum_duration);
  f.squares += BigInt(r.sum_squares);
  f.invalid += Number(r.invalid_durations);
  if (r.min_duration !== null) f.min = Math.min(f.min ?? Number.POSITIVE_INFINITY, r.min_duration);
  if (r.max_duration !== null) f.max = Math.max(f.max ?? Number.NEGATIVE_INFINITY, r.max_duration);
  r.histogram_keys.forEach((k, i) => {
    f.histogram.set(Number(k), (f.histogram.get(Number(k)) ?? 0) + Number(r.histogram_counts[i]));
  });
}

/** Adds raw row `r` into `f`, by the rules of docs/sources.md (failed: status or level 'error';
 *  a valid duration: 0..2^31-1) and the histogram's buckets (bucketOf). */
function addRaw(f: Figures, r: LogRow): void {
  f.operations += 1;
  if (r.status === 'error' || r.level === 'error') f.failures += 1;
  const d = r.duration_ms;
  if (d === null) return;
  if (d < 0 || d > 2_147_483_647) {
    f.invalid += 1;
    return;
  }
  f.samples += 1;
  f.sum += d;
  f.squares += BigInt(d) * BigInt(d);
  f.min = Math.min(f.min ?? d, d);
  f.max = Math.max(f.max ?? d, d);
  const key = bucketOf(d).hi;
  f.histogram.set(key, (f.histogram.get(key) ?? 0) + 1);
}

/** The timeline rows there should be, merged here from the hourly rows (30-minute rows from the raw
 *  rows): every (span, block, service or '' for all) with operations, the block ended by the
 *  watermark. */
function expectedRows(hours: HourRow[], watermark: number): Map<string, Figures> {
  const expected = new Map<string, Figures>();
  const half = RAW_TIMELINE_SPAN * 1000;
  for (const r of rows) {
    const block = Math.floor(r.at / half) * half;
    if (block + half > watermark) continue;
    for (const service of [r.source, '']) {
      const key = `${RAW_TIMELINE_SPAN}|${block}|${service}`;
      const f = expected.get(key) ?? empty();
      expected.set(key, f);
      addRaw(f, r);
    }
  }
  for (const r of hours) {
    for (const span of TIMELINE_SPANS.filter((s) => s !== RAW_TIMELINE_SPAN).map((s) => s / 3600)) {
      const block = Math.floor(r.hour.getTime() / (span * HOUR)) * span * HOUR;
      if (block + span * HOUR > watermark) continue;
      for (const service of [r.service, '']) {
        const key = `${span * 3600}|${block}|${service}`;
        const f = expected.get(key) ?? empty();
        expected.set(key, f);
        add(f, r);
      }
    }
  }
  return expected;
}

/** One timeline row against the merge of its hours, and its Apdex against the raw rows. */
function checkRow(t: TimelineRow, f: Figures): void {
  const at = `${t.span_seconds} s at ${t.hour.toISOString()} ${t.service || '(overall)'}`;
  expect(
    {
      operations: Number(t.operations),
      failures: Number(t.failures),
      samples: Number(t.samples),
      sum: Number(t.sum_duration),
      squares: BigInt(t.sum_squares),
      min: t.min_duration,
      max: t.max_duration,
      invalid: Number(t.invalid_durations),
    },
    at,
  ).toEqual({ ...f, histogram: undefined });
  const keys = [...f.histogram.keys()].sort((a, b) => a - b);
  expect(t.histogram_keys.map(Number), at).toEqual(keys);
  expect(t.histogram_counts.map(Number), at).toEqual(keys.map((k) => f.histogram.get(k)));
  for (const [name, p] of [
    ['p50', 50],
    ['p95', 95],
    ['p99', 99],
  ] as const) {
    const want = percentile(f, p);
    if (want === null) expect(t[name], `${at} ${name}`).toBeNull();
    else expect(t[name] as number, `${at} ${name}`).toBeCloseTo(want, 6);
  }
  // Apdex at T from the raw rows, counted here.
  const [from, to] = [t.hour.getTime(), t.hour.getTime() + t.span_seconds * 1000];
  const mine = rows.filter((r) => r.at >= from && r.at < to && (t.service === '' || r.source === t.service));
  const durations = mine
    .filter((r) => r.status !== 'error' && r.duration_ms !== null && r.duration_ms >= 0)
    .map((r) => r.duration_ms as number);
  const T = ROLLUP_THRESHOLD;
  expect(Number(t.satisfied), `${at} satisfied`).toBe(durations.filter((d) => d <= T).length);
  expect(Number(t.tolerating), `${at} tolerating`).toBe(durations.filter((d) => d > T && d <= 4 * T).length);
  expect(Number(t.operations), `${at} operations`).toBe(mine.length);
}

describe('timeline rows', () => {
  it('count Apdex at the default --threshold, and have a span for every bucket width of a window the rollups answer', () => {
    expect(String(ROLLUP_THRESHOLD)).toBe(OPTIONS.threshold.default);
    expect([...TIMELINE_SPANS]).toEqual(BUCKET_WIDTHS.filter((w) => w % RAW_TIMELINE_SPAN === 0));
  });

  it('each row is the merge of its hours (figures, histogram, p50/p95/p99) and counts Apdex at T exactly', async () => {
    const { hours, timeline, watermark } = await withSql(url, async (sql: postgres.Sql) => ({
      hours: await sql.unsafe<HourRow[]>(`SELECT hour, ${COLUMNS} FROM perf_monitor_rollup`),
      timeline: await sql.unsafe<TimelineRow[]>(
        `SELECT span_seconds, hour, ${COLUMNS}, satisfied::text, tolerating::text, p50, p95, p99 FROM perf_monitor_rollup_timeline`,
      ),
      watermark: Number(
        (await sql<{ ms: string }[]>`SELECT extract(epoch FROM watermark) * 1000 AS ms FROM perf_monitor_rollup_state`)[0]?.ms,
      ),
    }));
    const expected = expectedRows(hours, watermark);
    expect(new Set(timeline.map((t) => `${t.span_seconds}|${t.hour.getTime()}|${t.service}`))).toEqual(new Set(expected.keys()));
    expect(new Set(timeline.map((t) => t.span_seconds))).toEqual(new Set(TIMELINE_SPANS));
    for (const t of timeline) checkRow(t, expected.get(`${t.span_seconds}|${t.hour.getTime()}|${t.service}`) as Figures);
    expect(timeline.length).toBeGreaterThan(500);
  });

  // 200 hours: 6-hour buckets; 24 hours: 30-minute buckets (rows the refresh builds from raw rows).
  // until is 23 min past an hour, so the first and last buckets are partial (the last of 30 minutes:
  // its hour is partial, read raw).
  it.each([
    { hours: 200, span: 21_600, changed: 60 },
    { hours: 24, span: 1800, changed: 40 },
  ])(
    'a report of $hours h reads each whole bucket from its row and merges the partial buckets at the edges; at another T, every bucket',
    async ({ hours, span, changed }) => {
      const args = ['--hours', String(hours), '--until', new Date(until).toISOString(), '--format', 'json'];
      const env = { DATABASE_URL: url };
      const exact = JSON.parse((await runCli([...args, '--exact'], { env })).stdout);
      const before = await runCli(args, { env });
      expect(before).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(before.stdout).source.aggregation).toBe('rollup');
      compareReports(JSON.parse(before.stdout), exact);
      // p95 := p50 in the rows of the bucket's span (still a consistent row): a whole bucket then shows its row's p50.
      await withSql(url, async (sql) => {
        await sql`CREATE TABLE saved_p95 AS SELECT span_seconds, hour, service, p95 FROM perf_monitor_rollup_timeline WHERE span_seconds = ${span}`;
        await sql`UPDATE perf_monitor_rollup_timeline SET p95 = p50 WHERE span_seconds = ${span}`;
      });
      try {
        const tampered = new Map(
          (
            await withSql(
              url,
              (sql) => sql<{ ms: string; service: string; p95: number | null }[]>`
            SELECT extract(epoch FROM hour) * 1000 AS ms, service, p95 FROM perf_monitor_rollup_timeline WHERE span_seconds = ${span}`,
            )
          ).map((r) => [`${Number(r.ms)}|${r.service}`, r.p95]),
        );
        const after = JSON.parse((await runCli(args, { env })).stdout);
        const starts: string[] = after.timeline.starts;
        expect(after.timeline.bucketSeconds).toBe(span);
        const first = Math.ceil((until - hours * HOUR) / HOUR) * HOUR;
        const last = Math.floor(until / HOUR) * HOUR;
        const whole = (start: string) => Date.parse(start) >= first && Date.parse(start) + span * 1000 <= last;
        expect(whole(starts[0] as string)).toBe(false);
        expect(whole(starts[starts.length - 1] as string)).toBe(false);
        let fromRow = 0;
        const check = (got: { p95Duration: number | null }[], want: { p95Duration: number | null }[], service: string, where: string) => {
          for (const [i, w] of want.entries()) {
            const g = got[i]?.p95Duration ?? null;
            const at = `${where}[${i}] ${starts[i]}`;
            if (w.p95Duration === null) expect(g, at).toBeNull();
            else if (!whole(starts[i] as string)) {
              expect(Math.abs((g as number) - w.p95Duration) / w.p95Duration, at).toBeLessThanOrEqual(
                HISTOGRAM_BOUND + 0.05 / w.p95Duration,
              );
            } else {
              const row = tampered.get(`${Date.parse(starts[i] as string)}|${service}`) as number;
              // The report rounds to 0.1 ms (half a step either way).
              expect(Math.abs((g as number) - row), at).toBeLessThanOrEqual(0.05 + 1e-9);
              if (Math.abs(row - w.p95Duration) > 0.02 * w.p95Duration) fromRow++;
            }
          }
        };
        check(after.overall.timeline, exact.overall.timeline, '', 'overall');
        for (const [i, s] of (exact.services as { service: string; timeline: { p95Duration: number | null }[] }[]).entries()) {
          check(after.services[i].timeline, s.timeline, s.service, `services[${i}]`);
        }
        // The whole buckets showed their rows' (changed) figure, far from the exact p95.
        expect(fromRow).toBeGreaterThan(changed);
        // --service: the service's rows give its timeline and the overall one.
        const one = JSON.parse((await runCli([...args, '--service', 'jobs'], { env })).stdout);
        const oneExact = JSON.parse((await runCli([...args, '--service', 'jobs', '--exact'], { env })).stdout);
        check(one.overall.timeline, oneExact.overall.timeline, 'jobs', 'jobs overall');
        check(one.services[0].timeline, oneExact.services[0].timeline, 'jobs', 'jobs');
        // Another T: no timeline row is read (they count Apdex at 2000), every bucket is merged from
        // operation rows; 30-minute buckets cannot be (an hour spans two): raw rows, the --exact report.
        const other = await runCli([...args, '--threshold', '1500'], { env });
        expect(other).toMatchObject({ code: 0, stderr: '' });
        const otherExact = (await runCli([...args, '--threshold', '1500', '--exact'], { env })).stdout;
        if (span % 3600 === 0) compareReports(JSON.parse(other.stdout), JSON.parse(otherExact));
        else {
          expect(JSON.parse(other.stdout).source.aggregation).toBe('server');
          expect(comparable(other.stdout)).toEqual(comparable(otherExact));
        }
      } finally {
        await withSql(url, async (sql) => {
          await sql`UPDATE perf_monitor_rollup_timeline AS t SET p95 = s.p95 FROM saved_p95 AS s
          WHERE t.span_seconds = s.span_seconds AND t.hour = s.hour AND t.service = s.service`;
          await sql`DROP TABLE saved_p95`;
        });
      }
    },
    60_000,
  );
});

/** Every row a build made that ends by `until` (epoch ms), as text, in key order: the hourly rows,
 *  the blocks, and the timeline rows of 1 hour and more (their span in seconds, whatever the layout
 *  names it), each without its histogram-derived columns (the histograms, the timeline's
 *  percentiles): layout 3's or 4's build and this one's must give the same. The histograms' own
 *  layout is checked by the reports after the upgrade (compareReports, against --exact). */
async function builtRows(sql: postgres.Sql, until: number, span: 'span_hours * 3600' | 'span_seconds') {
  const end = new Date(until);
  const figures = `operations, failures, samples, sum_duration, sum_squares, min_duration, max_duration, invalid_durations,
    satisfied, tolerating`;
  const timeline = `concat_ws(',', ${span}, hour, service, ${figures})`;
  const operation = `concat_ws(',', hour, service, operation, ${figures}, fingerprints)`;
  return {
    hours: (
      await sql.unsafe(`SELECT ${operation} AS t FROM perf_monitor_rollup AS r WHERE hour < $1 ORDER BY hour, service, operation`, [end])
    ).map((r) => r.t),
    blocks: (
      await sql.unsafe(
        `SELECT concat_ws(',', span_hours, ${operation}) AS t FROM perf_monitor_rollup_block AS b WHERE hour + span_hours * interval '1 hour' <= $1
        ORDER BY span_hours, hour, service, operation`,
        [end],
      )
    ).map((r) => r.t),
    timeline: (
      await sql.unsafe(
        `SELECT ${timeline} AS t FROM perf_monitor_rollup_timeline
        WHERE ${span} >= 3600 AND hour + ${span} * interval '1 second' <= $1 ORDER BY ${span}, hour, service`,
        [end],
      )
    ).map((r) => r.t),
  };
}

// Layout 2: before the Apdex columns and the timeline table; layout 3: timeline rows of 1 hour and
// more, their span in hours (span_hours), renamed to span_seconds with its grants kept; layout 4:
// the 1-2-5 ladder's widths (350 buckets a decade), every table as this layout's.
describe.each([
  { layout: 2, file: LAYOUT_2, timeline: null },
  { layout: 3, file: LAYOUT_3, timeline: 'span_hours' },
  { layout: 4, file: LAYOUT_4, timeline: 'span_seconds' },
])('upgrade from layout $layout', ({ layout, file, timeline }) => {
  it('running rollup.sql again adds what the tables lack, drops the old rows; the next refresh rebuilds them', async () => {
    let oldWatermark = 0;
    let oldRows: Awaited<ReturnType<typeof builtRows>> | undefined;
    const old = await pg.createDatabase(`layout_${layout}`);
    await runSqlFile(old, join(SQL_DIR, 'schema.sql'));
    await runSqlFile(old, file);
    await withSql(old, async (sql) => {
      await insertRows(sql, rows);
      await refresh(sql);
      const [state] = await sql`SELECT histogram_layout, watermark FROM perf_monitor_rollup_state`;
      expect(state?.histogram_layout).toBe(layout);
      expect(state?.watermark).not.toBeNull();
      const [span] = await sql`SELECT column_name AS c FROM information_schema.columns
        WHERE table_name = 'perf_monitor_rollup_timeline' AND column_name LIKE 'span_%'`;
      expect(span?.c ?? null).toBe(timeline);
      if (timeline) expect((await sql`SELECT count(*)::int AS n FROM perf_monitor_rollup_timeline`)[0]?.n).toBeGreaterThan(500);
      if (timeline) {
        oldWatermark = new Date(state?.watermark as string).getTime();
        oldRows = await builtRows(sql, oldWatermark, timeline === 'span_hours' ? 'span_hours * 3600' : 'span_seconds');
      }
    });
    // This version's read does not use the older rows: raw rows, the --exact report, one line saying what to run.
    const stale = ['--hours', '72', '--until', new Date(until).toISOString(), '--format', 'json'];
    const raw = await runCli(stale, { env: { DATABASE_URL: old } });
    expect(raw.code).toBe(0);
    expect(raw.stderr).toBe(
      layout === 2
        ? 'perf-monitor: rollups not read (raw rows were): table perf_monitor_rollup_timeline does not exist (rollup.sql from an older version): run tools/performance-monitoring/sql/rollup.sql again\n'
        : `perf-monitor: rollups not read (raw rows were): their layout ${layout} is an older version's (this one reads layout ${HISTOGRAM_LAYOUT}): run tools/performance-monitoring/sql/rollup.sql again, then --refresh-rollups\n`,
    );
    expect(comparable(raw.stdout)).toEqual(comparable((await runCli([...stale, '--exact'], { env: { DATABASE_URL: old } })).stdout));
    await runSqlFile(old, join(SQL_DIR, 'rollup.sql'));
    await withSql(old, async (sql) => {
      const [state] = await sql`SELECT histogram_layout, watermark FROM perf_monitor_rollup_state`;
      expect(state).toEqual({ histogram_layout: HISTOGRAM_LAYOUT, watermark: null });
      const [counts] = await sql`SELECT (SELECT count(*) FROM perf_monitor_rollup)::int AS hours,
        (SELECT count(*) FROM perf_monitor_rollup_block)::int AS blocks, (SELECT count(*) FROM perf_monitor_rollup_timeline)::int AS timeline`;
      expect(counts).toEqual({ hours: 0, blocks: 0, timeline: 0 });
      const spans = await sql`SELECT column_name AS c FROM information_schema.columns
        WHERE table_name = 'perf_monitor_rollup_timeline' AND column_name LIKE 'span_%'`;
      expect(spans).toEqual([{ c: 'span_seconds' }]);
      await refresh(sql);
      // Now the same tables as a fresh install's.
      const same = async (table: string) =>
        withSql(url, (fresh) => fresh.unsafe(`SELECT count(*)::int AS n, sum(satisfied)::text AS s FROM ${table}`)).then((want) =>
          sql.unsafe(`SELECT count(*)::int AS n, sum(satisfied)::text AS s FROM ${table}`).then((got) => expect(got, table).toEqual(want)),
        );
      for (const table of ['perf_monitor_rollup', 'perf_monitor_rollup_block', 'perf_monitor_rollup_timeline']) await same(table);
      // Layout 3's build (blocks from the hours, 1-hour timeline rows from the operation rows) or 4's
      // and this one's (each span from the one before it, 1-hour rows from the 30-minute ones): the
      // same rows, but for the histograms (another ladder).
      if (oldRows) {
        const now = await builtRows(sql, oldWatermark, 'span_seconds');
        expect(now.hours.length).toBeGreaterThan(500);
        expect(now.blocks.length).toBeGreaterThan(200);
        expect(now.timeline.length).toBeGreaterThan(500);
        expect(now).toEqual(oldRows);
      }
    });
    // Again: the same layout, nothing dropped.
    await runSqlFile(old, join(SQL_DIR, 'rollup.sql'));
    await withSql(old, async (sql) => {
      expect((await sql`SELECT count(*)::int AS n FROM perf_monitor_rollup_timeline`)[0]?.n).toBeGreaterThan(500);
    });
    // A 72-hour window (hourly buckets) and a 24-hour one (30-minute buckets) read the rebuilt rows.
    for (const hours of ['72', '24']) {
      const args = ['--hours', hours, '--until', new Date(until).toISOString(), '--format', 'json'];
      const viaRollup = await runCli(args, { env: { DATABASE_URL: old } });
      expect(viaRollup).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(viaRollup.stdout).source.aggregation).toBe('rollup');
      compareReports(JSON.parse(viaRollup.stdout), JSON.parse((await runCli([...args, '--exact'], { env: { DATABASE_URL: old } })).stdout));
    }
  }, 60_000);
});
