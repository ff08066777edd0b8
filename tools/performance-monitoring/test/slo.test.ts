// SLOs and error budgets (docs/slos.md): every figure of slos[] against a second implementation
// written here from the definitions (counting the generated rows themselves), on a week with an
// incident that pages, a slow burn that tickets, a healthy latency SLO, an exhausted small service,
// windows under 20 events and an SLO without events; the same figures from NDJSON, PostgreSQL (raw
// rows, and with the rollups: exact counts, the approximate latency threshold said and bounded) and
// the Supabase RPC (one more request: perf_monitor_slo). Real CLI runs, real servers.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../harness/cli.js';
import type { DatasetRow } from '../harness/dataset.js';
import { loadIntoPostgres, supabaseLikeDatabase } from '../harness/dataset.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { type PostgrestServer, startPostgrestServer } from '../harness/postgrest-server.js';
import { SLO_DAYS, SLO_SPECS, sloRows } from '../harness/slo-dataset.js';

const HOUR = 3_600_000;
const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
const SCHEMA = fileURLToPath(new URL('../report.schema.json', import.meta.url));
const SERVICE_KEY = 'slo-test-service-role-key-7f21';
/** Now, to the minute: the rollups' refresh rolls up hours before the server's clock. */
const UNTIL = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const ROWS = sloRows(UNTIL);
const SLO_ARGS = [...SLO_SPECS.flatMap((s) => ['--slo', s]), '--slo-period', `${SLO_DAYS}d`];
const BASE_ARGS = ['--format', 'json', '--until', UNTIL.toISOString(), '--hours', '1', ...SLO_ARGS];

interface Slo {
  name: string;
  service: string | null;
  sli: string;
  thresholdMs: number | null;
  objective: number;
  period: { start: string; end: string };
  events: { total: number; good: number; bad: number };
  achieved: number | null;
  errorBudget: { allowed: number | null; consumed: number | null; remaining: number | null };
  burnRates: Record<string, number | null>;
  hoursToExhaustion: number | null;
  alerts: { severity: string; firing: boolean }[];
  status: string;
  approximation: { bucketLowMs: number; bucketHighMs: number; uncertainEvents: number } | null;
}

// ---- The second implementation: the definitions of docs/slos.md over the rows themselves. ----

interface Spec {
  service: string | null;
  threshold: number | null;
  objective: number;
  name: string;
}

function specOf(text: string): Spec {
  const m = /^(?:(.+)\.)?(availability|latency\((\d+)\))>=([\d.]+)$/.exec(text);
  if (!m) throw new Error(text);
  const service = m[1] ?? null;
  const threshold = m[3] === undefined ? null : Number(m[3]);
  return {
    service,
    threshold,
    objective: Number(m[4]),
    name: `${service ?? 'all'}-${threshold === null ? 'availability' : `latency-${threshold}`}`,
  };
}

const isOperation = (r: DatasetRow) => r.duration_ms !== null || r.status === 'success' || r.status === 'error';
const failed = (r: DatasetRow) => r.status === 'error' || r.level === 'error';

/** Events and bad events of `spec` in [from, UNTIL). */
function count(spec: Spec, fromMs: number, rows: readonly DatasetRow[] = ROWS): { total: number; bad: number } {
  let total = 0;
  let bad = 0;
  for (const r of rows) {
    const at = Date.parse(r.created_at);
    if (at < fromMs || at >= UNTIL.getTime() || !isOperation(r)) continue;
    if (spec.service !== null && r.source !== spec.service) continue;
    if (spec.threshold === null) {
      total += 1;
      if (failed(r)) bad += 1;
    } else if (r.duration_ms !== null && r.duration_ms >= 0) {
      total += 1;
      if (r.duration_ms > spec.threshold) bad += 1;
    }
  }
  return { total, bad };
}

const sig4 = (x: number) => (x === 0 ? 0 : Number(x.toPrecision(4)));
const WINDOWS: [string, number][] = [
  ['5m', 5 * 60_000],
  ['30m', 30 * 60_000],
  ['1h', HOUR],
  ['6h', 6 * HOUR],
  ['3d', 72 * HOUR],
];

type Counter = (spec: Spec, fromMs: number) => { total: number; bad: number };

function expected(text: string, counter: Counter = (spec, from) => count(spec, from)): Slo {
  const spec = specOf(text);
  const periodMs = SLO_DAYS * 24 * HOUR;
  const share = 1 - spec.objective / 100;
  const period = counter(spec, UNTIL.getTime() - periodMs);
  const burn: Record<string, number | null> = {};
  for (const [w, ms] of WINDOWS) {
    const c = counter(spec, UNTIL.getTime() - ms);
    burn[w] = c.total < 20 ? null : sig4(c.bad / c.total / share);
  }
  const over = (w: string, f: number) => (burn[w] ?? 0) > f && burn[w] !== null;
  const page = (over('1h', 14.4) && over('5m', 14.4)) || (over('6h', 6) && over('30m', 6));
  const ticket = over('3d', 1) && over('6h', 1);
  const allowed = period.total === 0 ? null : share * period.total;
  const remaining = allowed === null ? null : sig4(1 - period.bad / allowed);
  let status = 'ok';
  if (period.total === 0) status = 'no_data';
  else if (remaining !== null && remaining <= 0) status = 'exhausted';
  else if (page) status = 'page';
  else if (ticket) status = 'ticket';
  const b1h = burn['1h'] ?? null;
  return {
    name: spec.name,
    service: spec.service,
    sli: spec.threshold === null ? 'availability' : 'latency',
    thresholdMs: spec.threshold,
    objective: spec.objective,
    period: { start: new Date(UNTIL.getTime() - periodMs).toISOString(), end: UNTIL.toISOString() },
    events: { total: period.total, good: period.total - period.bad, bad: period.bad },
    achieved: period.total === 0 ? null : Math.round(((period.total - period.bad) / period.total) * 100_000) / 1000,
    errorBudget: {
      allowed: allowed === null ? null : Math.round(allowed * 1000) / 1000,
      consumed: allowed === null ? null : sig4(period.bad / allowed),
      remaining,
    },
    burnRates: burn,
    hoursToExhaustion: remaining !== null && remaining > 0 && b1h !== null && b1h > 0 ? sig4((remaining * SLO_DAYS * 24) / b1h) : null,
    alerts: [
      { severity: 'page', firing: page },
      { severity: 'ticket', firing: ticket },
    ],
    status,
    approximation: null,
  };
}

const EXPECTED = SLO_SPECS.map((text) => expected(text));

function slosOf(stdout: string): Slo[] {
  return (JSON.parse(stdout) as { slos: Slo[] }).slos;
}

describe('the dataset lands where it was built to (the second implementation says)', () => {
  it('pages, tickets, stays healthy, runs out, has too few events, has none', () => {
    const by = Object.fromEntries(EXPECTED.map((s) => [s.name, s]));
    expect(by['api-availability']?.status).toBe('page');
    expect(by['billing-availability']).toMatchObject({ status: 'ticket', alerts: [{ firing: false }, { firing: true }] });
    expect(by['search-latency-500']?.status).toBe('ok');
    expect(by['tiny-availability']).toMatchObject({
      status: 'exhausted',
      burnRates: { '5m': null, '30m': null, '1h': null, '6h': null, '3d': null },
    });
    expect(by['ghost-availability']).toMatchObject({ status: 'no_data', achieved: null, events: { total: 0, good: 0, bad: 0 } });
    // Hand check of one figure: api's 50-minute incident fails 3 calls in 10; the 5-minute window
    // holds 20 calls, 6 failed: 0.3 / (1 - 0.995) = 60x.
    expect(by['api-availability']?.burnRates['5m']).toBe(60);
  });
});

describe('from NDJSON', () => {
  it('every figure of slos[] equals the second implementation, in the order given', async () => {
    const file = join(emptyDir('perfmon-slo-'), 'week.ndjson');
    writeFileSync(file, `${ROWS.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const result = await runCli(['--input', file, ...BASE_ARGS]);
    expect({ code: result.code, stderr: result.stderr.replace(/^perf-monitor: --input.*\n/gm, '') }).toEqual({ code: 0, stderr: '' });
    expect(slosOf(result.stdout)).toEqual(EXPECTED);
    // The report with its slos[] is what report.schema.json describes.
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    expect(validate(JSON.parse(result.stdout)) ? '' : ajv.errorsText(validate.errors)).toBe('');
  }, 60_000);
});

describe('from PostgreSQL and the Supabase RPC', () => {
  let pg: PgServer;
  let url: string;
  let api: PostgrestServer;

  beforeAll(async () => {
    pg = await startPostgres();
    url = await supabaseLikeDatabase(pg, 'slo_week', ROWS, { withRpc: true });
    api = await startPostgrestServer({ databaseUrl: url, serviceRoleKey: SERVICE_KEY });
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await pg?.stop();
  });

  const viaPostgres = (extra: string[] = []) => runCli([...BASE_ARGS, ...extra], { env: { DATABASE_URL: url } });
  const viaRpc = () => runCli(BASE_ARGS, { env: { SUPABASE_URL: api.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY } });

  it('raw rows: the same figures', async () => {
    const result = await viaPostgres();
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(slosOf(result.stdout)).toEqual(EXPECTED);
  }, 60_000);

  it('the RPC: the same figures, in one more request (perf_monitor_slo)', async () => {
    api.resetStats();
    const result = await viaRpc();
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(slosOf(result.stdout)).toEqual(EXPECTED);
    expect(api.requests.splice(0).map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual([
      'POST /rest/v1/rpc/perf_monitor_summary 200',
      'POST /rest/v1/rpc/perf_monitor_slo 200',
    ]);
  }, 60_000);

  describe('with the rollups refreshed', () => {
    let watermark = 0;
    beforeAll(async () => {
      const installed = await runSqlFile(url, join(SQL_DIR, 'rollup.sql'));
      expect(installed.stderr.replace(/^psql:.*NOTICE:.*does not exist, skipping\n/gm, '')).toBe('');
      watermark = await withSql(url, async (sql) => {
        const [state] = await sql<
          { watermark: Date }[]
        >`SELECT watermark FROM perf_monitor_refresh_rollups('0 hours', ${SLO_DAYS * 24 + 4})`;
        return state?.watermark?.getTime() ?? Number.NaN;
      });
    }, 120_000);

    /** docs/slos.md: counts exact; a latency threshold inside a histogram bucket (333 ms is in
     *  (332, 336], width 4) counts the bucket bad, and says how many events that was. */
    function withRollups(): Slo[] {
      const hi = Math.min(Math.floor(UNTIL.getTime() / HOUR) * HOUR, watermark);
      const rolled = (r: DatasetRow, fromMs: number) => {
        const at = Date.parse(r.created_at);
        return r.source === 'search' && at >= Math.ceil(fromMs / HOUR) * HOUR && at < hi;
      };
      // The rollups' bad count of search-latency-333: the exact one plus the 333 ms calls of the
      // rolled-up hours of each window; every other count exact.
      const counter: Counter = (spec, from) => {
        const c = count(spec, from);
        if (spec.threshold !== 333) return c;
        return { total: c.total, bad: c.bad + ROWS.filter((r) => rolled(r, from) && r.duration_ms === 333).length };
      };
      return SLO_SPECS.map((text) => {
        const slo = expected(text, counter);
        if (slo.name !== 'search-latency-333') return slo;
        const inBucket = ROWS.filter(
          (r) => rolled(r, Date.parse(slo.period.start)) && r.duration_ms !== null && r.duration_ms > 332 && r.duration_ms <= 336,
        );
        return { ...slo, approximation: { bucketLowMs: 332, bucketHighMs: 336, uncertainEvents: inBucket.length } };
      });
    }

    it('PostgreSQL: counts from the rollups for whole hours, exact; the 333 ms threshold approximate, bounded', async () => {
      expect(watermark).toBeGreaterThan(UNTIL.getTime() - 2 * HOUR);
      const result = await viaPostgres();
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const slos = slosOf(result.stdout);
      const want = withRollups();
      expect(slos).toEqual(want);
      // The bound holds: at most `uncertainEvents` more bad events than the exact count.
      const exact = EXPECTED.find((s) => s.name === 'search-latency-333');
      const approx = slos.find((s) => s.name === 'search-latency-333');
      expect((approx?.events.bad ?? 0) - (exact?.events.bad ?? 0)).toBeLessThanOrEqual(approx?.approximation?.uncertainEvents ?? -1);
      expect(approx?.approximation?.uncertainEvents).toBeGreaterThan(100);
    }, 60_000);

    it('the RPC reads the rollups alike; --exact reads raw rows: the exact figures again', async () => {
      api.resetStats();
      const rpc = await viaRpc();
      expect({ code: rpc.code, stderr: rpc.stderr }).toEqual({ code: 0, stderr: '' });
      expect(slosOf(rpc.stdout)).toEqual(withRollups());
      const exact = await viaPostgres(['--exact']);
      expect(slosOf(exact.stdout)).toEqual(EXPECTED);
      // A 48-hour report probes the rollups itself: the SLO read takes the watermark it saw.
      const long = await viaPostgres(['--hours', '48']);
      expect({ code: long.code, stderr: long.stderr }).toEqual({ code: 0, stderr: '' });
      expect(slosOf(long.stdout)).toEqual(withRollups());
    }, 60_000);
  });
});

describe('Supabase without the RPC', () => {
  it("pages the period's rows in and counts them here: the exact figures, and a line saying so", async () => {
    const pg = await startPostgres();
    const url = await supabaseLikeDatabase(pg, 'slo_no_rpc', ROWS, { withRpc: false });
    const api = await startPostgrestServer({ databaseUrl: url, serviceRoleKey: SERVICE_KEY });
    try {
      const result = await runCli(BASE_ARGS, { env: { SUPABASE_URL: api.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY } });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('the perf_monitor_slo RPC is not installed');
      expect(slosOf(result.stdout)).toEqual(EXPECTED);
    } finally {
      await api.close();
      await pg.stop();
    }
  }, 120_000);
});

describe('a database without the rollups, reached by DATABASE_URL', () => {
  it('reads raw rows (the rollup read is refused at planning and the raw one runs): the exact figures', async () => {
    const pg = await startPostgres();
    try {
      const url = await pg.createDatabase('slo_plain');
      await runSqlFile(url, join(SQL_DIR, 'schema.sql'));
      await loadIntoPostgres(url, ROWS);
      const result = await runCli(BASE_ARGS, { env: { DATABASE_URL: url } });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(slosOf(result.stdout)).toEqual(EXPECTED);
    } finally {
      await pg.stop();
    }
  }, 120_000);
});
