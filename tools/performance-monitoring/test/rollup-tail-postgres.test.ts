// The tailed files' rollups built in DuckDB (sources/sql/rollup-tail.ts) against PostgreSQL's
// refresh (sql/rollup.sql) over the same raw rows: the hourly operation rows (figures, Apdex
// counts, histograms, failure histograms, fingerprints with their examples and times), the 3-hour
// and 1-day blocks, and the 30-minute and 1-hour timeline rows (figures and p50/p95/p99) are the
// same rows, value for value (docs/live.md, "Rollups of the kept rows").
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, runSqlFile, startPostgres, withSql } from '../harness/postgres.js';
import { currentHour, HOUR, insertRows, type LogRow, random, refresh } from '../harness/rollup-rows.js';
import { type DuckDb, openDuckDb } from '../sources/duckdb.js';
import { buildBlocksSql, buildHoursSql, createTablesSql } from '../sources/sql/rollup-tail.js';

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));

let pg: PgServer;
beforeAll(async () => {
  pg = await startPostgres();
  await runSqlFile(pg.url(), join(SQL_DIR, 'schema.sql'));
  await runSqlFile(pg.url(), join(SQL_DIR, 'rollup.sql'));
});
afterAll(async () => {
  await pg?.stop();
});

/** ~3,000 rows over 30 hours: three services (one blank: `(none)`), operations with a null one,
 *  ~7% failures with messages of two fingerprints, durations exact, in every bucket width, invalid
 *  (-3) and null, and two failures at the same instant (the example's tie rule). */
function rows(hourNow: number): LogRow[] {
  const rand = random(22);
  const out: LogRow[] = [];
  for (let i = 0; i < 3000; i++) {
    const failed = rand() < 0.07;
    const draw = rand();
    let duration: number | null = null;
    if (draw >= 0.03) duration = Math.round(Math.exp(Math.log(300) + 1.6 * (rand() - 0.5) * 2));
    else if (draw >= 0.02) duration = -3;
    const message = rand() < 0.5 ? `Timeout after ${i}ms` : `Connection reset by peer ${i % 5}`;
    out.push({
      source: ['crm', 'flow', ' '][i % 3] as string,
      operation: i % 11 === 0 ? null : (['sync', 'push'][i % 2] as string),
      level: failed ? 'error' : 'info',
      status: failed ? 'error' : 'success',
      message: failed ? message : null,
      duration_ms: duration,
      at: hourNow - 30 * HOUR + Math.floor(rand() * 30 * HOUR),
    });
  }
  out.push({ ...(out[0] as LogRow), status: 'error', message: 'Timeout after 1ms', at: hourNow - 5 * HOUR });
  out.push({ ...(out[0] as LogRow), status: 'error', message: 'Timeout after 2ms', at: hourNow - 5 * HOUR });
  return out;
}

/** A row of either side, every value as text, histograms and fingerprints as sorted "k:v" lists. */
type Canonical = Record<string, string>;
const FIGURES = [
  'operations',
  'failures',
  'samples',
  'sum_duration',
  'sum_squares',
  'min_duration',
  'max_duration',
  'invalid_durations',
  'satisfied',
  'tolerating',
];
/** Percentiles compared in millionths of a millisecond (the two engines' doubles, printed alike). */
const MICROS = ['p50', 'p95', 'p99'];
/** Both sides in one order (the engines collate text differently). */
const sorted = (list: Canonical[]) =>
  [...list].sort((a, b) =>
    JSON.stringify([a.span, a.hour, a.service, a.operation]) < JSON.stringify([b.span, b.hour, b.service, b.operation]) ? -1 : 1,
  );
const text = (columns: string[]) => columns.map((c) => `CAST(${c} AS VARCHAR) AS ${c}`).join(', ');

async function postgresRows(sql: postgres.Sql, from: number, to: number): Promise<Canonical[]> {
  const range = (column: string) => `${column} >= to_timestamp(${from / 1000}) AND ${column} < to_timestamp(${to / 1000})`;
  const pairs = (keys: string, counts: string) =>
    `COALESCE((SELECT string_agg(k || ':' || n, ',' ORDER BY k) FROM unnest(${keys}, ${counts}) AS h(k, n)), '')`;
  const operationRows = (
    table: string,
    span: string,
    spanHours: number,
  ) => `SELECT ${span} AS span, to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS hour, service, operation,
      ${text(FIGURES.map((c) => `r.${c}`)).replaceAll('AS r.', 'AS ')},
      ${pairs('histogram_keys', 'histogram_counts')} AS keys, ${pairs('failure_histogram_keys', 'failure_histogram_counts')} AS failed_keys,
      COALESCE((SELECT string_agg(f.key || '=' || (f.value->>'count') || '|' || (f.value->>'example') || '|' || (f.value->>'last_at'), ',' ORDER BY f.key)
        FROM jsonb_each(fingerprints) AS f), '') AS prints
    FROM ${table} AS r WHERE ${range('hour')} AND hour + interval '${spanHours} hours' <= to_timestamp(${to / 1000})`;
  const operation = await sql.unsafe<Canonical[]>(
    `${operationRows('perf_monitor_rollup', '1', 1)} UNION ALL ${[3, 24].map((s) => operationRows('perf_monitor_rollup_block', 'span_hours', s).replace('WHERE', `WHERE span_hours = ${s} AND`)).join(' UNION ALL ')}`,
  );
  const timeline = await sql.unsafe<Canonical[]>(
    `SELECT span_seconds AS span, to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS hour, service, ${text(FIGURES)},
      ${MICROS.map((p) => `CAST(CAST(round(${p} * 1000000) AS bigint) AS text) AS ${p}`).join(', ')}
    FROM perf_monitor_rollup_timeline WHERE span_seconds IN (1800, 3600) AND ${range('hour')}`,
  );
  return sorted([...operation, ...timeline].map((r) => ({ ...r, span: String(r.span) })));
}

async function duckdbRows(db: DuckDb): Promise<Canonical[]> {
  const read = async (q: string) => (await db.connection.runAndReadAll(q)).getRowObjectsJS() as Canonical[];
  const operation = await read(`SELECT CAST(r.span AS VARCHAR) AS span, strftime(r.hour, '%Y-%m-%d %H:%M') AS hour, r.service, r.operation,
      ${FIGURES.map((c) => `CAST(r.${c} AS VARCHAR) AS ${c}`).join(', ')},
      COALESCE((SELECT string_agg(bucket_key || ':' || n, ',' ORDER BY bucket_key) FROM rollup_keys AS k
        WHERE k.span = r.span AND k.hour = r.hour AND k.service = r.service AND k.operation = r.operation), '') AS keys,
      COALESCE((SELECT string_agg(bucket_key || ':' || n_failed, ',' ORDER BY bucket_key) FROM rollup_keys AS k
        WHERE k.span = r.span AND k.hour = r.hour AND k.service = r.service AND k.operation = r.operation AND n_failed > 0), '') AS failed_keys,
      COALESCE((SELECT string_agg(fingerprint || '=' || n || '|' || example || '|' || strftime(last_at, '%Y-%m-%dT%H:%M:%S.%fZ'), ',' ORDER BY fingerprint)
        FROM rollup_fingerprint_rows AS f
        WHERE f.span = r.span AND f.hour = r.hour AND f.service = r.service AND f.operation = r.operation), '') AS prints
    FROM rollup_rows AS r WHERE span IN (1, 3, 24)`);
  const timeline = await read(`SELECT CAST(span_seconds AS VARCHAR) AS span, strftime(hour, '%Y-%m-%d %H:%M') AS hour, service,
      ${FIGURES.map((c) => `CAST(${c} AS VARCHAR) AS ${c}`).join(', ')},
      ${MICROS.map((p) => `CAST(CAST(round(${p} * 1000000) AS BIGINT) AS VARCHAR) AS ${p}`).join(', ')}
    FROM rollup_timeline_rows`);
  return sorted([...operation, ...timeline]);
}

describe('the tailed files rollups in DuckDB', () => {
  it('are the rows PostgreSQL refresh builds from the same raw rows', async () => {
    const { hourNow, expected, to } = await withSql(pg.url(), async (sql) => {
      const hourNow = await currentHour(sql);
      await insertRows(sql, rows(hourNow));
      await refresh(sql);
      // Whole days, so the 1-day blocks of both sides are whole.
      const to = Math.floor(hourNow / (24 * HOUR)) * 24 * HOUR;
      return { hourNow, to, expected: await postgresRows(sql, to - 24 * HOUR, to) };
    });
    const db = await openDuckDb();
    try {
      const c = db.connection;
      await c.run(`CREATE TEMP TABLE logs (source VARCHAR, operation VARCHAR, level VARCHAR, status VARCHAR, message VARCHAR,
        duration_ms BIGINT, created_at TIMESTAMPTZ)`);
      const appender = await c.createAppender('logs');
      for (const r of rows(hourNow)) {
        appender.appendVarchar(r.source);
        for (const value of [r.operation, r.level, r.status, r.message])
          value === null ? appender.appendNull() : appender.appendVarchar(value);
        r.duration_ms === null ? appender.appendNull() : appender.appendBigInt(BigInt(r.duration_ms));
        appender.appendVarchar(new Date(r.at).toISOString());
        appender.endRow();
      }
      appender.closeSync();
      await c.run('CREATE TEMP VIEW integration_logs AS SELECT * FROM logs');
      const from = to - 24 * HOUR;
      for (const statement of [
        ...createTablesSql(),
        ...buildHoursSql(from, to),
        ...buildBlocksSql(from, to, to, 1800),
        ...buildBlocksSql(from, to, to, 3600).filter((s) => s.includes('rollup_timeline_rows')),
      ])
        await c.run(statement);
      const got = await duckdbRows(db);
      expect(got.length).toBeGreaterThan(200);
      expect(got).toEqual(expected);
    } finally {
      db.close();
    }
  });
});
