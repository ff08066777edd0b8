// The SLO read's extra cost (docs/slos.md): `npx tsx tools/performance-monitoring/bench/slo.ts
// [days] [operations a day] [--keep-in DIR] [--database-url URL [--until ISO] [--days N]] [--runs N]
// [--skip-exact]`
// loads that many days into PostgreSQL (the harness's), refreshes the rollups, then times the CLI
// as a user runs it (separate processes, one warm-up, median of --runs, interleaved): a plain
// `--hours 1` report, the same with three SLOs over the whole data as their period (the rollups
// read), with --exact (raw rows), and both through the Supabase RPC.
// Defaults 10 days x 100k a day on a throwaway cluster. `--keep-in DIR` keeps the cluster in DIR
// and reuses its loaded database on the next run (the same data for two builds of the tool).
// `--database-url URL` measures an existing database (integration_logs loaded, rollup.sql installed
// and refreshed): nothing is loaded or refreshed, but this tree's rpc.sql is installed (the RPC
// measured is this build's): give it a copy of a shared database (CREATE DATABASE copy TEMPLATE
// shared), never the shared one. `--until` defaults to the minute after the newest row, `--days` to the whole
// days from the oldest row to it (at most 90, the longest --slo-period). `--skip-exact` leaves out the
// --exact case (raw rows: minutes at 60M rows, past the runs' 120 s timeout).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateRows, loadIntoPostgres, prepareSupabaseLike, RPC_SQL } from '../harness/dataset.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { startPostgrestServer } from '../harness/postgrest-server.js';
import { median, monitorCommand, runOnce } from './measure.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'keep-in': { type: 'string' },
    'database-url': { type: 'string' },
    until: { type: 'string' },
    days: { type: 'string' },
    runs: { type: 'string', default: '5' },
    'skip-exact': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const KEY = 'bench-slo-service-key';
const MINUTE = 60_000;
const DAY = 86_400_000;
const SLOS = ['--slo', 'availability>=99.9', '--slo', 'hubspot.availability>=99.5', '--slo', 'n8n.latency(2000)>=99'];

/** Loads `days` x `perDay` rows ending at `until` into a fresh database, and refreshes the rollups. */
async function load(url: string, days: number, perDay: number, until: Date): Promise<void> {
  await prepareSupabaseLike(url, { withRpc: true });
  // generateRows fills two windows of `hours` each: half the days each.
  for (let chunk = 0; chunk < days; chunk += 2) {
    const end = new Date(until.getTime() - chunk * DAY).toISOString();
    // Ids unique across chunks: the table's key (a duplicate fails the COPY).
    const rows = generateRows({ operationsPerWindow: perDay, until: end, hours: 24, seed: 7 + chunk, burst: 0 });
    await loadIntoPostgres(
      url,
      rows.map((row) => ({ ...row, id: row.id + chunk * 100_000_000 })),
    );
    process.stderr.write(`loaded days ${chunk}-${chunk + 1} before the end\n`);
  }
  await withSql(url, (sql) => sql`ANALYZE integration_logs`);
  await runSqlFile(url, fileURLToPath(new URL('../sql/rollup.sql', import.meta.url)));
  const refreshStart = performance.now();
  // Up to the current hour, 48 hours a call (the refresh's own step).
  for (let call = 0; call < days; call++) {
    const [row] = await withSql(url, (sql) =>
      sql.unsafe<{ done: boolean }[]>(
        `SELECT watermark >= date_trunc('hour', now()) AS done FROM perf_monitor_refresh_rollups('0 hours', 48)`,
      ),
    );
    if (row?.done) break;
  }
  process.stderr.write(
    `loaded ${days} days x ${perDay}/day; rollups refreshed in ${((performance.now() - refreshStart) / 1000).toFixed(1)} s\n`,
  );
}

/** The data's span: the minute after its newest row, and its whole days (at most 90). */
async function spanOf(url: string): Promise<{ until: Date; days: number }> {
  const [row] = await withSql(url, (sql) =>
    sql.unsafe<{ first: Date | null; last: Date | null }[]>(
      'SELECT (SELECT min(created_at) FROM integration_logs) AS first, (SELECT max(created_at) FROM integration_logs) AS last',
    ),
  );
  if (!row?.first || !row.last) throw new Error('integration_logs holds no row');
  const until = new Date(Math.floor(row.last.getTime() / MINUTE) * MINUTE + MINUTE);
  return { until, days: Math.min(90, Math.max(1, Math.floor((until.getTime() - row.first.getTime()) / DAY))) };
}

async function measure(url: string, until: Date, days: number): Promise<void> {
  const api = await startPostgrestServer({ databaseUrl: url, serviceRoleKey: KEY });
  try {
    const base = ['--format', 'json', '--hours', '1', '--until', until.toISOString(), '--slo-period', `${days}d`];
    const pgEnv = { DATABASE_URL: url, PERFMON_TIMEOUT_MS: '120000' };
    const rpcEnv = { SUPABASE_URL: api.url, SUPABASE_SERVICE_ROLE_KEY: KEY, PERFMON_TIMEOUT_MS: '120000' };
    const all: [string, string[], Record<string, string>][] = [
      ['DATABASE_URL --hours 1', base, pgEnv],
      ['DATABASE_URL --hours 1 + 3 SLOs (rollups)', [...base, ...SLOS], pgEnv],
      ['DATABASE_URL --hours 1 + 3 SLOs --exact', [...base, ...SLOS, '--exact'], pgEnv],
      ['Supabase RPC --hours 1', base, rpcEnv],
      ['Supabase RPC --hours 1 + 3 SLOs (rollups)', [...base, ...SLOS], rpcEnv],
    ];
    const cases = values['skip-exact'] ? all.filter(([name]) => !name.endsWith('--exact')) : all;
    process.stderr.write(`measuring ${days}d SLO period ending ${until.toISOString()}, median of ${RUNS}\n`);
    const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    for (const [, args, env] of cases) await runOnce(monitorCommand(args, env)); // warm-up
    for (let i = 0; i < RUNS; i++) {
      for (const [name, args, env] of cases) {
        const run = await runOnce(monitorCommand(args, env));
        if (run.code !== 0) throw new Error(`${name}: exit ${run.code}: ${run.stderr}`);
        times.get(name)?.push(run.wallMs);
      }
    }
    for (const [name, list] of times) process.stdout.write(`${name.padEnd(48)} median ${(median(list) / 1000).toFixed(3)} s\n`);
  } finally {
    await api.close();
  }
}

const given = values['database-url'];
if (given !== undefined) {
  // An existing database: measured as it is, with this build's RPC.
  await runSqlFile(given, RPC_SQL);
  const span = await spanOf(given);
  const until = values.until === undefined ? span.until : new Date(values.until);
  const days = values.days === undefined ? span.days : Number(values.days);
  await measure(given, until, days);
} else {
  const days = Number(positionals[0] ?? 10);
  const perDay = Number(positionals[1] ?? 100_000);
  let pg: PgServer | undefined;
  try {
    pg = await startPostgres(values['keep-in'] === undefined ? {} : { keepIn: values['keep-in'] });
    const url = await pg.createDatabase(`bench_slo_${days}x${perDay}`, { reuse: true });
    const [loaded] = await withSql(url, (sql) =>
      sql.unsafe<{ ready: boolean }[]>("SELECT to_regclass('public.perf_monitor_rollup_state') IS NOT NULL AS ready"),
    );
    if (loaded?.ready) {
      // A kept database loaded by an earlier run: this build's RPC on the same data.
      await runSqlFile(url, RPC_SQL);
      const span = await spanOf(url);
      await measure(url, span.until, days);
    } else {
      const until = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
      await load(url, days, perDay, until);
      await measure(url, until, days);
    }
  } finally {
    await pg?.stop();
  }
}
