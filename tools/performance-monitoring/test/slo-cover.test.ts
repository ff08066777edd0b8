// The SLO read's rolled-up hours from the coarsest timeline rows (docs/slos.md "Reads"): a 20-day
// period whose edges are on no day or week (it ends at 15:20 UTC two days before an epoch week
// starts), so its cover takes rows of every span (1, 3, 6, 12, 24 and 168 hours) and two windows
// share a first whole hour (1h and 30m). Every count against a second implementation written here
// (the rows counted one by one), through DATABASE_URL (the read probing the watermark itself, and
// given the watermark by a 48-hour report's probe) and the Supabase RPC, identical to --exact; then
// the cover, computed here greedily, is proved to be what is read: every other rollup row (the
// operation rows, the overall timeline rows, the timeline rows outside the cover) is inflated and
// nothing changes, and one week row of the cover inflated moves the figures by exactly that much.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { type DatasetRow, mulberry32, RPC_SQL, supabaseLikeDatabase } from '../harness/dataset.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { type PostgrestServer, startPostgrestServer } from '../harness/postgrest-server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const KEY = 'slo-cover-service-role-key-3c9d';
/** Two days before the last epoch week's start (a Thursday, 00:00 UTC), at 15:20: always past. */
const UNTIL = Math.floor(Date.now() / WEEK) * WEEK - 2 * DAY + 15 * HOUR + 20 * 60_000;
const PERIOD_DAYS = 20;
const SPECS = ['api.availability>=99', 'availability>=99.5', 'web.latency(500)>=95', 'db.latency(1500)>=99'];
const WINDOWS: [string, number][] = [
  ['5m', 5 * 60_000],
  ['30m', 30 * 60_000],
  ['1h', HOUR],
  ['6h', 6 * HOUR],
  ['3d', 3 * DAY],
];
const SPANS = [168, 24, 12, 6, 3, 1];

/** Three services, a call every 2 minutes each over the period and a day before it; api fails
 *  1 in 150 and 1 in 5 over the last 4 hours; durations 50-1,550 ms, db's tail slower. */
function rows(): DatasetRow[] {
  const random = mulberry32(2323);
  const out: DatasetRow[] = [];
  const services = [
    ['api', 11_000],
    ['web', 37_000],
    ['db', 71_000],
  ] as const;
  for (const [source, offset] of services) {
    for (let i = 0, at = UNTIL - (PERIOD_DAYS + 1) * DAY + offset; at < UNTIL; i++, at += 120_000) {
      const failed = source === 'api' && (at >= UNTIL - 4 * HOUR ? i % 5 === 0 : i % 150 === 3);
      const duration = Math.floor(50 + random() * (source === 'db' && random() < 0.02 ? 3000 : 1500));
      out.push({
        id: out.length + 1,
        source,
        operation: `${source}.call`,
        level: failed ? 'error' : 'info',
        status: failed ? 'error' : 'success',
        message: failed ? 'upstream 503' : null,
        duration_ms: duration,
        created_at: new Date(at).toISOString(),
      });
    }
  }
  return out;
}
const ROWS = rows();

interface Slo {
  name: string;
  events: { total: number; good: number; bad: number };
  burnRates: Record<string, number | null>;
  errorBudget: { remaining: number | null };
}

/** Events and bad events of a spec in [from, UNTIL), counted row by row. */
function count(spec: string, from: number): { total: number; bad: number } {
  const m = /^(?:(\w+)\.)?(availability|latency\((\d+)\))>=/.exec(spec);
  const service = m?.[1] ?? null;
  const threshold = m?.[3] === undefined ? null : Number(m[3]);
  let total = 0;
  let bad = 0;
  for (const r of ROWS) {
    const at = Date.parse(r.created_at);
    if (at < from || at >= UNTIL || (service !== null && r.source !== service)) continue;
    total += 1;
    if (threshold === null ? r.status === 'error' : (r.duration_ms ?? 0) > threshold) bad += 1;
  }
  return { total, bad };
}

const sig4 = (x: number) => (x === 0 ? 0 : Number(x.toPrecision(4)));

/** The figures each SLO must show: events over the period, burn rates (null under 20 events). */
function expected(): { name: string; events: Slo['events']; burnRates: Slo['burnRates'] }[] {
  return SPECS.map((spec) => {
    const share = 1 - Number(spec.split('>=')[1]) / 100;
    const period = count(spec, UNTIL - PERIOD_DAYS * DAY);
    const burnRates = Object.fromEntries(
      WINDOWS.map(([w, ms]) => {
        const c = count(spec, UNTIL - ms);
        return [w, c.total < 20 ? null : sig4(c.bad / c.total / share)];
      }),
    );
    const [head, indicator] = spec.split('>=')[0]?.includes('.') ? (spec.split('>=')[0] ?? '').split('.') : ['all', spec.split('>=')[0]];
    const name = `${head}-${(indicator ?? '').replace(/^latency\((\d+)\)$/, 'latency-$1')}`;
    return { name, events: { total: period.total, good: period.total - period.bad, bad: period.bad }, burnRates };
  });
}

/** The cover of the rolled-up hours, greedily: the hours [first whole hour of the period, the last
 *  complete hour) cut at every window's first whole hour, each piece walked from its start taking the
 *  longest span aligned there (to the epoch) that fits. */
function expectedCover(): { span: number; hour: number }[] {
  const ceilHour = (t: number) => Math.ceil(t / HOUR) * HOUR;
  const end = Math.floor(UNTIL / HOUR) * HOUR;
  const cuts = [...new Set([UNTIL - PERIOD_DAYS * DAY, ...WINDOWS.map(([, ms]) => UNTIL - ms)].map(ceilHour))]
    .filter((t) => t < end)
    .sort((a, b) => a - b);
  const cover: { span: number; hour: number }[] = [];
  cuts.forEach((lo, i) => {
    const hi = cuts[i + 1] ?? end;
    for (let at = lo; at < hi; ) {
      const span = SPANS.find((s) => at % (s * HOUR) === 0 && at + s * HOUR <= hi) ?? 1;
      cover.push({ span, hour: at });
      at += span * HOUR;
    }
  });
  return cover;
}

describe('the SLO read from the coarsest timeline rows, over a period on no day or week', () => {
  let pg: PgServer;
  let url: string;
  let api: PostgrestServer;
  const args = ['--format', 'json', '--until', new Date(UNTIL).toISOString(), '--hours', '1', '--slo-period', `${PERIOD_DAYS}d`];
  for (const spec of SPECS) args.push('--slo', spec);

  beforeAll(async () => {
    pg = await startPostgres();
    url = await supabaseLikeDatabase(pg, 'slo_cover', ROWS, { withRpc: true });
    await runSqlFile(url, RPC_SQL);
    await runSqlFile(url, new URL('../sql/rollup.sql', import.meta.url).pathname);
    await withSql(url, (sql) => sql.unsafe(`SELECT * FROM perf_monitor_refresh_rollups('0 hours', 100000)`));
    api = await startPostgrestServer({ databaseUrl: url, serviceRoleKey: KEY });
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await pg?.stop();
  });

  const viaPostgres = (extra: string[] = []) => runCli([...args, ...extra], { env: { DATABASE_URL: url } });
  const viaRpc = () => runCli(args, { env: { SUPABASE_URL: api.url, SUPABASE_SERVICE_ROLE_KEY: KEY } });
  async function slos(run: Promise<{ code: number | null; stdout: string; stderr: string }>): Promise<Slo[]> {
    const result = await run;
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return (JSON.parse(result.stdout) as { slos: Slo[] }).slos;
  }
  const figures = (list: Slo[]) => list.map(({ name, events, burnRates }) => ({ name, events, burnRates }));

  it('every span is in the cover, and two windows share a first whole hour (what the case is for)', () => {
    const cover = expectedCover();
    expect(new Set(cover.map((c) => c.span))).toEqual(new Set(SPANS));
    expect(Math.ceil((UNTIL - HOUR) / HOUR)).toBe(Math.ceil((UNTIL - 30 * 60_000) / HOUR));
    // 20 days in a few dozen rows per service, not 480 hours.
    expect(cover.length).toBeLessThan(40);
  });

  let exact: Slo[] = [];
  it('the counts equal the second implementation and --exact, through DATABASE_URL (both paths) and the RPC', async () => {
    exact = await slos(viaPostgres(['--exact']));
    expect(figures(exact)).toEqual(expected());
    expect(exact.every((s) => s.events.total > 1000)).toBe(true);
    expect(await slos(viaPostgres())).toEqual(exact);
    expect(await slos(viaPostgres(['--hours', '48']))).toEqual(exact);
    expect(await slos(viaRpc())).toEqual(exact);
  }, 60_000);

  it('reads exactly the cover: other rollup rows inflated change nothing; a week row of it moves the figures', async () => {
    const cover = expectedCover();
    const listed = cover.map((c) => `(${c.span}, to_timestamp(${c.hour / 1000}))`).join(', ');
    await withSql(url, async (sql) => {
      await sql.unsafe('UPDATE perf_monitor_rollup SET operations = operations + 1000000, failures = failures + 1000000');
      await sql.unsafe('UPDATE perf_monitor_rollup_block SET operations = operations + 1000000, failures = failures + 1000000');
      await sql.unsafe(`UPDATE perf_monitor_rollup_timeline SET operations = operations + 1000000, failures = failures + 1000000
        WHERE service = '' OR (span_seconds / 3600, hour) NOT IN (${listed})`);
    });
    expect(await slos(viaPostgres())).toEqual(exact);
    expect(await slos(viaRpc())).toEqual(exact);

    const week = cover.find((c) => c.span === 168);
    await withSql(url, (sql) =>
      sql.unsafe(
        `UPDATE perf_monitor_rollup_timeline SET operations = operations + 1000, failures = failures + 1000
         WHERE span_seconds = 168 * 3600 AND hour = to_timestamp(${(week?.hour ?? 0) / 1000}) AND service = 'api'`,
      ),
    );
    const moved = await slos(viaPostgres());
    const byName = (list: Slo[], name: string) => list.find((s) => s.name === name)?.events;
    for (const name of ['api-availability', 'all-availability']) {
      const before = byName(exact, name);
      expect(byName(moved, name)).toEqual({ total: (before?.total ?? 0) + 1000, good: before?.good, bad: (before?.bad ?? 0) + 1000 });
    }
    expect(byName(moved, 'web-latency-500')).toEqual(byName(exact, 'web-latency-500'));
  }, 60_000);
});
