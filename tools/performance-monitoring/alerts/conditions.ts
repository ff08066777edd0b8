// SPEC §9 alert conditions, read from a finished report. Pure: the same report always gives the
// same conditions, critical ones first. Messages are plain text; renderers escape them.
import type { AlertCondition, Report } from '../metrics/report-types.js';

export const HEALTH_CRITICAL_BELOW = 70;
export const ERROR_RATE_CRITICAL_ABOVE = 10;

const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')}ms`;
const pct = (value: number) => `${value.toFixed(1)}%`;
const signed = (value: number | null) => (value === null ? '' : ` (${value >= 0 ? '+' : ''}${value.toFixed(1)}%)`);

export function evaluateConditions(report: Report): AlertCondition[] {
  const { overall } = report;
  const critical: AlertCondition[] = [];
  const warning: AlertCondition[] = [];

  if (report.healthScore !== null && report.healthScore < HEALTH_CRITICAL_BELOW) {
    critical.push({ key: 'health_low', severity: 'critical', message: `Health score ${report.healthScore}/100 is below ${HEALTH_CRITICAL_BELOW}` });
  }
  if (overall.errorRate !== null && overall.errorRate > ERROR_RATE_CRITICAL_ABOVE) {
    const top = report.mostFrequentErrors[0];
    const detail = top ? `; top error: [${top.service}] ${top.message} (${top.count.toLocaleString('en-US')} times)` : '';
    critical.push({
      key: 'error_rate_high',
      severity: 'critical',
      message: `Overall error rate ${pct(overall.errorRate)} is above ${ERROR_RATE_CRITICAL_ABOVE}%${detail}`,
    });
  }
  if (overall.totalOperations === 0) {
    critical.push({ key: 'no_operations', severity: 'critical', message: `No operations at all in the last ${report.period.hours}h` });
  }
  if (overall.avgDuration !== null && overall.avgDuration > report.threshold) {
    const slowest = report.slowestOperations[0];
    const detail = slowest ? `; slowest: ${slowest.service}:${slowest.operation} ${ms(slowest.avgDuration)}` : '';
    warning.push({
      key: 'avg_above_threshold',
      severity: 'warning',
      message: `Average duration ${ms(overall.avgDuration)} is above the ${ms(report.threshold)} threshold${detail}`,
    });
  }
  if (overall.trend.direction === 'degrading') {
    warning.push({ key: 'overall_degrading', severity: 'warning', message: `Overall performance degrading${signed(overall.trend.percentChange)}` });
  }
  for (const service of report.services) {
    if (service.trend.direction === 'degrading') {
      warning.push({
        key: `service_degrading:${service.service}`,
        severity: 'warning',
        message: `${service.service}: performance degrading${signed(service.trend.percentChange)}`,
      });
    }
  }
  for (const service of report.services) {
    if (service.status === 'silent') {
      warning.push({
        key: `service_silent:${service.service}`,
        severity: 'warning',
        message: `${service.service}: no operations in this period (${service.trend.previousOperations.toLocaleString('en-US')} in the previous one)`,
      });
    }
  }
  return [...critical, ...warning];
}
