// Alert conditions (docs/alerting.md), read from a finished report, and what a resolved notice says the
// figure is now. Pure: the same report always gives the same conditions, critical ones first.
// Messages are plain text; renderers escape them.
import { type AlertCondition, type Report, type SloReport, serviceSetOf } from '../report/types.js';
import { formatChange, formatCount, formatMs, formatNumber, formatPercent } from '../text/format.js';
import { type ConditionKind, conditionKey, splitKey } from './kinds.js';

export const HEALTH_CRITICAL_BELOW = 70;
export const ERROR_RATE_CRITICAL_ABOVE = 10;
/** Per service (docs/alerting.md): an error rate above this, on at least SERVICE_ERROR_MIN_OPERATIONS. */
export const SERVICE_ERROR_RATE_ABOVE = 10;
export const SERVICE_ERROR_MIN_OPERATIONS = 20;

export interface ConditionContext {
  /**
   * Services remembered as silent (a `service_silent:` entry in the state). One absent from the
   * report altogether has dropped out of both windows and is still silent (docs/alerting.md).
   */
  silentBefore?: Iterable<string>;
}

// The style table's formats (text/format.ts), with one decimal: alert lines are short.
const ms = (value: number) => formatMs(value);
const pct = (value: number) => formatPercent(value, 1);
const signed = (value: number | null) => (value === null ? '' : ` (${formatChange(value, 1)})`);

type Finding = Report['findings'][number];

/** The findings of one kind, in report order. */
const ofKind = (report: Report, kind: Finding['kind']) => report.findings.filter((finding) => finding.kind === kind);

function systemConditions(report: Report): { critical: AlertCondition[]; warning: AlertCondition[] } {
  const critical: AlertCondition[] = [];
  const warning: AlertCondition[] = [];
  for (const { value } of ofKind(report, 'health_low')) {
    if (value !== null && value < HEALTH_CRITICAL_BELOW) {
      critical.push({
        key: conditionKey('health_low'),
        severity: 'critical',
        message: `Health score ${value}/100 is below ${HEALTH_CRITICAL_BELOW}`,
      });
    }
  }
  // The finding's limit is the issue limit (5%); the alert fires above its own, 10%.
  for (const { value } of ofKind(report, 'system_error_rate')) {
    if (value === null || value <= ERROR_RATE_CRITICAL_ABOVE) continue;
    const top = report.mostFrequentErrors[0];
    const detail = top ? `; top error: [${top.service}] ${top.message} (${formatCount(top.count)} times)` : '';
    critical.push({
      key: conditionKey('error_rate_high'),
      severity: 'critical',
      message: `Overall error rate ${pct(value)} is above ${ERROR_RATE_CRITICAL_ABOVE}%${detail}`,
    });
  }
  if (ofKind(report, 'no_operations').length > 0) {
    critical.push({
      key: conditionKey('no_operations'),
      severity: 'critical',
      message: `No operations at all in the last ${report.period.hours}h`,
    });
  }
  for (const { value, limit } of ofKind(report, 'system_slow_average')) {
    if (value === null || limit === null) continue;
    const slowest = report.slowestOperations[0];
    const detail = slowest ? `; slowest: ${slowest.service}:${slowest.operation} ${ms(slowest.avgDuration)}` : '';
    warning.push({
      key: conditionKey('avg_above_threshold'),
      severity: 'warning',
      message: `Average duration ${ms(value)} is above the ${ms(limit)} threshold${detail}`,
    });
  }
  // docs/metrics.md names no system finding for the overall trend: it is the report's overall trend figure.
  if (report.overall.trend.direction === 'degrading') {
    warning.push({
      key: conditionKey('overall_degrading'),
      severity: 'warning',
      message: `Overall performance degrading${signed(report.overall.trend.percentChange)}`,
    });
  }
  return { critical, warning };
}

function serviceConditions(report: Report): AlertCondition[] {
  const byName = new Map(report.services.map((service) => [service.service, service]));
  const degrading = ofKind(report, 'degrading')
    .filter((f) => f.service !== null)
    .map((f) => ({
      key: conditionKey('service_degrading', f.service ?? ''),
      severity: 'warning' as const,
      message: `${f.service}: performance degrading${signed(f.value)}`,
    }));
  const errorRate = ofKind(report, 'high_error_rate').flatMap((f) => {
    const service = f.service === null ? undefined : byName.get(f.service);
    if (!service || f.value === null || f.value <= SERVICE_ERROR_RATE_ABOVE || service.operations.total < SERVICE_ERROR_MIN_OPERATIONS)
      return [];
    const { total } = service.operations;
    return [
      {
        key: conditionKey('service_error_rate', service.service),
        severity: 'warning' as const,
        message: `${service.service}: error rate ${pct(f.value)} is above ${SERVICE_ERROR_RATE_ABOVE}% (${formatCount(service.errors.total)} of ${formatCount(total)} operations)`,
      },
    ];
  });
  const silent = ofKind(report, 'silent')
    .filter((f) => f.service !== null)
    .map((f) => ({
      key: conditionKey('service_silent', f.service ?? ''),
      severity: 'warning' as const,
      message: `${f.service}: no operations in this period (${formatCount(byName.get(f.service ?? '')?.trend.previousOperations ?? 0)} in the previous one)`,
    }));
  return [...degrading, ...errorRate, ...silent];
}

/** Conditions from the report's `findings` kinds and figures (docs/alerting.md), never from texts;
 *  and from its SLOs' page and ticket rules (docs/slos.md). */
export function evaluateConditions(report: Report, context: ConditionContext = {}): AlertCondition[] {
  const { critical, warning } = systemConditions(report);
  const slo = sloConditions(report);
  return [...critical, ...slo.critical, ...warning, ...slo.warning, ...serviceConditions(report), ...stillSilent(report, context)];
}

const burn = (value: number | null) => (value === null ? 'n/a' : `${formatNumber(value, 2)}x`);
const budgetLeft = (slo: SloReport) =>
  slo.errorBudget.remaining === null ? '' : `; ${formatNumber(slo.errorBudget.remaining * 100, 1)}% of the error budget left`;

/** A firing page rule is critical, a firing ticket rule a warning (docs/slos.md). */
function sloConditions(report: Report): { critical: AlertCondition[]; warning: AlertCondition[] } {
  const firing = (slo: SloReport, severity: 'page' | 'ticket') => slo.alerts.some((a) => a.severity === severity && a.firing);
  const slos = report.slos ?? [];
  const r = (slo: SloReport) => slo.burnRates;
  return {
    critical: slos
      .filter((slo) => firing(slo, 'page'))
      .map((slo) => ({
        key: conditionKey('slo_page', slo.name),
        severity: 'critical' as const,
        message: `${slo.name}: error budget burning fast (page): ${burn(r(slo)['1h'])} over 1h and ${burn(r(slo)['5m'])} over 5m (above 14.4x), ${burn(r(slo)['6h'])} over 6h and ${burn(r(slo)['30m'])} over 30m (above 6x)${budgetLeft(slo)}`,
      })),
    warning: slos
      .filter((slo) => firing(slo, 'ticket'))
      .map((slo) => ({
        key: conditionKey('slo_ticket', slo.name),
        severity: 'warning' as const,
        message: `${slo.name}: error budget burning (ticket): ${burn(r(slo)['3d'])} over 3d and ${burn(r(slo)['6h'])} over 6h (above 1x)${budgetLeft(slo)}`,
      })),
  };
}

/** What an SLO's resolved notice says: the burn now, over the rule's long window. */
function sloBurnNow(report: Report, name: string, window: '1h' | '6h'): string {
  const slo = (report.slos ?? []).find((s) => s.name === name);
  return slo === undefined ? `${name}: no longer declared` : `${name} burn back to ${burn(slo.burnRates[window])} (${window})`;
}

/** Remembered silent services with no row in the report at all (a --service report is about its set). */
function stillSilent(report: Report, context: ConditionContext): AlertCondition[] {
  const present = new Set(report.services.map((service) => service.service));
  const set = serviceSetOf(report);
  return [...new Set(context.silentBefore ?? [])]
    .filter((service) => !present.has(service) && (set === null || set.includes(service)))
    .sort()
    .map((service) => ({
      key: conditionKey('service_silent', service),
      severity: 'warning' as const,
      message: `${service}: still no operations (none in the last ${2 * report.period.hours}h)`,
    }));
}

/** The services a set of condition keys remembers as silent. */
export function silentServices(keys: Iterable<string>): string[] {
  return [...keys].flatMap((key) => {
    const { kind, service } = splitKey(key);
    return kind === 'service_silent' && key.includes(':') ? [service] : [];
  });
}

const trendNow = (trend: Report['overall']['trend']) => `${trend.direction.replace('_', ' ')}${signed(trend.percentChange)}`;

type Resolved = (report: Report, name: string, service: Report['services'][number] | undefined) => string;

/** What each kind's resolved notice says the figure is now: one entry per kind, so a new kind
 *  cannot compile without its wording. */
const RESOLVED: Record<ConditionKind, Resolved> = {
  health_low: (report) => `health score back to ${report.healthScore === null ? 'n/a' : `${report.healthScore}/100`}`,
  error_rate_high: (report) => `overall error rate back to ${report.overall.errorRate === null ? 'n/a' : pct(report.overall.errorRate)}`,
  no_operations: (report) => `operations again: ${formatCount(report.overall.totalOperations)} in the last ${report.period.hours}h`,
  avg_above_threshold: (report) =>
    `average duration back to ${report.overall.avgDuration === null ? 'n/a' : ms(report.overall.avgDuration)} (threshold ${ms(report.threshold)})`,
  overall_degrading: (report) => `overall performance back to ${trendNow(report.overall.trend)}`,
  service_degrading: (_report, name, service) =>
    service ? `${name}: performance back to ${trendNow(service.trend)}` : `${name}: no longer degrading (no operations in either window)`,
  service_silent: (report, name, service) =>
    `${name}: operations again (${formatCount(service?.operations.total ?? 0)} in the last ${report.period.hours}h)`,
  service_error_rate: (_report, name, service) =>
    service?.errors.errorRate != null
      ? `${name} error rate back to ${pct(service.errors.errorRate)} (${formatCount(service.errors.total)} of ${formatCount(service.operations.total)} operations)`
      : `${name} error rate back to n/a (no operations)`,
  slo_page: (report, name) => sloBurnNow(report, name, '1h'),
  slo_ticket: (report, name) => sloBurnNow(report, name, '6h'),
};

/** What a resolved notice says: the figure of `key` in this report (`n8n error rate back to 1.2%`). */
export function resolvedText(report: Report, key: string): string {
  const { kind, service: name } = splitKey(key);
  if (kind === null) return `${key} no longer holds`;
  return RESOLVED[kind](
    report,
    name,
    report.services.find((s) => s.service === name),
  );
}
