// How each input file format is read and normalized into the integration_logs columns (docs/sources.md) (SQL for DuckDB).
// Every reader yields: source, operation, level, status, message, duration_ms (DOUBLE),
// created_at (TIMESTAMPTZ), `unusable` (the row cannot be placed or measured: skipped) and
// `seconds_like` (its created_at is a number that only makes sense as epoch seconds). Each column
// is read from the field columns.ts chose; a file's failure vocabulary becomes status 'error'.
import { extname } from 'node:path';
import { UsageError } from '../../base/errors.js';
import { forPath } from '../../text/safe-text.js';
import { epochMsSql, epochSecondsLikeSql, possibleSql, possibleTextTimeSql, textTimeSql } from '../sql/timestamps.js';
import type { InputFormat } from '../types.js';
import { type Fields, MAP_TARGETS, OWN_NAMES } from './columns.js';

/** How numeric created_at values are read: epoch seconds or milliseconds (--time-unit). */
export type TimeUnit = 's' | 'ms';

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
  /** JSON: the fields to read (columns.ts chose them); `id` and the rest are not read, each costs parse time. */
  jsonFields?: string[];
}

/** The field names of a JSON or NDJSON file, from its first objects (cheap: no value is parsed). */
export function jsonKeysSql(path: string, format: 'ndjson' | 'json', ignoreErrors = false): string {
  const layout = format === 'ndjson' ? 'newline_delimited' : 'auto';
  const objects = `read_json_objects(${sqlString(path)}, format = '${layout}'${ignoreErrors ? ', ignore_errors = true' : ''})`;
  return `SELECT DISTINCT key FROM (SELECT unnest(json_keys(json)) AS key FROM (SELECT json FROM ${objects} WHERE json_type(json) = 'OBJECT' LIMIT ${KEY_SAMPLE}))`;
}

/** Objects read for their field names: a field first written after them is not seen. */
export const KEY_SAMPLE = 10_000;

/** The table function reading one file; JSON and CSV as text, so a bad value is a skipped row, not a failed read. */
export function readerSql(path: string, format: FileFormat, options: ReaderOptions = {}): string {
  const file = sqlString(path);
  switch (format) {
    case 'ndjson':
    case 'json': {
      const fields = options.jsonFields ?? MAP_TARGETS;
      const columns = fields.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
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
  /** A TIMESTAMPTZ column: kept as it is (an impossible time makes the row unusable rather than
   *  NULL), so DuckDB can push the window's bounds into a Parquet scan (docs/sources.md). */
  asIs?: true;
}

function createdAtReading(field: string | null, type: string | undefined, unit: TimeUnit): CreatedAtReading {
  const col = quoteId(field ?? 'created_at');
  const noNumber = 'CAST(NULL AS DOUBLE)';
  // --time-unit s: numbers are epoch seconds, read as the milliseconds they stand for.
  const perUnit = (ms: string) => (unit === 's' ? `(${ms} * 1000)` : ms);
  const typed = { num: noNumber, possible: `CASE WHEN ${possibleSql('ts')} THEN ts END` };
  if (type === undefined) return { raw: 'CAST(NULL AS TIMESTAMPTZ)', ts: 'created_raw', ...typed };
  if (type === 'TIMESTAMP WITH TIME ZONE') return { raw: col, ts: 'created_raw', ...typed, asIs: true };
  if (TIMESTAMP.test(type)) return { raw: col, ts: 'CAST(created_raw AS TIMESTAMPTZ)', ...typed };
  if (NUMERIC.test(type))
    return { raw: perUnit(`CAST(${col} AS DOUBLE)`), ts: 'CAST(NULL AS TIMESTAMPTZ)', num: 'created_raw', possible: 'NULL' };
  // A number never parses as a timestamp, so the epoch reading is only tried where that fails
  // (a regular expression deciding first cost ~0.3 s per million rows). Both casts skip blanks.
  return {
    raw: `CAST(${col} AS VARCHAR)`,
    ts: textTimeSql('created_raw'),
    num: perUnit('TRY_CAST(created_raw AS DOUBLE)'),
    possible: possibleTextTimeSql('ts', 'created_raw'),
  };
}

function durationSql(field: string | null, type: string | undefined): { value: string; bad: string } {
  const col = quoteId(field ?? 'duration_ms');
  if (type === undefined) return { value: 'CAST(NULL AS INTEGER)', bad: 'false' };
  // Numeric columns stay in their own type: percentiles over integers are twice as fast.
  if (/^(FLOAT|DOUBLE)$/.test(type)) return { value: col, bad: `coalesce(NOT isfinite(${col}), false)` };
  if (NUMERIC.test(type)) return { value: col, bad: 'false' };
  // The cast skips blanks itself; only a value it cannot read is checked for being blank.
  const textValue = `CAST(${col} AS VARCHAR)`;
  const parsed = `TRY_CAST(${textValue} AS DOUBLE)`;
  return { value: parsed, bad: `coalesce(NOT isfinite(${parsed}), trim(${textValue}) <> '', false)` };
}

/** A file's failure vocabulary (docs/sources.md): these statuses, or the outcome boolean false. */
const FAILED_WORDS = "('fail', 'failed', 'failure')";
const FALSE_WORDS = "('false', '0', 'no', 'f', 'n')";
const TRUE_WORDS = "('true', '1', 'yes', 't', 'y')";

/** The status as the aggregation reads it: 'error' where the file's vocabulary says failed,
 *  'success' where only the outcome boolean says it went well; else the status as written. */
function statusSql(status: string, outcome: string | null): string {
  const said = (words: string) => (outcome === null ? 'false' : `coalesce(lower(trim(${outcome})) IN ${words}, false)`);
  return `CASE WHEN coalesce(lower(trim(${status})) IN ${FAILED_WORDS}, false) OR ${said(FALSE_WORDS)} THEN 'error'
      WHEN ${status} IS NULL AND ${said(TRUE_WORDS)} THEN 'success' ELSE ${status} END`;
}

/** SELECT normalizing one file, given its column types (name -> DuckDB type) and the fields
 *  chosen for its columns. Each value is computed once, in its own inner SELECT; the outer ones
 *  judge and flag it. */
export function normalizedSelectSql(reader: string, types: Map<string, string>, fields: Fields = OWN_NAMES, unit: TimeUnit = 'ms'): string {
  const present = (target: keyof Fields) => {
    const field = fields[target];
    return field !== null && types.has(field) ? field : null;
  };
  const text = (target: keyof Fields) => {
    const field = present(target);
    return field === null ? 'CAST(NULL AS VARCHAR)' : `CAST(${quoteId(field)} AS VARCHAR)`;
  };
  const durationField = present('duration_ms');
  const createdField = present('created_at');
  const duration = durationSql(durationField, durationField === null ? undefined : types.get(durationField));
  const created = createdAtReading(createdField, createdField === null ? undefined : types.get(createdField), unit);
  const outcome = present('success') === null ? null : text('success');
  const kept = `source, ${TEXT_COLUMNS.join(', ')}, duration_ms, bad_duration`;
  const columns = TEXT_COLUMNS.map((c) => (c === 'status' ? `${statusSql(text(c), outcome)} AS status` : `${text(c)} AS ${c}`));
  const read = `SELECT ${text('source')} AS source, ${columns.join(', ')},
      ${duration.value} AS duration_ms, ${duration.bad} AS bad_duration, ${created.raw} AS created_raw
    FROM ${reader}`;
  const parsed = `SELECT ${kept}, created_raw, ${created.ts} AS ts FROM (${read})`;
  const numbered = `SELECT ${kept}, created_raw, ts, CASE WHEN ts IS NULL THEN ${created.num} END AS num FROM (${parsed})`;
  // A possible time (docs/sources.md) or NULL: an impossible one is a skipped row, never out of window.
  // A TIMESTAMPTZ column passes through as a plain column (a CASE would hide it from DuckDB's filter
  // pushdown, and every row group of a Parquet file would be read whatever the window); its
  // impossible times are judged in `unusable` instead, so the same rows are skipped.
  const createdAt = created.asIs ? 'ts' : `CASE WHEN ts IS NOT NULL THEN ${created.possible} ELSE ${epochMsSql('num')} END`;
  const judged = `SELECT ${kept}, num, ${createdAt} AS created_at
    FROM (${numbered})`;
  const impossible = created.asIs ? ` OR NOT ${possibleSql('created_at')}` : '';
  // The aggregation reads a message only where the operation failed: keeping the others would
  // hold every success text in memory (text files are materialized) for nothing.
  return `SELECT source, operation, level, status,
    CASE WHEN lower(status) = 'error' OR lower(level) = 'error' THEN message END AS message, duration_ms, created_at,
    (source IS NULL OR created_at IS NULL OR bad_duration${impossible}) AS unusable,
    (created_at IS NULL AND ${unit === 'ms' ? epochSecondsLikeSql('num') : 'false'}) AS seconds_like
  FROM (${judged})`;
}
