// Issues and their recommendations (SPEC §5): each issue kind maps to one recommendation.

export const ERROR_RATE_LIMIT = 5;
export const HEALTH_ATTENTION_BELOW = 70;

export type ServiceIssueKind = 'high_error_rate' | 'slow_average' | 'slow_p95' | 'degrading' | 'silent';
export type SystemIssueKind = 'system_error_rate' | 'system_slow_average' | 'health_low' | 'no_operations';

export interface Issue {
  kind: ServiceIssueKind | SystemIssueKind;
  text: string;
  recommendation: string;
}

/** What a service's issues are decided from; unrounded figures. */
export interface ServiceFigures {
  service: string;
  operations: number;
  previousOperations: number;
  errorRate: number | null;
  avgDuration: number | null;
  p95Duration: number | null;
  percentChange: number | null;
  degrading: boolean;
}

export interface SystemFigures {
  operations: number;
  errorRate: number | null;
  avgDuration: number | null;
  healthScore: number | null;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const ms = (value: number) => `${integer.format(value)}ms`;
const pct = (value: number) => `${percent.format(value)}%`;
const signedPct = (value: number) => `${value > 0 ? '+' : ''}${pct(value)}`;

export function serviceIssues(f: ServiceFigures, threshold: number): Issue[] {
  const s = f.service;
  if (f.operations === 0) {
    if (f.previousOperations === 0) return [];
    return [
      {
        kind: 'silent',
        text: 'No operations in this period (silent)',
        recommendation: `Check that ${s} is running and logging: it had ${integer.format(f.previousOperations)} operations in the previous period`,
      },
    ];
  }
  const issues: Issue[] = [];
  if (f.errorRate !== null && f.errorRate > ERROR_RATE_LIMIT) {
    issues.push({
      kind: 'high_error_rate',
      text: `High error rate (${pct(f.errorRate)})`,
      recommendation: `Investigate ${s} errors, starting with its most frequent ones`,
    });
  }
  if (f.avgDuration !== null && f.avgDuration > threshold) {
    issues.push({
      kind: 'slow_average',
      text: `Average duration above threshold (${ms(f.avgDuration)} > ${ms(threshold)})`,
      recommendation: `Optimize slow ${s} operations (average above ${ms(threshold)})`,
    });
  }
  if (f.p95Duration !== null && f.p95Duration > 2 * threshold) {
    issues.push({
      kind: 'slow_p95',
      text: `P95 duration very slow (${ms(f.p95Duration)})`,
      recommendation: `Reduce ${s} tail latency: check its slowest operations, timeouts and retries`,
    });
  }
  if (f.degrading && f.percentChange !== null) {
    issues.push({
      kind: 'degrading',
      text: `Performance degrading (${signedPct(f.percentChange)})`,
      recommendation: `Review recent changes to ${s}: its average duration rose against the previous period`,
    });
  }
  return issues;
}

export function systemIssues(f: SystemFigures, threshold: number): Issue[] {
  if (f.operations === 0) {
    return [
      {
        kind: 'no_operations',
        text: 'No operations in this period',
        recommendation: 'Check that the integrations are running and logging operations, or widen --hours',
      },
    ];
  }
  const issues: Issue[] = [];
  if (f.errorRate !== null && f.errorRate > ERROR_RATE_LIMIT) {
    issues.push({
      kind: 'system_error_rate',
      text: `High overall error rate (${pct(f.errorRate)})`,
      recommendation: 'Bring the overall error rate under 5%: fix the services with the most errors first',
    });
  }
  if (f.avgDuration !== null && f.avgDuration > threshold) {
    issues.push({
      kind: 'system_slow_average',
      text: `Overall average duration above threshold (${ms(f.avgDuration)} > ${ms(threshold)})`,
      recommendation: `Bring the overall average duration under ${ms(threshold)}: start with the slowest operations`,
    });
  }
  if (f.healthScore !== null && f.healthScore < HEALTH_ATTENTION_BELOW) {
    issues.push({
      kind: 'health_low',
      text: `Health score below ${HEALTH_ATTENTION_BELOW} (${f.healthScore}/100)`,
      recommendation: `Resolve the issues above to bring the health score back to ${HEALTH_ATTENTION_BELOW} or more`,
    });
  }
  return issues;
}
