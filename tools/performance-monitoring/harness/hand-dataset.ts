// A dataset small enough to compute its report by hand (see cli-report.test.ts for the sums),
// written as NDJSON, JSON array, CSV and Parquet with the same rows.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASET_COLUMNS, type DatasetRow } from './dataset.js';

export const UNTIL = '2025-11-20T10:00:00Z';
export const THRESHOLD = '1000';

/** A dataset row, with `created_at` as ISO text or epoch milliseconds (files may hold either). */
export type HandRow = Omit<DatasetRow, 'created_at'> & { created_at: string | number };

const minute = (base: string, n: number) => new Date(Date.parse(base) + n * 60_000).toISOString();

function build(): HandRow[] {
  const rows: HandRow[] = [];
  let id = 0;
  const add = (row: Omit<HandRow, 'id'>) => rows.push({ id: ++id, ...row });
  // api, current window: 100..2000 ms; k=19 fails by level, k=20 by status.
  for (let k = 1; k <= 20; k++) {
    const failed = k >= 19;
    let created: string | number = minute('2025-11-19T12:00:00Z', k);
    if (k === 1) created = '2025-11-19T10:00:00.000Z'; // exactly the current window's start: included
    if (k === 2) created = Date.parse(minute('2025-11-19T12:00:00Z', 2)); // epoch milliseconds
    if (k === 3) created = '2025-11-19T14:03:00+02:00'; // 12:03Z, with an offset
    add({
      source: 'api',
      operation: k <= 10 ? 'orders.list' : 'orders.sync',
      level: failed ? 'error' : 'info',
      status: k === 20 ? 'error' : 'success',
      message: failed ? 'Timeout' : null,
      duration_ms: 100 * k,
      created_at: created,
    });
  }
  // api, previous window: 20 x 1000 ms, the first exactly at the previous window's start.
  for (let k = 1; k <= 20; k++) {
    add({
      source: 'api',
      operation: 'orders.list',
      level: 'info',
      status: 'success',
      message: null,
      duration_ms: 1000,
      created_at: k === 1 ? '2025-11-18T10:00:00.000Z' : minute('2025-11-18T12:00:00Z', k),
    });
  }
  // Log lines that are not operations (no duration, status info).
  for (let k = 1; k <= 2; k++) {
    add({
      source: 'api',
      operation: 'orders.list',
      level: 'info',
      status: 'info',
      message: 'cache warmed',
      duration_ms: null,
      created_at: minute('2025-11-19T15:00:00Z', k),
    });
  }
  // batch: one 500 ms run and one with a negative duration (clock skew) and no operation name.
  add({
    source: 'batch',
    operation: 'nightly',
    level: 'info',
    status: 'success',
    message: null,
    duration_ms: 500,
    created_at: '2025-11-20T02:00:00Z',
  });
  add({
    source: 'batch',
    operation: null,
    level: 'info',
    status: 'success',
    message: null,
    duration_ms: -10,
    created_at: '2025-11-20T02:05:00Z',
  });
  // legacy: active in the previous window only (silent now).
  [100, 200, 300].forEach((d, i) => {
    add({
      source: 'legacy',
      operation: 'ping',
      level: 'info',
      status: 'success',
      message: null,
      duration_ms: d,
      created_at: minute('2025-11-18T20:00:00Z', i),
    });
  });
  // Outside both windows: at the end (exclusive) and just before the previous start.
  add({
    source: 'api',
    operation: 'orders.sync',
    level: 'error',
    status: 'error',
    message: 'Outside',
    duration_ms: 99999,
    created_at: '2025-11-20T10:00:00.000Z',
  });
  add({
    source: 'api',
    operation: 'orders.sync',
    level: 'error',
    status: 'error',
    message: 'Outside',
    duration_ms: 99999,
    created_at: '2025-11-18T09:59:59.999Z',
  });
  return rows;
}

export const HAND_ROWS = build();

const csvCell = (value: string | number | null) => {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function writeNdjson(dir: string, rows: object[] = HAND_ROWS, name = 'logs.ndjson'): string {
  const path = join(dir, name);
  writeFileSync(path, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return path;
}

export function writeJsonArray(dir: string, rows: object[] = HAND_ROWS): string {
  const path = join(dir, 'logs.json');
  writeFileSync(path, JSON.stringify(rows, null, 2));
  return path;
}

export function writeCsv(dir: string, rows: HandRow[] = HAND_ROWS): string {
  const path = join(dir, 'logs.csv');
  writeFileSync(
    path,
    `${[DATASET_COLUMNS.join(','), ...rows.map((r) => DATASET_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n')}\n`,
  );
  return path;
}

/** Parquet with typed columns (TIMESTAMPTZ created_at, INTEGER duration), written by DuckDB. */
export async function writeParquet(dir: string, rows: HandRow[] = HAND_ROWS): Promise<string> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const path = join(dir, 'logs.parquet');
  const json = writeNdjson(
    dir,
    rows.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() })),
    'for-parquet.ndjson',
  );
  await connection.run(`COPY (SELECT id::BIGINT AS id, source, operation, level, status, message, duration_ms::INTEGER AS duration_ms,
      created_at::TIMESTAMPTZ AS created_at FROM read_json('${json}', format = 'newline_delimited')) TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
  return path;
}

/** The rows moved in time so that UNTIL becomes `end`: for examples run without --until, which
 *  read the last 24 hours as a user's recent logs would fill them. */
export function rowsEndingAt(end: Date, rows: HandRow[] = HAND_ROWS): HandRow[] {
  const shift = end.getTime() - Date.parse(UNTIL);
  const moved = (at: string | number) => (typeof at === 'number' ? at + shift : new Date(Date.parse(at) + shift).toISOString());
  return rows.map((row) => ({ ...row, created_at: moved(row.created_at) }));
}
