// The rollup's duration histogram, as SQL both engines run alike (docs/rollups.md): decimal
// log-linear buckets, exact up to 200 ms, then 350 buckets per decade (widths 1-2-5 times a
// power of ten), keyed by their inclusive upper end. The refresh (rollup-sql.ts) and the read
// (rollup-read-sql.ts) key durations with the same text, and the read turns a key back into a value.

/** The buckets' widths, ms, by range: up to the first limit, width 1 (exact); then each decade
 *  (D, 10D] in three parts, (D, 2D] by D/100, (2D, 5D] by D/50 and (5D, 10D] by D/20, so a bucket's
 *  half-width is under 0.5% of any duration in it. Each part starts on a multiple of its width,
 *  so a key (the bucket's upper end) is a multiple of its width too. */
export const BUCKET_LADDER: readonly (readonly [limit: number, width: number])[] = (() => {
  const ladder: [number, number][] = [[200, 1]];
  for (let decade = 100; decade < 2_147_483_647; decade *= 10) {
    if (decade > 100) ladder.push([2 * decade, decade / 100]);
    ladder.push([5 * decade, decade / 50], [10 * decade, decade / 20]);
  }
  return ladder;
})();

/** Width (ms) of the bucket holding the integer duration (or bucket key) `x`. */
export function BUCKET_WIDTH(x: string): string {
  const steps = BUCKET_LADDER.slice(0, -1).map(([limit, width]) => `WHEN ${x} <= ${limit} THEN ${width}`);
  return `CASE ${steps.join(' ')} ELSE ${BUCKET_LADDER[BUCKET_LADDER.length - 1]?.[1]} END`;
}

/** The key of the integer duration `x` in a bucket of width `w`: the bucket's inclusive upper end.
 *  floor() of a division, not `/` alone: DuckDB's `/` divides integers as doubles, PostgreSQL's
 *  truncates; both floor alike (the quotients are far from the next integer at these widths). */
export function BUCKET_KEY(x: string, w = 'w'): string {
  return `(CAST(floor((${x} - 1) / ${w}) AS bigint) + 1) * ${w}`;
}

/** The value a bucket stands for: the middle of the integers it holds, (key - width, key], at
 *  most (width - 1) / 2 from any of them: exact at width 1, else under 0.5% of the duration. */
export function BUCKET_VALUE(key: string): string {
  return `(${key} - (${BUCKET_WIDTH(key)} - 1) / 2.0)`;
}

/** The bucket (low, high] holding the integer duration `ms` when `ms` is not its upper end (a
 *  count by "above ms" from the histogram is then approximate), else null: exact. */
export function bucketHolding(ms: number): { low: number; high: number } | null {
  const width = BUCKET_LADDER.find(([limit]) => ms <= limit)?.[1] ?? BUCKET_LADDER[BUCKET_LADDER.length - 1]?.[1] ?? 1;
  const high = (Math.floor((ms - 1) / width) + 1) * width;
  return high === ms ? null : { low: high - width, high };
}
