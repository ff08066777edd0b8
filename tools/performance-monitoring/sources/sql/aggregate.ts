// The one aggregation SQL text (sql/aggregate.sql), shared by DuckDB, PostgreSQL and the RPC,
// with PERFMON_TABLE put in the one place the SQL names its table.

import { readFileSync } from 'node:fs';
import { UsageError } from '../../base/errors.js';
import { toolFile } from '../../base/paths.js';
import { forMessage } from '../../text/safe-text.js';
import { DEFAULT_TABLE } from './aggregate-contract.js';

export { aggregationParams, DEFAULT_TABLE } from './aggregate-contract.js';

/** The SQL's table slot: a line of its own reading `FROM integration_logs` (the shipped table). */
const TABLE_SLOT = new RegExp(`^(\\s*FROM )${DEFAULT_TABLE}$`, 'gm');
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

let cached: string | undefined;

/** The SQL exactly as shipped; its table is `integration_logs`. */
export function aggregationSqlTemplate(): string {
  cached ??= readFileSync(toolFile('sql/aggregate.sql'), 'utf8');
  return cached;
}

/** PERFMON_TABLE as a quoted identifier: `table` or `schema.table`, letters, digits, underscores. */
export function quoteTableName(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new UsageError(`PERFMON_TABLE ${forMessage(name)} is not a table name: use letters, digits and _ (optionally schema.table)`);
  }
  return parts.map((part) => `"${part}"`).join('.');
}

/** `sql` with its one table slot reading `table`; anything but exactly one slot is a bug here. */
export function withTable(sql: string, table: string): string {
  const slots = sql.match(TABLE_SLOT)?.length ?? 0;
  if (slots !== 1) throw new Error(`aggregate.sql must name its table on exactly one line 'FROM ${DEFAULT_TABLE}'; found ${slots}`);
  const quoted = quoteTableName(table);
  return sql.replace(TABLE_SLOT, (_line, from: string) => `${from}${quoted}`);
}

export function aggregationSql(table: string = DEFAULT_TABLE): string {
  return withTable(aggregationSqlTemplate(), table);
}
