// Issue 13 item 3, the Supabase fallback with rollups: without the RPC, but with rollup.sql
// installed and refreshed, the fallback pages the rollup rows and only the raw rows at the
// windows' edges (sources/supabase/rollup-plan.ts), and DuckDB runs the rollup read SQL over them. The
// peers are real: PostgreSQL with schema.sql and rollup.sql (not rpc.sql) and the PostgREST test
// server; the real CLI, against itself with --exact (every raw row, aggregated by aggregate.sql).
// And the plan's ranges select exactly the rows the read SQL's own predicates select.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../harness/cli.js';
import { countOperations, countRows, generateRows, loadIntoPostgres, SCHEMA_SQL } from '../harness/dataset.js';
import { installSupabaseRoles, type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { type PostgrestServer, type RequestLogEntry, startPostgrestServer } from '../harness/postgrest-server.js';
import { bucketSeconds } from '../sources/buckets.js';
import { openDuckDb } from '../sources/duckdb.js';
import { aggregationParams } from '../sources/sql/aggregate.js';
import { boundParameters, boundValues, RAW_RANGES, usedRows } from '../sources/sql/rollup-cover.js';
import { BLOCK_SPANS } from '../sources/sql/rollup-spans.js';
import { fallbackPlan } from '../sources/supabase/rollup-plan.js';
import type { AggregateQuery } from '../sources/types.js';

const ROLLUP_SQL = join(fileURLToPath(new URL('../sql/', import.meta.url)), 'rollup.sql');
const HOUR = 3_600_000;
/** 33:16 into the hour before the current one: partial hours at both ends of every window, the
 *  same ones on every run, and all complete hours before it rolled up by the refresh. */
const END = Math.floor(Date.now() / HOUR) * HOUR - HOUR + 33 * 60_000 + 16_000;
const UNTIL = new Date(END).toISOString();
const SERVICE_KEY = 'fallback-rollup-service-role-key-1f93';
/** Four days of rows up to UNTIL (two 48-hour windows of the generator), and a few before. */
const ROWS = generateRows({ operationsPerWindow: 20_000, until: UNTIL, hours: 48, seed: 20261202 });
const RPC_LINES = /^perf-monitor: the perf_monitor_summary RPC is not installed: .*\nperf-monitor: .*sql\/rpc\.sql\.\n/;

let pg: PgServer;
let api: PostgrestServer;

beforeAll(async () => {
  pg = await startPostgres();
  const url = await pg.createDatabase('perfmon_fallback_rollup');
  await installSupabaseRoles(url);
  await runSqlFile(url, SCHEMA_SQL);
  await runSqlFile(url, ROLLUP_SQL);
  await loadIntoPostgres(url, ROWS);
  await withSql(url, (sql) => sql`SELECT * FROM perf_monitor_refresh_rollups(p_max_hours => 500)`);
  api = await startPostgrestServer({ databaseUrl: url, serviceRoleKey: SERVICE_KEY, maxRows: 1000 });
});

afterAll(async () => {
  await api?.close();
  await pg?.stop();
});

beforeEach(() => {
  api.faults.length = 0;
  api.resetStats();
});

const ENV = () => ({ SUPABASE_URL: api.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY, PERFMON_TIMEOUT_MS: '30000' });

interface Run {
  result: CliResult;
  report: Record<string, unknown>;
  requests: RequestLogEntry[];
}

async function run(hours: number, extra: string[] = []): Promise<Run> {
  api.resetStats();
  const result = await runCli(['--format', 'json', '--until', UNTIL, '--hours', String(hours), '--threshold', '1000', ...extra], {
    env: ENV(),
  });
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(RPC_LINES) });
  return { result, report: JSON.parse(result.stdout) as Record<string, unknown>, requests: [...api.requests] };
}

const PERCENTILE_KEY = /^p(50|95|99)Duration$/;
const PERCENTILE_TEXT = /(P(?:50|95|99) duration[^(]*)\([\d,.]+ms\)/g;

/**
 * The report without what differs by design: `source`, `generatedAt`, `dataQuality.statuses` (the
 * rollups keep no status: null, docs/sources.md), and the percentiles (and the findings and lines
 * quoting them), each checked within 1% of the exact one and then blanked.
 */
function withoutPercentiles(approximate: unknown, exact: unknown, path = ''): unknown {
  if (Array.isArray(exact)) {
    expect(Array.isArray(approximate), path).toBe(true);
    expect((approximate as unknown[]).length, path).toBe(exact.length);
    return exact.map((item, i) => withoutPercentiles((approximate as unknown[])[i], item, `${path}[${i}]`));
  }
  if (typeof exact === 'string') return exact.replace(PERCENTILE_TEXT, '$1(…)');
  if (typeof exact !== 'object' || exact === null) return exact;
  const a = approximate as Record<string, unknown>;
  const percentileFinding = typeof (exact as { kind?: unknown }).kind === 'string' && /p(50|95|99)/.test((exact as { kind: string }).kind);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exact)) {
    if (path === '' && (key === 'source' || key === 'generatedAt')) continue;
    if (path === '.dataQuality' && key === 'statuses') {
      expect(a[key], `${path}.${key}`).toBeNull();
      continue;
    }
    if (PERCENTILE_KEY.test(key) || (percentileFinding && key === 'value')) {
      if (value === null) expect(a[key], `${path}.${key}`).toBeNull();
      else
        expect(
          Math.abs((a[key] as number) - (value as number)),
          `${path}.${key}: ${String(a[key])} vs ${String(value)}`,
        ).toBeLessThanOrEqual(Math.abs(value as number) / 100);
      out[key] = '(within 1%)';
    } else {
      out[key] = withoutPercentiles(a[key], value, `${path}.${key}`);
    }
  }
  return out;
}

/** The report with its percentiles blanked as withoutPercentiles does, for the approximate side. */
const blanked = (approximate: unknown): unknown => withoutPercentiles(approximate, approximate);

const gets = (requests: RequestLogEntry[], table: string) =>
  requests.filter((r) => r.method === 'GET' && r.url.startsWith(`/rest/v1/${table}?`));
const bodyBytes = (requests: RequestLogEntry[]) => requests.reduce((n, r) => n + r.bytes, 0);

/** Each raw-row page's created_at bounds, [gte, lt), epoch ms. */
function pageBounds(entry: RequestLogEntry): [number, number] {
  const bounds = new URL(entry.url, 'http://x').searchParams.getAll('created_at');
  const value = (op: string) => Date.parse(bounds.find((b) => b.startsWith(`${op}.`))?.slice(op.length + 1) ?? '');
  return [value('gte'), value('lt')];
}

/** The raw rows the rollup read needs, by hand: the partial hours at the start of each window and
 *  at the end of the current one (every complete hour before UNTIL is rolled up). */
function edges(hours: number): [number, number][] {
  const [previousStart, start] = [END - 2 * hours * HOUR, END - hours * HOUR];
  const ceil = (t: number) => Math.ceil(t / HOUR) * HOUR;
  const floor = (t: number) => Math.floor(t / HOUR) * HOUR;
  return [
    [previousStart, ceil(previousStart)],
    [floor(start), ceil(start)],
    [floor(END), END],
  ];
}

async function expectRollupRead(hours: number, extra: string[] = []): Promise<{ rollup: Run; exact: Run }> {
  const rollup = await run(hours, extra);
  const exact = await run(hours, [...extra, '--exact']);
  expect(rollup.report.source).toEqual({ kind: 'supabase', aggregation: 'rollup', percentiles: 'approximate' });
  expect(exact.report.source).toEqual({ kind: 'supabase', aggregation: 'client', percentiles: 'exact' });
  // Counts, failures, sums, min/max, Apdex (T = 1000 and 4T are bucket ends), the timeline, error
  // groups and every finding not about a percentile: equal; percentiles within 1%.
  expect(blanked(rollup.report)).toEqual(withoutPercentiles(rollup.report, exact.report));
  // Not a comparison of empty reports.
  // The --service set (every name after a --service), counted service by service; all without one.
  const services = extra.filter((_, i) => extra[i - 1] === '--service');
  const inSet = (count: typeof countRows, from: Date, to: Date) =>
    services.length === 0 ? count(ROWS, from, to) : services.reduce((n, s) => n + count(ROWS, from, to, s), 0);
  const overall = exact.report.overall as { totalOperations: number; trend: { previousOperations: number } };
  expect(overall.totalOperations).toBe(inSet(countOperations, new Date(END - hours * HOUR), new Date(END)));
  expect(overall.trend.previousOperations).toBe(inSet(countOperations, new Date(END - 2 * hours * HOUR), new Date(END - hours * HOUR)));
  expect((exact.report.mostFrequentErrors as unknown[]).length).toBeGreaterThan(2);

  // --exact never asks for the rollups; the rollup read asks for the raw rows of the edges only.
  expect(exact.requests.filter((r) => r.url.includes('perf_monitor_rollup'))).toEqual([]);
  const rawPages = gets(rollup.requests, 'integration_logs');
  for (const page of rawPages) {
    const [from, to] = pageBounds(page);
    expect(
      edges(hours).some(([lo, hi]) => from >= lo && to <= hi),
      page.url,
    ).toBe(true);
  }
  const fetched = edges(hours).reduce((n, [lo, hi]) => n + inSet(countRows, new Date(lo), new Date(hi)), 0);
  const all = inSet(countRows, new Date(END - 2 * hours * HOUR), new Date(END));
  expect(fetched * 4).toBeLessThan(all);
  expect(bodyBytes(rollup.requests) * 3).toBeLessThan(bodyBytes(exact.requests));
  console.info(
    `fallback-rollup --hours ${hours} ${extra.join(' ')}: rollup ${rollup.requests.length} requests, ${bodyBytes(rollup.requests)} body bytes, ` +
      `raw rows ${fetched}; --exact ${exact.requests.length} requests, ${bodyBytes(exact.requests)} body bytes, raw rows ${all}`,
  );
  return { rollup, exact };
}

/** Fewer requests too, where the windows hold more than a few pages of rows: each read (raw
 *  ranges, rollup tables) ends on an empty page, so ~16 requests is the floor. */
function expectFewerRequests({ rollup, exact }: { rollup: Run; exact: Run }): void {
  expect(rollup.requests.length * 2).toBeLessThan(exact.requests.length);
}

describe('the Supabase fallback reads the rollups and the edges', () => {
  it('--hours 36 (hourly buckets: hourly rows in the current window, blocks in the previous)', async () => {
    expectFewerRequests(await expectRollupRead(36));
  }, 120_000);

  it('--hours 72 (3-hour buckets: 3-hour and day blocks in both windows)', async () => {
    expectFewerRequests(await expectRollupRead(72));
    const plan = fallbackPlan(query(72 * HOUR, END, null), Math.floor(Date.now() / HOUR) * HOUR, 10_800);
    expect(new Set(plan.rollup.map((r) => r.span))).toEqual(new Set([1, 3, 24]));
  }, 120_000);

  it('--hours 72 --service n8n (--service pushed into every page)', async () => {
    const { requests, report } = (await expectRollupRead(72, ['--service', 'n8n'])).rollup;
    const pages = requests.filter(
      (r) => r.method === 'GET' && /^\/rest\/v1\/(integration_logs|perf_monitor_rollup|perf_monitor_rollup_block)\?/.test(r.url),
    );
    expect(pages.length).toBeGreaterThan(4);
    expect(pages.filter((r) => !r.url.includes(r.url.includes('integration_logs') ? 'source=eq.n8n' : 'service=eq.n8n'))).toEqual([]);
    expect((report.services as { service: string }[]).map((s) => s.service)).toEqual(['n8n']);
  }, 120_000);

  it('--hours 72 --service n8n --service hubspot (the set pushed into every page, as in.(...))', async () => {
    const { requests, report } = (await expectRollupRead(72, ['--service', 'n8n', '--service', 'hubspot'])).rollup;
    const pages = requests.filter(
      (r) => r.method === 'GET' && /^\/rest\/v1\/(integration_logs|perf_monitor_rollup|perf_monitor_rollup_block)\?/.test(r.url),
    );
    expect(pages.length).toBeGreaterThan(4);
    const filterOf = (r: RequestLogEntry) =>
      new URL(r.url, 'http://127.0.0.1').searchParams.getAll(r.url.includes('integration_logs') ? 'source' : 'service');
    expect(pages.filter((r) => JSON.stringify(filterOf(r)) !== JSON.stringify(['in.("n8n","hubspot")']))).toEqual([]);
    expect((report.services as { service: string }[]).map((s) => s.service).sort()).toEqual(['hubspot', 'n8n']);
  }, 120_000);

  const state = (r: { path: string }) => r.path === '/rest/v1/perf_monitor_rollup_state';
  const refresh = '(run --refresh-rollups, or schedule it with pg_cron (docs/rollups.md))';

  it('a watermark 30 hours before the end: those hours from raw rows, and a line saying so', async () => {
    const watermark = Math.floor(END / HOUR) * HOUR - 30 * HOUR;
    const text = new Date(watermark).toISOString();
    // As PostgREST writes a timestamptz.
    api.faults.push({ match: state, respond: { status: 200, body: [{ watermark: text.replace('.000Z', '+00:00') }] } });
    const stale = await run(36);
    expect(stale.result.stderr.replace(RPC_LINES, '')).toBe(
      `perf-monitor: rollups end at ${text}: the 30 complete hours after it were read from raw rows ${refresh}\n`,
    );
    expect(stale.report.source).toEqual({ kind: 'supabase', aggregation: 'rollup', percentiles: 'approximate' });
    const exact = await run(36, ['--exact']);
    expect(blanked(stale.report)).toEqual(withoutPercentiles(stale.report, exact.report));
    const rawPages = gets(stale.requests, 'integration_logs');
    expect(rawPages.some((page) => pageBounds(page)[0] === watermark && pageBounds(page)[1] <= END)).toBe(true);
  }, 120_000);

  const missing = {
    status: 404,
    body: {
      code: 'PGRST205',
      message: "Could not find the table 'public.perf_monitor_rollup_state' in the schema cache",
      details: null,
      hint: null,
    },
  };
  it.each([
    ['not installed (PGRST205): silently', missing, ''],
    [
      'installed, never refreshed: a line saying so',
      { status: 200, body: [{ watermark: null }] },
      `perf-monitor: rollups are installed but empty: raw rows were read ${refresh}\n`,
    ],
  ])(
    'rollups %s, every raw row read',
    async (_name, answer, notice) => {
      api.faults.push({ match: state, respond: answer });
      const raw = await run(36);
      expect(raw.result.stderr.replace(RPC_LINES, '')).toBe(notice);
      expect(raw.report.source).toEqual({ kind: 'supabase', aggregation: 'client', percentiles: 'exact' });
      const exact = await run(36, ['--exact']);
      const { generatedAt: _a, ...a } = raw.report;
      const { generatedAt: _b, ...b } = exact.report;
      expect(a).toEqual(b);
    },
    120_000,
  );
});

/** Whether a request reads rows with their histograms: the current window's (the previous
 *  window's come without, docs/sources.md). */
const withHistograms = (r: { url: string }) => r.url.includes('histogram_counts');

/** The table whose pages a hostile answer replaces: the blocks, or (to break a histogram) the
 *  hourly rows, whose current-window pages carry histograms at --hours 36 (its blocks are all of
 *  the previous window). */
interface Target {
  table: 'perf_monitor_rollup_block' | 'perf_monitor_rollup';
  histograms: boolean;
}
const BLOCKS: Target = { table: 'perf_monitor_rollup_block', histograms: false };
const HOURLY_HISTOGRAMS: Target = { table: 'perf_monitor_rollup', histograms: true };
const targeted = (target: Target) => (r: { url: string }) =>
  r.url.startsWith(`/rest/v1/${target.table}?`) && (!target.histograms || withHistograms(r));

/** A first page of the target as the server really answers it (for the hostile answers below). */
async function firstPage(target: Target): Promise<{ url: string; rows: Record<string, unknown>[] }> {
  await run(36);
  // The previous window's blocks were paged without their histograms, the current window's hours with them.
  expect([
    gets(api.requests, 'perf_monitor_rollup_block').some(withHistograms),
    gets(api.requests, 'perf_monitor_rollup').some(withHistograms),
  ]).toEqual([false, true]);
  const first = gets(api.requests, target.table).filter(targeted(target))[0];
  if (!first) throw new Error(`no ${target.table} page was read`);
  const response = await fetch(`${api.url}${first.url}`, { headers: { apikey: SERVICE_KEY, Authorization: `Bearer ${SERVICE_KEY}` } });
  const rows = (await response.json()) as Record<string, unknown>[];
  expect(rows.length).toBeGreaterThan(1);
  return { url: first.url, rows };
}

describe('a server that breaks the rollup paging rules: one line, exit 1', () => {
  const cases: [string, (rows: Record<string, unknown>[]) => { skip: number; body: unknown }, string, Target?][] = [
    [
      'ignores the keyset filter (the same page again)',
      (rows) => ({ skip: 1, body: rows }),
      'the page did not advance past the previous one (the server ignored the keyset filter)',
    ],
    [
      'ignores the hour filter',
      (rows) => ({ skip: 0, body: [{ ...rows[0], hour: '2001-01-01T00:00:00+00:00' }] }),
      'a row outside the requested spans and hours (the server ignored the filter)',
    ],
    [
      'ignores the limit',
      (rows) => ({ skip: 0, body: Array.from({ length: 1001 }, () => rows[0]) }),
      'a page of more than 1,000 rows (the server ignored the limit)',
    ],
    [
      'sends a sum as an unsafe JSON number',
      (rows) => ({ skip: 0, body: [{ ...rows[0], sum_squares: 1e20 }] }),
      "a row's sum_squares is not a whole number",
    ],
    [
      'sends a histogram that misses samples',
      (rows) => ({ skip: 0, body: [{ ...rows[0], histogram_counts: (rows[0]!.histogram_counts as number[]).map(() => 1) }] }),
      "a row's histogram does not add up to its samples",
      HOURLY_HISTOGRAMS,
    ],
  ];
  it.each(cases)(
    '%s',
    async (_name, hostile, problem, target = BLOCKS) => {
      const { rows } = await firstPage(target);
      const { skip, body } = hostile(rows);
      const match = (r: { path: string; url: string }) => r.path === `/rest/v1/${target.table}` && targeted(target)(r);
      api.faults.push({ match, skip, times: Infinity, respond: { status: 200, body } });
      api.resetStats();
      const result = await runCli(['--format', 'json', '--until', UNTIL, '--hours', '36'], { env: ENV() });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.replace(RPC_LINES, '')).toBe(
        `perf-monitor: Supabase at ${new URL(api.url).host}: reading ${target.table} got an unusable answer: ${problem}\n`,
      );
      // Read no further than the bad page.
      expect(gets(api.requests, target.table).filter(targeted(target))).toHaveLength(skip + 1);
    },
    120_000,
  );
});

function query(spanMs: number, end: number, service: string | null): AggregateQuery {
  return {
    start: new Date(end - spanMs),
    end: new Date(end),
    previousStart: new Date(end - 2 * spanMs),
    services: service === null ? null : [service],
    threshold: 1000,
  };
}

describe('the plan pages exactly the rows the read SQL uses (rollup-cover-sql.ts, run in DuckDB)', () => {
  // Windows from 31 hours to 5 weeks, ends on and off the hour, watermarks inside each window,
  // at its edges and after it.
  const hours = [31, 36, 72, 100, 24 * 7 + 5, 24 * 35];
  const ends = [Date.UTC(2026, 11, 2, 9, 53, 17, 123), Date.UTC(2026, 10, 30, 0, 0, 0), Date.UTC(2026, 11, 6, 23, 59, 59, 999)];
  const cases = hours.flatMap((h) =>
    ends.flatMap((end) => {
      const q = query(h * HOUR, end, null);
      const hour = (t: number) => Math.floor(t / HOUR) * HOUR;
      const marks = [
        q.previousStart.getTime() + HOUR,
        q.previousStart.getTime() + 3 * HOUR,
        (q.previousStart.getTime() + q.start.getTime()) / 2,
        q.start.getTime(),
        q.start.getTime() + 30 * HOUR,
        end,
        end + 5 * HOUR,
      ];
      return marks.map((mark) => ({ q, watermark: hour(mark) }));
    }),
  );

  it(`${cases.length} windows and watermarks`, async () => {
    const db = await openDuckDb();
    try {
      const c = db.connection;
      let rawChecked = 0;
      let rollupChecked = 0;
      for (const { q, watermark } of cases) {
        const params = [...aggregationParams(q), new Date(watermark).toISOString()];
        const plan = fallbackPlan(q, watermark, bucketSeconds(q.start, q.end));
        const [previousStart, end] = [q.previousStart.getTime(), q.end.getTime()];
        // Instants: every half hour (each hour among them), and each window bound, the watermark and
        // each planned bound, ±1 ms.
        const instants = new Set<number>();
        for (let t = Math.floor(previousStart / HOUR) * HOUR - HOUR; t <= end + HOUR; t += HOUR / 2) instants.add(t);
        for (const t of [previousStart, q.start.getTime(), end, watermark, ...plan.raw.flat().map((d) => d.getTime())])
          for (const d of [-1, 0, 1]) instants.add(t + d);
        const list = [...instants].sort((a, b) => a - b);
        const values = list.map((t) => `(CAST(make_timestamp(CAST(${t * 1000} AS BIGINT)) AS TIMESTAMPTZ))`).join(',');
        // The bounds are parameters after $7 (rollup-cover.ts' boundParameters), computed in TypeScript.
        const everyParameter =
          'AND CAST($1 AS timestamptz) IS NOT NULL AND CAST($4 AS text) IS NULL AND CAST($5 AS integer) > 0 AND CAST($6 AS integer) > 0 AND CAST($7 AS timestamptz) IS NOT NULL';
        const withBounds = (text: string): [string, typeof params] => {
          const read = boundParameters(text, 8);
          return [read.text, [...params, ...boundValues(read.names, q, watermark)]];
        };
        const sqlRaw = await c.runAndReadAll(
          ...withBounds(
            `SELECT CAST(epoch_ms(created_at) AS DOUBLE) AS t FROM (VALUES ${values}) AS v(created_at)
           WHERE created_at >= CAST($3 AS timestamptz) AND created_at < CAST($2 AS timestamptz) AND (${RAW_RANGES.map((range) => `(${range})`).join(' OR ')}) ${everyParameter} ORDER BY 1`,
          ),
        );
        const inPlan = list.filter((t) => plan.raw.some(([from, to]) => t >= from.getTime() && t < to.getTime()));
        expect(
          sqlRaw.getRowsJS().map((row) => Number(row[0])),
          `raw rows: ${JSON.stringify({ q, watermark })}`,
        ).toEqual(inPlan);
        rawChecked += list.length;

        // Rollup rows: every span-aligned hour around the windows.
        const candidates: [number, number][] = [];
        for (const span of [1, ...BLOCK_SPANS]) {
          const step = span * HOUR;
          for (let t = Math.floor(previousStart / step) * step - step; t <= end + step; t += step) candidates.push([span, t]);
        }
        const rows = candidates
          .map(([span, t]) => `(${span}, CAST(make_timestamp(CAST(${t * 1000} AS BIGINT)) AS TIMESTAMPTZ), 'svc')`)
          .join(',');
        const sqlUsed = await c.runAndReadAll(
          ...withBounds(
            `SELECT span, CAST(epoch_ms(hour) AS DOUBLE) AS t FROM (VALUES ${rows}) AS v(span, hour, service)
           WHERE ${usedRows('span')} ${everyParameter} AND CAST($2 AS timestamptz) IS NOT NULL AND CAST($3 AS timestamptz) IS NOT NULL ORDER BY 1, 2`,
          ),
        );
        const planned = candidates.filter(([span, t]) => plan.rollup.some((r) => r.span === span && t >= r.from && t < r.to));
        expect(
          sqlUsed.getRowsJS().map((row) => [Number(row[0]), Number(row[1])]),
          `rollup rows: ${JSON.stringify({ q, watermark })}`,
        ).toEqual(planned);
        rollupChecked += candidates.length;
      }
      expect(rawChecked).toBeGreaterThan(10_000);
      expect(rollupChecked).toBeGreaterThan(10_000);
    } finally {
      db.close();
    }
  }, 120_000);
});
