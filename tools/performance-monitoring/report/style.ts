// The report's icons and tints per status (docs/metrics.md): health bands, service statuses and
// trend directions, shown alike by the text, Markdown and HTML reports and the alerts.
import type { HealthStatus, ServiceStatus, TrendDirection } from '../metrics/analysis-types.js';
import type { SloStatus } from '../metrics/slo.js';

/** The colours a status is shown in; render/colors.ts maps them to ANSI. */
export type Tint = 'green' | 'yellow' | 'red';

/** Icons per trend direction; insufficient_data has none (the trend line already says so). */
export const TREND_ICON: Record<TrendDirection, string> = {
  improving: '📈',
  degrading: '📉',
  stable: '➡️',
  insufficient_data: '',
};

/** Health bands come from `healthStatus` (docs/metrics.md), never re-derived from the score. */
export const HEALTH_STYLE: Record<HealthStatus, { icon: string; tint: Tint | null }> = {
  excellent: { icon: '🟢', tint: 'green' },
  good: { icon: '🟡', tint: 'yellow' },
  needs_attention: { icon: '🔴', tint: 'red' },
  no_data: { icon: '', tint: null },
};

export const SERVICE_STYLE: Record<ServiceStatus, { icon: string; tint: Tint }> = {
  healthy: { icon: '✅', tint: 'green' },
  issues: { icon: '⚠️', tint: 'yellow' },
  silent: { icon: '❌', tint: 'red' },
};

/** SLO statuses (docs/slos.md): the budget gone, a page, a ticket, within the objective, no events. */
export const SLO_STYLE: Record<SloStatus, { icon: string; tint: Tint | null }> = {
  exhausted: { icon: '🔴', tint: 'red' },
  page: { icon: '🚨', tint: 'red' },
  ticket: { icon: '🟡', tint: 'yellow' },
  ok: { icon: '🟢', tint: 'green' },
  no_data: { icon: '⚪', tint: null },
};
