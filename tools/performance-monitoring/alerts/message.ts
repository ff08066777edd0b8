// What one alert message says, independent of the channel: Slack and e-mail render this same
// model, so both carry the same facts. Strings here are raw; each renderer escapes them.

import { SERVICE_STYLE, TREND_ICON } from '../report/style.js';
import { type Report, type ServiceReport, type Severity, serviceSetOf } from '../report/types.js';
import { formatChange, formatMs, formatPercent } from '../text/format.js';
import { compareUnits } from '../text/order.js';
import { resolvedText } from './conditions.js';
import type { ChannelPlan } from './plan.js';

export type MessageLevel = Severity | 'resolved';

export interface MessageLine {
  severity: MessageLevel;
  text: string;
  /** Re-sent after the repeat interval rather than new. */
  repeat: boolean;
}

export interface ServiceLine {
  service: string;
  errorRate: string;
  p95: string;
  trend: string;
  topError: string | null;
}

export interface AlertMessage {
  level: MessageLevel;
  title: string;
  health: string;
  firing: MessageLine[];
  resolved: MessageLine[];
  /** Conditions still holding that were already sent recently (not repeated here). */
  stillFiring: number;
  worstServices: ServiceLine[];
  context: string;
}

export const WORST_SERVICES = 5;

function serviceLine(service: ServiceReport): ServiceLine {
  const { trend } = service;
  const change = trend.percentChange === null ? '' : formatChange(trend.percentChange, 1);
  const trendText = [TREND_ICON[trend.direction], trend.direction.replace('_', ' '), change].filter((part) => part !== '').join(' ');
  return {
    service: service.service,
    errorRate: formatPercent(service.errors.errorRate, 1),
    p95: formatMs(service.performance.p95Duration),
    trend: service.status === 'silent' ? `${SERVICE_STYLE.silent.icon} silent` : trendText,
    topError: service.errors.topErrors[0]?.message ?? null,
  };
}

/** Services with issues, silent first, then by error rate and p95: where to look first. */
export function worstServices(report: Report, limit = WORST_SERVICES): ServiceLine[] {
  const rank = (s: ServiceReport) => [s.status === 'silent' ? 1 : 0, s.errors.errorRate ?? 0, s.performance.p95Duration ?? 0];
  return report.services
    .filter((service) => service.status !== 'healthy')
    .sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return (rb[i] ?? 0) - (ra[i] ?? 0);
      return compareUnits(a.service, b.service);
    })
    .slice(0, limit)
    .map(serviceLine);
}

/** The message's colour: its worst firing line, or `resolved` when nothing fires. */
function messageLevel(firing: { severity: Severity }[]): MessageLevel {
  if (firing.some((line) => line.severity === 'critical')) return 'critical';
  return firing.length > 0 ? 'warning' : 'resolved';
}

export function buildMessage(report: Report, plan: Pick<ChannelPlan, 'firing' | 'suppressed' | 'resolved'>): AlertMessage {
  const firing = plan.firing.map(({ condition, repeat }) => ({ severity: condition.severity, text: condition.message, repeat }));
  // A resolved notice says the figure now, not the alert it ends (docs/alerting.md).
  const resolved = plan.resolved.map((entry) => ({ severity: 'resolved' as const, text: resolvedText(report, entry.key), repeat: false }));
  const level = messageLevel(firing);
  const health = report.healthScore === null ? 'n/a' : `${report.healthScore}/100`;
  // Issues = everything firing now, including what was already notified and not repeated here.
  const issues = firing.length + plan.suppressed.length;
  const counts = [
    issues > 0 ? `${issues} ${issues === 1 ? 'issue' : 'issues'}` : '',
    resolved.length > 0 ? `${resolved.length} resolved` : '',
  ].filter(Boolean);
  const set = serviceSetOf(report);
  const service = set === null ? '' : ` · service${set.length > 1 ? 's' : ''} ${set.join(', ')}`;
  return {
    level,
    title: `[${level.toUpperCase()}] Performance: health ${health}, ${counts.join(', ')}`,
    health,
    firing,
    resolved,
    stillFiring: plan.suppressed.length,
    worstServices: worstServices(report),
    context: `${report.period.start} → ${report.period.end} (${report.period.hours}h) · source ${report.source.kind} (${report.source.aggregation})${service}`,
  };
}
