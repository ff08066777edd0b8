// The rollup read's bounds and rules (docs/rollups.md, "How a report reads them"), written ONCE over
// an algebra with two instances: epoch-ms numbers (DATABASE_URL and the Supabase fallback compute
// every bound in TypeScript and pass it as a parameter) and SQL expressions (the RPC's plpgsql
// assigns each bound to a variable once per call; the SLO read covers its segments with them). The
// read's text then names each bound as a parameter: short, and the same for every window, so
// PostgreSQL parses and plans it quickly and a live view can prepare it once (docs/live.md).
import { BLOCK_SPANS, RAW_TIMELINE_SPAN, ROLLUP_THRESHOLD } from './rollup-spans.js';

/** What the rules are built from: instants `T` (epoch ms or SQL timestamptz) and conditions `B`. */
export interface Algebra<T, B> {
  ceilTo(t: T, seconds: number): T;
  floorTo(t: T, seconds: number): T;
  /** To a multiple of the timeline's bucket width (an input of the read). */
  ceilToBucket(t: T): T;
  floorToBucket(t: T): T;
  greatest(a: T, b: T): T;
  least(a: T, b: T): T;
  pick(condition: B, then: T, otherwise: T): T;
  or(a: B, b: B): B;
  and(a: B, b: B): B;
  always: B;
  /** `seconds` divides the timeline's bucket width. */
  dividesBucket(seconds: number): B;
  bucketIs(seconds: number): B;
  thresholdIs(ms: number): B;
  /** All services, or one (not a --service set of several). */
  oneOrAllServices: B;
}

/** Rows of one span (hours) whose start is in [lo, hi). */
export interface Range<T> {
  span: number;
  lo: T;
  hi: T;
}

const HOUR = 3600;

/** The timeline rows answer a bucket (their stored percentiles and Apdex are the report's): at the
 *  T they count Apdex at, for all services or one (percentiles of a set do not add up). */
export const timelineRowsApply = <T, B>(a: Algebra<T, B>): B => a.and(a.thresholdIs(ROLLUP_THRESHOLD), a.oneOrAllServices);

/** Whether the rollups can give the window's timeline: whole-hour buckets always (each operation row
 *  lies in one bucket); 30 minutes only from the 30-minute timeline rows, where they apply (an
 *  hourly operation row, which a partial bucket would merge, spans two 30-minute buckets). The one
 *  rule: rollup-coverage.ts runs it on numbers, the RPC in SQL. */
export const timelineFits = <T, B>(a: Algebra<T, B>): B =>
  a.or(a.dividesBucket(HOUR), a.and(a.bucketIs(RAW_TIMELINE_SPAN), timelineRowsApply(a)));

/** Whole hours [lo, hi) covered by the coarsest rows that fit, coarsest last: hours, then for each
 *  coarser span (each dividing the next) whose `fits` holds, its rows inside [lo, hi). A row of a
 *  level is read when it is not inside the next coarser level's range. */
export function nested<T, B>(
  a: Algebra<T, B>,
  lo: T,
  hi: T,
  fits: (span: number) => B,
  spans: readonly number[] = BLOCK_SPANS,
): Range<T>[] {
  const levels: Range<T>[] = [{ span: 1, lo, hi }];
  for (const span of spans) {
    // Each range lies inside the finer one's: ceil(lo) and floor(hi) to a multiple of the finer span
    // are inside those to a multiple of this one (and fits holds for a span only if for the finer).
    const blockLo = a.ceilTo(lo, span * HOUR);
    levels.push({ span, lo: blockLo, hi: a.pick(fits(span), a.greatest(blockLo, a.floorTo(hi, span * HOUR)), blockLo) });
  }
  return levels;
}

/** The rows `nested` reads, as disjoint ranges: each level's range less the next coarser level's
 *  (which lies inside it, or is empty and may start past its end: hence the clamps), before and
 *  after it; the coarsest level whole. */
export function pieces<T, B>(a: Algebra<T, B>, levels: Range<T>[]): Range<T>[] {
  return levels.flatMap((level, i) => {
    const coarser = levels[i + 1];
    if (!coarser) return [level];
    return [
      { span: level.span, lo: level.lo, hi: a.least(coarser.lo, level.hi) },
      { span: level.span, lo: a.greatest(coarser.hi, level.lo), hi: level.hi },
    ];
  });
}

/** The covers a read names: each window's operation rows, coarsest first, for its figures; the
 *  current window's rows that each lie in one timeline bucket (the Supabase fallback's, which has no
 *  timeline rows); and those of the partial buckets before and after the whole ones (PostgreSQL's). */
export const COVERS = ['previous', 'current', 'bucketed', 'edge_before', 'edge_after'] as const;
export type Cover = (typeof COVERS)[number];

export interface Bounds<T> {
  covers: Record<Cover, Range<T>[]>;
  /** The current window's whole timeline buckets, [lo, hi) (empty: both the hours' end). */
  whole: { lo: T; hi: T };
}

/** Every bound of a read whose windows are [previousStart, start) and [start, end), with the rollups
 *  holding every hour before `watermark`. */
export function bounds<T, B>(a: Algebra<T, B>, at: { previousStart: T; start: T; end: T; watermark: T }): Bounds<T> {
  const hoursOf = (from: T, to: T) => {
    const lo = a.ceilTo(from, HOUR);
    return { lo, hi: a.greatest(lo, a.least(a.floorTo(to, HOUR), at.watermark)) };
  };
  const previous = hoursOf(at.previousStart, at.start);
  const current = hoursOf(at.start, at.end);
  const always = () => a.always;
  const inOneBucket = (span: number) => a.dividesBucket(span * HOUR);
  // ceil(lo) > floor(hi) only when both lie in one bucket, and then ceil(lo) > hi: least() clamps.
  const wholeLo = a.pick(timelineRowsApply(a), a.least(a.ceilToBucket(current.lo), current.hi), current.hi);
  const whole = { lo: wholeLo, hi: a.greatest(wholeLo, a.floorToBucket(current.hi)) };
  return {
    covers: {
      previous: nested(a, previous.lo, previous.hi, always),
      current: nested(a, current.lo, current.hi, always),
      bucketed: nested(a, current.lo, current.hi, inOneBucket),
      edge_before: nested(a, current.lo, whole.lo, inOneBucket),
      edge_after: nested(a, whole.hi, current.hi, inOneBucket),
    },
    whole,
  };
}

/** Each bound's name, as the read's parameters and the RPC's variables are named, with its value. */
export function namedBounds<T>(b: Bounds<T>): [string, T][] {
  const named: [string, T][] = [];
  for (const cover of COVERS)
    for (const level of b.covers[cover]) named.push([`${cover}_${level.span}_lo`, level.lo], [`${cover}_${level.span}_hi`, level.hi]);
  named.push(['whole_lo', b.whole.lo], ['whole_hi', b.whole.hi]);
  return named;
}

/** The read's inputs the rules look at, beside the instants. */
export interface ReadShape {
  bucketSeconds: number;
  threshold: number;
  /** The --service set; null for all services. */
  services: readonly string[] | null;
}

/** Epoch milliseconds (as Date.getTime()), and booleans. */
export function numbers(shape: ReadShape): Algebra<number, boolean> {
  const bucket = shape.bucketSeconds * 1000;
  return {
    ceilTo: (t, seconds) => Math.ceil(t / (seconds * 1000)) * seconds * 1000,
    floorTo: (t, seconds) => Math.floor(t / (seconds * 1000)) * seconds * 1000,
    ceilToBucket: (t) => Math.ceil(t / bucket) * bucket,
    floorToBucket: (t) => Math.floor(t / bucket) * bucket,
    greatest: Math.max,
    least: Math.min,
    pick: (condition, then, otherwise) => (condition ? then : otherwise),
    or: (x, y) => x || y,
    and: (x, y) => x && y,
    always: true,
    dividesBucket: (seconds) => shape.bucketSeconds % seconds === 0,
    bucketIs: (seconds) => shape.bucketSeconds === seconds,
    thresholdIs: (ms) => shape.threshold === ms,
    oneOrAllServices: shape.services === null || shape.services.length === 1,
  };
}

/** Seconds since the epoch, as an interval's: PostgreSQL's extract from a timestamptz is only
 *  STABLE, and this form is also DuckDB's. */
export const epochSeconds = (t: string) => `extract(epoch FROM ${t} - CAST('1970-01-01 00:00:00+00' AS timestamptz))`;

/** SQL expressions over the read's inputs: `bucket` (integer seconds), `threshold` (integer ms),
 *  `service` (text, several names joined by chr(31), NULL for all). */
export function sqlExpressions(input: { bucket: string; threshold: string; service: string }): Algebra<string, string> {
  const toMultiple = (round: 'ceil' | 'floor', t: string, seconds: string) =>
    `to_timestamp(${round}(${epochSeconds(t)} / ${seconds}) * ${seconds})`;
  const and = (x: string, y: string) => {
    if (x === 'true') return y;
    return y === 'true' ? x : `(${x} AND ${y})`;
  };
  return {
    ceilTo: (t, seconds) => toMultiple('ceil', t, String(seconds)),
    floorTo: (t, seconds) => toMultiple('floor', t, String(seconds)),
    ceilToBucket: (t) => toMultiple('ceil', t, input.bucket),
    floorToBucket: (t) => toMultiple('floor', t, input.bucket),
    greatest: (x, y) => `greatest(${x}, ${y})`,
    least: (x, y) => `least(${x}, ${y})`,
    pick: (condition, then, otherwise) => (condition === 'true' ? then : `CASE WHEN ${condition} THEN ${then} ELSE ${otherwise} END`),
    or: (x, y) => `(${x} OR ${y})`,
    and,
    always: 'true',
    dividesBucket: (seconds) => `${input.bucket} % ${seconds} = 0`,
    bucketIs: (seconds) => `${input.bucket} = ${seconds}`,
    thresholdIs: (ms) => `${input.threshold} = ${ms}`,
    oneOrAllServices: `(${input.service} IS NULL OR strpos(${input.service}, chr(31)) = 0)`,
  };
}
