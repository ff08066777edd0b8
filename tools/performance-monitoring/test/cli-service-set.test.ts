// --service as a set (docs/cli.md, --service sets): the hand dataset plus a service whose name
// holds a comma, quotes, parentheses and a backslash, through the real CLI from an NDJSON file,
// PostgreSQL, the Supabase RPC and the Supabase fallback. The expected figures are computed here
// from the rows; the four reports must be equal and equal to them. T = 1000 ms.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, comparable, emptyDir, runCli } from '../harness/cli.js';
import { type DatasetRow, isOperation, loadIntoPostgres, prepareSupabaseLike, supabaseLikeDatabase } from '../harness/dataset.js';
import { HAND_ROWS, THRESHOLD, UNTIL, writeNdjson } from '../harness/hand-dataset.js';
import { type PgServer, runSqlFile, startPostgres } from '../harness/postgres.js';
import { type PostgrestServer, startPostgrestServer } from '../harness/postgrest-server.js';
import { forMessageText } from '../text/safe-text.js';

const T = Number(THRESHOLD);
const END = Date.parse(UNTIL);
const START = END - 24 * 3_600_000;
const PREVIOUS_START = END - 48 * 3_600_000;
const ARGS = ['--until', UNTIL, '--threshold', THRESHOLD, '--format', 'json'];
const SERVICE_KEY = 'service-set-role-key-51c0e9';
const RPC_PATH = '/rest/v1/rpc/perf_monitor_summary';
/** perf-monitor's rpc.sql as shipped before sets (commit f4a96a1): `source = p_service`. */
const RPC_BEFORE_SETS = fileURLToPath(new URL('./fixtures/rpc-f4a96a1.sql', import.meta.url));

/** Every character PostgREST's list syntax reserves: a comma, quotes, parentheses, a backslash. */
const CRM = 'crm, "eu" (b)\\x';
const at = (minute: number) => new Date(Date.parse('2025-11-19T18:00:00Z') + minute * 60_000).toISOString();
const crmRow = (id: number, row: Partial<DatasetRow>): DatasetRow => ({
  id,
  source: CRM,
  operation: 'deals.sync',
  level: 'info',
  status: 'success',
  message: null,
  duration_ms: null,
  created_at: at(id),
  ...row,
});
// Current window only: 6 operations (one without a duration), 2 failed (by level, by status), and
// a log line that is no operation.
const CRM_ROWS: DatasetRow[] = [
  crmRow(101, { duration_ms: 300 }),
  crmRow(102, { duration_ms: 600, level: 'error', message: 'Bad gateway' }),
  crmRow(103, { duration_ms: 900 }),
  crmRow(104, { duration_ms: 1200 }),
  crmRow(105, { duration_ms: 2500, status: 'error', message: 'Bad gateway' }),
  crmRow(106, {}),
  crmRow(107, { status: 'info', message: 'connected' }),
];
/** The hand dataset (created_at as ISO text, as PostgreSQL takes it) and the crm rows. */
const ROWS: DatasetRow[] = [...HAND_ROWS.map((row) => ({ ...row, created_at: new Date(row.created_at).toISOString() })), ...CRM_ROWS];

interface Expected {
  totalOperations: number;
  failedOperations: number;
  samples: number;
  errorRate: number;
  avgDuration: number;
  p50Duration: number;
  p95Duration: number;
  p99Duration: number;
  minDuration: number;
  maxDuration: number;
  apdex: number;
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** PostgreSQL's percentile_cont over sorted values. */
function percentile(sorted: number[], p: number): number {
  const position = p * (sorted.length - 1);
  const [lo, hi] = [Math.floor(position), Math.ceil(position)];
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (position - lo);
}

/** The figures of the current window's operations of `services`, as docs/metrics.md defines them. */
function expected(services: string[]): Expected {
  const ops = ROWS.filter((r) => services.includes(r.source) && isOperation(r)).filter((r) => {
    const t = Date.parse(r.created_at);
    return t >= START && t < END;
  });
  const failed = (r: DatasetRow) => r.status === 'error' || r.level === 'error';
  const durations = ops.flatMap((r) => (r.duration_ms !== null && r.duration_ms >= 0 ? [r.duration_ms] : [])).sort((a, b) => a - b);
  const satisfied = ops.filter((r) => !failed(r) && r.duration_ms !== null && r.duration_ms >= 0 && r.duration_ms <= T).length;
  const tolerating = ops.filter((r) => !failed(r) && r.duration_ms !== null && r.duration_ms > T && r.duration_ms <= 4 * T).length;
  const failures = ops.filter(failed).length;
  return {
    totalOperations: ops.length,
    failedOperations: failures,
    samples: durations.length,
    errorRate: round((100 * failures) / ops.length, 2),
    avgDuration: round(durations.reduce((a, b) => a + b, 0) / durations.length, 1),
    p50Duration: round(percentile(durations, 0.5), 1),
    p95Duration: round(percentile(durations, 0.95), 1),
    p99Duration: round(percentile(durations, 0.99), 1),
    minDuration: durations[0] as number,
    maxDuration: durations[durations.length - 1] as number,
    apdex: round((satisfied + tolerating / 2) / durations.length, 3),
  };
}

/** docs/metrics.md's health score from a set's figures: E from the error rate, P from the average,
 *  S from the services with an issue (error rate > 5%, avg > T, p95 > 2T; the trends here are
 *  stable or without data, and no service of the sets is silent). */
function health(services: string[]): number {
  const { errorRate: r, avgDuration: a } = expected(services);
  let errorDeduction = Math.min(30, 20 + (r - 15));
  if (r <= 5) errorDeduction = r;
  else if (r <= 15) errorDeduction = 5 + 1.5 * (r - 5);
  let performanceDeduction = 30;
  if (a <= T) performanceDeduction = 0;
  else if (a < 2 * T) performanceDeduction = (30 * (a - T)) / T;
  const withIssues = services.filter((s) => {
    const f = expected([s]);
    return f.errorRate > 5 || f.avgDuration > T || f.p95Duration > 2 * T;
  }).length;
  return Math.round(100 - errorDeduction - performanceDeduction - Math.min(20, 10 * withIssues));
}

let pg: PgServer;
let ndjson: string;
let plainUrl: string;
let plainApi: PostgrestServer;
let rpcApi: PostgrestServer;
let olderApi: PostgrestServer;

beforeAll(async () => {
  pg = await startPostgres();
  ndjson = writeNdjson(emptyDir('perfmon-set-'), ROWS);
  const olderUrl = await pg.createDatabase('set_older_rpc');
  let rpcUrl: string;
  [plainUrl, rpcUrl] = await Promise.all([
    supabaseLikeDatabase(pg, 'set_plain', ROWS, { withRpc: false }),
    supabaseLikeDatabase(pg, 'set_rpc', ROWS, { withRpc: true }),
    (async () => {
      await prepareSupabaseLike(olderUrl, { withRpc: false });
      expect((await runSqlFile(olderUrl, RPC_BEFORE_SETS)).stderr).toBe('');
      await loadIntoPostgres(olderUrl, ROWS);
    })(),
  ]);
  const api = (databaseUrl: string) => startPostgrestServer({ databaseUrl, serviceRoleKey: SERVICE_KEY });
  [plainApi, rpcApi, olderApi] = await Promise.all([api(plainUrl), api(rpcUrl), api(olderUrl)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([plainApi?.close(), rpcApi?.close(), olderApi?.close()]);
  await pg?.stop();
});

const supabase = (api: PostgrestServer) => ({ SUPABASE_URL: api.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY });
const RPC_MISSING = /^perf-monitor: the perf_monitor_summary RPC is not installed: .*\nperf-monitor: .*sql\/rpc\.sql\.\n$/;

async function everySource(extra: string[]): Promise<Record<'file' | 'postgres' | 'rpc' | 'fallback', CliResult>> {
  const [file, postgres, rpc, fallback] = await Promise.all([
    runCli(['--input', ndjson, ...ARGS, ...extra]),
    runCli([...ARGS, ...extra], { env: { DATABASE_URL: plainUrl } }),
    runCli([...ARGS, ...extra], { env: supabase(rpcApi) }),
    runCli([...ARGS, ...extra], { env: supabase(plainApi) }),
  ]);
  return { file, postgres, rpc, fallback };
}

/** Each request as `METHOD /path`. */
const decoded = (api: PostgrestServer) => api.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`);
/** The `source` filters of each GET, as PostgREST reads the query string. */
const sourceFilters = (api: PostgrestServer) =>
  api.requests.filter((r) => r.method === 'GET').map((r) => new URL(r.url, 'http://127.0.0.1').searchParams.getAll('source'));

describe('--service, several times', () => {
  it('two services (one named with a comma, quotes, parentheses and a backslash): the figures and the health score over exactly their rows, on every source', async () => {
    plainApi.resetStats();
    rpcApi.resetStats();
    const runs = await everySource(['--service', 'api', '--service', CRM]);
    for (const [name, run] of Object.entries(runs)) expect({ name, code: run.code }).toEqual({ name, code: 0 });
    expect([runs.file.stderr, runs.postgres.stderr, runs.rpc.stderr]).toEqual(['', '', '']);
    expect(runs.fallback.stderr).toMatch(RPC_MISSING);
    const reference = comparable(runs.file.stdout);
    expect(comparable(runs.postgres.stdout)).toEqual(reference);
    expect(comparable(runs.rpc.stdout)).toEqual(reference);
    expect(comparable(runs.fallback.stdout)).toEqual(reference);

    const report = JSON.parse(runs.file.stdout);
    // api 20 operations (2 failed, 100..2000 ms), crm 6 (2 failed, 5 samples): 26, 4 failed.
    const set = expected(['api', CRM]);
    expect(set).toMatchObject({ totalOperations: 26, failedOperations: 4, samples: 25 });
    expect(report.service).toEqual(['api', CRM]);
    expect(report.overall).toMatchObject({ ...set, successfulOperations: set.totalOperations - set.failedOperations });
    // Not the average of the two services' figures: the set's own.
    expect(report.overall.avgDuration).not.toBe(round((expected(['api']).avgDuration + expected([CRM]).avgDuration) / 2, 1));
    expect(report.healthScore).toBe(health(['api', CRM]));
    expect(report.services.map((s: { service: string }) => s.service)).toEqual(['api', CRM]);
    for (const name of ['api', CRM]) {
      const service = report.services.find((s: { service: string }) => s.service === name);
      const own = expected([name]);
      expect(service.operations.total).toBe(own.totalOperations);
      expect(service.performance).toMatchObject({ avgDuration: own.avgDuration, p95Duration: own.p95Duration });
    }
    // batch and legacy are in neither window's figures: the previous window holds api's 20.
    const previous = ROWS.filter((r) => ['api', CRM].includes(r.source) && isOperation(r)).filter((r) => {
      const t = Date.parse(r.created_at);
      return t >= PREVIOUS_START && t < START;
    });
    expect(previous).toHaveLength(20);
    expect(report.overall.trend.previousOperations).toBe(previous.length);

    // The RPC: one call. The fallback: every page asks for the set, each name quoted.
    expect(decoded(rpcApi)).toEqual([`POST ${RPC_PATH}`]);
    const pages = sourceFilters(plainApi);
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.every((filters) => filters.length === 1 && filters[0] === 'in.("api","crm, \\"eu\\" (b)\\\\x")')).toBe(true);
  }, 120_000);

  it('the text header names the set; a name with a comma or a quote is written as a JSON string', async () => {
    const { code, stdout } = await runCli(['--input', ndjson, '--until', UNTIL, '--service', 'api', '--service', CRM]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[1]).toBe(`PERFORMANCE MONITORING REPORT — services: api, ${JSON.stringify(CRM)}`);
    // The deep dive's tables are for one service only.
    expect(stdout).not.toMatch(/^OPERATIONS/m);
    expect(stdout).not.toMatch(/^TIMELINE/m);
  });

  it('one service named with a comma: that service alone, on every source (no splitting)', async () => {
    plainApi.resetStats();
    const runs = await everySource(['--service', CRM]);
    expect(Object.values(runs).map((run) => run.code)).toEqual([0, 0, 0, 0]);
    // The fallback asks for the one name as it is (an `eq` value is taken verbatim).
    expect(sourceFilters(plainApi).every((filters) => filters.length === 1 && filters[0] === `eq.${CRM}`)).toBe(true);
    const reference = comparable(runs.file.stdout);
    for (const run of [runs.postgres, runs.rpc, runs.fallback]) expect(comparable(run.stdout)).toEqual(reference);
    const report = JSON.parse(runs.file.stdout);
    expect(report.service).toBe(CRM);
    expect(report.overall).toMatchObject(expected([CRM]));
    expect(report.healthScore).toBe(health([CRM]));
  }, 120_000);

  it('a name given twice counts once: the report of --service api', async () => {
    const [twice, once, rpcTwice] = await Promise.all([
      runCli(['--input', ndjson, ...ARGS, '--service', 'api', '--service', 'api']),
      runCli(['--input', ndjson, ...ARGS, '--service', 'api']),
      runCli([...ARGS, '--service', 'api', '--service', 'api'], { env: supabase(rpcApi) }),
    ]);
    expect([twice.code, once.code, rpcTwice.code]).toEqual([0, 0, 0]);
    expect(comparable(twice.stdout)).toEqual(comparable(once.stdout));
    expect(comparable(rpcTwice.stdout)).toEqual(comparable(once.stdout));
    const report = JSON.parse(twice.stdout);
    expect(report.service).toBe('api');
    expect(report.overall).toMatchObject(expected(['api']));
  });

  it('an unknown name in the set gets the did-you-mean line; the report covers the others', async () => {
    const { code, stdout, stderr } = await runCli(['--input', ndjson, ...ARGS, '--service', 'api', '--service', 'bacth']);
    expect(code).toBe(0);
    const names = ['api', 'batch', forMessageText(CRM), 'legacy'].join(', ');
    expect(stderr).toBe(
      `perf-monitor: no operations of service 'bacth' in either window; did you mean batch? services with operations: ${names}\n`,
    );
    const report = JSON.parse(stdout);
    expect(report.service).toEqual(['api', 'bacth']);
    expect(report.overall).toMatchObject(expected(['api']));

    // A comma does not split names: when the parts are services, the line says to repeat the option.
    const joined = await runCli(['--input', ndjson, ...ARGS, '--service', 'api,batch']);
    expect(joined.stderr).toBe(
      `perf-monitor: no operations of service 'api,batch' in either window; a comma is part of a name: repeat the option (--service 'api' --service 'batch')? services with operations: ${names}\n`,
    );
  });

  it('an RPC installed before sets: detected from its empty answer, the rows read instead, two lines', async () => {
    olderApi.resetStats();
    const [older, reference] = await Promise.all([
      runCli([...ARGS, '--service', 'api', '--service', CRM], { env: supabase(olderApi) }),
      runCli(['--input', ndjson, ...ARGS, '--service', 'api', '--service', CRM]),
    ]);
    expect(older.code).toBe(0);
    expect(older.stderr).toBe(
      'perf-monitor: the installed perf_monitor_summary RPC takes one --service only: rows are read and aggregated here.\n' +
        'perf-monitor: For several services in the database, install tools/performance-monitoring/sql/rpc.sql again.\n',
    );
    expect(comparable(older.stdout)).toEqual(comparable(reference.stdout));
    expect(JSON.parse(older.stdout).source).toEqual({ kind: 'supabase', aggregation: 'client', percentiles: 'exact' });
    // The set's call answered nothing; api alone had rows: the older RPC. Then the pages.
    const calls = decoded(olderApi);
    expect(calls.slice(0, 2)).toEqual([`POST ${RPC_PATH}`, `POST ${RPC_PATH}`]);
    expect(calls.slice(2).every((line) => line === 'GET /rest/v1/integration_logs')).toBe(true);
    expect(calls.length).toBeGreaterThan(2);

    // One service still works with it, through the RPC.
    olderApi.resetStats();
    const one = await runCli([...ARGS, '--service', CRM], { env: supabase(olderApi) });
    expect([one.code, one.stderr]).toEqual([0, '']);
    expect(JSON.parse(one.stdout).overall).toMatchObject(expected([CRM]));
    expect(decoded(olderApi)).toEqual([`POST ${RPC_PATH}`]);
  }, 120_000);

  it('a set without rows on the current RPC: checked name by name, then the did-you-mean lines', async () => {
    rpcApi.resetStats();
    const { code, stdout, stderr } = await runCli([...ARGS, '--service', 'nope', '--service', 'API'], { env: supabase(rpcApi) });
    expect(code).toBe(0);
    const names = ['api', 'batch', forMessageText(CRM), 'legacy'].join(', ');
    expect(stderr).toBe(
      `perf-monitor: no operations of service 'nope' in either window; services with operations: ${names}\n` +
        `perf-monitor: no operations of service 'API' in either window; did you mean api? services with operations: ${names}\n`,
    );
    expect(JSON.parse(stdout)).toMatchObject({ service: ['nope', 'API'], healthScore: null, overall: { totalOperations: 0 } });
    // The set, each name alone (both empty: the current RPC), then all services for the hint.
    expect(decoded(rpcApi)).toEqual(Array(4).fill(`POST ${RPC_PATH}`));
  }, 60_000);

  it('an empty name, or one holding U+001F (the set separator), is exit 2 with one line', async () => {
    const empty = await runCli(['--input', ndjson, ...ARGS, '--service', 'api', '--service', ' ']);
    expect([empty.code, empty.stdout, empty.stderr]).toEqual([
      2,
      '',
      "perf-monitor: --service ' ' is not valid: use a service name such as hubspot (repeat --service for several)\n",
    ]);
    const separator = await runCli(['--input', ndjson, ...ARGS, '--service', 'a\u001fb']);
    expect([separator.code, separator.stdout, separator.stderr]).toEqual([
      2,
      '',
      "perf-monitor: --service 'a\\u001fb' is not valid: a service name cannot hold the control character U+001F\n",
    ]);
  });
});
