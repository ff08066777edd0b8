// The one aggregation SQL text (sql/aggregate.sql), shared by DuckDB, PostgreSQL and the RPC.
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { AggregateQuery } from './types.js';

export const DEFAULT_TABLE = 'integration_logs';
const TABLE_PLACEHOLDER = `FROM ${DEFAULT_TABLE}`;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

let cached: string | undefined;

/** The SQL exactly as shipped; its table is `integration_logs`. */
export function aggregationSqlTemplate(): string {
  cached ??= readFileSync(new URL('../sql/aggregate.sql', import.meta.url), 'utf8');
  return cached;
}

/** PERFMON_TABLE as a quoted identifier: `table` or `schema.table`, letters, digits, underscores. */
export function quoteTableName(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new UsageError(`PERFMON_TABLE '${name}' is not a table name: use letters, digits and _ (optionally schema.table)`);
  }
  return parts.map((part) => `"${part}"`).join('.');
}

export function aggregationSql(table: string = DEFAULT_TABLE): string {
  return aggregationSqlTemplate().replaceAll(TABLE_PLACEHOLDER, `FROM ${quoteTableName(table)}`);
}

/** Positional parameters $1..$5 of sql/aggregate.sql. */
export function aggregationParams(query: AggregateQuery): [string, string, string, string | null, number] {
  return [query.start.toISOString(), query.end.toISOString(), query.previousStart.toISOString(), query.service, query.threshold];
}
