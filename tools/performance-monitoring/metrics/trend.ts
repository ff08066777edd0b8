// Trend of the average duration against the previous window (docs/metrics.md): a change counts only
// beyond ±10% AND when Welch's t-test says the two means really differ (p < 0.01), so hourly
// noise of a healthy service reads stable.
import type { Stats } from '../sources/types.js';
import type { TrendAnalysis, TrendDirection } from './analysis-types.js';
import { LIMITS } from './findings.js';
import { shownChange, shownMs } from './shown.js';
import { isSignificant, welchTTest } from './significance.js';
import { averageDuration } from './stats.js';

export const MIN_TREND_SAMPLES = 20;
export const TREND_CHANGE_PERCENT = LIMITS.trendChange;

export function computeTrend(current: Stats, previous: Stats): TrendAnalysis {
  const previousAvg = averageDuration(previous);
  const currentAvg = averageDuration(current);
  const base = { previousAvgDuration: previousAvg, previousOperations: previous.operations };
  const shown = (percentChange: number | null) => ({
    percentChange: shownChange(percentChange),
    previousAvgDuration: shownMs(previousAvg),
  });
  const enough = current.samples >= MIN_TREND_SAMPLES && previous.samples >= MIN_TREND_SAMPLES;
  // A zero previous average has no defined percent change: treat as insufficient.
  if (!enough || currentAvg === null || previousAvg === null || previousAvg === 0) {
    return { direction: 'insufficient_data', percentChange: null, pValue: null, ...base, shown: shown(null) };
  }
  const percentChange = ((currentAvg - previousAvg) * 100) / previousAvg;
  const { pValue } = welchTTest(
    { n: current.samples, mean: currentAvg, variance: current.varDuration },
    { n: previous.samples, mean: previousAvg, variance: previous.varDuration },
  );
  // The direction follows the change and the p-value as the report shows them (0.01 %, 3
  // significant digits): +10.004% reads +10% and is stable; p 0.009996 reads 0.01, not significant.
  const direction = isSignificant(pValue) ? directionOf(shownChange(percentChange) ?? 0) : 'stable';
  return { direction, percentChange, pValue, ...base, shown: shown(percentChange) };
}

export function directionOf(percentChange: number): TrendDirection {
  if (percentChange < -TREND_CHANGE_PERCENT) return 'improving';
  if (percentChange > TREND_CHANGE_PERCENT) return 'degrading';
  return 'stable';
}
