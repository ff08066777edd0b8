// Trend of the average duration against the previous window (docs/metrics.md): a change counts only
// beyond ±10% AND when Welch's t-test says the two means really differ (p < 0.01, after the
// Holm-Bonferroni adjustment over a report's services), so hourly noise of a healthy service reads stable.
import type { Stats } from '../sources/types.js';
import type { TrendAnalysis, TrendDirection } from './analysis-types.js';
import { LIMITS } from './findings.js';
import { shownChange, shownMs } from './shown.js';
import { holmAdjusted, isSignificant, welchTTest } from './significance.js';
import { averageDuration } from './stats.js';

export const MIN_TREND_SAMPLES = 20;
export const TREND_CHANGE_PERCENT = LIMITS.trendChange;

/** The trend of one group judged alone (a family of one: the overall trend, an operation's). */
export function computeTrend(current: Stats, previous: Stats): TrendAnalysis {
  const [trend] = computeTrends([{ current, previous }]);
  if (!trend) throw new Error('computeTrends returned no trend');
  return trend;
}

/** The trends of one family judged together (a report's services, docs/metrics.md): each p-value
 *  is adjusted by Holm-Bonferroni over the members with a test before it is held against 0.01,
 *  so four healthy services at 1% each do not make one false "degrading" a day in four. */
export function computeTrends(pairs: readonly { current: Stats; previous: Stats }[]): TrendAnalysis[] {
  const raw = pairs.map(({ current, previous }) => rawTrend(current, previous));
  const adjusted = holmAdjusted(raw.map((t) => t.pValue));
  return raw.map((trend, i) => {
    const adjustedPValue = adjusted[i] ?? null;
    if (trend.percentChange === null) return { ...trend, adjustedPValue };
    // The direction follows the change and the adjusted p-value as the report shows them (0.01 %,
    // 3 significant digits): +10.004% reads +10% and is stable; p 0.009996 reads 0.01, not significant.
    const direction = isSignificant(adjustedPValue) ? directionOf(shownChange(trend.percentChange) ?? 0) : 'stable';
    return { ...trend, direction, adjustedPValue };
  });
}

/** The trend before any adjustment: direction insufficient_data or (for now) stable. */
function rawTrend(current: Stats, previous: Stats): Omit<TrendAnalysis, 'adjustedPValue'> {
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
  return { direction: 'stable', percentChange, pValue, ...base, shown: shown(percentChange) };
}

export function directionOf(percentChange: number): TrendDirection {
  if (percentChange < -TREND_CHANGE_PERCENT) return 'improving';
  if (percentChange > TREND_CHANGE_PERCENT) return 'degrading';
  return 'stable';
}
