// Since when an issue holds (docs/timeline.md): the start of the latest unbroken run of timeline buckets
// in which the issue's own figure is over its limit, decided on figures rounded as the report
// shows them (as findings.ts decides); a bucket of fewer than MIN_OPERATIONS says nothing either
// way, and a run reaching the window's start holds throughout the window. Pure.
import type { Figures, Finding } from './analysis-types.js';
import { LIMITS } from './findings.js';

/** Over its limit (true), within it (false), or no figure in this bucket (null: no operations or
 *  no samples), for one finding kind; null for kinds that have no per-bucket figure. */
type BucketTest = (bucket: Figures) => boolean | null;

const over = (value: number | null, limit: number): boolean | null => (value === null ? null : value > limit);

/** Fewer operations than this in a bucket are too few to say it was healthy (or not). */
export const MIN_OPERATIONS = 5;

function testFor(f: Finding, threshold: number, previousAvg: number | null): BucketTest | null {
  switch (f.kind) {
    case 'high_error_rate':
    case 'system_error_rate':
      return (b) => over(b.shown.errorRate, LIMITS.errorRate);
    case 'slow_average':
    case 'system_slow_average':
      return (b) => over(b.shown.avgDuration, threshold);
    case 'slow_p95':
      return (b) => over(b.shown.p95, 2 * threshold);
    case 'degrading':
      // A bucket degrades when its average is more than 10% above the previous window's.
      if (previousAvg === null) return null;
      return (b) => over(b.avgDuration, previousAvg * (1 + LIMITS.trendChange / 100));
    default:
      // silent, no_operations, health_low: no bucket figure says when they began.
      return null;
  }
}

/** When a run began: a bucket's start, or the window's start when nothing before the run says
 *  otherwise (`throughout`). */
export interface Since {
  at: Date;
  throughout: boolean;
}

/** Start of the latest run of buckets over the limit; buckets without a figure, or with fewer
 *  than MIN_OPERATIONS, neither break nor start a run. The run holds throughout the window when
 *  every bucket before it has operations, all too few to judge (an empty bucket before it means
 *  the scope had not started: the run began with it). Null when no bucket is over. */
export function sinceOf(test: BucketTest, timeline: Figures[], starts: Date[], windowStart: Date): Since | null {
  let first = -1;
  let i = timeline.length - 1;
  for (; i >= 0; i--) {
    const bucket = timeline[i] as Figures;
    const verdict = bucket.operations < MIN_OPERATIONS ? null : test(bucket);
    if (verdict === true) first = i;
    else if (verdict === false && first >= 0) break;
  }
  if (first < 0) return null;
  const earlier = timeline.slice(0, first);
  if (i < 0 && earlier.every((bucket) => bucket.operations > 0)) return { at: windowStart, throughout: true };
  return { at: starts[first] ?? windowStart, throughout: false };
}

export interface SinceContext {
  timeline: Figures[];
  starts: Date[];
  threshold: number;
  /** The previous window's average duration of the same scope, for `degrading`. */
  previousAvg: number | null;
  windowStart: Date;
}

/** The finding with its `since` set from the timeline of its scope (a service, or overall). */
export function withSince(f: Finding, context: SinceContext): Finding {
  const test = testFor(f, context.threshold, context.previousAvg);
  const since = test === null ? null : sinceOf(test, context.timeline, context.starts, context.windowStart);
  return { ...f, since: since?.at ?? null, sinceWindowStart: since?.throughout ?? false };
}
