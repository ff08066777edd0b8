// The text report for people: the seed tool's layout (seed-README "Sample Output"), plus the
// fields docs/json.md added, in the order, titles and wording of report/outline.ts. Every string that
// comes from logs goes through `clean` first.

import { issuesWithSince, type Outline, type OutlineSection, outline, sectionsOf, trendLine } from '../report/outline.js';
import { sloLines } from '../report/slo-outline.js';
import { SERVICE_STYLE, TREND_ICON } from '../report/style.js';
import type { AlertCondition, AlertsReport, ChannelOutcome, ErrorEntry, Report, ServiceReport, SlowOperation } from '../report/types.js';
import { formatCount, formatCountOf, formatFixed, formatMs, formatPercent } from '../text/format.js';
import { forTerminalLine as clean } from '../text/safe-text.js';
import { type Colors, createColors } from './colors.js';
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

const CHANNEL_LABEL: Record<ChannelOutcome['channel'], string> = { slack: 'Slack', email: 'E-mail' };

/** The whole report as text, ending with a newline (write it with `process.stdout.write`). */
export function renderText(report: Report, options: TextOptions): string {
  const colors = createColors(options.color);
  const spark = { width: options.width ?? WIDTH, unicode: options.unicode ?? false };
  const shape = outline(report);
  const body = sectionsOf(shape).flatMap((section) => [
    '',
    LIGHT_RULE,
    colors.bold(section.title.toUpperCase()),
    LIGHT_RULE,
    ...sectionBody(section, report, shape, colors, spark),
  ]);
  return `${[...header(shape, colors), ...body, '', HEAVY_RULE].join('\n')}\n`;
}

/** `Total Operations`: the text report capitalises every word of a label. */
const titleCase = (label: string) => label.replace(/(^| )([a-z])/g, (_, space: string, letter: string) => space + letter.toUpperCase());

function header({ title, scope, period, source, health }: Outline, colors: Colors): string[] {
  const service = scope.service === null ? '' : ` — ${scope.label}: ${clean(scope.service)}`;
  const label = titleCase(health.label);
  const healthLine =
    health.score === null || health.tint === null
      ? `${label}: ${health.none} ${health.noneWhy}`
      : colors[health.tint](`${label}: ${health.score}${health.scale} ${health.icon}`);
  return [
    HEAVY_RULE,
    colors.bold(`${title.toUpperCase()}${service}`),
    HEAVY_RULE,
    '',
    `${period.label}: ${period.start} - ${period.end} (${period.length})`,
    `${source.label}: ${source.value}`,
    healthLine,
  ];
}

/** The lines under a section's title: its one line when it has nothing to show (the good news
 *  of no issues in green), else its content. */
function sectionBody(section: OutlineSection, report: Report, shape: Outline, colors: Colors, spark: SparklineOptions): string[] {
  if (section.empty !== null) return [section.id === 'issues' ? colors.green(section.empty) : section.empty];
  const deep = report.services[0];
  switch (section.id) {
    case 'overall':
      return overallLines(shape);
    case 'issues':
      return issueLines(report, colors);
    case 'slos':
      return report.slos.flatMap((slo, i) => [...(i > 0 ? [''] : []), ...sloLines(slo).map(clean)]);
    case 'recommendations':
      return report.recommendations.map((recommendation) => `💡 ${clean(recommendation)}`);
    case 'services':
      return serviceLines(report.services, colors, spark);
    case 'operations':
      return deep === undefined ? [] : operationLines(deep);
    case 'timeline':
      return deep === undefined ? [] : timelineLines(report, deep.timeline);
    case 'slowest':
      return slowestLines(report.slowestOperations);
    case 'errors':
      return errorLines(report.mostFrequentErrors, report.service !== null);
    case 'baseline':
      return report.gates?.baseline ? baselineLines(report.gates.baseline, colors) : [];
    case 'gates':
      return report.gates ? gateLines(report.gates, colors) : [];
    case 'alerts':
      return report.alerts === null ? [] : alertLines(report.alerts, colors);
  }
}

/** `Total Operations: 1,247`, one line a figure, then what the figures left out in one line. */
function overallLines({ figures, dataQuality }: Outline): string[] {
  const notes = dataQuality.notes.map((note) => note.phrase);
  return [
    ...figures.map((figure) => `${titleCase(figure.label)}: ${figure.line}`),
    ...(notes.length > 0 ? [`${dataQuality.label}: ${notes.join(', ')}`] : []),
  ];
}

function issueLines(report: Report, colors: Colors): string[] {
  return issuesWithSince(report).map((issue) => colors.red(`❌ ${clean(issue)}`));
}

function serviceLines(services: ServiceReport[], colors: Colors, spark: SparklineOptions): string[] {
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
    `Trend: ${trendLine(trend)}`,
    ...(issues.length > 0 ? [`Issues: ${issues.map(clean).join(', ')}`] : []),
  ];
}

function slowestLines(operations: SlowOperation[]): string[] {
  return operations.flatMap((op, i) => [
    ...(i > 0 ? [''] : []),
    `${i + 1}. ${clean(op.service)}:${clean(op.operation)}`,
    `${INDENT}Avg: ${formatMs(op.avgDuration)}  P95: ${formatMs(op.p95Duration)} (${formatCountOf(op.count, 'call', 'calls')})`,
  ]);
}

/** `[n8n] message (N times)`; with --service, `[n8n workflows.execute] …` (its operations). */
function errorLines(errors: ErrorEntry[], withOperations: boolean): string[] {
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
