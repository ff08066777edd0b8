// The rollup's time spans, declared once for the refresh (rollup.ts) and the read (rollup-cover.ts):
// hourly rows, and blocks merged from them, each aligned to the epoch. Each span divides the next,
// and each divides the timeline widths above it (sources/buckets.ts), so a block lies inside one
// timeline bucket whenever its span divides the bucket's width.

/** Block spans, hours, finest first: 3 hours (for timelines of 3 h buckets and more), a day, a week.
 *  Each is merged from the one before it (the 3-hour blocks from the hourly rows). */
export const BLOCK_SPANS = [3, 24, 168] as const;

/** Spans of the timeline rows, SECONDS (per service and overall, docs/rollups.md "Timeline rows"):
 *  every timeline bucket width of a window the rollups answer (30 min to 7 d, sources/buckets.ts),
 *  so a bucket that lies whole in the rolled-up hours is one row. Each divides the next. The first
 *  (30 minutes: windows of 15 to 30 hours) is built from the raw rows of each hour the refresh
 *  builds, every other from the span before it. 15-minute rows (windows under 15 hours) are not
 *  kept: docs/rollups.md says why. */
export const TIMELINE_SPANS = [1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800] as const;

/** The finest timeline span, seconds: the one the refresh builds from raw rows. */
export const RAW_TIMELINE_SPAN = TIMELINE_SPANS[0];

/** The Apdex threshold T (ms) at which the refresh counts satisfied and tolerating operations on
 *  every rollup row (exactly, from the raw durations): the default of --threshold. A report with
 *  another T counts them from the histograms (docs/rollups.md). */
export const ROLLUP_THRESHOLD = 2000;

/** The rollup's layout version: 5 doubles the ladder's widths (histogram.ts: 175 buckets a decade,
 *  within 1%); 4 added the 30-minute timeline rows (the timeline's span in seconds); 3 the Apdex
 *  counts and the timeline rows; 2 was the 1-2-5 ladder (1 was exact to 1,000 ms, then 3 digits).
 *  Rows of another layout are not read (rollup-cover.ts's probe, the RPC): running rollup.sql
 *  again upgrades them. */
export const HISTOGRAM_LAYOUT = 5;
