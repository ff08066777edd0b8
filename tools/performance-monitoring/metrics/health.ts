// Health score 0-100 and its breakdown (docs/metrics.md).
import { roundTo } from '../text/round.js';

export type HealthStatus = 'excellent' | 'good' | 'needs_attention' | 'no_data';

export interface HealthInputs {
  /** Overall error rate, percent; null when there were no operations. */
  errorRate: number | null;
  /** Overall average duration, ms; null when there were no samples. */
  avgDuration: number | null;
  threshold: number;
  servicesWithIssues: number;
}

export interface Health {
  score: number | null;
  status: HealthStatus;
  errorDeduction: number;
  performanceDeduction: number;
  serviceIssueDeduction: number;
}

export function errorDeduction(rate: number): number {
  if (rate <= 5) return rate;
  if (rate <= 15) return 5 + 1.5 * (rate - 5);
  return Math.min(30, 20 + (rate - 15));
}

export function performanceDeduction(avg: number, threshold: number): number {
  if (avg <= threshold) return 0;
  if (avg >= 2 * threshold) return 30;
  return (30 * (avg - threshold)) / threshold;
}

export function serviceIssueDeduction(servicesWithIssues: number): number {
  return Math.min(20, 10 * servicesWithIssues);
}

export function statusOf(score: number | null): HealthStatus {
  if (score === null) return 'no_data';
  if (score >= 90) return 'excellent';
  if (score >= 70) return 'good';
  return 'needs_attention';
}

export function computeHealth(inputs: HealthInputs): Health {
  const E = inputs.errorRate === null ? 0 : errorDeduction(inputs.errorRate);
  const P = inputs.avgDuration === null ? 0 : performanceDeduction(inputs.avgDuration, inputs.threshold);
  const S = serviceIssueDeduction(inputs.servicesWithIssues);
  // No operations: nothing to score (docs/metrics.md), but the deductions still say why nothing was deducted.
  const score = inputs.errorRate === null ? null : Math.min(100, Math.max(0, roundTo(100 - E - P - S, 0)));
  return { score, status: statusOf(score), errorDeduction: E, performanceDeduction: P, serviceIssueDeduction: S };
}
