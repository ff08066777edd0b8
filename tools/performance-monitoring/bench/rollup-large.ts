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
import { ensureRollupDataset } from './rollup-data.js';
import type { Session } from './session.js';
import type { RefreshCall, RollupFigures } from './types.js';

const ROLLUP_SQL = fileURLToPath(new URL('../sql/rollup.sql', import.meta.url));
const DATABASE = 'bench_rollup';
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

export async function benchRollupLarge(
  h: Session,
  dataDir: string,
  days: number,
  perDay: number,
  runs: number,
): Promise<RollupFigures | null> {
  const loadAverage: Record<string, string> = { start: load() };
  h.log(
    `\n== rollups: ${days} days x ${perDay.toLocaleString('en-US')} operations/day in PostgreSQL (kept in ${join(dataDir, 'rollup-pg')})`,
  );
  cluster = await startPostgres({ keepIn: join(dataDir, 'rollup-pg'), extraConfig: CLUSTER_CONFIG });
  const url = await cluster.createDatabase(DATABASE, { reuse: true });
  const data = await ensureRollupDataset(url, days, perDay, h.log);
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
    await sql.unsafe('TRUNCATE perf_monitor_rollup, perf_monitor_rollup_block');
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
    const [size] = await sql.unsafe<{ bytes: string; n: string; block_bytes: string; block_n: string }[]>(
      `SELECT pg_total_relation_size('public.perf_monitor_rollup') AS bytes, (SELECT count(*) FROM perf_monitor_rollup) AS n,
              pg_total_relation_size('public.perf_monitor_rollup_block') AS block_bytes, (SELECT count(*) FROM perf_monitor_rollup_block) AS block_n`,
    );
    const rollupBytes = Number(size?.bytes);
    const blockBytes = Number(size?.block_bytes);
    h.log(
      `  built in ${(firstBuild.totalMs / 1000).toFixed(1)} s; hourly rollup ${(rollupBytes / 2 ** 20).toFixed(1)} MB, ${Number(size?.n).toLocaleString('en-US')} rows; blocks ${(blockBytes / 2 ** 20).toFixed(1)} MB, ${Number(size?.block_n).toLocaleString('en-US')} rows`,
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
  const window = ['--until', data.until, '--hours', String(data.hours), '--format', 'json'];
  // Any source and aggregation is accepted: which one each row read is a figure of the case.
  const check = (id: string) => reportCheck(data.perWindow, null, (report) => (figures.aggregation[id] = report.source.aggregation));
  const rows: Array<{ id: string; label: string; args: string[]; env: Record<string, string>; server: PostgrestServer | null }> = [];
  const pgEnv = { DATABASE_URL: url, ...TIMEOUT_ENV };
  rows.push({ id: 'rollup-cli', label: `DATABASE_URL --hours ${data.hours}`, args: window, env: pgEnv, server: null });
  if (figures.exactFlag)
    rows.push({
      id: 'rollup-cli-exact',
      label: `DATABASE_URL --hours ${data.hours} --exact`,
      args: [...window, '--exact'],
      env: pgEnv,
      server: null,
    });
  await runSqlFile(url, RPC_SQL);
  supabase = await startSupabase(url);
  const rest = supabase.server;
  rows.push({ id: 'rollup-rpc', label: `Supabase RPC --hours ${data.hours}`, args: window, env: supabase.env, server: rest });
  if (figures.exactFlag)
    rows.push({
      id: 'rollup-rpc-exact',
      label: `Supabase RPC --hours ${data.hours} --exact`,
      args: [...window, '--exact'],
      env: supabase.env,
      server: rest,
    });
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
    const m = await h.measure(row.id, row.label, size, monitorCommand(row.args, row.env), check(row.id), row.server);
    if (lift) await runSqlFile(url, RPC_SQL);
    signatures[row.id] = m?.signature ?? null;
  }
  await rest.close();
  supabase = null;
  if (runs < 3) h.notes.push(`rollup case: report rows are the median of ${runs} run(s) after a warm-up`);
  noteSignatures(h, signatures);
  loadAverage.end = load();
  return figures;
}

/** Whether the report rows printed the same figures, as a note either way. */
function noteSignatures(h: Session, signatures: Record<string, string | null>): void {
  const distinct = new Set(Object.values(signatures).filter((x) => x !== null));
  if (distinct.size > 1)
    h.notes.push(
      `rollup case: the report rows differ (percentiles from the histogram may differ by < 1%): ${Object.entries(signatures)
        .map(([id, sig]) => `${id} {${sig ?? '-'}}`)
        .join(' / ')}`,
    );
  else if (distinct.size === 1)
    h.notes.push(`rollup case: ${Object.keys(signatures).join(', ')} print the same figures (${[...distinct][0] ?? ''})`);
}
