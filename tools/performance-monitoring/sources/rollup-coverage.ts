// When a report may read the rollups, and what it tells the user about their coverage (docs/rollups.md).
// Pure: the sources decide with the database's watermark, run.ts words the notice.
import { bucketSeconds } from './buckets.js';
import { DEFAULT_TABLE } from './sql/aggregate-contract.js';
import { numbers, timelineFits } from './sql/rollup-bounds.js';
import type { AggregateQuery, Aggregates } from './types.js';

const HOUR = 3_600_000;

/** Rollups can answer a query only for the table they are built from, and only when they can give
 *  its timeline (rollup-bounds.ts' timelineFits, the rule the RPC runs in SQL): whole-hour buckets
 *  (windows over 30 hours), or 30 minutes (15 to 30 hours) where the reader has the 30-minute
 *  timeline rows (PostgreSQL and the RPC, not the Supabase fallback, which pages operation rows
 *  only). Shorter windows read raw rows (docs/rollups.md says why). */
export function rollupsMayAnswer(query: AggregateQuery, table: string, reader: 'timeline rows' | 'operation rows'): boolean {
  if (table !== DEFAULT_TABLE) return false;
  const seconds = bucketSeconds(query.start, query.end);
  if (reader === 'operation rows') return seconds % 3600 === 0;
  return timelineFits(numbers({ bucketSeconds: seconds, threshold: query.threshold, services: query.services }));
}

/** Complete hours of both windows after the watermark (epoch ms), read from raw rows. */
export function uncoveredHours(query: AggregateQuery, watermarkMs: number): number {
  const first = Math.ceil(query.previousStart.getTime() / HOUR) * HOUR;
  const last = Math.floor(query.end.getTime() / HOUR) * HOUR;
  return Math.max(0, (last - Math.max(first, watermarkMs)) / HOUR);
}

/** A stderr line when rollups are installed but leave complete hours of the window to raw rows.
 *  The hour that has just ended is not worth a line: an hourly refresh has it soon. */
export function coverageNotice(query: AggregateQuery, rollup: Aggregates['rollup']): string | null {
  if (rollup === null) return null;
  const refresh = 'run --refresh-rollups, or schedule it with pg_cron (docs/rollups.md)';
  if (rollup.watermark === null) return `rollups are installed but empty: raw rows were read (${refresh})`;
  const hours = uncoveredHours(query, rollup.watermark * 1000);
  if (hours <= 1) return null;
  return `rollups end at ${new Date(rollup.watermark * 1000).toISOString()}: the ${hours} complete hours after it were read from raw rows (${refresh})`;
}
