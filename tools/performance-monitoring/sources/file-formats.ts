// How each input file format is read and normalized into the SPEC columns (SQL for DuckDB).
// Every reader yields: source, operation, level, status, message, duration_ms (DOUBLE),
// created_at (TIMESTAMPTZ) and `unusable` (the row cannot be placed or measured: skipped).
import { extname } from 'node:path';
import { UsageError } from '../errors.js';

export type FileFormat = 'ndjson' | 'json' | 'csv' | 'parquet';

const EXTENSIONS: Record<string, FileFormat> = {
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'json',
  '.csv': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

export const TEXT_COLUMNS = ['operation', 'level', 'status', 'message'] as const;
// `id` is not read: nothing is computed from it, and each column read costs parse time.
export const READ_COLUMNS = ['source', ...TEXT_COLUMNS, 'duration_ms', 'created_at'] as const;

export function formatOf(path: string): FileFormat {
  const bare = path.toLowerCase().replace(/\.(gz|zst)$/, '');
  const format = EXTENSIONS[extname(bare)];
  if (!format) {
    throw new UsageError(`--input '${path}': unknown file type; use .ndjson, .jsonl, .json, .csv or .parquet (optionally .gz)`);
  }
  return format;
}

export const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;
const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The table function reading one file; JSON and CSV as text, so a bad value is a skipped row, not a failed read. */
export function readerSql(path: string, format: FileFormat): string {
  const file = sqlString(path);
  switch (format) {
    case 'ndjson':
    case 'json': {
      const columns = READ_COLUMNS.map((c) => `${c}: 'VARCHAR'`).join(', ');
      const layout = format === 'ndjson' ? 'newline_delimited' : 'auto';
      return `read_json(${file}, format = '${layout}', columns = {${columns}})`;
    }
    case 'csv':
      return `read_csv(${file}, header = true, all_varchar = true)`;
    case 'parquet':
      return `read_parquet(${file})`;
  }
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TIMESTAMP = /^(TIMESTAMP.*|DATE)$/;

/** Epoch milliseconds (a number) to TIMESTAMPTZ; absurd values become NULL, hence skipped. */
const fromEpochMs = (ms: string) => `CASE WHEN abs(${ms}) < 1e14 THEN CAST(epoch_ms(CAST(${ms} AS BIGINT)) AS TIMESTAMPTZ) END`;

function createdAtSql(type: string | undefined): string {
  const col = quoteId('created_at');
  if (type === undefined) return 'CAST(NULL AS TIMESTAMPTZ)';
  if (type === 'TIMESTAMP WITH TIME ZONE') return col;
  if (TIMESTAMP.test(type)) return `CAST(${col} AS TIMESTAMPTZ)`;
  if (NUMERIC.test(type)) return fromEpochMs(`CAST(${col} AS DOUBLE)`);
  // A number never parses as a timestamp, so the epoch reading is only tried where that fails
  // (a regular expression deciding first cost ~0.3 s per million rows). Both casts skip blanks.
  const textValue = `CAST(${col} AS VARCHAR)`;
  return `coalesce(TRY_CAST(${textValue} AS TIMESTAMPTZ), ${fromEpochMs(`TRY_CAST(${textValue} AS DOUBLE)`)})`;
}

function durationSql(type: string | undefined): { value: string; bad: string } {
  const col = quoteId('duration_ms');
  if (type === undefined) return { value: 'CAST(NULL AS INTEGER)', bad: 'false' };
  // Numeric columns stay in their own type: percentiles over integers are twice as fast.
  if (/^(FLOAT|DOUBLE)$/.test(type)) return { value: col, bad: `coalesce(NOT isfinite(${col}), false)` };
  if (NUMERIC.test(type)) return { value: col, bad: 'false' };
  // The cast skips blanks itself; only a value it cannot read is checked for being blank.
  const textValue = `CAST(${col} AS VARCHAR)`;
  const parsed = `TRY_CAST(${textValue} AS DOUBLE)`;
  return { value: parsed, bad: `coalesce(NOT isfinite(${parsed}), trim(${textValue}) <> '', false)` };
}

/** SELECT normalizing one file, given its column types (name -> DuckDB type). Each value is
 *  computed once, in the inner SELECT; the outer one only flags what cannot be used. */
export function normalizedSelectSql(reader: string, types: Map<string, string>): string {
  const text = (name: string) => (types.has(name) ? `CAST(${quoteId(name)} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)');
  const duration = durationSql(types.get('duration_ms'));
  // The aggregation reads a message only where the operation failed: keeping the others would
  // hold every success text in memory (text files are materialized) for nothing.
  return `SELECT source, operation, level, status,
    CASE WHEN status = 'error' OR level = 'error' THEN message END AS message, duration_ms, created_at,
    (source IS NULL OR created_at IS NULL OR bad_duration) AS unusable
  FROM (SELECT ${text('source')} AS source, ${TEXT_COLUMNS.map((c) => `${text(c)} AS ${c}`).join(', ')},
      ${duration.value} AS duration_ms, ${createdAtSql(types.get('created_at'))} AS created_at,
      ${duration.bad} AS bad_duration
    FROM ${reader})`;
}
