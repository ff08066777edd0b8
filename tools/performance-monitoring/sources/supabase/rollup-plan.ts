// What the Supabase fallback pages when the rollups cover a window: the rollup rows and raw rows
// rollup-cover.ts's read uses, as epoch-ms ranges, so only those travel. The same cover as that SQL,
// from the same bounds (rollup-bounds.ts; test/fallback-rollup.test.ts checks both select the same
// rows); the read SQL filters again, so these ranges only decide what is fetched, never what is counted.
import { bounds, numbers, type Range } from '../sql/rollup-bounds.js';
import type { AggregateQuery } from '../types.js';

/** Rollup rows of span `span` hours whose hour is in [from, to), epoch ms. */
export interface HourRange {
  span: number;
  from: number;
  to: number;
}

export interface FallbackPlan {
  /** created_at ranges of raw rows, [from, to): the windows' edges and the hours after the watermark. */
  raw: [Date, Date][];
  /** Rollup rows, by span (1 = the hourly table), ascending and disjoint within a span. */
  rollup: HourRange[];
  /** The current window's first rolled-up hour (rollup-cover.ts's CURRENT_LO): rows from it on are the current window's. */
  currentLo: number;
}

/** [lo, hi) without [cutLo, cutHi): up to two ranges, empty ones dropped. */
function without(lo: number, hi: number, cutLo: number, cutHi: number): [number, number][] {
  if (cutLo >= cutHi) return lo < hi ? [[lo, hi]] : [];
  return (
    [
      [lo, Math.min(hi, cutLo)],
      [Math.max(lo, cutHi), hi],
    ] as [number, number][]
  ).filter(([a, b]) => a < b);
}

/** Ranges of one span, sorted, with touching or overlapping ones merged. */
function merged(ranges: HourRange[]): HourRange[] {
  const out: HourRange[] = [];
  for (const range of [...ranges].sort((a, b) => a.span - b.span || a.from - b.from)) {
    const last = out[out.length - 1];
    if (last && last.span === range.span && range.from <= last.to) last.to = Math.max(last.to, range.to);
    else out.push({ ...range });
  }
  return out;
}

/** The rows to page for `query` read with rollups ending at `watermarkMs` (a whole hour). */
export function fallbackPlan(query: AggregateQuery, watermarkMs: number, bucketSeconds: number): FallbackPlan {
  const [previousStart, start, end] = [query.previousStart.getTime(), query.start.getTime(), query.end.getTime()];
  // The read's own bounds (rollup-bounds.ts): the previous window by its coarsest rows, the current
  // one by rows that each lie in one timeline bucket.
  const shape = { bucketSeconds, threshold: query.threshold, services: query.services };
  const { covers } = bounds(numbers(shape), { previousStart, start, end, watermark: watermarkMs });
  const [previous, current] = [covers.previous, covers.bucketed];
  const rollup: HourRange[] = [];
  for (const levels of [previous, current]) {
    levels.forEach((level, i) => {
      const coarser = levels[i + 1];
      const pieces = coarser ? without(level.lo, level.hi, coarser.lo, coarser.hi) : without(level.lo, level.hi, 0, 0);
      for (const [from, to] of pieces) rollup.push({ span: level.span, from, to });
    });
  }
  const [p, c] = [previous[0] as Range<number>, current[0] as Range<number>];
  const raw = (
    [
      [previousStart, p.lo],
      [p.hi, c.lo],
      [c.hi, end],
    ] as [number, number][]
  )
    .map(([a, b]): [number, number] => [Math.max(a, previousStart), Math.min(b, end)])
    .filter(([a, b]) => a < b)
    .map(([a, b]): [Date, Date] => [new Date(a), new Date(b)]);
  return { raw, rollup: merged(rollup), currentLo: c.lo };
}
