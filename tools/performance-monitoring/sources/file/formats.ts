// How each input file format is read and normalized into the integration_logs columns (docs/sources.md) (SQL for DuckDB).
// Every reader yields: source, operation, level, status, message, duration_ms (DOUBLE),
// created_at (TIMESTAMPTZ), `unusable` (the row cannot be placed or measured: skipped) and
// `seconds_like` (its created_at is a number that only makes sense as epoch seconds).
import { extname } from 'node:path';
import { UsageError } from '../../base/errors.js';
import { forPath } from '../../text/safe-text.js';
import { epochMsSql, epochSecondsLikeSql, possibleSql, possibleTextTimeSql, textTimeSql } from '../sql/timestamps.js';
import type { InputFormat } from '../types.js';

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

/** By the name's extension; --input-format for a name without a known one. */
export function formatOf(path: string, inputFormat: InputFormat | null = null): FileFormat {
  const bare = path.toLowerCase().replace(/\.(gz|zst)$/, '');
  const format = EXTENSIONS[extname(bare)] ?? inputFormat;
  if (!format) {
    throw new UsageError(
      `--input ${forPath(path)}: unknown file type; use .ndjson, .jsonl, .json, .csv or .parquet (optionally .gz), or --input-format ndjson|csv`,
    );
  }
  return format;
}

export const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;
const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** How a reader treats what it cannot parse. */
export interface ReaderOptions {
  /** JSON: a line that does not parse becomes a row of NULLs (hence skipped), not an error. */
  ignoreErrors?: boolean;
  /** CSV: rows DuckDB rejects go to this table (one row per error; `line` is the file's line). */
  rejectsTable?: string;
  /** CSV: the header's column names, read without DuckDB's sniffer (a huge first line defeats it). */
  csvColumns?: string[];
}

/** The table function reading one file; JSON and CSV as text, so a bad value is a skipped row, not a failed read. */
export function readerSql(path: string, format: FileFormat, options: ReaderOptions = {}): string {
  const file = sqlString(path);
  switch (format) {
    case 'ndjson':
    case 'json': {
      const columns = READ_COLUMNS.map((c) => `${c}: 'VARCHAR'`).join(', ');
      const layout = format === 'ndjson' ? 'newline_delimited' : 'auto';
      return `read_json(${file}, format = '${layout}', columns = {${columns}}${options.ignoreErrors ? ', ignore_errors = true' : ''})`;
    }
    case 'csv':
      return `read_csv(${file}, ${csvOptions(options)})`;
    case 'parquet':
      return `read_parquet(${file})`;
  }
}

function csvOptions({ rejectsTable, csvColumns }: ReaderOptions): string {
  // Rejected rows (a wrong column count, an over-long line, invalid UTF-8) are skipped and
  // counted, not fatal; with store_rejects the sniffer also tolerates them.
  const rejects = rejectsTable
    ? `, store_rejects = true, rejects_table = ${sqlString(rejectsTable)}, rejects_scan = ${sqlString(`${rejectsTable}_scan`)}`
    : '';
  if (!csvColumns) return `header = true, all_varchar = true${rejects}`;
  const columns = csvColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
  return `auto_detect = false, header = true, delim = ',', quote = '"', escape = '"', columns = {${columns}}${rejects}`;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TIMESTAMP = /^(TIMESTAMP.*|DATE)$/;

/** How created_at is read from `created_raw` (the column as the reader gives it):
 *  `raw` selects it, `ts` parses a time, `num` reads a number (epoch ms) where no time parsed,
 *  `possible` keeps a parsed time only when it can be true (text is also checked as written). */
interface CreatedAtReading {
  raw: string;
  ts: string;
  num: string;
  possible: string;
}

function createdAtReading(type: string | undefined): CreatedAtReading {
  const col = quoteId('created_at');
  const noNumber = 'CAST(NULL AS DOUBLE)';
  const typed = { num: noNumber, possible: `CASE WHEN ${possibleSql('ts')} THEN ts END` };
  if (type === undefined) return { raw: 'CAST(NULL AS TIMESTAMPTZ)', ts: 'created_raw', ...typed };
  if (type === 'TIMESTAMP WITH TIME ZONE') return { raw: col, ts: 'created_raw', ...typed };
  if (TIMESTAMP.test(type)) return { raw: col, ts: 'CAST(created_raw AS TIMESTAMPTZ)', ...typed };
  if (NUMERIC.test(type)) return { raw: `CAST(${col} AS DOUBLE)`, ts: 'CAST(NULL AS TIMESTAMPTZ)', num: 'created_raw', possible: 'NULL' };
  // A number never parses as a timestamp, so the epoch reading is only tried where that fails
  // (a regular expression deciding first cost ~0.3 s per million rows). Both casts skip blanks.
  return {
    raw: `CAST(${col} AS VARCHAR)`,
    ts: textTimeSql('created_raw'),
    num: 'TRY_CAST(created_raw AS DOUBLE)',
    possible: possibleTextTimeSql('ts', 'created_raw'),
  };
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
 *  computed once, in its own inner SELECT; the outer ones judge and flag it. */
export function normalizedSelectSql(reader: string, types: Map<string, string>): string {
  const text = (name: string) => (types.has(name) ? `CAST(${quoteId(name)} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)');
  const duration = durationSql(types.get('duration_ms'));
  const created = createdAtReading(types.get('created_at'));
  const kept = `source, ${TEXT_COLUMNS.join(', ')}, duration_ms, bad_duration`;
  const read = `SELECT ${text('source')} AS source, ${TEXT_COLUMNS.map((c) => `${text(c)} AS ${c}`).join(', ')},
      ${duration.value} AS duration_ms, ${duration.bad} AS bad_duration, ${created.raw} AS created_raw
    FROM ${reader}`;
  const parsed = `SELECT ${kept}, created_raw, ${created.ts} AS ts FROM (${read})`;
  const numbered = `SELECT ${kept}, created_raw, ts, CASE WHEN ts IS NULL THEN ${created.num} END AS num FROM (${parsed})`;
  // A possible time (docs/sources.md) or NULL: an impossible one is a skipped row, never out of window.
  const judged = `SELECT ${kept}, num, CASE WHEN ts IS NOT NULL THEN ${created.possible} ELSE ${epochMsSql('num')} END AS created_at
    FROM (${numbered})`;
  // The aggregation reads a message only where the operation failed: keeping the others would
  // hold every success text in memory (text files are materialized) for nothing.
  return `SELECT source, operation, level, status,
    CASE WHEN status = 'error' OR level = 'error' THEN message END AS message, duration_ms, created_at,
    (source IS NULL OR created_at IS NULL OR bad_duration) AS unusable,
    (created_at IS NULL AND ${epochSecondsLikeSql('num')}) AS seconds_like
  FROM (${judged})`;
}
