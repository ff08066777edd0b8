// Figures derived from one group's aggregate counts (docs/metrics.md), unrounded, with their
// shown (rounded) forms.
import type { Stats } from '../sources/types.js';
import type { Figures } from './analysis-types.js';
import { shownFigures } from './shown.js';

export const EMPTY_STATS: Stats = {
  operations: 0,
  failures: 0,
  samples: 0,
  sumDuration: null,
  minDuration: null,
  maxDuration: null,
  p50: null,
  p95: null,
  p99: null,
  varDuration: null,
  satisfied: 0,
  tolerating: 0,
  invalidDurations: 0,
};

/** failed / total * 100; null without operations. Multiplying first keeps 5/100 exactly 5. */
export function errorRate(stats: Stats): number | null {
  return stats.operations === 0 ? null : (stats.failures * 100) / stats.operations;
}

export function successRate(stats: Stats): number | null {
  return stats.operations === 0 ? null : ((stats.operations - stats.failures) * 100) / stats.operations;
}

export function averageDuration(stats: Stats): number | null {
  return stats.samples === 0 || stats.sumDuration === null ? null : stats.sumDuration / stats.samples;
}

/** (satisfied + tolerating / 2) / samples; failed operations count as frustrated. Null without
 *  samples, or without the counts (the previous window's, docs/sources.md). */
export function apdex(stats: Stats): number | null {
  if (stats.samples === 0 || stats.satisfied === null || stats.tolerating === null) return null;
  return (stats.satisfied + stats.tolerating / 2) / stats.samples;
}

/** The counts with the rates, average and Apdex derived from them (docs/metrics.md), unrounded. */
export function figuresOf(stats: Stats): Figures {
  const raw = {
    ...stats,
    errorRate: errorRate(stats),
    successRate: successRate(stats),
    avgDuration: averageDuration(stats),
    apdex: apdex(stats),
  };
  return { ...raw, shown: shownFigures(raw) };
}
