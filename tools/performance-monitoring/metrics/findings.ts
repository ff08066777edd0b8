// Issues as findings (docs/metrics.md): which limits a service or the whole system crossed, with the
// figure and the limit. Pure. Decided on the figures as the report shows them (0.1 ms, 0.01 %),
// so the text, the JSON and the alerts never disagree about a value at its limit.
import type { Figures, Finding, ServiceFindingKind, SystemFindingKind, TrendAnalysis } from './analysis-types.js';

/** Limits of docs/metrics.md, named once for metrics, alerts and renderers. */
export const LIMITS = {
  /** Error rate above this is an issue, %. */
  errorRate: 5,
  /** Health score below this is an issue. */
  healthScore: 70,
  /** A trend counts beyond this change, % (docs/metrics.md). */
  trendChange: 10,
} as const;

type Draft<K> = Omit<Finding, 'kind' | 'service' | 'since' | 'sinceWindowStart'> & { kind: K };

export function serviceFindings(service: string, current: Figures, previous: Figures, trend: TrendAnalysis, threshold: number): Finding[] {
  const drafts: Draft<ServiceFindingKind>[] = [];
  if (current.operations === 0) {
    if (previous.operations > 0) drafts.push({ kind: 'silent', value: null, limit: null });
  } else {
    const { errorRate, avgDuration: avg, p95 } = current.shown;
    if (errorRate !== null && errorRate > LIMITS.errorRate)
      drafts.push({ kind: 'high_error_rate', value: errorRate, limit: LIMITS.errorRate });
    if (avg !== null && avg > threshold) drafts.push({ kind: 'slow_average', value: avg, limit: threshold });
    if (p95 !== null && p95 > 2 * threshold) drafts.push({ kind: 'slow_p95', value: p95, limit: 2 * threshold });
    if (trend.direction === 'degrading') drafts.push({ kind: 'degrading', value: trend.shown.percentChange, limit: LIMITS.trendChange });
  }
  return drafts.map((d) => ({ ...d, service, since: null, sinceWindowStart: false }));
}

export interface SystemFigures {
  current: Figures;
  healthScore: number | null;
}

export function systemFindings({ current, healthScore }: SystemFigures, threshold: number): Finding[] {
  const drafts: Draft<SystemFindingKind>[] = [];
  if (current.operations === 0) {
    drafts.push({ kind: 'no_operations', value: null, limit: null });
  } else {
    const { errorRate, avgDuration: avg } = current.shown;
    if (errorRate !== null && errorRate > LIMITS.errorRate)
      drafts.push({ kind: 'system_error_rate', value: errorRate, limit: LIMITS.errorRate });
    if (avg !== null && avg > threshold) drafts.push({ kind: 'system_slow_average', value: avg, limit: threshold });
    if (healthScore !== null && healthScore < LIMITS.healthScore)
      drafts.push({ kind: 'health_low', value: healthScore, limit: LIMITS.healthScore });
  }
  return drafts.map((d) => ({ ...d, service: null, since: null, sinceWindowStart: false }));
}
