// Decodes the rows of sql/aggregate.sql as any driver returns them (number, bigint or numeric
// text), by the columns declared in aggregate-contract.ts, checking each: a server's answer is
// input too, and a wrong or inconsistent one must not become a report (consistency.ts).
import { RuntimeError } from '../base/errors.js';
import { compareText } from '../text/order.js';
import { statsInconsistency } from './consistency.js';
import { type ColumnName, KINDS, LEVELS, RESULT_COLUMNS, WINDOWS } from './sql/aggregate-contract.js';
import type { Aggregates, ErrorCountRow, ErrorOperationRow, Stats, StatsRow, TimelineRow, WindowName } from './types.js';

type Row = Record<string, unknown>;

class BadRow extends Error {}

/** Where each figure of Stats comes from: adding a field to Stats fails here until it has a column. */
const STATS_COLUMNS = {
  operations: 'operations',
  failures: 'failures',
  samples: 'samples',
  sumDuration: 'sum_duration',
  minDuration: 'min_duration',
  maxDuration: 'max_duration',
  p50: 'p50',
  p95: 'p95',
  p99: 'p99',
  varDuration: 'var_duration',
  satisfied: 'satisfied',
  tolerating: 'tolerating',
  invalidDurations: 'invalid_durations',
} as const satisfies Record<keyof Stats, ColumnName>;

const COLUMN_SPECS = new Map(RESULT_COLUMNS.map((column) => [column.name as ColumnName, column]));

/** A number as the driver hands it: a number, a bigint or numeric text; NaN for anything else. */
function numberIn(value: unknown): number {
  if (typeof value === 'number') return value;
  return typeof value === 'bigint' || typeof value === 'string' ? Number(value) : NaN;
}

/** A column's value, read and checked as declared: text, a count or a finite number; null only where allowed. */
function read(row: Row, name: ColumnName): string | number | null {
  const spec = COLUMN_SPECS.get(name);
  const value = row[name];
  if (spec === undefined) throw new BadRow(`${name} is not a declared column`);
  if (value === null) {
    if (!spec.nullable) throw new BadRow(`${name} is null`);
    return null;
  }
  if (spec.value === 'text') {
    if (typeof value !== 'string') throw new BadRow(`${name} is not text`);
    return value;
  }
  const n = numberIn(value);
  if (!Number.isFinite(n)) throw new BadRow(`${name} is not a number`);
  if (spec.value === 'count' && (!Number.isSafeInteger(n) || n < 0)) throw new BadRow(`${name} is not a count (${String(value)})`);
  return n;
}

const count = (row: Row, name: ColumnName) => read(row, name) as number;

function text(row: Row, name: ColumnName): string {
  const value = read(row, name);
  if (typeof value !== 'string') throw new BadRow(`${name} is missing`);
  return value;
}

function oneOf<T extends string>(row: Row, name: ColumnName, values: readonly T[]): T {
  const value = read(row, name);
  if (!values.includes(value as T)) throw new BadRow(`${name} is not ${values.join('/')}`);
  return value as T;
}

/** The previous window's figures carry no percentiles and no Apdex counts (docs/sources.md); an RPC
 *  installed before that rule still sends them: dropped, so every source answers alike. */
const WITHOUT_DISTRIBUTION = { p50: null, p95: null, p99: null, satisfied: null, tolerating: null } as const;

function stats(row: Row, window: WindowName): Stats {
  const figures = Object.fromEntries(Object.entries(STATS_COLUMNS).map(([field, column]) => [field, read(row, column)]));
  // read() has checked each value against its column: numbers finite, counts null only where the
  // contract allows it (the Apdex counts, in the previous window only).
  const result = figures as unknown as Stats;
  if (window === 'previous') Object.assign(result, WITHOUT_DISTRIBUTION);
  else if (result.satisfied === null || result.tolerating === null) throw new BadRow('the Apdex counts are null in the current window');
  const problem = statsInconsistency(result);
  if (problem) throw new BadRow(`inconsistent figures: ${problem}`);
  return result;
}

function statsRow(row: Row): StatsRow {
  const window: WindowName = oneOf(row, 'win', WINDOWS);
  switch (oneOf(row, 'level', LEVELS)) {
    case 'overall':
      return { window, level: 'overall', ...stats(row, window) };
    case 'service':
      return { window, level: 'service', service: text(row, 'service'), ...stats(row, window) };
    case 'operation':
      return { window, level: 'operation', service: text(row, 'service'), operation: text(row, 'operation'), ...stats(row, window) };
  }
}

function timelineRow(row: Row): TimelineRow {
  if (oneOf(row, 'win', WINDOWS) !== 'current') throw new BadRow('a timeline row is not of the current window');
  const bucketStart = read(row, 'bucket_start');
  if (typeof bucketStart !== 'number') throw new BadRow('bucket_start is missing');
  const level = oneOf(row, 'level', LEVELS);
  if (level === 'overall') return { level, bucketStart, ...stats(row, 'current') };
  if (level === 'service') return { level, service: text(row, 'service'), bucketStart, ...stats(row, 'current') };
  throw new BadRow('a timeline row is per operation');
}

function errorRow(row: Row): ErrorOperationRow {
  const result = {
    service: text(row, 'service'),
    message: text(row, 'message'),
    operation: text(row, 'operation'),
    count: count(row, 'operations'),
    groupCount: count(row, 'failures'),
    example: text(row, 'example'),
  };
  if (result.count === 0 || result.count > result.groupCount)
    throw new BadRow(`an error group's operation has ${result.count} of its ${result.groupCount} failures`);
  return result;
}

/** The error groups from their per-operation rows; every row of a group must agree on its total
 *  and example, and the operations' failures must add up to the total. */
function errorGroups(rows: ErrorOperationRow[], origin: string): ErrorCountRow[] {
  const groups = new Map<string, ErrorCountRow & { sum: number }>();
  for (const row of rows) {
    const key = JSON.stringify([row.service, row.message]);
    const group = groups.get(key) ?? {
      service: row.service,
      message: row.message,
      count: row.groupCount,
      example: row.example,
      operations: [],
      sum: 0,
    };
    if (group.count !== row.groupCount || group.example !== row.example) {
      throw new RuntimeError(`${origin} answered an error group whose rows disagree (${row.service}: ${row.message})`);
    }
    group.operations.push({ operation: row.operation, count: row.count });
    group.sum += row.count;
    groups.set(key, group);
  }
  return [...groups.values()].map(({ sum, ...group }) => {
    if (sum !== group.count)
      throw new RuntimeError(`${origin} answered an error group of ${group.count} failures whose operations add up to ${sum}`);
    group.operations.sort((a, b) => b.count - a.count || compareText(a.operation, b.operation));
    return group;
  });
}

/** The identity of a row: an answer never holds two rows for the same group or message. */
function rowKey(kind: string, row: StatsRow | TimelineRow | ErrorOperationRow | null): string {
  if (row === null) return kind;
  const bucket = 'bucketStart' in row ? [row.bucketStart] : [];
  return JSON.stringify([kind, ...Object.values(row).filter((value) => typeof value === 'string'), ...bucket]);
}

function statusRow(decoder: Decoder, row: Row): void {
  const status = read(row, 'message');
  const seen = {
    status: typeof status === 'string' ? status : null,
    operations: count(row, 'operations'),
    failures: count(row, 'failures'),
  };
  if (seen.operations === 0 || seen.failures > seen.operations)
    throw new BadRow(`a status has ${seen.failures} failures of ${seen.operations} operations`);
  if (decoder.result.statuses.some((other) => other.status === seen.status)) throw new BadRow('it repeats a status');
  decoder.result.statuses.push(seen);
}

interface Decoder {
  result: Aggregates;
  errorRows: ErrorOperationRow[];
  impossibleRows: number;
  seen: Set<string>;
}

function decodeRow(decoder: Decoder, raw: unknown): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRow('it is not an object');
  const row = raw as Row;
  const missing = RESULT_COLUMNS.find((column) => !(column.name in row));
  // Only an RPC installed by an older version of the tool can answer without a declared column.
  if (missing) throw new BadRow(`it lacks the column ${missing.name} (an older sql/rpc.sql? install it again)`);
  const kind = oneOf(row, 'kind', Object.values(KINDS));
  let decoded: StatsRow | TimelineRow | ErrorOperationRow | null = null;
  if (kind === KINDS.stats) {
    decoded = statsRow(row);
    decoder.result.stats.push(decoded);
  } else if (kind === KINDS.timeline) {
    decoded = timelineRow(row);
    decoder.result.timeline.push(decoded);
  } else if (kind === KINDS.error) {
    decoded = errorRow(row);
    decoder.errorRows.push(decoded);
  } else if (kind === KINDS.rollup) {
    if (decoder.result.rollup !== null) throw new BadRow('it repeats the rollup row');
    const watermark = read(row, 'bucket_start');
    if (typeof watermark === 'string' || (watermark !== null && watermark % 3600 !== 0))
      throw new BadRow('the rollup watermark is not a whole hour');
    const hours = count(row, 'operations');
    if (hours > 0 && watermark === null) throw new BadRow('it read rollup hours without a rollup watermark');
    decoder.result.rollup = { watermark: watermark as number | null, hours };
  } else if (kind === KINDS.status) {
    statusRow(decoder, row);
    return; // checked for repeats by value: a null status has no text for rowKey
  } else {
    decoder.result.impossibleTimes = count(row, 'operations');
    decoder.impossibleRows += 1;
  }
  const key = rowKey(kind, decoded);
  if (decoder.seen.has(key)) throw new BadRow('it repeats an earlier row (same kind, window, level, service, operation or message)');
  decoder.seen.add(key);
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === null || b === null) return (a === null ? 1 : 0) - (b === null ? 1 : 0);
  return compareText(a, b);
}

/** `origin` names the source in the error, e.g. "PostgreSQL" or "Supabase RPC". */
export function decodeAggregateRows(rows: unknown, origin: string): Aggregates {
  if (!Array.isArray(rows)) throw new RuntimeError(`${origin} answered with something other than rows`);
  const decoder: Decoder = {
    result: { stats: [], timeline: [], errors: [], impossibleTimes: 0, statuses: [], rollup: null },
    errorRows: [],
    impossibleRows: 0,
    seen: new Set(),
  };
  rows.forEach((raw: unknown, i) => {
    try {
      decodeRow(decoder, raw);
    } catch (error) {
      if (error instanceof BadRow) throw new RuntimeError(`${origin} answered an unexpected row ${i + 1}: ${error.message}`);
      throw error;
    }
  });
  if (decoder.impossibleRows !== 1)
    throw new RuntimeError(`${origin} answered without its ${KINDS.impossibleTimes} row (an older sql/rpc.sql? install it again)`);
  if (decoder.result.statuses.length > 20) throw new RuntimeError(`${origin} answered more than 20 status rows`);
  // Rows come in no order: most first, ties by value (none last), whatever the engine.
  decoder.result.statuses.sort((a, b) => b.operations - a.operations || compareNullable(a.status, b.status));
  decoder.result.errors = errorGroups(decoder.errorRows, origin);
  return decoder.result;
}
