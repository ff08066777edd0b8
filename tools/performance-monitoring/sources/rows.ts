// Decodes the rows of sql/aggregate.sql as any driver returns them (number, bigint or numeric
// text), checking each: a server's answer is input too, and a wrong one must not become a report.
import { RuntimeError } from '../errors.js';
import type { Aggregates, ErrorCountRow, Stats, StatsRow, WindowName } from './types.js';

type Row = Record<string, unknown>;

class BadRow extends Error {}

function count(row: Row, field: string): number {
  const value = numberOrNull(row, field);
  if (value === null || !Number.isInteger(value) || value < 0) throw new BadRow(`${field} is not a count`);
  return value;
}

function numberOrNull(row: Row, field: string): number | null {
  const value = row[field];
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : typeof value === 'bigint' || typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new BadRow(`${field} is not a number`);
  return n;
}

function text(row: Row, field: string): string {
  const value = row[field];
  if (typeof value !== 'string') throw new BadRow(`${field} is missing`);
  return value;
}

function windowName(row: Row): WindowName {
  const value = row.win;
  if (value !== 'current' && value !== 'previous') throw new BadRow('win is not current/previous');
  return value;
}

function stats(row: Row): Stats {
  return {
    operations: count(row, 'operations'),
    failures: count(row, 'failures'),
    samples: count(row, 'samples'),
    sumDuration: numberOrNull(row, 'sum_duration'),
    minDuration: numberOrNull(row, 'min_duration'),
    maxDuration: numberOrNull(row, 'max_duration'),
    p50: numberOrNull(row, 'p50'),
    p95: numberOrNull(row, 'p95'),
    p99: numberOrNull(row, 'p99'),
    satisfied: count(row, 'satisfied'),
    tolerating: count(row, 'tolerating'),
    invalidDurations: count(row, 'invalid_durations'),
  };
}

function statsRow(row: Row): StatsRow {
  const window = windowName(row);
  switch (row.level) {
    case 'overall':
      return { window, level: 'overall', ...stats(row) };
    case 'service':
      return { window, level: 'service', service: text(row, 'service'), ...stats(row) };
    case 'operation':
      return { window, level: 'operation', service: text(row, 'service'), operation: text(row, 'operation'), ...stats(row) };
    default:
      throw new BadRow('level is not overall/service/operation');
  }
}

function errorRow(row: Row): ErrorCountRow {
  return { service: text(row, 'service'), message: text(row, 'message'), count: count(row, 'operations') };
}

/** `origin` names the source in the error, e.g. "PostgreSQL" or "Supabase RPC". */
export function decodeAggregateRows(rows: unknown, origin: string): Aggregates {
  if (!Array.isArray(rows)) throw new RuntimeError(`${origin} answered with something other than rows`);
  const result: Aggregates = { stats: [], errors: [] };
  rows.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) throw new RuntimeError(`${origin} answered row ${i + 1} that is not an object`);
    const row = raw as Row;
    try {
      if (row.kind === 'stats') result.stats.push(statsRow(row));
      else if (row.kind === 'error') result.errors.push(errorRow(row));
      else throw new BadRow('kind is not stats/error');
    } catch (error) {
      if (error instanceof BadRow) throw new RuntimeError(`${origin} answered an unexpected row ${i + 1}: ${error.message}`);
      throw error;
    }
  });
  return result;
}
