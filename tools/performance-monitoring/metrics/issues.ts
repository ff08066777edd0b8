// Issues and their recommendations (SPEC §5): each issue kind maps to one recommendation, which
// names every service that has that kind of issue.

export const ERROR_RATE_LIMIT = 5;
export const HEALTH_ATTENTION_BELOW = 70;

export type ServiceIssueKind = 'high_error_rate' | 'slow_average' | 'slow_p95' | 'degrading' | 'silent';
export type SystemIssueKind = 'system_error_rate' | 'system_slow_average' | 'health_low' | 'no_operations';
export type IssueKind = ServiceIssueKind | SystemIssueKind;

export interface Issue {
  kind: IssueKind;
  text: string;
}

/** What a service's issues are decided from: the figures as the report shows them (rounded). */
export interface ServiceFigures {
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

// Figures arrive rounded as the JSON shows them (0.1 ms, 0.01 %). Whole milliseconds as in the
// seed, unless that would print a value just over its limit as equal to it ("2,000ms > 2,000ms").
const wholeMs = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimalMs = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const ms = (value: number) => `${wholeMs.format(value)}ms`;
const msAbove = (value: number, limit: number) => (Math.round(value) > limit ? ms(value) : `${decimalMs.format(value)}ms`);
const pct = (value: number) => `${percent.format(value)}%`;
const signedPct = (value: number) => `${value > 0 ? '+' : ''}${pct(value)}`;

export function serviceIssues(f: ServiceFigures, threshold: number): Issue[] {
  if (f.operations === 0) {
    return f.previousOperations === 0 ? [] : [{ kind: 'silent', text: 'No operations in this period (silent)' }];
  }
  const issues: Issue[] = [];
  if (f.errorRate !== null && f.errorRate > ERROR_RATE_LIMIT) {
    issues.push({ kind: 'high_error_rate', text: `High error rate (${pct(f.errorRate)})` });
  }
  if (f.avgDuration !== null && f.avgDuration > threshold) {
    issues.push({ kind: 'slow_average', text: `Average duration above threshold (${msAbove(f.avgDuration, threshold)} > ${ms(threshold)})` });
  }
  if (f.p95Duration !== null && f.p95Duration > 2 * threshold) {
    issues.push({ kind: 'slow_p95', text: `P95 duration very slow (${msAbove(f.p95Duration, 2 * threshold)})` });
  }
  if (f.degrading && f.percentChange !== null) {
    issues.push({ kind: 'degrading', text: `Performance degrading (${signedPct(f.percentChange)})` });
  }
  return issues;
}

export function systemIssues(f: SystemFigures, threshold: number): Issue[] {
  if (f.operations === 0) return [{ kind: 'no_operations', text: 'No operations in this period' }];
  const issues: Issue[] = [];
  if (f.errorRate !== null && f.errorRate > ERROR_RATE_LIMIT) {
    issues.push({ kind: 'system_error_rate', text: `High overall error rate (${pct(f.errorRate)})` });
  }
  if (f.avgDuration !== null && f.avgDuration > threshold) {
    issues.push({ kind: 'system_slow_average', text: `Overall average duration above threshold (${msAbove(f.avgDuration, threshold)} > ${ms(threshold)})` });
  }
  if (f.healthScore !== null && f.healthScore < HEALTH_ATTENTION_BELOW) {
    issues.push({ kind: 'health_low', text: `Health score below ${HEALTH_ATTENTION_BELOW} (${f.healthScore}/100)` });
  }
  return issues;
}

/** The one recommendation of an issue kind; `services` are those with that issue, in report order. */
export function recommendation(kind: IssueKind, services: string[], threshold: number): string {
  const list = services.join(', ');
  switch (kind) {
    case 'high_error_rate':
      return `Investigate errors in ${list}, starting with the most frequent ones`;
    case 'slow_average':
      return `Optimize slow operations in ${list} (average above ${ms(threshold)})`;
    case 'slow_p95':
      return `Reduce tail latency in ${list}: check the slowest operations, timeouts and retries`;
    case 'degrading':
      return `Review recent changes to ${list}: average duration rose against the previous period`;
    case 'silent':
      return `Check that ${list} ${services.length === 1 ? 'is' : 'are'} still running and logging: active in the previous period, silent now`;
    case 'system_error_rate':
      return 'Bring the overall error rate under 5%: fix the services with the most errors first';
    case 'system_slow_average':
      return `Bring the overall average duration under ${ms(threshold)}: start with the slowest operations`;
    case 'health_low':
      return `Resolve the issues above to bring the health score back to ${HEALTH_ATTENTION_BELOW} or more`;
    case 'no_operations':
      return 'Check that the integrations are running and logging operations, or widen --hours';
  }
}

