// What a page of rollup rows must satisfy before the Supabase fallback merges it into a report:
// each row whole and self-consistent (counts, exact sums, histograms, fingerprints), of a span and
// hour that was asked for (and --service), in primary-key order and never a row already read. A
// rollup row stands for up to a week of operations, so a bad one is an error, never skipped.
import { instantOf } from './page-checks.js';
import type { HourRange } from './rollup-plan.js';

const HOUR = 3_600_000;
const MAX_DURATION = 2_147_483_647;
/** The histogram's largest key (docs/rollups.md): the bucket of MAX_DURATION ends there. */
const MAX_KEY = 2_150_000_000;

export interface RollupFingerprint {
  fingerprint: string;
  n: number;
  example: string;
  /** Epoch microseconds. */
  lastAt: bigint;
}

/** One rollup row as the read loads it (rollup-read-sql.ts's DuckDB tables). */
export interface RollupRow {
  span: number;
  hourMs: number;
  service: string;
  operation: string;
  operations: number;
  failures: number;
  samples: number;
  sumDuration: bigint;
  sumSquares: bigint;
  minDuration: number | null;
  maxDuration: number | null;
  invalidDurations: number;
  /** Histogram keys, ascending; counts and failed counts by key (0 where the failure histogram has
   *  none). Empty when the page was read without histograms (previous window). */
  keys: number[];
  counts: number[];
  failedCounts: number[];
  /** Empty when the page was read without fingerprints (previous window). */
  fingerprints: RollupFingerprint[];
}

/** The keyset position: the last row read, and the (service, operation) pairs read at its (span, hour). */
export interface RollupCursor {
  span: number;
  hourMs: number;
  service: string;
  operation: string;
  seen: Set<string>;
}

export interface RollupPageBounds {
  ranges: HourRange[];
  /** Whether rows carry span_hours (the blocks table); the hourly table's span is 1. */
  spanColumn: boolean;
  /** Rows of the current window, with histograms and fingerprints (rollup-pages.ts). */
  current: boolean;
  /** The --service set, null for all. */
  services: readonly string[] | null;
  pageSize: number;
  cursor: RollupCursor | null;
}

class Problem extends Error {}

type Row = Record<string, unknown>;

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function count(row: Row, name: string): number {
  const value = row[name];
  if (!isCount(value)) throw new Problem(`a row's ${name} is not a count`);
  return value;
}

/** numeric sums, asked for as text so no digit is lost in JSON (a bare integer is read too). */
function exactSum(row: Row, name: string): bigint {
  const value = row[name];
  if (typeof value === 'string' && /^\d{1,30}$/.test(value)) return BigInt(value);
  if (isCount(value)) return BigInt(value);
  throw new Problem(`a row's ${name} is not a whole number`);
}

function duration(row: Row, name: string): number | null {
  const value = row[name];
  if (value === null) return null;
  if (!isCount(value) || value > MAX_DURATION) throw new Problem(`a row's ${name} is not a duration`);
  return value;
}

function counts(row: Row, name: string, max: number): number[] {
  const value = row[name];
  if (!Array.isArray(value) || !value.every((n) => isCount(n) && n <= max)) throw new Problem(`a row's ${name} is not a list of counts`);
  return value as number[];
}

/** The histogram and the failure histogram, merged by key; each checked against the row's counts. */
function histogram(row: Row, samples: number, failures: number): Pick<RollupRow, 'keys' | 'counts' | 'failedCounts'> {
  const keys = counts(row, 'histogram_keys', MAX_KEY);
  const n = counts(row, 'histogram_counts', Number.MAX_SAFE_INTEGER);
  const failedKeys = counts(row, 'failure_histogram_keys', MAX_KEY);
  const failedN = counts(row, 'failure_histogram_counts', Number.MAX_SAFE_INTEGER);
  if (keys.length !== n.length || failedKeys.length !== failedN.length)
    throw new Problem("a row's histogram keys and counts differ in length");
  if (keys.some((key, i) => i > 0 && key <= (keys[i - 1] as number)) || n.some((c) => c === 0))
    throw new Problem("a row's histogram is not ascending keys with counts");
  if (n.reduce((sum, c) => sum + c, 0) !== samples) throw new Problem("a row's histogram does not add up to its samples");
  const failedCounts = keys.map(() => 0);
  let j = 0;
  let failedTotal = 0;
  for (let i = 0; i < failedKeys.length; i++) {
    while (j < keys.length && (keys[j] as number) < (failedKeys[i] as number)) j++;
    const failed = failedN[i] as number;
    if (keys[j] !== failedKeys[i] || failed === 0 || failed > (n[j] as number))
      throw new Problem("a row's failure histogram is not part of its histogram");
    failedCounts[j] = failed;
    failedTotal += failed;
    j++;
  }
  if (failedTotal > failures) throw new Problem("a row's failure histogram holds more than its failures");
  return { keys, counts: n, failedCounts };
}

function fingerprints(row: Row, failures: number): RollupFingerprint[] {
  const value = row.fingerprints;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Problem("a row's fingerprints are not an object");
  const out: RollupFingerprint[] = [];
  let total = 0;
  for (const [fingerprint, entry] of Object.entries(value as Row)) {
    const { count: n, example, last_at } = (entry ?? {}) as Row;
    const at = typeof last_at === 'string' ? instantOf(last_at) : null;
    if (!isCount(n) || n === 0 || typeof example !== 'string' || at === null)
      throw new Problem("a row's fingerprint is not {count, example, last_at}");
    out.push({ fingerprint, n, example, lastAt: BigInt(at.ms) * 1000n + BigInt(at.micro) });
    total += n;
  }
  if (total > failures) throw new Problem("a row's fingerprints count more than its failures");
  return out;
}

function text(row: Row, name: string): string {
  const value = row[name];
  if (typeof value !== 'string') throw new Problem(`a row's ${name} is not text`);
  return value;
}

function rollupRow(raw: unknown, bounds: RollupPageBounds): RollupRow {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Problem('a row is not an object');
  const row = raw as Row;
  const span = bounds.spanColumn ? count(row, 'span_hours') : 1;
  const hour = typeof row.hour === 'string' ? instantOf(row.hour) : null;
  if (hour === null) throw new Problem("a row's hour is not a time");
  if (hour.micro !== 0 || hour.ms % (span * HOUR) !== 0) throw new Problem("a row's hour is not the start of its span");
  if (!bounds.ranges.some((r) => r.span === span && hour.ms >= r.from && hour.ms < r.to)) {
    throw new Problem('a row outside the requested spans and hours (the server ignored the filter)');
  }
  const service = text(row, 'service');
  if (bounds.services !== null && !bounds.services.includes(service))
    throw new Problem('a row of another service than --service (the server ignored the filter)');
  const operations = count(row, 'operations');
  const failures = count(row, 'failures');
  const samples = count(row, 'samples');
  const invalidDurations = count(row, 'invalid_durations');
  if (failures > operations || samples + invalidDurations > operations) throw new Problem("a row's counts exceed its operations");
  const [minDuration, maxDuration] = [duration(row, 'min_duration'), duration(row, 'max_duration')];
  const sumDuration = exactSum(row, 'sum_duration');
  const sumSquares = exactSum(row, 'sum_squares');
  if (
    samples === 0
      ? minDuration !== null || maxDuration !== null || sumDuration !== 0n || sumSquares !== 0n
      : minDuration === null || maxDuration === null
  ) {
    throw new Problem("a row's min and max durations do not match its samples");
  }
  if (minDuration !== null && maxDuration !== null) {
    const [n, lo, hi] = [BigInt(samples), BigInt(minDuration), BigInt(maxDuration)];
    if (lo > hi || sumDuration < n * lo || sumDuration > n * hi || sumSquares < n * lo * lo || sumSquares > n * hi * hi) {
      throw new Problem("a row's sums are impossible for its samples, min and max");
    }
  }
  return {
    span,
    hourMs: hour.ms,
    service,
    operation: text(row, 'operation'),
    operations,
    failures,
    samples,
    sumDuration,
    sumSquares,
    minDuration,
    maxDuration,
    invalidDurations,
    ...(bounds.current ? histogram(row, samples, failures) : { keys: [], counts: [], failedCounts: [] }),
    fingerprints: bounds.current ? fingerprints(row, failures) : [],
  };
}

const pairKey = (row: { service: string; operation: string }) => JSON.stringify([row.service, row.operation]);

/** The page's rows, checked, and the cursor after them; or what is wrong, in words for the error
 *  line. (service, operation) order is the database's collation, unknown here: within one
 *  (span, hour) a pair must only never come twice, which is what ends a read that repeats. */
export function rollupPage(rows: unknown[], bounds: RollupPageBounds): { rows: RollupRow[]; cursor: RollupCursor } | { problem: string } {
  if (rows.length > bounds.pageSize)
    return { problem: `a page of more than ${bounds.pageSize.toLocaleString('en-US')} rows (the server ignored the limit)` };
  const out: RollupRow[] = [];
  let cursor = bounds.cursor && { ...bounds.cursor, seen: new Set(bounds.cursor.seen) };
  try {
    for (const raw of rows) {
      const row = rollupRow(raw, bounds);
      const order = cursor ? row.span - cursor.span || row.hourMs - cursor.hourMs : 1;
      const first = out.length === 0;
      if (order < 0) {
        throw new Problem(
          first ? 'the page did not advance past the previous one (the server ignored the keyset filter)' : 'rows out of primary-key order',
        );
      }
      if (order === 0 && cursor?.seen.has(pairKey(row))) {
        throw new Problem(
          first
            ? 'the page did not advance past the previous one (the server ignored the keyset filter)'
            : 'a row repeated within the page',
        );
      }
      const seen = order === 0 && cursor ? cursor.seen : new Set<string>();
      seen.add(pairKey(row));
      cursor = { span: row.span, hourMs: row.hourMs, service: row.service, operation: row.operation, seen };
      out.push(row);
    }
  } catch (error) {
    if (error instanceof Problem) return { problem: error.message };
    throw error;
  }
  if (cursor === null) return { problem: 'an empty page cannot move the cursor' };
  return { rows: out, cursor };
}
