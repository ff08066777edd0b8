// The rollup's time spans, declared once for the refresh (rollup-sql.ts) and the read
// (rollup-cover-sql.ts): hourly rows, and blocks merged from them, each aligned to the epoch.
// Each span divides the next, and each divides the timeline widths above it (sources/buckets.ts),
// so a block lies inside one timeline bucket whenever its span divides the bucket's width.

/** Block spans, hours, finest first: 3 hours (for timelines of 3 h buckets and more), a day, a week. */
export const BLOCK_SPANS = [3, 24, 168] as const;
