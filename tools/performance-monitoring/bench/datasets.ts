// Benchmark datasets: N operations per window, both windows filled (2N operation rows) plus
// ~3% non-operation info/debug rows, generated SQL-side by in-process DuckDB (one SELECT over
// range(n), deterministic: every random draw is a hash of the row number), written as Parquet,
// NDJSON and CSV, and loaded into PostgreSQL from the CSV with the shipped schema and indexes.
//
// Shape: 8 services, 22 operations with lognormal durations (Box-Muller on hashed uniforms),
// per-service error rates with skewed error messages, warnings, timeouts at 30 s, a few null and
// negative durations, rows in time order (as a logger appends them) and batches of 5 rows
// sharing one created_at (many equal timestamps). n8n is 30% slower in the current window, so
// the report has a degrading trend; xero is slow and n8n fails often, so it has issues.
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import postgres from 'postgres';
import { DATASET_COLUMNS, OPERATION_SQL, prepareSupabaseLike, SCHEMA_SQL } from '../harness/dataset.js';
import { runPsqlCommand, runSqlFile } from '../harness/postgres.js';
import { CURRENT_START_MS, OPERATIONS, PREVIOUS_START_MS, SERVICES, WINDOW_END_MS, WINDOW_SPAN_MS } from './profile.js';

/** Bumped whenever the generated rows change, so kept files are regenerated. */
export const GENERATOR_VERSION = 1;

/** One row in this many also gets a non-operation info/debug row (3.1%). */
const INFO_EVERY = 32;
/** Rows per batch sharing one created_at. */
const BATCH = 5;

const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;
const list = (items: (string | number)[]) => `[${items.map((v) => (typeof v === 'string' ? sqlText(v) : String(v))).join(', ')}]`;

function checkCatalogue(): void {
  const total = OPERATIONS.reduce((sum, op) => sum + op.weight, 0);
  if (total !== 1000) throw new Error(`bench/profile.ts: operation weights sum to ${total}, not 1000`);
  for (const op of OPERATIONS) {
    if (!SERVICES.some((s) => s.name === op.service)) throw new Error(`bench/profile.ts: unknown service ${op.service}`);
  }
}

/**
 * The SELECT producing every row of the dataset with `n` operations per window, in time order.
 * Columns: id, source, operation, level, status, message, duration_ms (INTEGER), created_at
 * (TIMESTAMPTZ; the connection's TimeZone must be UTC) and created_at_text (ISO-8601 with Z).
 */
export function datasetSql(n: number): string {
  checkCatalogue();
  const ops = OPERATIONS.filter((op) => op.weight > 0);
  const buckets: number[] = [];
  ops.forEach((op, index) => {
    for (let k = 0; k < op.weight; k++) buckets.push(index + 1);
  });
  const serviceIndex = (name: string) => SERVICES.findIndex((s) => s.name === name) + 1;
  const messages = SERVICES.flatMap((s) => s.messages);
  const n8n = serviceIndex('n8n');
  // u(k): a uniform draw in (0, 1) from the k-th hash of the row number.
  const u = (k: number) => `((hash(i * 16 + ${k}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0`;
  return `
SELECT
  2 * i + CAST(info AS BIGINT) AS id,
  ${list(SERVICES.map((s) => s.name))}[svc] AS source,
  CASE WHEN info THEN NULL ELSE ${list(ops.map((o) => o.operation))}[op] END AS operation,
  CASE WHEN info THEN (CASE WHEN u7 < 0.5 THEN 'debug' ELSE 'info' END)
       WHEN failed THEN 'error' WHEN warned THEN 'warn' ELSE 'info' END AS level,
  CASE WHEN info THEN 'info' WHEN failed THEN 'error' WHEN warned THEN 'warning' ELSE 'success' END AS status,
  CASE WHEN info THEN 'Batch of ' || ${list(ops.map((o) => o.operation))}[op] || ' started'
       WHEN failed THEN ${list(messages)}[(svc - 1) * 4 + 1 + CAST(floor(u6 * u6 * 4) AS BIGINT)]
       ELSE ${list(ops.map((o) => o.operation))}[op] || ' completed' END AS message,
  CASE WHEN info THEN NULL
       WHEN u4 > 0.9999 THEN -1
       WHEN NOT failed AND NOT warned AND u4 < 0.005 THEN NULL
       WHEN failed AND u3 < 0.3 THEN 30000
       WHEN failed THEN CAST(round(dur / 3) AS INTEGER) + 1
       ELSE CAST(least(round(dur), 600000) AS INTEGER) END AS duration_ms,
  CAST(epoch_ms(t_ms) AS TIMESTAMPTZ) AS created_at,
  strftime(epoch_ms(t_ms), '%Y-%m-%dT%H:%M:%S.%gZ') AS created_at_text
FROM (
  SELECT *,
    u5 < ${list(SERVICES.map((s) => s.errorRate))}[svc] AS failed,
    u5 >= ${list(SERVICES.map((s) => s.errorRate))}[svc] AND u5 < ${list(SERVICES.map((s) => s.errorRate))}[svc] + 0.01 AS warned,
    exp(ln(${list(ops.map((o) => o.medianMs))}[op] * (CASE WHEN cur AND svc = ${n8n} THEN 1.3 ELSE 1.0 END))
        + ${list(ops.map((o) => o.sigma))}[op] * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2)) AS dur
  FROM (
    SELECT i, info,
      i >= ${n} AS cur,
      CASE WHEN i >= ${n} THEN ${CURRENT_START_MS} ELSE ${PREVIOUS_START_MS} END
        + (((i % ${n}) // ${BATCH}) * ${BATCH}) * ${WINDOW_SPAN_MS} // ${n} AS t_ms,
      op,
      ${list(ops.map((o) => serviceIndex(o.service)))}[op] AS svc,
      ${u(1)} AS u1, ${u(2)} AS u2, ${u(3)} AS u3, ${u(4)} AS u4, ${u(5)} AS u5, ${u(6)} AS u6, ${u(7)} AS u7
    FROM (
      SELECT i, unnest(CASE WHEN i % ${INFO_EVERY} = 0 THEN [false, true] ELSE [false] END) AS info,
        ${list(buckets)}[1 + CAST(hash(i * 16) % 1000 AS BIGINT)] AS op
      FROM range(${2 * n}) t(i)
    )
  )
)`;
}

export interface Truth {
  /** Operations per window, all services. */
  current: number;
  previous: number;
  /** Rows in the files (operations and info rows). */
  rows: number;
  /** Operations per service and window. */
  services: Record<string, { current: number; previous: number; currentFailed: number }>;
}

export interface DatasetFiles {
  n: number;
  label: string;
  dir: string;
  parquet: string;
  ndjson: string;
  csv: string;
  truth: Truth;
  bytes: { parquet: number; ndjson: number; csv: number };
  generatedMs: number;
  reused: boolean;
}

export function sizeLabel(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}m`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}

async function openDuckDb(): Promise<{ connection: DuckDBConnection; close(): void }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

const fileSize = (path: string) => statSync(path).size;
const sqlPath = (path: string) => sqlText(path);

/**
 * Writes the dataset of `n` operations per window into `dir` (data-<label>.{parquet,ndjson,csv});
 * files of the same generator version already there are reused.
 */
export async function generateDataset(dir: string, n: number, log: (line: string) => void): Promise<DatasetFiles> {
  const label = sizeLabel(n);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `data-v${GENERATOR_VERSION}-${label}`);
  const files = { parquet: `${base}.parquet`, ndjson: `${base}.ndjson`, csv: `${base}.csv` };
  const started = performance.now();
  const db = await openDuckDb();
  try {
    const reused = Object.values(files).every((f) => existsSync(f));
    if (!reused) {
      await db.connection.run(`CREATE TEMP VIEW bench_rows AS ${datasetSql(n)}`);
      const write = async (path: string, select: string, options: string) => {
        const partial = `${path}.partial`;
        rmSync(partial, { force: true });
        await db.connection.run(`COPY (${select}) TO ${sqlPath(partial)} (${options})`);
        renameSync(partial, path);
      };
      const at = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
      await write(files.parquet, 'SELECT * EXCLUDE (created_at_text) FROM bench_rows', 'FORMAT parquet');
      log(`  ${label}: parquet written (${at()})`);
      const textColumns = 'id, source, operation, level, status, message, duration_ms, created_at_text AS created_at';
      await write(files.ndjson, `SELECT ${textColumns} FROM bench_rows`, 'FORMAT json');
      log(`  ${label}: ndjson written (${at()})`);
      await write(files.csv, `SELECT ${textColumns} FROM bench_rows`, 'FORMAT csv, HEADER true');
      log(`  ${label}: csv written (${at()})`);
    }
    const truth = await computeTruth(db.connection, files.parquet);
    if (truth.current !== n || truth.previous !== n) {
      throw new Error(`dataset ${label}: expected ${n} operations per window, got ${truth.current} / ${truth.previous}`);
    }
    return {
      n,
      label,
      dir,
      ...files,
      truth,
      bytes: { parquet: fileSize(files.parquet), ndjson: fileSize(files.ndjson), csv: fileSize(files.csv) },
      generatedMs: performance.now() - started,
      reused,
    };
  } finally {
    db.close();
  }
}

/** Operation counts per service and window (docs/sources.md's definition of an operation). */
async function computeTruth(connection: DuckDBConnection, parquet: string): Promise<Truth> {
  const reader = await connection.runAndReadAll(`
    SELECT source,
      count(*) FILTER (WHERE is_op AND created_at >= epoch_ms(${CURRENT_START_MS})::TIMESTAMPTZ) AS current,
      count(*) FILTER (WHERE is_op AND created_at < epoch_ms(${CURRENT_START_MS})::TIMESTAMPTZ) AS previous,
      count(*) FILTER (WHERE is_op AND failed AND created_at >= epoch_ms(${CURRENT_START_MS})::TIMESTAMPTZ) AS current_failed,
      count(*) AS rows
    FROM (
      SELECT source, created_at,
        ${OPERATION_SQL} AS is_op,
        coalesce(status = 'error' OR level = 'error', false) AS failed
      FROM read_parquet(${sqlPath(parquet)})
      WHERE created_at >= epoch_ms(${PREVIOUS_START_MS})::TIMESTAMPTZ AND created_at < epoch_ms(${WINDOW_END_MS})::TIMESTAMPTZ
    )
    GROUP BY source ORDER BY source`);
  const truth: Truth = { current: 0, previous: 0, rows: 0, services: {} };
  for (const row of reader.getRowObjectsJS()) {
    const current = Number(row.current);
    const previous = Number(row.previous);
    truth.services[String(row.source)] = { current, previous, currentFailed: Number(row.current_failed) };
    truth.current += current;
    truth.previous += previous;
    truth.rows += Number(row.rows);
  }
  return truth;
}

const COLUMNS = DATASET_COLUMNS.join(', ');

/** psql's limit for building the indexes of a large table or installing SQL over one (test
 *  support's default, 2 min, killed the index build of 60M rows on a busy machine). */
export const LARGE_SQL_TIMEOUT_MS = 30 * 60_000;

/**
 * Loads the dataset into `databaseUrl` as a user would set it up: Supabase's API roles, the
 * shipped schema.sql (table and indexes); the bulk load runs without the indexes, which
 * schema.sql then creates again (idempotent), followed by VACUUM ANALYZE.
 */
export async function loadPostgres(databaseUrl: string, data: DatasetFiles): Promise<{ ms: number }> {
  const started = performance.now();
  await prepareSupabaseLike(databaseUrl, { withRpc: false });
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(
      'DROP INDEX IF EXISTS integration_logs_created_at_idx, integration_logs_source_created_at_idx, integration_logs_failures_idx',
    );
    await sql.unsafe('TRUNCATE integration_logs');
  } finally {
    await sql.end({ timeout: 5 });
  }
  const quotedPath = `'${data.csv.replace(/'/g, "''")}'`;
  await runPsqlCommand(
    databaseUrl,
    `\\copy integration_logs (${COLUMNS}) FROM ${quotedPath} WITH (FORMAT csv, HEADER true)`,
    LARGE_SQL_TIMEOUT_MS,
  );
  await runSqlFile(databaseUrl, SCHEMA_SQL, LARGE_SQL_TIMEOUT_MS);
  await runPsqlCommand(databaseUrl, 'VACUUM ANALYZE integration_logs', LARGE_SQL_TIMEOUT_MS);
  const check = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await check.unsafe('SELECT count(*)::bigint AS n FROM integration_logs');
    const rows = Number((row as { n: string } | undefined)?.n ?? 0);
    if (rows !== data.truth.rows) throw new Error(`PostgreSQL holds ${rows} rows, the files ${data.truth.rows}`);
  } finally {
    await check.end({ timeout: 5 });
  }
  return { ms: performance.now() - started };
}
