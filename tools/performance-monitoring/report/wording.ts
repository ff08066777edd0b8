// The words of findings (docs/metrics.md): each finding kind's issue text and its one recommendation.
// Texts show the figures as the JSON does (0.1 ms, 0.01 %), so they never contradict it.
import type { Finding, FindingKind } from '../metrics/analysis-types.js';
import { LIMITS } from '../metrics/findings.js';
import { formatMs, formatMsOver, formatPercentUpTo, formatSignedPercentUpTo } from '../text/format.js';

// A finding's value is already the figure as shown (metrics/shown.ts).
const shownMs = (value: number | null) => value ?? 0;
const shownPercent = (value: number | null) => value ?? 0;

/** The issue text of a finding, without its service prefix. */
export function issueText(f: Finding): string {
  const limit = f.limit ?? 0;
  switch (f.kind) {
    case 'high_error_rate':
      return `High error rate (${formatPercentUpTo(shownPercent(f.value))})`;
    case 'slow_average':
      return `Average duration above threshold (${formatMsOver(shownMs(f.value), limit)} > ${formatMs(limit)})`;
    case 'slow_p95':
      return `P95 duration very slow (${formatMsOver(shownMs(f.value), limit)})`;
    case 'degrading':
      return `Performance degrading (${formatSignedPercentUpTo(shownPercent(f.value))})`;
    case 'silent':
      return 'No operations in this period (silent)';
    case 'system_error_rate':
      return `High overall error rate (${formatPercentUpTo(shownPercent(f.value))})`;
    case 'system_slow_average':
      return `Overall average duration above threshold (${formatMsOver(shownMs(f.value), limit)} > ${formatMs(limit)})`;
    case 'health_low':
      return `Health score below ${limit} (${f.value ?? 'n/a'}/100)`;
    case 'no_operations':
      return 'No operations in this period';
  }
}

/** `n8n: High error rate (8.78%)`: the string in the report's `issues`. */
export function issueLine(f: Finding): string {
  return f.service === null ? issueText(f) : `${f.service}: ${issueText(f)}`;
}

/** The one recommendation of an issue kind; `services` are those with that issue, in report order. */
export function recommendation(kind: FindingKind, services: string[], threshold: number): string {
  const list = services.join(', ');
  switch (kind) {
    case 'high_error_rate':
      return `Investigate errors in ${list}, starting with the most frequent ones`;
    case 'slow_average':
      return `Optimize slow operations in ${list} (average above ${formatMs(threshold)})`;
    case 'slow_p95':
      return `Reduce tail latency in ${list}: check the slowest operations, timeouts and retries`;
    case 'degrading':
      return `Review recent changes to ${list}: average duration rose against the previous period`;
    case 'silent':
      return `Check that ${list} ${services.length === 1 ? 'is' : 'are'} still running and logging: active in the previous period, silent now`;
    case 'system_error_rate':
      return `Bring the overall error rate under ${LIMITS.errorRate}%: fix the services with the most errors first`;
    case 'system_slow_average':
      return `Bring the overall average duration under ${formatMs(threshold)}: start with the slowest operations`;
    case 'health_low':
      return `Resolve the issues above to bring the health score back to ${LIMITS.healthScore} or more`;
    case 'no_operations':
      return 'Check that the integrations are running and logging operations, or widen --hours';
  }
}

/** One recommendation per finding kind, in order of first appearance (system kinds come first,
 *  as the findings do), each naming its services in report order. */
export function recommendations(findings: Finding[], threshold: number): string[] {
  const services = new Map<FindingKind, string[]>();
  for (const f of findings) {
    const names = services.get(f.kind) ?? [];
    if (f.service !== null) names.push(f.service);
    services.set(f.kind, names);
  }
  return [...services].map(([kind, names]) => recommendation(kind, names, threshold));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const sameUtcDay = (a: Date, b: Date) =>
  a.getUTCFullYear() === b.getUTCFullYear() && a.getUTCMonth() === b.getUTCMonth() && a.getUTCDate() === b.getUTCDate();

/** Since when an issue holds (docs/timeline.md), after its text: ` throughout the window`,
 *  ` since 14:00 UTC`, or ` since Dec 6 14:00 UTC` on another day than the window's end
 *  (a time alone would read as today's). Empty without a since. */
export function sinceWords(finding: { since: string | null; sinceWindowStart: boolean }, windowEnd: string): string {
  if (finding.since === null) return '';
  if (finding.sinceWindowStart) return ' throughout the window';
  const at = new Date(finding.since);
  const time = `${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
  const day = sameUtcDay(at, new Date(windowEnd)) ? '' : `${MONTHS[at.getUTCMonth()] ?? ''} ${at.getUTCDate()} `;
  return ` since ${day}${time} UTC`;
}
