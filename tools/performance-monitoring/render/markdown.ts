// `--format markdown`: the text report's sections as GitHub-flavoured Markdown (tables, no HTML),
// for $GITHUB_STEP_SUMMARY, pull-request comments and wiki pages (SPEC §16). Lists are cut and
// log text is clipped, so the page stays far under GitHub's 1 MiB summary limit whatever the data.
import type { BaselineReport } from '../gates/types.js';
import type { AlertsReport, Report, ServiceReport, Trend } from '../report/types.js';
import {
  HEALTH_STYLE,
  SERVICE_STYLE,
  TREND_ICON,
  formatChange,
  formatCount,
  formatCountOf,
  formatFixed,
  formatMs,
  formatNumber,
  formatPercent,
} from '../text/format.js';
import { forMarkdown } from '../text/safe-text.js';
import { BASELINE_HEADERS, baselineHead, baselineRows, gateItems } from './gates-table.js';
import { operationRows, OPERATION_HEADERS, timelineRows, TIMELINE_HEADERS } from './deep-dive-rows.js';

/** Rows of one table or items of one list before "…and N more". */
export const MAX_ROWS = 100;
/** Characters of one piece of log text (a service name, an error message, an issue). */
export const MAX_TEXT = 200;

/** Log text as literal Markdown on one line (safe-text's rules), clipped to MAX_TEXT. */
const escapeMarkdown = (text: string): string => forMarkdown(text, MAX_TEXT);

function table(headers: string[], rows: string[][], right: boolean[]): string[] {
  const align = right.map((r) => (r ? '---:' : '---'));
  return [`| ${headers.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** The first MAX_ROWS items and a line naming how many were left out. */
function cut<T>(items: T[]): { shown: T[]; more: string[] } {
  const left = items.length - MAX_ROWS;
  return { shown: items.slice(0, MAX_ROWS), more: left > 0 ? ['', `…and ${formatCount(left)} more`] : [] };
}

function trendText(trend: Trend): string {
  if (trend.direction === 'insufficient_data') return 'insufficient data';
  return `${TREND_ICON[trend.direction]} ${trend.direction} (${formatChange(trend.percentChange)})`;
}

function header(report: Report): string[] {
  const scope = report.service === null ? '' : ` — service ${escapeMarkdown(report.service)}`;
  const { start, end, hours } = report.period;
  const { icon } = HEALTH_STYLE[report.healthStatus];
  const health = report.healthScore === null ? 'n/a (no data)' : `${formatCount(report.healthScore)}/100 ${icon}`.trim();
  return [
    `# Performance monitoring report${scope}`,
    '',
    `**Period:** ${start} – ${end} (${formatNumber(hours, 4)}h) · **Source:** ${report.source.kind} (${report.source.aggregation} aggregation)`,
    '',
    `**Health score:** ${health}`,
  ];
}

function overall(report: Report): string[] {
  const o = report.overall;
  const rows = [
    ['Total operations', formatCount(o.totalOperations)],
    ['Successful / failed', `${formatCount(o.successfulOperations)} / ${formatCount(o.failedOperations)}`],
    ['Average duration', formatMs(o.avgDuration)],
    ['P50 / P95 / P99', `${formatMs(o.p50Duration)} / ${formatMs(o.p95Duration)} / ${formatMs(o.p99Duration)}`],
    ['Min / max', `${formatMs(o.minDuration)} / ${formatMs(o.maxDuration)}`],
    ['Error rate', formatPercent(o.errorRate, 2)],
    [`Apdex (T=${formatMs(report.threshold)})`, formatFixed(o.apdex, 2)],
    ['Trend', trendText(o.trend)],
  ];
  const { invalidDurations, skippedRows } = report.dataQuality;
  if (invalidDurations > 0) rows.push(['Ignored negative durations', formatCount(invalidDurations)]);
  if (skippedRows > 0) rows.push(['Skipped unreadable rows', formatCount(skippedRows)]);
  return table(['Metric', 'Value'], rows, [false, true]);
}

function bullets(items: string[], icon: string, none: string): string[] {
  if (items.length === 0) return [none];
  const { shown, more } = cut(items);
  return [...shown.map((item) => `- ${icon === '' ? '' : `${icon} `}${escapeMarkdown(item)}`), ...more];
}

function serviceRow(s: ServiceReport): string[] {
  const { icon } = SERVICE_STYLE[s.status];
  return [
    `${icon} ${escapeMarkdown(s.service)}`,
    formatCount(s.operations.total),
    formatPercent(s.operations.successRate, 1),
    formatMs(s.performance.avgDuration),
    formatMs(s.performance.p95Duration),
    formatMs(s.performance.p99Duration),
    formatFixed(s.apdex, 2),
    formatPercent(s.errors.errorRate, 1),
    trendText(s.trend),
    s.issues.length === 0 ? '' : s.issues.slice(0, 5).map(escapeMarkdown).join('; '),
  ];
}

function services(report: Report): string[] {
  if (report.services.length === 0) return ['No operations in this period'];
  const { shown, more } = cut(report.services);
  const headers = ['Service', 'Operations', 'Success', 'Avg', 'P95', 'P99', 'Apdex', 'Error rate', 'Trend', 'Issues'];
  const right = [false, true, true, true, true, true, true, true, false, false];
  return [...table(headers, shown.map(serviceRow), right), ...more];
}

function slowest(report: Report): string[] {
  if (report.slowestOperations.length === 0) return ['No operations with durations'];
  const rows = report.slowestOperations.map((op, i) => [
    String(i + 1),
    `${escapeMarkdown(op.service)}:${escapeMarkdown(op.operation)}`,
    formatMs(op.avgDuration),
    formatMs(op.p95Duration),
    formatCount(op.count),
  ]);
  return table(['#', 'Operation', 'Avg', 'P95', 'Calls'], rows, [true, false, true, true, true]);
}

function errors(report: Report): string[] {
  if (report.mostFrequentErrors.length === 0) return ['No errors in this period'];
  const rows = report.mostFrequentErrors.map((e, i) => [String(i + 1), escapeMarkdown(e.service), escapeMarkdown(e.message), formatCount(e.count)]);
  return table(['#', 'Service', 'Error', 'Count'], rows, [true, false, false, true]);
}

function alerts(a: AlertsReport): string[] {
  const conditions = a.conditions.map((c) => `${c.severity}: ${c.message}`);
  const channels = a.channels.map((c) => {
    const failed = c.failed === null ? '' : `, failed (${c.failed.reason})`;
    return `${c.channel}: ${formatCountOf(c.sent.length, 'sent', 'sent')}, ${formatCount(c.suppressed.length)} suppressed, ${formatCount(c.resolved.length)} resolved${failed}`;
  });
  return [...bullets(conditions, '🔔', 'Conditions: none'), '', ...bullets(channels, '📣', 'No alert channels')];
}

function baseline(b: BaselineReport): string[] {
  const { shown, more } = cut(baselineRows(b));
  const head = baselineHead(b).flatMap((line) => [escapeMarkdown(line), '']);
  const right = BASELINE_HEADERS.map((_, i) => i >= 2);
  return [...head, ...table(BASELINE_HEADERS, shown.map((row) => row.map(escapeMarkdown)), right), ...more];
}

/** With --service, the OPERATIONS and TIMELINE tables of the text report (SPEC §13). */
function deepDive(report: Report): [string, string[]][] {
  const service = report.service === null ? undefined : report.services[0];
  if (service === undefined) return [];
  const { shown, more } = cut(operationRows(service));
  const right = (n: number) => Array.from({ length: n }, (_, i) => i > 0);
  const ops = shown.length === 0 ? ['No operations in this period'] : [...table(OPERATION_HEADERS, shown.map((r) => [escapeMarkdown(r[0] ?? ''), ...r.slice(1)]), right(OPERATION_HEADERS.length)), ...more];
  const buckets = timelineRows(report, service.timeline);
  const timeline = buckets.length === 0 ? ['No buckets'] : table(TIMELINE_HEADERS, buckets, right(TIMELINE_HEADERS.length));
  return [['Operations', ops], ['Timeline (UTC)', timeline]];
}

/** The whole report as Markdown, ending with a newline. */
export function renderMarkdown(report: Report): string {
  const sections: [string, string[]][] = [
    ['Overall metrics', overall(report)],
    ['Issues', bullets(report.issues, '❌', '✅ No issues found')],
    ['Recommendations', bullets(report.recommendations, '💡', 'No recommendations')],
    ['Service performance', services(report)],
    ...deepDive(report),
    ['Slowest operations', slowest(report)],
    ['Most frequent errors', errors(report)],
  ];
  // SPEC §15: the gates after the report's own sections, before what the alerts did (as text).
  if (report.gates?.baseline) sections.push(['Compared with baseline', baseline(report.gates.baseline)]);
  if (report.gates) sections.push(['Gates', bullets(gateItems(report.gates), '', 'No gates')]);
  if (report.alerts !== null) sections.push(['Alerts', alerts(report.alerts)]);
  const body = sections.flatMap(([title, lines]) => ['', `## ${title}`, '', ...lines]);
  return `${[...header(report), ...body].join('\n')}\n`;
}
