// The rollup's duration histogram, as SQL both engines run alike (docs/rollups.md): decimal
// log-linear buckets, exact up to 100 ms, then 175 buckets per decade (widths 2-4-10 times a
// power of ten), keyed by their inclusive upper end. The refresh (rollup-sql.ts) and the read
// (rollup-read-sql.ts) key durations with the same text, and the read turns a key back into a value.

/** The buckets' widths, ms, by range: up to 100, width 1 (exact); then each decade from 100
 *  (D, 10D] in three parts, (D, 2D] by D/50, (2D, 5D] by D/25 and (5D, 10D] by D/10, so a bucket's
 *  half-width ((width - 1) / 2 from its middle) is under 1% of any duration in it (the bound
 *  docs/rollups.md states). Each part starts on a multiple of its width, so a key (the bucket's upper end)
 *  is a multiple of its width too, and T = 2000 and 4T = 8000 are keys (rollup-build.ts checks). */
export const BUCKET_LADDER: readonly (readonly [limit: number, width: number])[] = (() => {
  // (100, 200] by 2, not width 1 as in layout 4: 12% fewer pairs in a week block on the bench's
  // data, each duration there still within 0.5% (docs/rollups.md, "The histogram").
  const ladder: [number, number][] = [[100, 1]];
  for (let decade = 100; decade < 2_147_483_647; decade *= 10)
    ladder.push([2 * decade, decade / 50], [5 * decade, decade / 25], [10 * decade, decade / 10]);
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
 *  most (width - 1) / 2 from any of them: exact at width 1, else under 1% of the duration. */
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
