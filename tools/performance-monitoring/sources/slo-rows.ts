// Decodes the SLO read's rows (sources/sql/slo.ts) as any driver returns them (number, bigint or
// numeric text), checking each: a server's answer is input too, and an inconsistent one (more
// failures than events, a short window holding more than a longer one) must not become a verdict.
import { RuntimeError } from '../base/errors.js';
import { SLO_WINDOWS, type SloCountRow, type SloCounts, type SloWindow, type SloWindowCounts } from './slo-windows.js';
import { SLO_COUNT_NAMES, SLO_RESULT_COLUMNS } from './sql/slo.js';

type Row = Record<string, unknown>;

class BadRow extends Error {}

function countOf(row: Row, name: string): number {
  const value = row[name];
  let n = Number.NaN;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint' || typeof value === 'string') n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new BadRow(`${name} is not a count`);
  return n;
}

function windowsOf(row: Row): Record<SloWindow, SloWindowCounts> {
  const windows = Object.fromEntries(
    SLO_WINDOWS.map((w) => [w, Object.fromEntries(SLO_COUNT_NAMES.map((c) => [c, 0]))]),
  ) as unknown as Record<SloWindow, SloWindowCounts>;
  for (const { window, count, name } of SLO_RESULT_COLUMNS) windows[window][count] = countOf(row, name);
  for (const w of SLO_WINDOWS) {
    const c = windows[w];
    if (c.failures > c.operations || c.samples > c.operations || c.slow > c.samples || c.uncertain > c.slow) {
      throw new BadRow(`the ${w} window's counts do not add up`);
    }
  }
  return windows;
}

function decodeRow(raw: unknown): SloCountRow & { rollupHours: number } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRow('it is not an object');
  const row = raw as Row;
  const level = row.level;
  if (level !== 'overall' && level !== 'service') throw new BadRow('level is not overall/service');
  const service = level === 'overall' ? null : row.service;
  if (service !== null && typeof service !== 'string') throw new BadRow('service is not text');
  const threshold = row.threshold === null ? null : countOf(row, 'threshold');
  return { service, threshold, windows: windowsOf(row), rollupHours: countOf(row, 'rollup_hours') };
}

/** `origin` names the source in the error, e.g. "PostgreSQL" or "Supabase RPC". */
export function decodeSloRows(rows: unknown, origin: string): SloCounts {
  if (!Array.isArray(rows)) throw new RuntimeError(`${origin} answered the SLO read with something other than rows`);
  const seen = new Set<string>();
  let rollupHours = 0;
  const decoded = rows.map((raw: unknown, i): SloCountRow => {
    try {
      const { rollupHours: hours, ...row } = decodeRow(raw);
      const key = JSON.stringify([row.service, row.threshold]);
      if (seen.has(key)) throw new BadRow('it repeats an earlier row');
      seen.add(key);
      rollupHours = hours;
      return row;
    } catch (error) {
      if (error instanceof BadRow) throw new RuntimeError(`${origin} answered an unexpected SLO row ${i + 1}: ${error.message}`);
      throw error;
    }
  });
  return { rows: decoded, rollupHours };
}
