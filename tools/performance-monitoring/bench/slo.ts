// The SLO read's extra cost (docs/slos.md): `npx tsx tools/performance-monitoring/bench/slo.ts
// [days] [operations a day]` loads that many days into PostgreSQL (the harness's), refreshes the
// rollups, then times the CLI as a user runs it (separate processes, one warm-up, median of 5,
// interleaved): a plain `--hours 1` report, the same with three SLOs over the whole data as their
// period (the rollups read), with --exact (raw rows), and both through the Supabase RPC.
// Defaults 10 days x 100k a day: the issue's 60 days x 1M a day is bench/rollup-large.ts' data.
import { fileURLToPath } from 'node:url';
import { generateRows, loadIntoPostgres, prepareSupabaseLike } from '../harness/dataset.js';
import { runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { startPostgrestServer } from '../harness/postgrest-server.js';
import { median, monitorCommand, runOnce } from './measure.js';

const days = Number(process.argv[2] ?? 10);
const perDay = Number(process.argv[3] ?? 100_000);
const RUNS = 5;
const KEY = 'bench-slo-service-key';
const until = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const SLOS = ['--slo', 'availability>=99.9', '--slo', 'hubspot.availability>=99.5', '--slo', 'n8n.latency(2000)>=99'];

const pg = await startPostgres();
try {
  const url = await pg.createDatabase('bench_slo');
  await prepareSupabaseLike(url, { withRpc: true });
  // generateRows fills two windows of `hours` each: half the days each.
  for (let chunk = 0; chunk < days; chunk += 2) {
    const end = new Date(until.getTime() - chunk * 86_400_000).toISOString();
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
  const api = await startPostgrestServer({ databaseUrl: url, serviceRoleKey: KEY });
  const base = ['--format', 'json', '--hours', '1', '--until', until.toISOString(), '--slo-period', `${days}d`];
  const pgEnv = { DATABASE_URL: url, PERFMON_TIMEOUT_MS: '120000' };
  const rpcEnv = { SUPABASE_URL: api.url, SUPABASE_SERVICE_ROLE_KEY: KEY, PERFMON_TIMEOUT_MS: '120000' };
  const cases: [string, string[], Record<string, string>][] = [
    ['DATABASE_URL --hours 1', base, pgEnv],
    ['DATABASE_URL --hours 1 + 3 SLOs (rollups)', [...base, ...SLOS], pgEnv],
    ['DATABASE_URL --hours 1 + 3 SLOs --exact', [...base, ...SLOS, '--exact'], pgEnv],
    ['Supabase RPC --hours 1', base, rpcEnv],
    ['Supabase RPC --hours 1 + 3 SLOs (rollups)', [...base, ...SLOS], rpcEnv],
  ];
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
  await api.close();
} finally {
  await pg.stop();
}
