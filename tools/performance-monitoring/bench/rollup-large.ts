// The rollup case of `npm run bench -- --large` (or `--only rollup`): 60 days x 1M operations a
// day in PostgreSQL (bench/rollup-data.ts), then what issue 13 asks to know: the first full
// build of sql/rollup.sql's rollups, their size against the raw table, an hourly increment, and
// the 30-day report (`--hours 720`) from the rollups and with `--exact` (raw rows), through
// DATABASE_URL and through the Supabase RPC on the PostgREST test server.
//
// What is timed, on one connection (statement_timeout off), each a whole function call:
// - first build: TRUNCATE the rollup, watermark NULL, then `SELECT * FROM
//   perf_monitor_refresh_rollups()` (defaults: p_lag 2 h, p_max_hours 168) until the watermark
//   is the current hour (now() truncated): the sum of the calls and each call.
// - steady: one more call right after (no new hour): it rebuilds the lag's 2 hours.
// - increment: the watermark moved back one hour and that hour's rollup rows deleted (as if the
//   hour had just closed), then one call: it rebuilds that hour and the 2 lag hours before it.
//   The hour is the newest hour of the data, so its rows are there; three times, the median.
// The report rows are the bench's usual: a separate CLI process, one warm-up, median of --runs,
// floor runs interleaved; each records the JSON's source.aggregation ("rollup" once the read
// path is in the CLI; until then the default run reads raw rows and --exact does not exist).
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { RPC_SQL } from '../harness/dataset.js';
import { currentHour, type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import type { PostgrestServer } from '../harness/postgrest-server.js';
import { STEP_HOURS } from '../refresh-rollups.js';
import { RPC_SIGNATURE } from '../sources/sql/rpc.js';
import { reportCheck, type Supabase, startSupabase, TIMEOUT_ENV } from './cli-runs.js';
import { LARGE_SQL_TIMEOUT_MS } from './datasets.js';
import { median, monitorCommand, runOnce } from './measure.js';
import { ONE_SERVICE } from './profile.js';
import { ensureRollupDataset, type RollupShape } from './rollup-data.js';
import type { Session } from './session.js';
import type { RefreshCall, RollupFigures } from './types.js';

const ROLLUP_SQL = fileURLToPath(new URL('../sql/rollup.sql', import.meta.url));
/** One database per shape in the one kept cluster. */
const DATABASE: Record<RollupShape, string> = { default: 'bench_rollup', many: 'bench_rollup_many' };
/**
 * On top of the harness's settings (no durability: a bench): wal_level = minimal so the load's
 * TRUNCATE + INSERT in one transaction skips the WAL, and room for a 60M-row load and its index
 * builds. Memory settings are the defaults.
 */
const CLUSTER_CONFIG = [
  'wal_level = minimal',
  'max_wal_senders = 0',
  'max_wal_size = 8GB',
  'checkpoint_timeout = 30min',
  'maintenance_work_mem = 512MB',
  'max_connections = 50',
];

let cluster: PgServer | null = null;
let supabase: Supabase | null = null;

/** Stops what this case started (also on Ctrl-C); the kept cluster's data stays. */
export async function stopRollupBench(): Promise<void> {
  await supabase?.server.close().catch(() => {});
  supabase = null;
  await cluster?.stop().catch(() => {});
  cluster = null;
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

interface Row {
  hours_built: number;
  watermark: Date | null;
}

async function refresh(sql: postgres.Sql): Promise<RefreshCall> {
  const started = performance.now();
  const [row] = await sql.unsafe<Row[]>('SELECT hours_built, watermark FROM perf_monitor_refresh_rollups()');
  return { ms: performance.now() - started, hoursBuilt: row?.hours_built ?? 0, watermark: row?.watermark?.toISOString() ?? null };
}

/** The monitor's --help names --exact once the read path is in. */
async function hasExactFlag(): Promise<boolean> {
  const r = await runOnce(monitorCommand(['--help']));
  return /--exact\b/.test(r.stdout);
}

export interface RollupCase {
  days: number;
  perDay: number;
  runs: number;
  shape: RollupShape;
  /** Run the --exact rows. */
  exact: boolean;
}

/** perf_monitor_refresh_rollups() called until the watermark reaches the current hour. */
async function buildUntilCaughtUp(h: Session, sql: postgres.Sql): Promise<{ totalMs: number; calls: RefreshCall[] }> {
  const calls: RefreshCall[] = [];
  const buildStart = performance.now();
  for (let i = 0; i < 1000 && !h.interrupted; i++) {
    const call = await refresh(sql);
    calls.push(call);
    h.log(`    call ${i + 1}: ${call.hoursBuilt} h in ${(call.ms / 1000).toFixed(2)} s, watermark ${call.watermark ?? 'none'}`);
    if (call.watermark === null || Date.parse(call.watermark) >= (await currentHour(sql))) break;
  }
  return { totalMs: performance.now() - buildStart, calls };
}

export async function benchRollupLarge(h: Session, dataDir: string, options: RollupCase): Promise<RollupFigures | null> {
  const { days, perDay, runs, shape } = options;
  const loadAverage: Record<string, string> = { start: load() };
  h.log(
    `\n== rollups: ${days} days x ${perDay.toLocaleString('en-US')} operations/day in PostgreSQL (kept in ${join(dataDir, 'rollup-pg')})`,
  );
  cluster = await startPostgres({ keepIn: join(dataDir, 'rollup-pg'), extraConfig: CLUSTER_CONFIG });
  const url = await cluster.createDatabase(DATABASE[shape], { reuse: true });
  const data = await ensureRollupDataset(url, days, perDay, h.log, shape);
  loadAverage.afterLoad = load();
  h.log(
    `  ${data.rows.toLocaleString('en-US')} rows, ${data.reused ? 'reused' : 'loaded'} (load ${(data.loadMs / 1000).toFixed(1)} s), data until ${data.until}`,
  );
  if (h.interrupted) return null;

  const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { statement_timeout: 0 } });
  let figures: RollupFigures;
  try {
    const [raw] = await sql.unsafe<{ total: string; heap: string; indexes: string }[]>(
      `SELECT pg_total_relation_size('integration_logs') AS total, pg_relation_size('integration_logs') AS heap, pg_indexes_size('integration_logs') AS indexes`,
    );
    const rawBytes = { total: Number(raw?.total), heap: Number(raw?.heap), indexes: Number(raw?.indexes) };
    h.log(
      `  raw table ${(rawBytes.total / 2 ** 30).toFixed(2)} GB (heap ${(rawBytes.heap / 2 ** 30).toFixed(2)} GB, indexes ${(rawBytes.indexes / 2 ** 30).toFixed(2)} GB)`,
    );

    await runSqlFile(url, ROLLUP_SQL, LARGE_SQL_TIMEOUT_MS);
    await sql.unsafe('TRUNCATE perf_monitor_rollup, perf_monitor_rollup_block, perf_monitor_rollup_timeline');
    await sql.unsafe('UPDATE perf_monitor_rollup_state SET watermark = NULL, updated_at = NULL');
    h.log('  first full build of the rollups (perf_monitor_refresh_rollups() with its defaults, until caught up)...');
    const firstBuild = await buildUntilCaughtUp(h, sql);
    const { calls } = firstBuild;
    const slowest = Math.max(...calls.map((c) => c.ms));
    if (slowest > 30_000) {
      const hours = calls.reduce((n, c) => Math.max(n, c.hoursBuilt), 0);
      h.notes.push(
        `rollup first build: a call of ${hours} h took ${(slowest / 1000).toFixed(1)} s: \`monitor.ts --refresh-rollups\` builds ${STEP_HOURS} h a call (about ${((slowest * STEP_HOURS) / hours / 1000).toFixed(1)} s here), each under PERFMON_TIMEOUT_MS (30 s by default); a direct call under a shorter statement timeout needs a smaller p_max_hours`,
      );
    }
    loadAverage.afterBuild = load();
    await sql.unsafe('VACUUM ANALYZE perf_monitor_rollup');
    await sql.unsafe('VACUUM ANALYZE perf_monitor_rollup_block');
    await sql.unsafe('VACUUM ANALYZE perf_monitor_rollup_timeline');
    const [size] = await sql.unsafe<
      { bytes: string; n: string; block_bytes: string; block_n: string; timeline_bytes: string; timeline_n: string; ops: string }[]
    >(
      `SELECT pg_total_relation_size('public.perf_monitor_rollup') AS bytes, (SELECT count(*) FROM perf_monitor_rollup) AS n,
              pg_total_relation_size('public.perf_monitor_rollup_block') AS block_bytes, (SELECT count(*) FROM perf_monitor_rollup_block) AS block_n,
              pg_total_relation_size('public.perf_monitor_rollup_timeline') AS timeline_bytes,
              (SELECT count(*) FROM perf_monitor_rollup_timeline) AS timeline_n,
              (SELECT count(*) FROM (SELECT DISTINCT service, operation FROM perf_monitor_rollup_block WHERE span_hours = 168) AS o) AS ops`,
    );
    const rollupBytes = Number(size?.bytes);
    const blockBytes = Number(size?.block_bytes);
    h.log(
      `  built in ${(firstBuild.totalMs / 1000).toFixed(1)} s; hourly rollup ${(rollupBytes / 2 ** 20).toFixed(1)} MB, ${Number(size?.n).toLocaleString('en-US')} rows; blocks ${(blockBytes / 2 ** 20).toFixed(1)} MB, ${Number(size?.block_n).toLocaleString('en-US')} rows; timeline ${(Number(size?.timeline_bytes) / 2 ** 20).toFixed(1)} MB, ${Number(size?.timeline_n).toLocaleString('en-US')} rows`,
    );

    const steady: RefreshCall[] = [];
    for (let i = 0; i < 3; i++) steady.push(await refresh(sql));
    // The newest hour of the data that the refresh may build: the one before min(now, data end), by the hour.
    const increment: RefreshCall[] = [];
    const [edge] = await sql.unsafe<{ hour: Date; reread: string }[]>(
      `WITH e AS (SELECT to_timestamp(floor(extract(epoch FROM least(now(), $1::timestamptz)) / 3600) * 3600) - interval '1 hour' AS hour)
       SELECT e.hour, (SELECT count(*) FROM integration_logs WHERE created_at >= e.hour - interval '2 hours' AND created_at < e.hour + interval '1 hour') AS reread FROM e`,
      [data.until],
    );
    const hour = (edge as { hour: Date }).hour;
    for (let i = 0; i < 3; i++) {
      await sql.unsafe('UPDATE perf_monitor_rollup_state SET watermark = $1', [hour.toISOString()]);
      await sql.unsafe('DELETE FROM perf_monitor_rollup WHERE hour >= $1', [hour.toISOString()]);
      increment.push(await refresh(sql));
    }
    h.log(
      `  refresh, no new hour: ${steady.map((c) => `${(c.ms / 1000).toFixed(2)} s/${c.hoursBuilt} h`).join(', ')}; hourly increment (from ${hour.toISOString()}): ${increment.map((c) => `${(c.ms / 1000).toFixed(2)} s/${c.hoursBuilt} h`).join(', ')}`,
    );
    if (increment.some((c) => c.hoursBuilt > 3)) {
      h.notes.push(
        `rollup increment: now is past the hour after the data's newest complete hour (data until ${data.until}): each increment call also rebuilt the hours from there up to now (${increment.map((c) => c.hoursBuilt).join(', ')} h)`,
      );
    }
    figures = {
      ...data,
      rawBytes,
      firstBuild,
      rollupBytes,
      rollupRows: Number(size?.n),
      blockBytes,
      blockRows: Number(size?.block_n),
      timelineBytes: Number(size?.timeline_bytes),
      timelineRows: Number(size?.timeline_n),
      shape,
      operationCount: Number(size?.ops),
      steady: { medianMs: median(steady.map((c) => c.ms)), calls: steady },
      increment: {
        medianMs: median(increment.map((c) => c.ms)),
        calls: increment,
        rowsReread: Number((edge as { reread: string }).reread),
      },
      exactFlag: false,
      aggregation: {},
      loadAverage,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }

  // ---- the 30-day report, from the rollups and --exact, CLI and RPC ----
  figures.exactFlag = await hasExactFlag();
  if (!figures.exactFlag)
    h.notes.push(
      'rollup case: this CLI has no --exact yet (the rollup read path is not on this commit): the --exact rows were not run, and the default rows read raw rows',
    );
  const size = { label: `${days}d`, n: data.perWindow };
  const window = (hours: number) => ['--until', data.until, '--hours', String(hours), '--format', 'json'];
  // Any source and aggregation is accepted: which one each row read is a figure of the case.
  const check = (id: string, truth: number) => reportCheck(truth, null, (report) => (figures.aggregation[id] = report.source.aggregation));
  const rows: Array<{
    id: string;
    label: string;
    args: string[];
    env: Record<string, string>;
    server: PostgrestServer | null;
    truth: number;
  }> = [];
  const pgEnv = { DATABASE_URL: url, ...TIMEOUT_ENV };
  const truth = await operationsIn(url, data.until, [data.hours, 168, 24]);
  const exact = figures.exactFlag && options.exact;
  if (figures.exactFlag && !options.exact) h.notes.push('rollup case: --no-rollup-exact: the --exact rows were not run');
  const cli = (id: string, label: string, args: string[], t: number) => rows.push({ id, label, args, env: pgEnv, server: null, truth: t });
  cli('rollup-cli', `DATABASE_URL --hours ${data.hours}`, window(data.hours), truth.all[0] as number);
  if (exact)
    cli('rollup-cli-exact', `DATABASE_URL --hours ${data.hours} --exact`, [...window(data.hours), '--exact'], truth.all[0] as number);
  cli('rollup-cli-7d', 'DATABASE_URL --hours 168', window(168), truth.all[1] as number);
  cli('rollup-cli-24h', 'DATABASE_URL --hours 24', window(24), truth.all[2] as number);
  cli(
    'rollup-cli-service',
    `DATABASE_URL --hours ${data.hours} --service ${ONE_SERVICE}`,
    [...window(data.hours), '--service', ONE_SERVICE],
    truth.service,
  );
  await runSqlFile(url, RPC_SQL);
  supabase = await startSupabase(url);
  const rest = supabase.server;
  const rpc = (id: string, args: string[]) =>
    rows.push({
      id,
      label: `Supabase RPC --hours ${data.hours}${args.includes('--exact') ? ' --exact' : ''}`,
      args,
      env: supabase?.env ?? {},
      server: rest,
      truth: truth.all[0] as number,
    });
  rpc('rollup-rpc', window(data.hours));
  if (exact) rpc('rollup-rpc-exact', [...window(data.hours), '--exact']);
  const signatures: Record<string, string | null> = {};
  for (const row of rows) {
    if (h.interrupted) break;
    // The RPC's own 25 s statement_timeout would cancel the raw 30-day read: lifted for that row
    // only, to measure what --exact costs (rpc.sql restores it).
    const lift = row.id === 'rollup-rpc-exact';
    if (lift) {
      await withSql(url, (sql) => sql.unsafe(`ALTER FUNCTION ${RPC_SIGNATURE} SET statement_timeout = 0`));
      h.notes.push(`rollup case: the ${row.label} row ran with the RPC's statement_timeout lifted (25 s shipped), to measure the raw read`);
    }
    const m = await h.measure(row.id, row.label, size, monitorCommand(row.args, row.env), check(row.id, row.truth), row.server);
    if (lift) await runSqlFile(url, RPC_SQL);
    signatures[row.id] = m?.signature ?? null;
  }
  await rest.close();
  supabase = null;
  if (runs < 3) h.notes.push(`rollup case: report rows are the median of ${runs} run(s) after a warm-up`);
  const thirty = ['rollup-cli', 'rollup-cli-exact', 'rollup-rpc', 'rollup-rpc-exact'];
  const distinct = new Set(
    Object.entries(signatures)
      .filter(([id, x]) => x !== null && thirty.includes(id))
      .map(([, x]) => x),
  );
  if (distinct.size > 1)
    h.notes.push(
      `rollup case: the 30-day report rows differ (percentiles from the histogram may differ by < 1%): ${Object.entries(signatures)
        .filter(([id]) => thirty.includes(id))
        .map(([id, sig]) => `${id} {${sig ?? '-'}}`)
        .join(' / ')}`,
    );
  else if (distinct.size === 1)
    h.notes.push(`rollup case: ${thirty.filter((id) => id in signatures).join(', ')} print the same figures (${[...distinct][0] ?? ''})`);
  loadAverage.end = load();
  return figures;
}

/** Operations (as aggregate.sql counts them) in the windows of `hours` ending at `until`, and of
 *  ONE_SERVICE in the first: the truth each report row's count is checked against. */
async function operationsIn(url: string, until: string, hours: number[]): Promise<{ all: number[]; service: number }> {
  return withSql(url, async (sql) => {
    const count = async (h: number, service: string | null) => {
      const [row] = await sql.unsafe<{ n: string }[]>(
        `SELECT count(*) AS n FROM integration_logs
         WHERE created_at >= $1::timestamptz - $2 * interval '1 hour' AND created_at < $1::timestamptz
           AND (duration_ms IS NOT NULL OR status IN ('success', 'error')) AND ($3::text IS NULL OR source = $3::text)`,
        [until, h, service],
      );
      return Number(row?.n);
    };
    const all: number[] = [];
    for (const h of hours) all.push(await count(h, null));
    return { all, service: await count(hours[0] as number, ONE_SERVICE) };
  });
}
