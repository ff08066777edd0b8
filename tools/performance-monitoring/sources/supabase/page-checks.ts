// What a fallback page must satisfy for the keyset read to end and to read only what was asked:
// at most the page size, rows inside the requested created_at range (and --service), in
// (created_at, id) order, and the first row after the previous page's last. A server that
// ignores a filter would otherwise be read forever (the same page again) or counted wrongly.

import { compareUnits } from '../../text/order.js';

export interface PageBounds {
  /** Slice start, inclusive, and end, exclusive. */
  from: Date;
  to: Date;
  /** The --service set, null for all. */
  services: readonly string[] | null;
  pageSize: number;
  /** The previous page's last row; null on a slice's first page. */
  cursor: { id: string | number; created_at: string } | null;
}

/** An instant at PostgreSQL's microsecond precision: epoch ms, then the microseconds beyond. */
interface Instant {
  ms: number;
  micro: number;
}

// PostgREST writes timestamptz as ISO 8601 with up to 6 fractional digits; Date.parse keeps 3.
const FRACTION = /^(.*?[T ]\d{2}:\d{2}:\d{2})[.,](\d+)(.*)$/;

export function instantOf(text: string): Instant | null {
  const match = FRACTION.exec(text);
  const ms = match ? Date.parse(`${match[1]}.${(match[2] ?? '').slice(0, 3).padEnd(3, '0')}${match[3]}`) : Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const micro = match ? Number((match[2] ?? '').slice(3, 6).padEnd(3, '0')) : 0;
  return { ms, micro };
}

const compareInstants = (a: Instant, b: Instant) => a.ms - b.ms || a.micro - b.micro;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The sign of a - b in PostgreSQL's order, or null when it cannot be known here (text ids sort
 * by the database's collation). The schema's bigint arrives as a JSON number; uuids sort by
 * their bytes, which is their lowercase hex order.
 */
export function compareIds(a: string | number, b: string | number): number | null {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string' && UUID.test(a) && UUID.test(b)) {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return compareUnits(x, y);
  }
  return a === b ? 0 : null;
}

interface Keyed {
  at: Instant;
  id: string | number;
}

/** Whether b comes strictly after a in (created_at, id) order; unknown id order counts if ids differ. */
function after(a: Keyed, b: Keyed): boolean {
  const byTime = compareInstants(b.at, a.at);
  if (byTime !== 0) return byTime > 0;
  const byId = compareIds(b.id, a.id);
  return byId === null ? b.id !== a.id : byId > 0;
}

function keyed(row: unknown): Keyed | null {
  const { id, created_at } = (row ?? {}) as Record<string, unknown>;
  if ((typeof id !== 'string' && typeof id !== 'number') || typeof created_at !== 'string') return null;
  const at = instantOf(created_at);
  return at && { at, id };
}

/** What is wrong with the page, in words for the error line, or null when it may be used.
 *  Rows without a readable id and created_at are skipped and counted elsewhere, not checked. */
export function pageProblem(rows: unknown[], bounds: PageBounds): string | null {
  if (rows.length > bounds.pageSize)
    return `a page of more than ${bounds.pageSize.toLocaleString('en-US')} rows (the server ignored the limit)`;
  const from = { ms: bounds.from.getTime(), micro: 0 };
  const to = { ms: bounds.to.getTime(), micro: 0 };
  // The previous page passed these checks, so its last row (the cursor) is keyed.
  let previous: Keyed | null = bounds.cursor && keyed(bounds.cursor);
  let first = true;
  for (const row of rows) {
    const key = keyed(row);
    if (key === null) continue;
    if (compareInstants(key.at, from) < 0 || compareInstants(key.at, to) >= 0) {
      return 'a row outside the requested created_at range (the server ignored the filter)';
    }
    const source = (row as { source?: unknown }).source;
    if (bounds.services !== null && typeof source === 'string' && !bounds.services.includes(source)) {
      return 'a row of another service than --service (the server ignored the filter)';
    }
    if (previous && !after(previous, key)) {
      return first
        ? 'the page did not advance past the previous one (the server ignored the keyset filter)'
        : 'rows out of (created_at, id) order';
    }
    previous = key;
    first = false;
  }
  // The last row is the next page's cursor: without a readable position, no next page can be asked.
  if (rows.length > 0 && keyed(rows[rows.length - 1]) === null) return 'a page ended with a row lacking a readable id or created_at';
  return null;
}
