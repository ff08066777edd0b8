// The rollup bench's dataset: DAYS x PER_DAY operations generated inside PostgreSQL (one INSERT
// ... SELECT over generate_series per chunk, every random draw a hashint8extended() of the row
// number, so the rows are the same every time and 60M load in minutes without Node), into the
// shipped sql/schema.sql table; indexes built after the load, then VACUUM ANALYZE. A marker
// table (bench_rollup_dataset) records what was loaded, so --data-dir reuses it.
//
// Shape as bench/datasets.ts (profile.ts's SERVICES, OPERATIONS): 8 services, 22 operations with
// lognormal durations, per-service error rates and four messages each (skewed), warnings,
// timeouts at 30 s, a few null and negative durations, batches of 5 rows sharing a created_at,
// ~3% info/debug rows that are not operations, n8n 30% slower in the newer half (a trend). One
// difference: each service's second message carries an id (`... (id 483920)`), so many distinct
// messages fall into one error fingerprint, as real ones do.
//
// Time: two windows of DAYS/2 days each, N = DAYS x PER_DAY / 2 operations per window, spread
// evenly; the data ends at `until` (now truncated to the minute, never on the hour, so a
// report's windows have partial hours at both edges).
import postgres from 'postgres';
import { SCHEMA_SQL } from '../harness/dataset.js';
import { installSupabaseRoles, runSqlFile } from '../harness/postgres.js';
import { LARGE_SQL_TIMEOUT_MS } from './datasets.js';
import { MANY_OPERATIONS, MANY_SERVICES, OPERATIONS, SERVICES } from './profile.js';

/** Bumped whenever the generated rows change, so a kept table is regenerated. */
export const ROLLUP_GENERATOR_VERSION = 1;

const DAY_MS = 86_400_000;
const INFO_EVERY = 32;
const BATCH = 5;

export interface RollupDataset {
  days: number;
  perDay: number;
  /** Operations per window (each window is days/2 days). */
  perWindow: number;
  /** Rows in the table: operations plus info rows. */
  rows: number;
  /** End of the data (exclusive), ISO; the report's --until. */
  until: string;
  /** The report's --hours: one window. */
  hours: number;
  /** Generation and load (INSERT ... generate_series, indexes, VACUUM ANALYZE), ms; from the marker when reused. */
  loadMs: number;
  reused: boolean;
}

interface Marker {
  version: number;
  days: number;
  per_day: number;
  until: Date;
  rows: string;
  load_ms: string;
  shape: string;
}

const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;
const list = (items: (string | number)[]) => `ARRAY[${items.map((v) => (typeof v === 'string' ? sqlText(v) : String(v))).join(', ')}]`;

/** Rows of a dataset with 2N operations: one info row for every INFO_EVERY-th operation. */
export function rowCount(perWindow: number): number {
  return 2 * perWindow + Math.floor((2 * perWindow - 1) / INFO_EVERY) + 1;
}

/** The end of the data: now truncated to the minute, moved off the hour (minute :00 becomes :53 the hour before). */
export function dataEnd(nowMs: number): number {
  const minute = Math.floor(nowMs / 60_000) * 60_000;
  return minute % 3_600_000 === 0 ? minute - 7 * 60_000 : minute;
}

/** The dataset's services and operations: 'default' is datasets.ts's 8 services and 22 operations;
 *  'many' 7 services x 23 operations (profile.ts's MANY_*), the many-operations case. */
export type RollupShape = 'default' | 'many';
const SHAPES = {
  default: { services: SERVICES, operations: OPERATIONS },
  many: { services: MANY_SERVICES, operations: MANY_OPERATIONS },
} as const;

/** INSERT of the operations with index from..to-1 (and their info rows). */
export function insertSql(
  perWindow: number,
  endMs: number,
  windowDays: number,
  from: number,
  to: number,
  shape: RollupShape = 'default',
): string {
  const { services: SERVICES, operations: ops } = SHAPES[shape];
  const buckets: number[] = [];
  ops.forEach((op, index) => {
    for (let k = 0; k < op.weight; k++) buckets.push(index + 1);
  });
  if (buckets.length !== 1000) throw new Error(`bench/datasets.ts: operation weights sum to ${buckets.length}, not 1000`);
  const serviceIndex = (name: string) => SERVICES.findIndex((s) => s.name === name) + 1;
  const messages = SERVICES.flatMap((s) => s.messages);
  const spanMs = windowDays * DAY_MS;
  const currentStart = endMs - spanMs;
  const previousStart = endMs - 2 * spanMs;
  // u(k): a uniform draw in (0, 1), the k-th 53-bit hash of the operation's index.
  const u = (k: number) => `((hashint8extended(i, ${k}) & 9007199254740991)::float8 + 0.5) / 9007199254740992.0`;
  const opNames = list(ops.map((o) => o.operation));
  const errorRates = list(SERVICES.map((s) => s.errorRate));
  // OFFSET 0 keeps each level a separate step, so a draw is hashed once, not once per use.
  return `
INSERT INTO integration_logs (id, source, operation, level, status, message, duration_ms, created_at)
SELECT
  2 * i + info::int,
  (${list(SERVICES.map((s) => s.name))})[svc],
  CASE WHEN info THEN NULL ELSE (${opNames})[op] END,
  CASE WHEN info THEN (CASE WHEN u7 < 0.5 THEN 'debug' ELSE 'info' END)
       WHEN failed THEN 'error' WHEN warned THEN 'warn' ELSE 'info' END,
  CASE WHEN info THEN 'info' WHEN failed THEN 'error' WHEN warned THEN 'warning' ELSE 'success' END,
  CASE WHEN info THEN 'Batch of ' || (${opNames})[op] || ' started'
       WHEN failed THEN (${list(messages)})[(svc - 1) * 4 + m]
         || CASE WHEN m = 2 THEN ' (id ' || ((hashint8extended(i, 8) & 2147483647) % 1000000)::text || ')' ELSE '' END
       ELSE (${opNames})[op] || ' completed' END,
  CASE WHEN info THEN NULL
       WHEN u4 > 0.9999 THEN -1
       WHEN NOT failed AND NOT warned AND u4 < 0.005 THEN NULL
       WHEN failed AND u3 < 0.3 THEN 30000
       WHEN failed THEN round(dur / 3)::integer + 1
       ELSE least(round(dur), 600000)::integer END,
  timestamptz 'epoch' + t_ms * interval '1 millisecond'
FROM (
  SELECT *,
    u5 < (${errorRates})[svc] AS failed,
    u5 >= (${errorRates})[svc] AND u5 < (${errorRates})[svc] + 0.01 AS warned,
    1 + floor(u6 * u6 * 4)::int AS m,
    exp(ln((${list(ops.map((o) => o.medianMs))})[op] * (CASE WHEN cur AND svc = ${serviceIndex('n8n')} THEN 1.3 ELSE 1.0 END))
        + (${list(ops.map((o) => o.sigma))})[op] * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2)) AS dur
  FROM (
    SELECT i, info, op, cur,
      CASE WHEN cur THEN ${currentStart}::bigint ELSE ${previousStart}::bigint END
        + ((i % ${perWindow}) / ${BATCH} * ${BATCH}) * ${spanMs}::bigint / ${perWindow} AS t_ms,
      (${list(ops.map((o) => serviceIndex(o.service)))})[op] AS svc,
      ${u(1)} AS u1, ${u(2)} AS u2, ${u(3)} AS u3, ${u(4)} AS u4, ${u(5)} AS u5, ${u(6)} AS u6, ${u(7)} AS u7
    FROM (
      SELECT i, unnest(CASE WHEN i % ${INFO_EVERY} = 0 THEN ARRAY[false, true] ELSE ARRAY[false] END) AS info,
        i >= ${perWindow} AS cur,
        (${list(buckets)})[1 + (hashint8extended(i, 0) & 2147483647) % 1000] AS op
      FROM (SELECT generate_series(${from}::bigint, ${to - 1}::bigint) AS i) AS g
      OFFSET 0
    ) AS a
    OFFSET 0
  ) AS b
  OFFSET 0
) AS c`;
}

const MARKER_DDL = `CREATE TABLE IF NOT EXISTS bench_rollup_dataset (
  version integer NOT NULL, days integer NOT NULL, per_day integer NOT NULL,
  until timestamptz NOT NULL, rows bigint NOT NULL, load_ms bigint NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now());
ALTER TABLE bench_rollup_dataset ADD COLUMN IF NOT EXISTS shape text NOT NULL DEFAULT 'default'`;

/**
 * Makes `databaseUrl` hold the dataset of `days` x `perDay` operations: reused when the marker
 * says so (and the row count agrees), else generated: roles and schema.sql, the indexes dropped,
 * TRUNCATE and the INSERTs in one transaction (with wal_level = minimal they skip the WAL),
 * schema.sql again (creates the indexes), VACUUM ANALYZE.
 */
export async function ensureRollupDataset(
  databaseUrl: string,
  days: number,
  perDay: number,
  log: (line: string) => void,
  shape: RollupShape = 'default',
): Promise<RollupDataset> {
  if (!Number.isInteger(days) || days < 2 || days % 2 !== 0)
    throw new Error('rollup dataset: days must be an even whole number, 2 or more');
  const perWindow = (days * perDay) / 2;
  const rows = rowCount(perWindow);
  const hours = days * 12;
  await installSupabaseRoles(databaseUrl);
  await runSqlFile(databaseUrl, SCHEMA_SQL);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connection: { statement_timeout: 0 } });
  try {
    await sql.unsafe(MARKER_DDL);
    const [marker] = await sql.unsafe<Marker[]>('SELECT * FROM bench_rollup_dataset');
    if (
      marker &&
      marker.version === ROLLUP_GENERATOR_VERSION &&
      marker.days === days &&
      marker.per_day === perDay &&
      marker.shape === shape &&
      Number(marker.rows) === rows
    ) {
      const [count] = await sql.unsafe<{ n: string }[]>('SELECT count(*) AS n FROM integration_logs');
      if (Number(count?.n) === rows) {
        return { days, perDay, perWindow, rows, until: marker.until.toISOString(), hours, loadMs: Number(marker.load_ms), reused: true };
      }
      log(
        `  marker says ${rows.toLocaleString('en-US')} rows, the table holds ${Number(count?.n).toLocaleString('en-US')}: generating again`,
      );
    }
    const started = performance.now();
    const endMs = dataEnd(Date.now());
    await sql.unsafe(
      'DROP INDEX IF EXISTS integration_logs_created_at_idx, integration_logs_source_created_at_idx, integration_logs_failures_idx',
    );
    const chunk = Math.max(1, Math.min(perDay, 2_000_000));
    await sql.begin(async (tx) => {
      await tx.unsafe('TRUNCATE integration_logs, bench_rollup_dataset');
      for (let from = 0, k = 0; from < 2 * perWindow; from += chunk, k++) {
        await tx.unsafe(insertSql(perWindow, endMs, days / 2, from, Math.min(from + chunk, 2 * perWindow), shape));
        if (k % 10 === 9)
          log(
            `  ${(Math.min(from + chunk, 2 * perWindow) / 1e6).toFixed(1)}M of ${((2 * perWindow) / 1e6).toFixed(1)}M operations inserted (${((performance.now() - started) / 1000).toFixed(0)} s)`,
          );
      }
    });
    const inserted = performance.now();
    log(`  rows inserted in ${((inserted - started) / 1000).toFixed(1)} s; creating the indexes (schema.sql)`);
    await runSqlFile(databaseUrl, SCHEMA_SQL, LARGE_SQL_TIMEOUT_MS);
    const indexed = performance.now();
    log(`  indexes in ${((indexed - inserted) / 1000).toFixed(1)} s; VACUUM ANALYZE`);
    await sql.unsafe('VACUUM ANALYZE integration_logs');
    await sql.unsafe(`SELECT setval(pg_get_serial_sequence('integration_logs', 'id'), (SELECT max(id) FROM integration_logs))`);
    const [count] = await sql.unsafe<{ n: string }[]>('SELECT count(*) AS n FROM integration_logs');
    if (Number(count?.n) !== rows) throw new Error(`rollup dataset: ${Number(count?.n)} rows loaded, expected ${rows}`);
    const loadMs = Math.round(performance.now() - started);
    log(`  VACUUM ANALYZE in ${((performance.now() - indexed) / 1000).toFixed(1)} s`);
    const until = new Date(endMs).toISOString();
    await sql.unsafe(
      'INSERT INTO bench_rollup_dataset (version, days, per_day, until, rows, load_ms, shape) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [ROLLUP_GENERATOR_VERSION, days, perDay, until, rows, loadMs, shape],
    );
    return { days, perDay, perWindow, rows, until, hours, loadMs, reused: false };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
