// The contract between sql/aggregate.sql and TypeScript, declared once: its parameters, its
// result columns and the values of its discriminating columns. The positional parameters, the
// RPC's signature (rpc-sql.ts) and the row decoder (rows.ts) are derived from these lists, and
// test/aggregate-contract.test.ts fails when the SQL's actual columns (both engines) disagree.
import { bucketSeconds } from '../buckets.js';
import type { AggregateQuery } from '../types.js';

/** The table the shipped SQL reads; the caller substitutes PERFMON_TABLE for it (aggregate-sql.ts). */
export const DEFAULT_TABLE = 'integration_logs';

export type ParameterValue = string | number | null;

export interface ParameterSpec {
  /** The RPC's argument name (PostgREST passes arguments by name). */
  readonly name: string;
  /** Its SQL type: every `$n` in the SQL is written `CAST($n AS <sqlType>)`. */
  readonly sqlType: 'timestamptz' | 'text' | 'integer' | 'boolean';
  /** The RPC argument's DEFAULT, as SQL, or undefined for a required argument. */
  readonly rpcDefault?: string;
  readonly doc: string;
  readonly value: (query: AggregateQuery) => ParameterValue;
}

/** `$1..$n` in this order. */
export const PARAMETERS = [
  { name: 'p_start', sqlType: 'timestamptz', doc: 'current window start (inclusive)', value: (q) => q.start.toISOString() },
  { name: 'p_end', sqlType: 'timestamptz', doc: 'current window end (exclusive)', value: (q) => q.end.toISOString() },
  {
    name: 'p_previous_start',
    sqlType: 'timestamptz',
    doc: 'previous window start (it ends at p_start)',
    value: (q) => q.previousStart.toISOString(),
  },
  {
    name: 'p_service',
    sqlType: 'text',
    rpcDefault: 'NULL',
    doc: 'the --service set, its names joined by U+001F (chr(31)), or NULL for all',
    value: (q) => servicesParameter(q.services),
  },
  { name: 'p_threshold', sqlType: 'integer', rpcDefault: '2000', doc: 'Apdex threshold T, ms', value: (q) => q.threshold },
  {
    name: 'p_bucket_seconds',
    sqlType: 'integer',
    rpcDefault: '3600',
    doc: 'timeline bucket width, seconds (buckets aligned to the epoch)',
    value: (q) => bucketSeconds(q.start, q.end),
  },
] as const satisfies readonly ParameterSpec[];

/** Joins the --service set in p_service (docs/sources.md): one text, so the RPC's signature stays
 *  that of a single service and an installed RPC is upgraded in place; names never hold U+001F
 *  (cli/parse.ts refuses it). */
export const SERVICE_SEPARATOR = '\u001f';

export function servicesParameter(services: readonly string[] | null): string | null {
  return services === null ? null : services.join(SERVICE_SEPARATOR);
}

export type ParameterName = (typeof PARAMETERS)[number]['name'];

/** How the RPC reads, not what: its arguments after PARAMETERS' (by name; aggregate.sql and the
 *  rollup read never see them, their `$n` stay PARAMETERS'). */
export interface RpcOptions {
  /** --exact: raw rows only, never the rollups. */
  exact: boolean;
}

export const RPC_OPTIONS = [
  {
    name: 'p_exact',
    sqlType: 'boolean',
    rpcDefault: 'false',
    doc: '--exact: read raw rows only, never the rollups',
    value: (o: RpcOptions) => o.exact,
  },
] as const satisfies readonly (Omit<ParameterSpec, 'value'> & { value: (options: RpcOptions) => boolean })[];

/** Every argument of the RPC, in its signature's order. */
export const RPC_PARAMETERS: readonly Omit<ParameterSpec, 'value'>[] = [...PARAMETERS, ...RPC_OPTIONS];

/** Values of the `kind` column: what a row carries. */
export const KINDS = {
  /** Figures of one group (window x level). */
  stats: 'stats',
  /** Figures of one timeline bucket (current window; level overall or service), docs/timeline.md. */
  timeline: 'timeline',
  /** One operation's failures in one error group of a service, current window (docs/error-groups.md):
   *  operations = that operation's, failures = the group's; message = the fingerprint. */
  error: 'error',
  /** One row: operations whose created_at is impossible (docs/sources.md), counted in `operations`. */
  impossibleTimes: 'impossible_times',
  /** One status value of the current window's operations as the table holds it (message; null for
   *  none), with its operations and the failures among them; the 20 most frequent (docs/sources.md). */
  status: 'status',
  /** One row when the rollups are installed (docs/rollups.md): bucket_start = their watermark, epoch
   *  seconds (every hour before it is rolled up), NULL before the first refresh; operations = the
   *  complete hours of both windows this answer read from them: at least 1 from the rollup read
   *  (rollup-read-sql.ts), 0 when raw rows alone were read (the RPC's raw body, or postgres.ts's). */
  rollup: 'rollup',
} as const;

export const WINDOWS = ['current', 'previous'] as const;
export const LEVELS = ['overall', 'service', 'operation'] as const;

/** How a column's value is read: text, a count (a safe non-negative integer) or a finite number. */
export type ColumnValue = 'text' | 'count' | 'number';

export interface ColumnSpec {
  readonly name: string;
  readonly value: ColumnValue;
  /** Whether NULL is a possible value (for some kind of row). */
  readonly nullable: boolean;
}

/** The result columns, in the SQL's order. A 'stats' row of the previous window carries its counts,
 *  sums, min, max and variance but no p50, p95, p99, satisfied or tolerating (NULL): nothing reads
 *  them (the trend compares averages, docs/metrics.md), and computing them was most of a long
 *  report's time (docs/sources.md). */
export const RESULT_COLUMNS = [
  { name: 'kind', value: 'text', nullable: false },
  { name: 'win', value: 'text', nullable: true },
  { name: 'level', value: 'text', nullable: true },
  { name: 'service', value: 'text', nullable: true },
  { name: 'operation', value: 'text', nullable: true },
  /** Start of a timeline row's bucket, epoch seconds; null on other kinds. */
  { name: 'bucket_start', value: 'count', nullable: true },
  { name: 'message', value: 'text', nullable: true },
  /** An error group's most recent raw message; null on other kinds. */
  { name: 'example', value: 'text', nullable: true },
  { name: 'operations', value: 'count', nullable: false },
  { name: 'failures', value: 'count', nullable: false },
  { name: 'samples', value: 'count', nullable: false },
  { name: 'sum_duration', value: 'number', nullable: true },
  { name: 'min_duration', value: 'number', nullable: true },
  { name: 'max_duration', value: 'number', nullable: true },
  { name: 'p50', value: 'number', nullable: true },
  { name: 'p95', value: 'number', nullable: true },
  { name: 'p99', value: 'number', nullable: true },
  { name: 'var_duration', value: 'number', nullable: true },
  /** Apdex counts; null in the previous window's rows (above). */
  { name: 'satisfied', value: 'count', nullable: true },
  { name: 'tolerating', value: 'count', nullable: true },
  { name: 'invalid_durations', value: 'count', nullable: false },
] as const satisfies readonly ColumnSpec[];

export type ColumnName = (typeof RESULT_COLUMNS)[number]['name'];

/** The SQL type each kind of column has, in PostgreSQL and in DuckDB. */
export const COLUMN_TYPES: Record<ColumnValue, { postgres: string; duckdb: string }> = {
  text: { postgres: 'text', duckdb: 'VARCHAR' },
  count: { postgres: 'bigint', duckdb: 'BIGINT' },
  number: { postgres: 'double precision', duckdb: 'DOUBLE' },
};

/** The 'rollup' row (KINDS.rollup) as one SELECT without FROM: the watermark (a timestamptz
 *  expression) in bucket_start as epoch seconds, `hours` (a bigint expression) in operations, every
 *  other column NULL where nullable, else 0. The one text of it, for the rollup read
 *  (rollup-read-sql.ts) and the RPC's raw body (rpc-sql.ts); PostgreSQL and DuckDB both take it. */
export function rollupRowSql(watermark: string, hours: string): string {
  const value = (column: (typeof RESULT_COLUMNS)[number]): string => {
    const type = COLUMN_TYPES[column.value].postgres;
    if (column.name === 'kind') return `CAST('${KINDS.rollup}' AS ${type})`;
    if (column.name === 'bucket_start') return `CAST(floor(extract(epoch FROM ${watermark})) AS ${type})`;
    if (column.name === 'operations') return hours;
    return column.nullable ? `CAST(NULL AS ${type})` : `CAST(0 AS ${type})`;
  };
  return `SELECT\n${RESULT_COLUMNS.map((column) => `  ${value(column)} AS ${column.name}`).join(',\n')}`;
}

/** The positional parameters `$1..$n` of the SQL for one query. */
export function aggregationParams(query: AggregateQuery): ParameterValue[] {
  return PARAMETERS.map((parameter) => parameter.value(query));
}

/** The same parameters by name, and the RPC's options, as the RPC takes them. */
export function rpcArguments(query: AggregateQuery, options: RpcOptions): Record<string, ParameterValue | boolean> {
  return {
    ...Object.fromEntries(PARAMETERS.map((parameter) => [parameter.name, parameter.value(query)])),
    ...Object.fromEntries(RPC_OPTIONS.map((option) => [option.name, option.value(options)])),
  };
}
