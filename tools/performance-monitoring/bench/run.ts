// `npm run bench`: generates datasets, loads them into files, PostgreSQL and the PostgREST test
// server, runs the real CLI for every source (separate process, warm-up + median of N runs),
// compares with the naive baseline, prints the table and writes the figures as JSON.
//
//   npm run bench -- [--sizes 10k,100k,1m] [--large] [--runs 3] [--only parquet,ndjson,...]
//                    [--out bench/results/latest.json] [--data-dir DIR]
//                    [--rollup-days 60] [--rollup-per-day 1m]
//
// Sources (--only): parquet, ndjson, postgres, postgres-service, postgres-1h, rpc, fallback,
// baseline, demo, help, rollup. The floor (the runner starting an empty file) is always measured.
// --large adds the rollup case (bench/rollup-large.ts: 60 days x 1M operations/day in
// PostgreSQL); `--only rollup` runs it alone. 10M per window: `--sizes 10k,100k,1m,10m`.
// --data-dir keeps the generated files there and reuses them next time (default: a temp dir,
// removed at the end). Everything listens on and talks to 127.0.0.1 only.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command as Program, CommanderError, InvalidArgumentError } from 'commander';
import postgres from 'postgres';
import { aggregationParams, aggregationSql } from '../sources/sql/aggregate.js';
import { startPostgres, runSqlFile, type PgServer } from '../harness/postgres.js';
import { OPERATION_SQL, RPC_SQL } from '../harness/dataset.js';
import { startPostgrestServer, type PostgrestServer } from '../harness/postgrest-server.js';
import {
  BENCH_HOURS, BENCH_UNTIL, CURRENT_START_MS, ONE_SERVICE, SERVICES, WINDOW_END_MS,
  generateDataset, loadPostgres, sizeLabel, type DatasetFiles,
} from './datasets.js';
import { BASELINE, cleanupScratch, emptyScript, killCurrent, measure, median, monitorCommand, pageFaultCost, rssMethod, runOnce, type Command, type RunResult, type Series } from './measure.js';
import { computeRatios, computeTargets, renderTable, summarizePlan, writeResults, type Measurement, type PlanSummary, type Results, type UnpagedCheck } from './report.js';
import { benchRollupLarge, stopRollupBench } from './rollup-large.js';
import { rollupTargets, type RollupFigures } from './rollup-report.js';

const ALL_SOURCES = ['parquet', 'ndjson', 'postgres', 'postgres-service', 'postgres-1h', 'rpc', 'fallback', 'baseline', 'demo', 'help', 'rollup'] as const;
type SourceId = (typeof ALL_SOURCES)[number];
const PG_SOURCES: SourceId[] = ['postgres', 'postgres-service', 'postgres-1h', 'rpc', 'fallback', 'baseline'];
/** The sources run on the --sizes datasets. */
const SIZE_SOURCES: SourceId[] = ['parquet', 'ndjson', ...PG_SOURCES];
const INDEXES = ['integration_logs_created_at_idx', 'integration_logs_source_created_at_idx'];
/** The fallback pages every row through HTTP; the baseline is slower still. */
const FALLBACK_MAX = 1_000_000;
const BASELINE_MAX = 100_000;

const DEFAULT_OUT = fileURLToPath(new URL('./results/latest.json', import.meta.url));

// ---- options ----------------------------------------------------------------------------------

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`size '${text}' is not like 10k, 100k, 1m`);
  const n = Math.round(Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1));
  if (n < 10 || n > 20_000_000) throw new InvalidArgumentError(`size '${text}' must be between 10 and 20m`);
  return n;
}

function parseDays(text: string): number {
  const days = Number(text);
  if (!Number.isInteger(days) || days < 2 || days > 366 || days % 2 !== 0) throw new InvalidArgumentError('--rollup-days must be an even whole number from 2 to 366');
  return days;
}

function parseRuns(text: string): number {
  const runs = Number(text);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new InvalidArgumentError('--runs must be a whole number from 1 to 50');
  return runs;
}

function parseOnly(text: string): Set<SourceId> {
  const names = text.split(',').map((x) => x.trim());
  for (const name of names) if (!(ALL_SOURCES as readonly string[]).includes(name)) throw new InvalidArgumentError(`unknown source '${name}'`);
  return new Set(names as SourceId[]);
}

interface BenchOptions {
  sizes: number[];
  large: boolean;
  runs: number;
  only: Set<SourceId>;
  out: string;
  dataDir: string | null;
  /** Run the rollup case: --large with rollup among the sources, or --only naming rollup. */
  rollup: boolean;
  rollupDays: number;
  rollupPerDay: number;
}

/** Bad options: `bench: <what>` and the usage on stderr, exit 2; --help on stdout, exit 0. */
function parseOptions(argv: string[]): BenchOptions {
  const program = new Program('npm run bench --')
    .description('benchmark of perf-monitor: every source on generated datasets, next to the floor and the naive baseline')
    .option('--sizes <list>', 'operations per window, comma-separated (default: 10k,100k,1m)', (v) => v.split(',').map(parseSize))
    .option('--large', 'add the rollup case: 60 days x 1M operations a day in PostgreSQL (10M per window: --sizes ...,10m)')
    .option('--rollup-days <n>', 'days of data in the rollup case, even (default: 60)', parseDays)
    .option('--rollup-per-day <size>', 'operations a day in the rollup case (default: 1m)', parseSize)
    .option('--runs <n>', 'measured runs per source, after one warm-up (default: 3)', parseRuns)
    .option('--only <list>', `sources, comma-separated (default: all): ${ALL_SOURCES.join(',')}`, parseOnly)
    .option('--out <file>', 'where the results JSON goes (default: bench/results/latest.json)')
    .option('--data-dir <dir>', 'keep the generated datasets there and reuse them (default: a temporary dir)')
    .allowExcessArguments(false)
    .showHelpAfterError('(npm run bench -- --help lists the options)')
    .configureOutput({ outputError: (text, write) => write(`bench: ${text.replace(/^error: /, '')}`) })
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    process.exit(error instanceof CommanderError && error.exitCode === 0 ? 0 : 2);
  }
  const o = program.opts<{ sizes?: number[]; large?: boolean; runs?: number; only?: Set<SourceId>; out?: string; dataDir?: string; rollupDays?: number; rollupPerDay?: number }>();
  const large = o.large ?? false;
  const sizes = o.sizes ?? [10_000, 100_000, 1_000_000];
  return {
    rollup: o.only ? o.only.has('rollup') : large,
    rollupDays: o.rollupDays ?? 60,
    rollupPerDay: o.rollupPerDay ?? 1_000_000,
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    large,
    runs: o.runs ?? 3,
    only: o.only ?? new Set(ALL_SOURCES),
    out: o.out ?? DEFAULT_OUT,
    dataDir: o.dataDir ?? null,
  };
}

const options = parseOptions(process.argv.slice(2));
const log = (line: string) => process.stderr.write(`${line}\n`);

// ---- cleanup (also on Ctrl-C) -----------------------------------------------------------------

let pg: PgServer | null = null;
let rest: PostgrestServer | null = null;
const tempDataDir = options.dataDir === null ? mkdtempSync(join(tmpdir(), 'perfmon-bench-data-')) : null;
// As root, the rollup case's cluster runs as `postgres`, who must be able to enter the dir.
if (tempDataDir) chmodSync(tempDataDir, 0o711);
const dataDir = options.dataDir ?? (tempDataDir as string);

async function cleanup(): Promise<void> {
  killCurrent();
  await rest?.close().catch(() => {});
  rest = null;
  await pg?.stop().catch(() => {});
  pg = null;
  await stopRollupBench();
  cleanupScratch();
  if (tempDataDir) rmSync(tempDataDir, { recursive: true, force: true });
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`\nbench: ${signal}, stopping PostgreSQL and cleaning up...`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---- measuring ----------------------------------------------------------------------------------

const measurements: Measurement[] = [];
const floorSeries: Series[] = [];
const plans: PlanSummary[] = [];
const unpaged: UnpagedCheck[] = [];
const datasets: Array<Record<string, unknown>> = [];
const notes: string[] = [];
let rollupFigures: RollupFigures | null = null;

interface JsonReport {
  healthScore: number | null;
  overall: { totalOperations: number; avgDuration: number | null; p95Duration: number | null; p99Duration: number | null; errorRate: number | null };
  source: { kind: string; aggregation: string };
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 300) ?? '';
}

/** Checks a CLI run: exit 0, a JSON report of the expected source, the expected operation count. */
function reportCheck(expectedOps: number, kind: string, aggregation: string, state: { check: string; signature: string | null }) {
  return (r: RunResult) => {
    if (r.code !== 0) throw new Error(`exit ${String(r.code)}: ${lastLine(r.stderr)}`);
    const report = JSON.parse(r.stdout) as JsonReport;
    if (report.source.kind !== kind || report.source.aggregation !== aggregation) {
      throw new Error(`source ${report.source.kind}/${report.source.aggregation}, expected ${kind}/${aggregation}`);
    }
    const ops = report.overall.totalOperations;
    state.check = ops === expectedOps ? `ok: ${ops.toLocaleString('en-US')} ops` : `WRONG: ${ops.toLocaleString('en-US')} ops, truth ${expectedOps.toLocaleString('en-US')}`;
    const o = report.overall;
    state.signature = `ops=${ops} score=${String(report.healthScore)} avg=${String(o.avgDuration)} p95=${String(o.p95Duration)} p99=${String(o.p99Duration)} err=${String(o.errorRate)}`;
  };
}

function exitZero(state: { check: string; signature: string | null }) {
  return (r: RunResult) => {
    if (r.code !== 0) throw new Error(`exit ${String(r.code)}: ${lastLine(r.stderr)}`);
    state.check = `ok: exit 0, ${r.stdout.length.toLocaleString('en-US')} chars out`;
  };
}

async function bench(
  id: string,
  label: string,
  data: Pick<DatasetFiles, 'label' | 'n'> | null,
  command: Command,
  check: (state: { check: string; signature: string | null }) => (r: RunResult) => void,
  server: PostgrestServer | null = null,
): Promise<Measurement | null> {
  if (interrupted) return null;
  const state = { check: '', signature: null as string | null };
  const requestCounts: number[] = [];
  const hooks = server
    ? {
        before: () => server.resetStats(),
        after: () => {
          requestCounts.push(server.requests.length);
          return server.bytesSent;
        },
      }
    : {};
  const started = performance.now();
  const base = { id, label, size: data?.label ?? null, n: data?.n ?? null };
  try {
    const floor = id === 'floor' ? undefined : { script: emptyScript(), args: [] };
    const series = await measure(command, options.runs, hooks, check(state), floor);
    if (id === 'floor') {
      floorSeries.push(series);
      log(`  floor: median ${(series.medianMs / 1000).toFixed(3)} s`);
      return null;
    }
    const m: Measurement = {
      ...base,
      medianMs: series.medianMs,
      floorMs: series.floorMs ?? NaN,
      minMs: series.minMs,
      maxMs: series.maxMs,
      aboveFloorMs: NaN,
      wallMs: series.runs.map((r) => Math.round(r.wallMs)),
      peakRssMb: series.peakRssKb === null ? null : series.peakRssKb / 1024,
      cpuMs: series.cpuMs,
      aboveFloorCpuMs: series.cpuMs !== null && series.floorCpuMs !== null ? series.cpuMs - series.floorCpuMs : null,
      httpBytes: series.bytes,
      httpRequests: requestCounts.length > 0 ? median(requestCounts.slice(1)) : null,
      check: state.check,
      signature: state.signature,
      error: null,
    };
    measurements.push(m);
    log(`  ${pad(base.size ?? '-', 5)} ${pad(label, 34)} median ${(m.medianMs / 1000).toFixed(3)} s, RSS ${m.peakRssMb?.toFixed(0) ?? '?'} MB${m.httpBytes !== null ? `, ${m.httpBytes.toLocaleString('en-US')} B` : ''}  ${state.check}  (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    return m;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    measurements.push({ ...base, medianMs: NaN, minMs: NaN, maxMs: NaN, aboveFloorMs: NaN, wallMs: [], peakRssMb: null, cpuMs: null, aboveFloorCpuMs: null, floorMs: NaN, httpBytes: null, httpRequests: null, check: '', signature: null, error: message });
    log(`  ${pad(base.size ?? '-', 5)} ${pad(label, 34)} FAILED: ${message}`);
    return null;
  }
}

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));
const windowArgs = (hours = BENCH_HOURS) => ['--until', BENCH_UNTIL, '--hours', String(hours), '--format', 'json'];
/**
 * The default PERFMON_TIMEOUT_MS (30 s) is shorter than some runs at 10M rows/window: the bench
 * measures how long they take, so it allows 10 minutes (and notes when a run needed more than 30 s).
 */
const TIMEOUT_ENV = { PERFMON_TIMEOUT_MS: '600000' };

async function explain(databaseUrl: string, size: string, query: string, service: string | null, hours: number): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const end = new Date(WINDOW_END_MS);
    const span = hours * 3_600_000;
    const params = aggregationParams({ start: new Date(end.getTime() - span), end, previousStart: new Date(end.getTime() - 2 * span), service, threshold: 2000 });
    const rows = await sql.unsafe(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${aggregationSql()}`, params);
    const first = rows[0] as Record<string, unknown> | undefined;
    const value = first ? Object.values(first)[0] : null;
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    plans.push(summarizePlan(size, query, parsed, INDEXES));
  } catch (error) {
    notes.push(`EXPLAIN ${size} ${query} failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function countOps(databaseUrl: string, fromMs: number, service: string | null): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql.unsafe(
      `SELECT count(*)::bigint AS n FROM integration_logs WHERE created_at >= $1 AND created_at < $2
         AND ${OPERATION_SQL} AND ($3::text IS NULL OR source = $3::text)`,
      [new Date(fromMs).toISOString(), new Date(WINDOW_END_MS).toISOString(), service],
    );
    return Number((rows[0] as { n: string } | undefined)?.n ?? 0);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

interface BaselineOutput {
  requests: number;
  overall: { current: { operations: number } };
  services: Array<{ service: string; rowsRead: number; current: { operations: number }; previous: { operations: number } }>;
}

function baselineCommand(server: PostgrestServer, key: string, paging: boolean): Command {
  return {
    script: BASELINE,
    args: ['--until', BENCH_UNTIL, '--hours', String(BENCH_HOURS), '--services', SERVICES.map((s) => s.name).join(','), ...(paging ? [] : ['--no-paging'])],
    env: { SUPABASE_URL: server.url, SUPABASE_SERVICE_ROLE_KEY: key },
  };
}

// ---- one dataset size -----------------------------------------------------------------------------

async function benchSize(n: number): Promise<void> {
  const label = sizeLabel(n);
  log(`\n== ${label} operations per window: dataset`);
  const data = await generateDataset(dataDir, n, log);
  log(`  ${data.truth.rows.toLocaleString('en-US')} rows (${data.truth.current.toLocaleString('en-US')} + ${data.truth.previous.toLocaleString('en-US')} operations), ${data.reused ? 'reused' : 'generated'} in ${(data.generatedMs / 1000).toFixed(1)} s; parquet ${(data.bytes.parquet / 1e6).toFixed(1)} MB, ndjson ${(data.bytes.ndjson / 1e6).toFixed(1)} MB, csv ${(data.bytes.csv / 1e6).toFixed(1)} MB`);
  const datasetInfo: Record<string, unknown> = { size: label, n, rows: data.truth.rows, operations: { current: data.truth.current, previous: data.truth.previous }, bytes: data.bytes, generatedMs: Math.round(data.generatedMs), reused: data.reused };
  datasets.push(datasetInfo);
  const on = (id: SourceId) => options.only.has(id);

  if (on('parquet')) await bench('parquet', '--input Parquet', data, monitorCommand([...windowArgs(), '--input', data.parquet]), (st) => reportCheck(n, 'file', 'client', st));
  if (on('ndjson')) await bench('ndjson', '--input NDJSON', data, monitorCommand([...windowArgs(), '--input', data.ndjson]), (st) => reportCheck(n, 'file', 'client', st));

  if (!PG_SOURCES.some(on) || interrupted) return;
  const server = pg as PgServer;
  log(`  loading PostgreSQL...`);
  const db = `bench_${label}`;
  const databaseUrl = await server.createDatabase(db);
  const loaded = await loadPostgres(databaseUrl, data);
  datasetInfo.postgresLoadMs = Math.round(loaded.ms);
  log(`  loaded into PostgreSQL (schema.sql, COPY, indexes, VACUUM ANALYZE) in ${(loaded.ms / 1000).toFixed(1)} s`);
  const pgEnv = { DATABASE_URL: databaseUrl, ...TIMEOUT_ENV };
  const serviceOps = data.truth.services[ONE_SERVICE]?.current ?? 0;

  if (on('postgres')) await bench('postgres', 'DATABASE_URL', data, monitorCommand(windowArgs(), pgEnv), (st) => reportCheck(n, 'postgres', 'server', st));
  if (on('postgres-service')) {
    await bench('postgres-service', `DATABASE_URL --service ${ONE_SERVICE}`, data, monitorCommand([...windowArgs(), '--service', ONE_SERVICE], pgEnv), (st) => reportCheck(serviceOps, 'postgres', 'server', st));
  }
  if (on('postgres-1h')) {
    const oneHourOps = await countOps(databaseUrl, WINDOW_END_MS - 3_600_000, null);
    if (!notes.some((x) => x.startsWith('DATABASE_URL --hours 1:'))) {
      notes.push('DATABASE_URL --hours 1: both windows are 1/24 of the table, as in a table holding history (the 24 h windows hold the whole table)');
    }
    await bench('postgres-1h', 'DATABASE_URL --hours 1', data, monitorCommand(windowArgs(1), pgEnv), (st) => reportCheck(oneHourOps, 'postgres', 'server', st));
  }
  if (n >= 1_000_000 || options.sizes.every((s) => s < 1_000_000 && s <= n)) {
    await explain(databaseUrl, label, 'all services, --hours 24', null, BENCH_HOURS);
    await explain(databaseUrl, label, `--service ${ONE_SERVICE}, --hours 24`, ONE_SERVICE, BENCH_HOURS);
    await explain(databaseUrl, label, 'all services, --hours 1', null, 1);
  }

  if (on('rpc') || on('fallback') || on('baseline')) {
    const key = `bench-service-role-${randomBytes(8).toString('hex')}`;
    rest = await startPostgrestServer({ databaseUrl, serviceRoleKey: key, maxRows: 1000 });
    const supabaseEnv = { SUPABASE_URL: rest.url, SUPABASE_SERVICE_ROLE_KEY: key, ...TIMEOUT_ENV };
    // Fallback and baseline first, without the RPC; then the RPC is installed.
    if (on('fallback')) {
      if (n <= FALLBACK_MAX) {
        await bench('fallback', 'Supabase fallback (no RPC)', data, monitorCommand(windowArgs(), supabaseEnv), (st) => reportCheck(n, 'supabase', 'client', st), rest);
      } else {
        notes.push(`Supabase fallback not measured at ${label} (pages every row over HTTP; measured up to ${sizeLabel(FALLBACK_MAX)})`);
      }
    }
    if (on('baseline')) {
      if (n <= BASELINE_MAX) {
        const holder: { paged: BaselineOutput | null } = { paged: null };
        await bench('baseline', 'naive baseline (offset pages, JS)', data, baselineCommand(rest, key, true), (st) => (r) => {
          if (r.code !== 0) throw new Error(`exit ${String(r.code)}: ${lastLine(r.stderr)}`);
          const out = JSON.parse(r.stdout) as BaselineOutput;
          holder.paged = out;
          const ops = out.overall.current.operations;
          st.check = ops === n ? `ok: ${ops.toLocaleString('en-US')} ops` : `WRONG: ${ops.toLocaleString('en-US')} ops, truth ${n.toLocaleString('en-US')}`;
        }, rest);
        const result = await runOnce(baselineCommand(rest, key, false));
        const pagedOut = holder.paged;
        if (result.code === 0 && pagedOut !== null) {
          const unpagedOut = JSON.parse(result.stdout) as BaselineOutput;
          const services = SERVICES.map((svc) => {
            const t = data.truth.services[svc.name];
            const p = pagedOut.services.find((x) => x.service === svc.name);
            const u = unpagedOut.services.find((x) => x.service === svc.name);
            return {
              service: svc.name,
              truth: (t?.current ?? 0) + (t?.previous ?? 0),
              paged: (p?.current.operations ?? 0) + (p?.previous.operations ?? 0),
              unpaged: (u?.current.operations ?? 0) + (u?.previous.operations ?? 0),
              unpagedRows: u?.rowsRead ?? 0,
            };
          });
          const sum = (key: 'truth' | 'paged' | 'unpaged') => services.reduce((acc, row) => acc + row[key], 0);
          unpaged.push({ size: label, services, truthTotal: sum('truth'), pagedTotal: sum('paged'), unpagedTotal: sum('unpaged') });
        } else {
          notes.push(`unpaged baseline at ${label} failed: ${lastLine(result.stderr)}`);
        }
      } else {
        notes.push(`naive baseline not measured at ${label} (offset paging is quadratic; measured up to ${sizeLabel(BASELINE_MAX)})`);
      }
    }
    if (on('rpc')) {
      await runSqlFile(databaseUrl, RPC_SQL);
      await bench('rpc', 'Supabase RPC', data, monitorCommand(windowArgs(), supabaseEnv), (st) => reportCheck(n, 'supabase', 'server', st), rest);
    }
    await rest.close();
    rest = null;
  }

  // Free the disk: the database of this size is not needed any more.
  const admin = postgres(server.url('postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

// ---- main -------------------------------------------------------------------------------------------

const startedAt = new Date();
const loadStart = loadavg().map((x) => x.toFixed(2)).join(' ');
const pageFaults = pageFaultCost();
const sizesText = [...options.only].some((id) => SIZE_SOURCES.includes(id)) ? `sizes ${options.sizes.map(sizeLabel).join(', ')}` : 'no --sizes sources';
const rollupText = options.rollup ? `, rollup case ${options.rollupDays} days x ${sizeLabel(options.rollupPerDay)}/day` : '';
log(`perf-monitor bench: ${sizesText}${rollupText}, ${options.runs} runs + warm-up, sources ${[...options.only].join(', ')}`);
log(`data in ${dataDir}${tempDataDir ? ' (temporary)' : ' (kept)'}; results to ${options.out}`);

let failure: string | null = null;
try {
  log('\n== floor, --help, --demo');
  await bench('floor', 'floor (empty .ts)', null, { script: emptyScript(), args: [] }, exitZero);
  if (options.only.has('help')) await bench('help', '--help', null, monitorCommand(['--help']), exitZero);
  if (options.only.has('demo')) await bench('demo', '--demo (text)', null, monitorCommand(['--demo', '--no-color']), exitZero);

  if (options.sizes.length > 0 && [...options.only].some((id) => PG_SOURCES.includes(id))) {
    log('\n== starting PostgreSQL');
    pg = await startPostgres({ extraConfig: ['max_wal_size = 4GB', 'maintenance_work_mem = 512MB', 'checkpoint_timeout = 30min'] });
  }
  if ([...options.only].some((id) => SIZE_SOURCES.includes(id))) {
    for (const n of options.sizes) {
      if (interrupted) break;
      await benchSize(n);
    }
  }
  if (options.rollup && !interrupted) {
    rollupFigures = await benchRollupLarge(
      { log, notes, interrupted: () => interrupted, measure: (id, label, data, command, check, server) => bench(id, label, data, command, check, server) },
      dataDir, options.rollupDays, options.rollupPerDay, options.runs,
    );
    await stopRollupBench();
  }
  log('\n== floor again');
  await bench('floor', 'floor (empty .ts)', null, { script: emptyScript(), args: [] }, exitZero);
} catch (error) {
  // A set-up step failed (a dataset, a server): one line, the servers stopped, no results file.
  failure = error instanceof Error ? error.message : String(error);
} finally {
  if (!interrupted) await cleanup();
}
if (interrupted) process.exit(130);
if (failure !== null) {
  log(`bench: failed: ${failure.split('\n').slice(0, 3).join(' / ')}`);
  process.exit(1);
}

// ---- results ---------------------------------------------------------------------------------------

const floorMs = median(floorSeries.flatMap((s) => s.runs.map((r) => r.wallMs)));
const floorCpuMs = median(floorSeries.flatMap((s) => s.runs.map((r) => r.cpuMs ?? NaN)));
// Each series ran its own floor runs, interleaved with its measured runs (same machine load).
for (const m of measurements) m.aboveFloorMs = m.medianMs - (Number.isNaN(m.floorMs) ? floorMs : m.floorMs);

for (const m of measurements) {
  // One query (PostgreSQL) or one request (RPC) carries the whole aggregation: the default
  // PERFMON_TIMEOUT_MS (30 s) bounds it. The fallback's timeout is per page, so it does not apply.
  if (m.error === null && m.maxMs - m.floorMs > 25_000 && ['postgres', 'postgres-service', 'postgres-1h', 'rpc'].includes(m.id)) {
    const verdict = m.maxMs - m.floorMs > 30_000 ? 'with the default the run fails' : 'close to the default';
    notes.push(`${m.size ?? '-'} ${m.label}: a run took ${(m.maxMs / 1000).toFixed(1)} s; PERFMON_TIMEOUT_MS defaults to 30 s: ${verdict} (the bench allows 600 s)`);
  }
}

// The sources answering the same question must print the same figures.
for (const size of new Set(measurements.map((m) => m.size).filter((x): x is string => x !== null))) {
  const same = measurements.filter((m) => m.size === size && m.signature !== null && ['parquet', 'ndjson', 'postgres', 'rpc', 'fallback'].includes(m.id));
  const signatures = new Set(same.map((m) => m.signature));
  if (signatures.size > 1) notes.push(`${size}: sources disagree: ${same.map((m) => `${m.id} {${m.signature}}`).join(' / ')}`);
  else if (same.length > 1) notes.push(`${size}: ${same.map((m) => m.id).join(', ')} print the same figures (${[...signatures][0]})`);
}

const partial = { measurements, plans, ratios: computeRatios(measurements) };
const results: Results = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadStart,
    loadEnd: loadavg().map((x) => x.toFixed(2)).join(' '),
    rssMethod,
    pageFaults,
  },
  options: { sizes: options.sizes.map(sizeLabel), runs: options.runs, only: [...options.only], until: BENCH_UNTIL, hours: BENCH_HOURS, currentStart: new Date(CURRENT_START_MS).toISOString(), large: options.large, rollup: options.rollup ? { days: options.rollupDays, perDay: options.rollupPerDay } : null },
  datasets,
  floorMs,
  floorCpuMs,
  measurements,
  plans,
  unpaged,
  ratios: partial.ratios,
  targets: [...computeTargets(partial), ...(rollupFigures ? rollupTargets(rollupFigures, measurements) : [])],
  rollup: rollupFigures,
  notes,
};
process.stdout.write(renderTable(results));
writeResults(options.out, results);
log(`wrote ${options.out}`);
