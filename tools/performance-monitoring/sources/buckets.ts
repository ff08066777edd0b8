// The timeline's buckets (docs/timeline.md): their width for a window and the starts of every bucket of
// it, aligned to multiples of the width since the Unix epoch (UTC), so an instant always falls in
// the same bucket whatever --until. Pure; the aggregation groups by the same arithmetic.

/** Candidate widths, seconds: 1m, 5m, 15m, 30m, 1h, 3h, 6h, 12h, 1d, 7d. */
export const BUCKET_WIDTHS = [60, 300, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800] as const;

export const MAX_BUCKETS = 60;

/** Index of the bucket holding `ms` (epoch milliseconds) at width `seconds`. */
function bucketIndex(ms: number, seconds: number): number {
  return Math.floor(ms / 1000 / seconds);
}

/** How many aligned buckets [start, end) touches at width `seconds` (end exclusive). */
function bucketCount(start: Date, end: Date, seconds: number): number {
  if (end.getTime() <= start.getTime()) return 0;
  return bucketIndex(end.getTime() - 1, seconds) - bucketIndex(start.getTime(), seconds) + 1;
}

/** The smallest width giving at most 60 buckets; 7d beyond (a window over ~413 days has more). */
export function bucketSeconds(start: Date, end: Date): number {
  return BUCKET_WIDTHS.find((seconds) => bucketCount(start, end, seconds) <= MAX_BUCKETS) ?? 604_800;
}

/** Start of every bucket of [start, end), oldest first, epoch seconds (the first may precede start). */
export function bucketStarts(start: Date, end: Date, seconds: number): number[] {
  const first = bucketIndex(start.getTime(), seconds);
  return Array.from({ length: bucketCount(start, end, seconds) }, (_, i) => (first + i) * seconds);
}

/** Per-bucket stats, one per start, oldest first: a bucket without a row holds zeros. */
export function fillBuckets<T extends { bucketStart: number }>(starts: number[], rows: T[], empty: (start: number) => T): T[] {
  const byStart = new Map(rows.map((row) => [row.bucketStart, row]));
  return starts.map((start) => byStart.get(start) ?? empty(start));
}
