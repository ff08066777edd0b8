// What the Supabase fallback pages when the rollups cover a window: the rollup rows and raw rows
// rollup-cover-sql.ts's read uses, as epoch-ms ranges, so only those travel. The same cover as
// that SQL (test/fallback-rollup.test.ts checks both select the same rows); the read SQL filters
// again, so these ranges only decide what is fetched, never what is counted.
import { BLOCK_SPANS } from '../sql/rollup-spans.js';
import type { AggregateQuery } from '../types.js';

const HOUR = 3_600_000;

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
  /** The current window's first rolled-up hour (rollup-cover-sql.ts's CURRENT_LO): rows from it on are the current window's. */
  currentLo: number;
}

const floorTo = (t: number, hours: number) => Math.floor(t / (hours * HOUR)) * hours * HOUR;
const ceilTo = (t: number, hours: number) => Math.ceil(t / (hours * HOUR)) * hours * HOUR;

interface Level {
  span: number;
  lo: number;
  hi: number;
}

/** rollup-cover-sql.ts's cover(): the window's complete hours before the watermark, and for each
 *  span the blocks inside them (in the current window only when the span divides the bucket). */
function cover(start: number, end: number, watermark: number, bucketSeconds: number, current: boolean): Level[] {
  const lo = ceilTo(start, 1);
  const hi = Math.max(lo, Math.min(floorTo(end, 1), watermark));
  const levels: Level[] = [{ span: 1, lo, hi }];
  for (const span of BLOCK_SPANS) {
    const blockLo = ceilTo(lo, span);
    const fits = !current || bucketSeconds % (span * 3600) === 0;
    levels.push({ span, lo: blockLo, hi: fits ? Math.max(blockLo, floorTo(hi, span)) : blockLo });
  }
  return levels;
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
  const previous = cover(previousStart, start, watermarkMs, bucketSeconds, false);
  const current = cover(start, end, watermarkMs, bucketSeconds, true);
  const rollup: HourRange[] = [];
  for (const levels of [previous, current]) {
    levels.forEach((level, i) => {
      const coarser = levels[i + 1];
      const pieces = coarser ? without(level.lo, level.hi, coarser.lo, coarser.hi) : without(level.lo, level.hi, 0, 0);
      for (const [from, to] of pieces) rollup.push({ span: level.span, from, to });
    });
  }
  const [p, c] = [previous[0] as Level, current[0] as Level];
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
