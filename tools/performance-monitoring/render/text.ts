// The text report for people: the seed tool's layout (seed-README "Sample Output"), plus the
// fields SPEC §8 added. Every string that comes from logs goes through `clean` first.
import type {
  AlertCondition,
  AlertsReport,
  ChannelOutcome,
  ErrorEntry,
  Report,
  ServiceReport,
  SlowOperation,
  Trend,
} from '../report/types.js';
import { LIMITS } from '../metrics/findings.js';
import {
  HEALTH_STYLE,
  SERVICE_STYLE,
  TREND_ICON,
  createColors,
  formatChange,
  formatCount,
  formatCountOf,
  formatFixed,
  formatMs,
  formatNumber,
  formatPercent,
  type Colors,
} from '../text/format.js';
import { forTerminalLine as clean } from '../text/safe-text.js';
import { formatClock } from './deep-dive-rows.js';
import { operationLines, sparklineLines, timelineLines } from './service-tables.js';
import { baselineLines, gateLines } from './text-gates.js';

const WIDTH = 80;
const HEAVY_RULE = '='.repeat(WIDTH);
const LIGHT_RULE = '-'.repeat(WIDTH);
const INDENT = '   ';

export interface TextOptions {
  /** ANSI colours; false means no escape code at all. */
  color: boolean;
  /** Terminal columns for the sparklines; 80 when not given. */
  width?: number;
  /** Block characters in the sparklines; ASCII when false or not given. */
  unicode?: boolean;
}

interface SparklineOptions {
  width: number;
  unicode: boolean;
}

interface Section {
  title: string;
  lines: string[];
}

const CHANNEL_LABEL: Record<ChannelOutcome['channel'], string> = { slack: 'Slack', email: 'E-mail' };

/** The whole report as text, ending with a newline (write it with `process.stdout.write`). */
export function renderText(report: Report, options: TextOptions): string {
  const colors = createColors(options.color);
  const spark = { width: options.width ?? WIDTH, unicode: options.unicode ?? false };
  const body = sections(report, colors, spark).flatMap((section) => sectionLines(section, colors));
  return [...header(report, colors), ...body, '', HEAVY_RULE].join('\n') + '\n';
}

function header(report: Report, colors: Colors): string[] {
  const scope = report.service === null ? '' : ` — service: ${clean(report.service)}`;
  const { start, end, hours } = report.period;
  return [
    HEAVY_RULE,
    colors.bold(`PERFORMANCE MONITORING REPORT${scope}`),
    HEAVY_RULE,
    '',
    `Period: ${start} - ${end} (${formatNumber(hours, 4)}h)`,
    `Source: ${report.source.kind} (${report.source.aggregation} aggregation)`,
    healthLine(report, colors),
  ];
}

function healthLine({ healthScore, healthStatus }: Report, colors: Colors): string {
  const { icon, tint } = HEALTH_STYLE[healthStatus];
  if (healthScore === null || tint === null) return 'Health Score: n/a (no data)';
  return colors[tint](`Health Score: ${formatCount(healthScore)}/100 ${icon}`);
}

function sections(report: Report, colors: Colors, spark: SparklineOptions): Section[] {
  const list: Section[] = [
    { title: 'OVERALL METRICS', lines: overallLines(report) },
    { title: 'ISSUES', lines: issueLines(report, colors) },
    { title: 'RECOMMENDATIONS', lines: recommendationLines(report.recommendations) },
    { title: 'SERVICE PERFORMANCE', lines: serviceLines(report.services, colors, spark) },
    ...deepDive(report),
    { title: 'SLOWEST OPERATIONS', lines: slowestLines(report.slowestOperations) },
    { title: 'MOST FREQUENT ERRORS', lines: errorLines(report.mostFrequentErrors, report.service !== null) },
  ];
  // SPEC §15: the gates after the report's own sections, before what the alerts did.
  if (report.gates?.baseline) list.push({ title: 'COMPARED WITH BASELINE', lines: baselineLines(report.gates.baseline, colors) });
  if (report.gates) list.push({ title: 'GATES', lines: gateLines(report.gates, colors) });
  if (report.alerts !== null) list.push({ title: 'ALERTS', lines: alertLines(report.alerts, colors) });
  return list;
}

function sectionLines(section: Section, colors: Colors): string[] {
  return ['', LIGHT_RULE, colors.bold(section.title), LIGHT_RULE, ...section.lines];
}

function overallLines(report: Report): string[] {
  const o = report.overall;
  return [
    `Total Operations: ${formatCount(o.totalOperations)}`,
    `Successful / Failed: ${formatCount(o.successfulOperations)} / ${formatCount(o.failedOperations)}`,
    `Average Duration: ${formatMs(o.avgDuration)}`,
    `P50 / P95 / P99: ${formatMs(o.p50Duration)} / ${formatMs(o.p95Duration)} / ${formatMs(o.p99Duration)}`,
    `Min / Max: ${formatMs(o.minDuration)} / ${formatMs(o.maxDuration)}`,
    `Error Rate: ${formatPercent(o.errorRate, 2)}`,
    `Apdex (T=${formatMs(report.threshold)}): ${formatFixed(o.apdex, 2)}`,
    `Trend: ${trendText(o.trend)}`,
    ...dataQualityLines(report.dataQuality),
  ];
}

function dataQualityLines({ invalidDurations, skippedRows }: Report['dataQuality']): string[] {
  const notes = [
    invalidDurations > 0 ? `${formatCountOf(invalidDurations, 'negative duration', 'negative durations')} ignored` : '',
    skippedRows > 0 ? `${formatCountOf(skippedRows, 'unreadable row', 'unreadable rows')} skipped` : '',
  ].filter((note) => note !== '');
  return notes.length > 0 ? [`Data quality: ${notes.join(', ')}`] : [];
}

function trendText(trend: Trend): string {
  if (trend.direction === 'insufficient_data') return 'insufficient data';
  // A change past ±10% that reads stable was not significant (SPEC §4): say so, or it looks wrong.
  const noise = trend.direction === 'stable' && Math.abs(trend.percentChange ?? 0) > LIMITS.trendChange && trend.pValue !== null;
  const why = noise ? `, not significant: p = ${trend.pValue}` : '';
  return `${trend.direction} (${formatChange(trend.percentChange)}${why})`;
}

function issueLines({ issues, findings, period }: Report, colors: Colors): string[] {
  if (issues.length === 0) return [colors.green('✅ No issues found')];
  // issues[i] and findings[i] are the same issue (both in report order).
  return issues.map((issue, i) => colors.red(`❌ ${clean(issue)}${sinceText(findings[i]?.since ?? null, period.hours)}`));
}

/** ` since 14:00 UTC`; a window over 24 hours holds the same time of day twice, so its
 *  dates are shown: ` since Nov 19 14:00 UTC`. Empty without a since. */
export function sinceText(since: string | null, hours: number): string {
  return since === null ? '' : ` since ${formatClock(since, hours)} UTC`;
}

function recommendationLines(recommendations: string[]): string[] {
  if (recommendations.length === 0) return ['No recommendations'];
  return recommendations.map((recommendation) => `💡 ${clean(recommendation)}`);
}

/** With --service (SPEC §13): its OPERATIONS and TIMELINE tables. */
function deepDive(report: Report): Section[] {
  const service = report.service === null ? undefined : report.services[0];
  if (service === undefined) return [];
  return [
    { title: 'OPERATIONS', lines: operationLines(service) },
    { title: 'TIMELINE', lines: timelineLines(report, service.timeline) },
  ];
}

function serviceLines(services: ServiceReport[], colors: Colors, spark: SparklineOptions): string[] {
  if (services.length === 0) return ['No operations in this period'];
  return services.flatMap((service, i) => [
    ...(i > 0 ? [''] : []),
    ...serviceBlock(service, colors),
    ...(service.status === 'silent' ? [] : sparklineLines(service.timeline, { indent: INDENT, ...spark })),
  ]);
}

function serviceBlock(service: ServiceReport, colors: Colors): string[] {
  const { icon, tint } = SERVICE_STYLE[service.status];
  const trendIcon = TREND_ICON[service.trend.direction];
  const title = [icon, clean(service.service), trendIcon].filter((part) => part !== '').join(' ');
  if (service.status === 'silent') {
    const previous = formatCount(service.trend.previousOperations);
    return [colors[tint](title), `${INDENT}No operations this period (previous period: ${previous})`];
  }
  return [colors[tint](title), ...serviceDetails(service).map((line) => INDENT + line)];
}

function serviceDetails({ operations, performance, apdex, errors, trend, issues }: ServiceReport): string[] {
  return [
    `Operations: ${formatCount(operations.total)} (${formatPercent(operations.successRate, 1)} success)`,
    `Avg Duration: ${formatMs(performance.avgDuration)}`,
    `P95 Duration: ${formatMs(performance.p95Duration)}`,
    `P99 Duration: ${formatMs(performance.p99Duration)}`,
    `Apdex: ${formatFixed(apdex, 2)}`,
    `Error Rate: ${formatPercent(errors.errorRate, 1)}`,
    `Trend: ${trendText(trend)}`,
    ...(issues.length > 0 ? [`Issues: ${issues.map(clean).join(', ')}`] : []),
  ];
}

function slowestLines(operations: SlowOperation[]): string[] {
  if (operations.length === 0) return ['No operations with durations'];
  return operations.flatMap((op, i) => [
    ...(i > 0 ? [''] : []),
    `${i + 1}. ${clean(op.service)}:${clean(op.operation)}`,
    `${INDENT}Avg: ${formatMs(op.avgDuration)}  P95: ${formatMs(op.p95Duration)} (${formatCountOf(op.count, 'call', 'calls')})`,
  ]);
}

/** `[n8n] message (N times)`; with --service, `[n8n workflows.execute] …` (its operations). */
function errorLines(errors: ErrorEntry[], withOperations: boolean): string[] {
  if (errors.length === 0) return ['No errors in this period'];
  return errors.map((e, i) => {
    const where = withOperations && e.operations.length > 0 ? `${e.service} ${e.operations.join(', ')}` : e.service;
    return `${i + 1}. [${clean(where)}] ${clean(e.message)} (${formatCountOf(e.count, 'time', 'times')})`;
  });
}

function alertLines(alerts: AlertsReport, colors: Colors): string[] {
  const channels = alerts.channels.flatMap((channel) => channelLines(channel, colors));
  return [...conditionLines(alerts.conditions, colors), ...(channels.length > 0 ? channels : ['No alert channels'])];
}

function conditionLines(conditions: AlertCondition[], colors: Colors): string[] {
  if (conditions.length === 0) return ['Conditions: none'];
  const tint = (condition: AlertCondition) => (condition.severity === 'critical' ? colors.red : colors.yellow);
  return ['Conditions:', ...conditions.map((k) => tint(k)(`${INDENT}[${k.severity}] ${clean(k.message)}`))];
}

function channelLines(channel: ChannelOutcome, colors: Colors): string[] {
  const suppressed = channel.suppressed.map((s) => `${clean(s.key)} (next send ${clean(s.nextSendAt)})`);
  const lines = [
    ...listLine('Sent', channel.sent.map(clean)),
    ...listLine('Suppressed', suppressed),
    ...listLine('Resolved', channel.resolved.map(clean)),
    ...(channel.failed === null ? [] : [colors.red(failedLine(channel.failed))]),
  ];
  return [`${CHANNEL_LABEL[channel.channel]}:`, ...(lines.length > 0 ? lines : [`${INDENT}Nothing to send`])];
}

function listLine(label: string, items: string[]): string[] {
  return items.length > 0 ? [`${INDENT}${label}: ${items.join(', ')}`] : [];
}

function failedLine({ keys, reason }: NonNullable<ChannelOutcome['failed']>): string {
  const what = keys.length > 0 ? `${keys.map(clean).join(', ')} — ` : '';
  return `${INDENT}Failed: ${what}${clean(reason)}`;
}
