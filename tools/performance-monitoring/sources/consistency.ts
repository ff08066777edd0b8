// The relations every group's figures obey when the aggregation computed them (docs/sources.md, docs/metrics.md):
// a server answering otherwise is broken or hostile, and its answer must not become a report.
import type { Stats } from './types.js';

/** Float slack for figures computed in double precision (an average, an interpolated percentile). */
function above(x: number, y: number): boolean {
  return x > y + 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
}

const DURATIONS = ['sumDuration', 'minDuration', 'maxDuration', 'p50', 'p95', 'p99'] as const;

function countProblem(s: Stats): string | null {
  if (s.failures > s.operations) return `failures (${s.failures}) > operations (${s.operations})`;
  if (s.samples > s.operations) return `samples (${s.samples}) > operations (${s.operations})`;
  if (s.invalidDurations > s.operations) return `invalid_durations (${s.invalidDurations}) > operations (${s.operations})`;
  if (s.samples + s.invalidDurations > s.operations) {
    return `samples (${s.samples}) + invalid_durations (${s.invalidDurations}) > operations (${s.operations})`;
  }
  if (s.satisfied !== null && s.tolerating !== null && s.satisfied + s.tolerating > s.samples)
    return `satisfied (${s.satisfied}) + tolerating (${s.tolerating}) > samples (${s.samples})`;
  return null;
}

function presenceProblem(s: Stats): string | null {
  if ((s.satisfied === null) !== (s.tolerating === null)) return 'one Apdex count is null, the other not';
  // The previous window's figures come without percentiles and Apdex (docs/sources.md).
  const distribution = s.satisfied !== null;
  for (const field of DURATIONS) {
    if (!distribution && (field === 'p50' || field === 'p95' || field === 'p99')) {
      if (s[field] !== null) return `${field} is set without Apdex counts`;
      continue;
    }
    if ((s[field] === null) !== (s.samples === 0)) return `${field} is ${s[field] === null ? 'null' : 'set'} with ${s.samples} samples`;
  }
  if ((s.varDuration === null) !== s.samples < 2)
    return `the variance is ${s.varDuration === null ? 'null' : 'set'} with ${s.samples} samples`;
  return null;
}

function durationProblem(s: Stats): string | null {
  const { minDuration: min, maxDuration: max, p50, p95, p99, sumDuration: sum } = s;
  if (min === null || max === null || sum === null) return null;
  if (above(min, max)) return `min (${min}) > max (${max})`;
  if (p50 !== null && p95 !== null && p99 !== null) {
    if (above(p50, p95)) return `p50 (${p50}) > p95 (${p95})`;
    if (above(p95, p99)) return `p95 (${p95}) > p99 (${p99})`;
    if (above(min, p50) || above(p99, max)) return `percentiles outside min..max (${min}..${max})`;
  }
  const avg = sum / s.samples;
  if (above(min, avg) || above(avg, max)) return `the average (${avg}) is outside min..max (${min}..${max})`;
  if (s.varDuration !== null && s.varDuration < 0) return `the variance is negative (${s.varDuration})`;
  return null;
}

/** The first relation these figures break, in words, or null when they are consistent. */
export function statsInconsistency(stats: Stats): string | null {
  return countProblem(stats) ?? presenceProblem(stats) ?? durationProblem(stats);
}
