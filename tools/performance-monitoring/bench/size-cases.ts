// The cases run on each --sizes dataset: the files (Parquet, NDJSON), then the same rows loaded
// into the bench's PostgreSQL cluster for DATABASE_URL (all, one service, one hour, with their
// EXPLAIN ANALYZE), and behind the PostgREST test server for the Supabase fallback, the naive
// baseline (paged and not) and the RPC. Each size's database is dropped when its cases are done.

import { OPERATION_SQL, RPC_SQL } from '../harness/dataset.js';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import type { PostgrestServer } from '../harness/postgrest-server.js';
import { aggregationParams, aggregationSql } from '../sources/sql/aggregate.js';
import { countLine, lastLine, reportCheck, type Supabase, startSupabase, TIMEOUT_ENV } from './cli-runs.js';
import { type DatasetFiles, generateDataset, loadPostgres, sizeLabel } from './datasets.js';
import { BASELINE, type Command, monitorCommand, runOnce } from './measure.js';
import { PG_SOURCES, type SourceId } from './options.js';
import { BENCH_HOURS, BENCH_UNTIL, ONE_SERVICE, SERVICES, WINDOW_END_MS } from './profile.js';
import { summarizePlan } from './report.js';
import type { Session } from './session.js';

const INDEXES = ['integration_logs_created_at_idx', 'integration_logs_source_created_at_idx'];
/** The fallback pages every row through HTTP; the baseline is slower still. */
const FALLBACK_MAX = 1_000_000;
const BASELINE_MAX = 100_000;
/** A bulk load of 10M rows: WAL and index builds with room (the cluster is otherwise the tests'). */
const CLUSTER_CONFIG = ['max_wal_size = 4GB', 'maintenance_work_mem = 512MB', 'checkpoint_timeout = 30min'];

export const windowArgs = (hours = BENCH_HOURS) => ['--until', BENCH_UNTIL, '--hours', String(hours), '--format', 'json'];

let pg: PgServer | null = null;
let supabase: Supabase | null = null;

/** Stops what these cases started (also on Ctrl-C): the PostgREST server and the throwaway cluster. */
export async function stopSizeCases(): Promise<void> {
  await supabase?.server.close().catch(() => {});
  supabase = null;
  await pg?.stop().catch(() => {});
  pg = null;
}

/** Every --sizes dataset in turn, smallest first; PostgreSQL started when a source needs it. */
export async function benchSizes(session: Session, dataDir: string): Promise<void> {
  const { options } = session;
  if ([...options.only].some((id) => PG_SOURCES.includes(id))) {
    session.log('\n== starting PostgreSQL');
    pg = await startPostgres({ extraConfig: CLUSTER_CONFIG });
  }
  for (const n of options.sizes) {
    if (session.interrupted) break;
    await benchSize(session, dataDir, n);
  }
  await stopSizeCases();
}

async function benchSize(session: Session, dataDir: string, n: number): Promise<void> {
  const { log, notes, options } = session;
  const label = sizeLabel(n);
  log(`\n== ${label} operations per window: dataset`);
  const data = await generateDataset(dataDir, n, log);
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  log(
    `  ${data.truth.rows.toLocaleString('en-US')} rows (${data.truth.current.toLocaleString('en-US')} + ${data.truth.previous.toLocaleString('en-US')} operations), ${data.reused ? 'reused' : 'generated'} in ${(data.generatedMs / 1000).toFixed(1)} s; parquet ${mb(data.bytes.parquet)} MB, ndjson ${mb(data.bytes.ndjson)} MB, csv ${mb(data.bytes.csv)} MB`,
  );
  const datasetInfo: Record<string, unknown> = {
    size: label,
    n,
    rows: data.truth.rows,
    operations: { current: data.truth.current, previous: data.truth.previous },
    bytes: data.bytes,
    generatedMs: Math.round(data.generatedMs),
    reused: data.reused,
  };
  session.datasets.push(datasetInfo);
  const on = (id: SourceId) => options.only.has(id);
  const measure = (
    id: SourceId,
    name: string,
    command: Command,
    expectedOps: number,
    source: { kind: string; aggregation: string },
    server: PostgrestServer | null = null,
  ) => session.measure(id, name, data, command, reportCheck(expectedOps, source), server);

  if (on('parquet'))
    await measure('parquet', '--input Parquet', monitorCommand([...windowArgs(), '--input', data.parquet]), n, {
      kind: 'file',
      aggregation: 'client',
    });
  if (on('ndjson'))
    await measure('ndjson', '--input NDJSON', monitorCommand([...windowArgs(), '--input', data.ndjson]), n, {
      kind: 'file',
      aggregation: 'client',
    });

  if (!PG_SOURCES.some(on) || session.interrupted || pg === null) return;
  log(`  loading PostgreSQL...`);
  const db = `bench_${label}`;
  const databaseUrl = await pg.createDatabase(db);
  const loaded = await loadPostgres(databaseUrl, data);
  datasetInfo.postgresLoadMs = Math.round(loaded.ms);
  log(`  loaded into PostgreSQL (schema.sql, COPY, indexes, VACUUM ANALYZE) in ${(loaded.ms / 1000).toFixed(1)} s`);
  const pgEnv = { DATABASE_URL: databaseUrl, ...TIMEOUT_ENV };
  const server = { kind: 'postgres', aggregation: 'server' };

  if (on('postgres')) await measure('postgres', 'DATABASE_URL', monitorCommand(windowArgs(), pgEnv), n, server);
  if (on('postgres-service')) {
    const serviceOps = data.truth.services[ONE_SERVICE]?.current ?? 0;
    await measure(
      'postgres-service',
      `DATABASE_URL --service ${ONE_SERVICE}`,
      monitorCommand([...windowArgs(), '--service', ONE_SERVICE], pgEnv),
      serviceOps,
      server,
    );
  }
  if (on('postgres-1h')) {
    const oneHourOps = await countOps(databaseUrl, WINDOW_END_MS - 3_600_000);
    if (!notes.some((x) => x.startsWith('DATABASE_URL --hours 1:'))) {
      notes.push(
        'DATABASE_URL --hours 1: both windows are 1/24 of the table, as in a table holding history (the 24 h windows hold the whole table)',
      );
    }
    await measure('postgres-1h', 'DATABASE_URL --hours 1', monitorCommand(windowArgs(1), pgEnv), oneHourOps, server);
  }
  // The plans at 1M (or the largest size below it): what the targets ask about.
  if (n >= 1_000_000 || options.sizes.every((s) => s < 1_000_000 && s <= n)) {
    await explain(session, databaseUrl, label, 'all services, --hours 24', null, BENCH_HOURS);
    await explain(session, databaseUrl, label, `--service ${ONE_SERVICE}, --hours 24`, ONE_SERVICE, BENCH_HOURS);
    await explain(session, databaseUrl, label, 'all services, --hours 1', null, 1);
  }

  if (on('rpc') || on('fallback') || on('baseline')) await benchSupabase(session, data, n, databaseUrl, measure);

  // Free the disk: the database of this size is not needed any more.
  await withSql(pg.url('postgres'), (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
}

type Measure = (
  id: SourceId,
  name: string,
  command: Command,
  expectedOps: number,
  source: { kind: string; aggregation: string },
  server?: PostgrestServer | null,
) => Promise<unknown>;

/** The Supabase rows of one size over a PostgREST server on `databaseUrl`: fallback and naive baseline
 *  first, without the RPC; then the RPC is installed and measured. */
async function benchSupabase(session: Session, data: DatasetFiles, n: number, databaseUrl: string, measure: Measure): Promise<void> {
  const { notes, options } = session;
  const on = (id: SourceId) => options.only.has(id);
  const label = sizeLabel(n);
  supabase = await startSupabase(databaseUrl);
  const rest = supabase.server;
  // Fallback and baseline first, without the RPC; then the RPC is installed.
  if (on('fallback')) {
    if (n <= FALLBACK_MAX)
      await measure(
        'fallback',
        'Supabase fallback (no RPC)',
        monitorCommand(windowArgs(), supabase.env),
        n,
        { kind: 'supabase', aggregation: 'client' },
        rest,
      );
    else notes.push(`Supabase fallback not measured at ${label} (pages every row over HTTP; measured up to ${sizeLabel(FALLBACK_MAX)})`);
  }
  if (on('baseline')) {
    if (n <= BASELINE_MAX) await benchBaseline(session, data, supabase);
    else notes.push(`naive baseline not measured at ${label} (offset paging is quadratic; measured up to ${sizeLabel(BASELINE_MAX)})`);
  }
  if (on('rpc')) {
    await runSqlFile(databaseUrl, RPC_SQL);
    await measure('rpc', 'Supabase RPC', monitorCommand(windowArgs(), supabase.env), n, { kind: 'supabase', aggregation: 'server' }, rest);
  }
  await rest.close();
  supabase = null;
}

/** EXPLAIN ANALYZE of the CLI's aggregation over `hours` (and `service`), summarised into the plans. */
async function explain(
  session: Session,
  databaseUrl: string,
  size: string,
  query: string,
  service: string | null,
  hours: number,
): Promise<void> {
  try {
    const end = new Date(WINDOW_END_MS);
    const span = hours * 3_600_000;
    const params = aggregationParams({
      start: new Date(end.getTime() - span),
      end,
      previousStart: new Date(end.getTime() - 2 * span),
      services: service === null ? null : [service],
      threshold: 2000,
    });
    const rows = await withSql(databaseUrl, (sql) => sql.unsafe(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${aggregationSql()}`, params));
    const first = rows[0] as Record<string, unknown> | undefined;
    const value = first ? Object.values(first)[0] : null;
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    session.plans.push(summarizePlan(size, query, parsed, INDEXES));
  } catch (error) {
    session.notes.push(`EXPLAIN ${size} ${query} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Operations from `fromMs` to the window's end: the truth of a window the files do not count. */
async function countOps(databaseUrl: string, fromMs: number): Promise<number> {
  const rows = await withSql(databaseUrl, (sql) =>
    sql.unsafe(`SELECT count(*)::bigint AS n FROM integration_logs WHERE created_at >= $1 AND created_at < $2 AND ${OPERATION_SQL}`, [
      new Date(fromMs).toISOString(),
      new Date(WINDOW_END_MS).toISOString(),
    ]),
  );
  return Number((rows[0] as { n: string } | undefined)?.n ?? 0);
}

interface BaselineOutput {
  requests: number;
  overall: { current: { operations: number } };
  services: Array<{ service: string; rowsRead: number; current: { operations: number }; previous: { operations: number } }>;
}

function baselineCommand(supabase: Supabase, paging: boolean): Command {
  return {
    script: BASELINE,
    args: [
      '--until',
      BENCH_UNTIL,
      '--hours',
      String(BENCH_HOURS),
      '--services',
      SERVICES.map((s) => s.name).join(','),
      ...(paging ? [] : ['--no-paging']),
    ],
    env: { SUPABASE_URL: supabase.server.url, SUPABASE_SERVICE_ROLE_KEY: supabase.key },
  };
}

/** The naive baseline measured (offset pages), then run once without paging to show what that misses. */
async function benchBaseline(session: Session, data: DatasetFiles, supabase: Supabase): Promise<void> {
  const n = data.n;
  let paged: BaselineOutput | null = null;
  await session.measure(
    'baseline',
    'naive baseline (offset pages, JS)',
    data,
    baselineCommand(supabase, true),
    (st) => (r) => {
      if (r.code !== 0) throw new Error(`exit ${String(r.code)}: ${lastLine(r.stderr)}`);
      const out = JSON.parse(r.stdout) as BaselineOutput;
      paged = out;
      st.check = countLine(out.overall.current.operations, n);
    },
    supabase.server,
  );
  const result = await runOnce(baselineCommand(supabase, false));
  const pagedOut = paged as BaselineOutput | null;
  if (result.code !== 0 || pagedOut === null) {
    session.notes.push(`unpaged baseline at ${data.label} failed: ${lastLine(result.stderr)}`);
    return;
  }
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
  session.unpaged.push({ size: data.label, services, truthTotal: sum('truth'), pagedTotal: sum('paged'), unpagedTotal: sum('unpaged') });
}
