// The figures as the report shows them (docs/metrics.md: 0.1 ms, 0.01 %, 0.001 Apdex), computed
// once per group in the analysis. Findings, `since`, gates, the JSON report and alerts all read
// these, so a gate or an issue can never contradict the figure printed beside it.

import type { Stats } from '../sources/types.js';
import { roundApdex, roundMs, roundPercent } from '../text/round.js';

/** One group's figures, rounded as the JSON shows them. */
export interface ShownFigures {
  errorRate: number | null;
  successRate: number | null;
  avgDuration: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  minDuration: number | null;
  maxDuration: number | null;
  /** The durations' sample standard deviation (sqrt of var_samp), ms; null below 2 samples. */
  stdDevDuration: number | null;
  apdex: number | null;
}

/** The unrounded figures shownFigures rounds. */
export interface RawFigures extends Stats {
  errorRate: number | null;
  successRate: number | null;
  avgDuration: number | null;
  apdex: number | null;
}

export function shownFigures(f: RawFigures): ShownFigures {
  return {
    errorRate: roundPercent(f.errorRate),
    successRate: roundPercent(f.successRate),
    avgDuration: roundMs(f.avgDuration),
    p50: roundMs(f.p50),
    p95: roundMs(f.p95),
    p99: roundMs(f.p99),
    minDuration: roundMs(f.minDuration),
    maxDuration: roundMs(f.maxDuration),
    stdDevDuration: roundMs(f.varDuration === null ? null : Math.sqrt(f.varDuration)),
    apdex: roundApdex(f.apdex),
  };
}

/** A percent change as shown (0.01 %). */
export const shownChange = roundPercent;
/** A duration as shown (0.1 ms). */
export const shownMs = roundMs;
