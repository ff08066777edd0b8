// The rollup's time spans, declared once for the refresh (rollup.ts) and the read (rollup-cover.ts):
// hourly rows, and blocks merged from them, each aligned to the epoch. Each span divides the next,
// and each divides the timeline widths above it (sources/buckets.ts), so a block lies inside one
// timeline bucket whenever its span divides the bucket's width.

/** Block spans, hours, finest first: 3 hours (for timelines of 3 h buckets and more), a day, a week. */
export const BLOCK_SPANS = [3, 24, 168] as const;

/** Spans of the timeline rows (per service and overall, docs/rollups.md "Timeline rows"): every
 *  timeline bucket width of a window the rollups answer (1 h to 7 d, sources/buckets.ts), so a
 *  bucket that lies whole in the rolled-up hours is one row. Each divides the next. */
export const TIMELINE_SPANS = [1, 3, 6, 12, 24, 168] as const;

/** The Apdex threshold T (ms) at which the refresh counts satisfied and tolerating operations on
 *  every rollup row (exactly, from the raw durations): the default of --threshold. A report with
 *  another T counts them from the histograms (docs/rollups.md). */
export const ROLLUP_THRESHOLD = 2000;
