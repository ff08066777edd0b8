// Bucket widths and starts (docs/timeline.md) and since-when (metrics/since.ts), by hand.
import { describe, expect, it } from 'vitest';
import { statsAvg } from '../harness/stats.js';
import type { Figures, Finding } from '../metrics/analysis-types.js';
import { withSince } from '../metrics/since.js';
import { figuresOf } from '../metrics/stats.js';
import { bucketSeconds, bucketStarts } from '../sources/buckets.js';

const window = (end: string, hours: number) => {
  const until = new Date(end);
  return [new Date(until.getTime() - hours * 3_600_000), until] as const;
};

describe('bucket width', () => {
  it.each([
    ['2025-11-20T10:00:00Z', 24, 1800], // 48 buckets of 30 minutes
    ['2025-11-20T10:17:00Z', 24, 1800], // 49, the first and last partial: still <= 60
    ['2025-11-20T10:00:00Z', 1, 60], // 60 minutes exactly
    ['2025-11-20T10:17:30Z', 1, 300], // 61 one-minute buckets (both ends partial): 5 minutes
    ['2025-11-20T10:17:00Z', 6, 900], // 5m gives 73: 15 minutes
    ['2025-11-20T10:00:00Z', 168, 10_800], // 56 buckets of 3 hours
    ['2025-11-20T10:00:00Z', 720, 86_400], // 12 h gives 61 (10:00 is no multiple of 12 h): 1 day
    ['2025-11-20T10:00:00Z', 24 * 500, 604_800], // over 60 weeks: 7 days anyway
  ])('until %s, %i hours: %i s', (end, hours, seconds) => {
    const [start, until] = window(end, hours);
    expect(bucketSeconds(start, until)).toBe(seconds);
  });

  it('aligns starts to the epoch, the first one before a partial start', () => {
    const [start, end] = window('2025-11-20T10:17:00Z', 6);
    const starts = bucketStarts(start, end, 900);
    expect(starts).toHaveLength(25);
    expect(new Date((starts[0] ?? 0) * 1000).toISOString()).toBe('2025-11-20T04:15:00.000Z');
    expect(new Date((starts.at(-1) ?? 0) * 1000).toISOString()).toBe('2025-11-20T10:15:00.000Z');
  });
});

describe('since', () => {
  const STARTS = Array.from({ length: 6 }, (_, i) => new Date(Date.UTC(2025, 10, 19, 10 + i)));
  const bucket = (operations: number, failures: number, avg = 100): Figures => figuresOf(statsAvg(operations, avg, { failures }));
  const finding = (kind: Finding['kind']): Finding => ({ kind, service: 's', value: 1, limit: 1, since: null, sinceWindowStart: false });
  // The window starts within the first bucket (buckets are aligned to the epoch, docs/timeline.md).
  const WINDOW_START = new Date(Date.UTC(2025, 10, 19, 10, 20));
  const judged = (f: Finding, timeline: Figures[], previousAvg: number | null = null) =>
    withSince(f, { timeline, starts: STARTS, threshold: 1000, previousAvg, windowStart: WINDOW_START });
  const since = (f: Finding, timeline: Figures[], previousAvg: number | null = null) =>
    judged(f, timeline, previousAvg).since?.toISOString() ?? null;

  it('is the start of the latest run over the limit; empty buckets neither break nor start it', () => {
    // 10% over, 0% within, 10% over, empty, 20% over, 5% (not over 5%).
    const timeline = [bucket(10, 1), bucket(10, 0), bucket(10, 1), bucket(0, 0), bucket(10, 2), bucket(20, 1)];
    expect(since(finding('high_error_rate'), timeline)).toBe('2025-11-19T12:00:00.000Z');
  });

  it('is null when no bucket is over, and for kinds without a bucket figure', () => {
    expect(since(finding('high_error_rate'), [bucket(20, 1), bucket(20, 1)])).toBeNull();
    expect(since(finding('silent'), [bucket(10, 9)])).toBeNull();
    expect(since(finding('health_low'), [bucket(10, 9)])).toBeNull();
  });

  it('reads avg > T, p95 > 2T, and degrading as avg > 110% of the previous average', () => {
    const timeline = [bucket(5, 0, 900), bucket(5, 0, 1001), bucket(5, 0, 2001), bucket(5, 0, 1200)];
    expect(since(finding('slow_average'), timeline)).toBe('2025-11-19T11:00:00.000Z');
    expect(since(finding('slow_p95'), timeline)).toBe('2025-11-19T12:00:00.000Z');
    // 110% of 1000 = 1100: 900 and 1001 within, 2001 and 1200 over.
    expect(since(finding('degrading'), timeline, 1000)).toBe('2025-11-19T12:00:00.000Z');
  });

  it('a run reaching the window start holds throughout the window: since is the window start', () => {
    const timeline = [bucket(20, 5), bucket(20, 6), bucket(20, 5), bucket(20, 4), bucket(20, 5), bucket(20, 5)];
    const f = judged(finding('high_error_rate'), timeline);
    expect(f.since?.toISOString()).toBe('2025-11-19T10:20:00.000Z');
    expect(f.sinceWindowStart).toBe(true);
  });

  it('a quiet bucket (fewer than 5 operations) inside a bad run does not break it', () => {
    // ~25% errors all window; the 12:00 bucket has 3 operations, none failed.
    const timeline = [bucket(20, 5), bucket(20, 5), bucket(3, 0), bucket(20, 5), bucket(20, 5), bucket(20, 5)];
    const f = judged(finding('high_error_rate'), timeline);
    expect(f.sinceWindowStart).toBe(true);
    expect(f.since?.toISOString()).toBe('2025-11-19T10:20:00.000Z');
    // 5 operations, none failed: enough to say it was healthy, the run starts after it.
    const broken = judged(finding('high_error_rate'), [
      bucket(20, 5),
      bucket(20, 5),
      bucket(5, 0),
      bucket(20, 5),
      bucket(20, 5),
      bucket(20, 5),
    ]);
    expect(broken.since?.toISOString()).toBe('2025-11-19T13:00:00.000Z');
    expect(broken.sinceWindowStart).toBe(false);
  });

  it('buckets too quiet to judge before the run: throughout; empty ones (the service had not started): not', () => {
    const quiet = judged(finding('high_error_rate'), [
      bucket(2, 0),
      bucket(1, 0),
      bucket(20, 5),
      bucket(20, 5),
      bucket(20, 5),
      bucket(20, 5),
    ]);
    expect(quiet.sinceWindowStart).toBe(true);
    const empty = judged(finding('high_error_rate'), [
      bucket(0, 0),
      bucket(0, 0),
      bucket(20, 5),
      bucket(20, 5),
      bucket(20, 5),
      bucket(20, 5),
    ]);
    expect(empty.sinceWindowStart).toBe(false);
    expect(empty.since?.toISOString()).toBe('2025-11-19T12:00:00.000Z');
  });
});
