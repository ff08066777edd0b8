// Since when an issue holds (docs/timeline.md): the start of the latest unbroken run of timeline buckets
// in which the issue's own figure is over its limit, decided on figures rounded as the report
// shows them (as findings.ts decides). Pure.
import type { Figures, Finding } from './analysis-types.js';
import { LIMITS } from './findings.js';

/** Over its limit (true), within it (false), or no figure in this bucket (null: no operations or
 *  no samples), for one finding kind; null for kinds that have no per-bucket figure. */
type BucketTest = (bucket: Figures) => boolean | null;

const over = (value: number | null, limit: number): boolean | null => (value === null ? null : value > limit);

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

/** Start of the latest run of buckets over the limit; buckets without a figure neither break
 *  nor start a run. Null when no bucket is over (the window's figure can be, spread thin). */
export function sinceOf(test: BucketTest, timeline: Figures[], starts: Date[]): Date | null {
  let since: Date | null = null;
  for (let i = timeline.length - 1; i >= 0; i--) {
    const verdict = test(timeline[i] as Figures);
    if (verdict === null) continue;
    if (verdict) since = starts[i] ?? null;
    else if (since !== null) break;
  }
  return since;
}

export interface SinceContext {
  timeline: Figures[];
  starts: Date[];
  threshold: number;
  /** The previous window's average duration of the same scope, for `degrading`. */
  previousAvg: number | null;
}

/** The finding with its `since` set from the timeline of its scope (a service, or overall). */
export function withSince(f: Finding, context: SinceContext): Finding {
  const test = testFor(f, context.threshold, context.previousAvg);
  return { ...f, since: test === null ? null : sinceOf(test, context.timeline, context.starts) };
}
