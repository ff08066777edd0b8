// `--format markdown`: the report's outline (report/outline.ts) as GitHub-flavoured Markdown (tables, no HTML),
// for $GITHUB_STEP_SUMMARY, pull-request comments and wiki pages (docs/formats.md). Lists are cut and
// log text is clipped, so the page stays far under GitHub's 1 MiB summary limit whatever the data.
import type { BaselineReport } from '../gates/types.js';
import { headingOf, issuesWithSince, type Outline, type OutlineSection, outline, sectionsOf, trendCell } from '../report/outline.js';
import { SLO_HEADERS, sloNotes, sloRows } from '../report/slo-outline.js';
import { SERVICE_STYLE } from '../report/style.js';
import type { AlertsReport, Report, ServiceReport } from '../report/types.js';
import { formatCount, formatCountOf, formatFixed, formatMs, formatPercent } from '../text/format.js';
import { forMarkdown } from '../text/safe-text.js';
import { OPERATION_HEADERS, operationRows, TIMELINE_HEADERS, timelineRows } from './deep-dive-rows.js';
import { BASELINE_HEADERS, baselineHead, baselineRows, gateItems } from './gates-table.js';

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

function header({ title, scope, period, source, health }: Outline): string[] {
  const service = scope.service === null ? '' : ` — ${scope.label} ${escapeMarkdown(scope.service)}`;
  const score = health.score === null ? `${health.none} ${health.noneWhy}` : `${health.score}${health.scale} ${health.icon}`.trim();
  return [
    `# ${title}${service}`,
    '',
    `**${period.label}:** ${period.start} – ${period.end} (${period.length}) · **${source.label}:** ${source.value}`,
    '',
    `**${health.label}:** ${score}`,
  ];
}

/** The figures, then what they left out, as one two-column table. */
function overall({ figures, dataQuality }: Outline): string[] {
  const rows = [...figures, ...dataQuality.notes].map((row) => [row.label, row.value]);
  return table(['Metric', 'Value'], rows, [false, true]);
}

/** A list of log text; callers give the section's own line when it is empty. */
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
    trendCell(s.trend),
    s.issues.length === 0 ? '' : s.issues.slice(0, 5).map(escapeMarkdown).join('; '),
  ];
}

function services(report: Report): string[] {
  const { shown, more } = cut(report.services);
  const headers = ['Service', 'Operations', 'Success', 'Avg', 'P95', 'P99', 'Apdex', 'Error rate', 'Trend', 'Issues'];
  const right = [false, true, true, true, true, true, true, true, false, false];
  return [...table(headers, shown.map(serviceRow), right), ...more];
}

function slowest(report: Report): string[] {
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
  const rows = report.mostFrequentErrors.map((e, i) => [
    String(i + 1),
    escapeMarkdown(e.service),
    escapeMarkdown(e.message),
    formatCount(e.count),
  ]);
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
  return [
    ...head,
    ...table(
      BASELINE_HEADERS,
      shown.map((row) => row.map(escapeMarkdown)),
      right,
    ),
    ...more,
  ];
}

/** With --service, the OPERATIONS and TIMELINE tables of the text report (docs/timeline.md). */
function operations(service: ServiceReport): string[] {
  const { shown, more } = cut(operationRows(service));
  const rows = shown.map((r) => [escapeMarkdown(r[0] ?? ''), ...r.slice(1)]);
  return [...table(OPERATION_HEADERS, rows, rightAfterFirst(OPERATION_HEADERS.length)), ...more];
}

function timeline(report: Report, service: ServiceReport): string[] {
  return table(TIMELINE_HEADERS, timelineRows(report, service.timeline), rightAfterFirst(TIMELINE_HEADERS.length));
}

const rightAfterFirst = (n: number) => Array.from({ length: n }, (_, i) => i > 0);

/** docs/slos.md: one row per SLO, then the approximate ones said. */
function slos(report: Report): string[] {
  const rows = sloRows(report.slos).map((row) => row.map(escapeMarkdown));
  const notes = sloNotes(report.slos).map(escapeMarkdown);
  return [
    ...table(
      SLO_HEADERS,
      rows,
      SLO_HEADERS.map((_, i) => i >= 2),
    ),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ];
}

/** A section's lines under its heading: its one line when it has nothing to show, else its content. */
function sectionBody(section: OutlineSection, report: Report, shape: Outline): string[] {
  if (section.empty !== null) return [section.empty];
  const deep = report.services[0];
  switch (section.id) {
    case 'overall':
      return overall(shape);
    case 'issues':
      return bullets(issuesWithSince(report), '❌', '');
    case 'slos':
      return slos(report);
    case 'recommendations':
      return bullets(report.recommendations, '💡', '');
    case 'services':
      return services(report);
    case 'operations':
      return deep === undefined ? [] : operations(deep);
    case 'timeline':
      return deep === undefined ? [] : timeline(report, deep);
    case 'slowest':
      return slowest(report);
    case 'errors':
      return errors(report);
    case 'baseline':
      return report.gates?.baseline ? baseline(report.gates.baseline) : [];
    case 'gates':
      return report.gates ? bullets(gateItems(report.gates), '', '') : [];
    case 'alerts':
      return report.alerts === null ? [] : alerts(report.alerts);
  }
}

/** The whole report as Markdown, ending with a newline. */
export function renderMarkdown(report: Report): string {
  const shape = outline(report);
  const body = sectionsOf(shape).flatMap((section) => ['', `## ${headingOf(section)}`, '', ...sectionBody(section, report, shape)]);
  return `${[...header(shape), ...body].join('\n')}\n`;
}
