import type { BaselineReport, GatesReport } from '../gates/types.js';
import { headingOf, type Outline, type OutlineSection, trendCell } from '../report/outline.js';
import { SLO_HEADERS, sloNotes, sloRows } from '../report/slo-outline.js';
import { SERVICE_STYLE, TREND_ICON } from '../report/style.js';
import type { AlertsReport, Report, ServiceReport } from '../report/types.js';
import { formatCount, formatFixed, formatMs, formatPercent } from '../text/format.js';
import { forHtml, forTerminalLine } from '../text/safe-text.js';
import { OPERATION_HEADERS, operationRows, TIMELINE_HEADERS, timelineRows } from './deep-dive-rows.js';
import { BASELINE_HEADERS, baselineHead, baselineRows, gateItems } from './gates-table.js';
import { textWithoutIcons } from './html-icons.js';

/** One bucket of the timeline (docs/timeline.md). */
export interface TimelineBucket {
  operations: number;
  failures: number;
  errorRate: number | null;
  avgDuration: number | null;
  p95Duration: number | null;
}

/** The report with the timeline it may carry (docs/timeline.md); the page draws no chart without one. */
export type TimedReport = Omit<Report, 'services'> & {
  timeline?: { bucketSeconds: number; starts: string[] } | null;
  services: (ServiceReport & { timeline?: TimelineBucket[] | null })[];
};

/** Log text as HTML: one line, escaped, its emoji as references so drawIcons never restyles them. */
export const text = (value: string) => textWithoutIcons(forHtml(forTerminalLine(value)));

/** JSON inside <script>: `<` escaped so no `</script>` or `<!--` can end or change it. */
export const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** A table cell: what people read, and the raw figure the sort uses (empty when null). */
function cell(shown: string, sort: number | string | null, className = ''): string {
  const sortValue = sort === null ? '' : String(sort);
  return `<td${className ? ` class="${className}"` : ''} data-sort="${textWithoutIcons(forHtml(sortValue))}">${shown}</td>`;
}

/** `number` columns sort by figure and align right; `count` sorts by figure, aligned left. */
type Column = [label: string, type: 'number' | 'text' | 'count'];

const COLUMN_ATTRS: Record<Column[1], string> = {
  number: ' data-type="number" class="num"',
  count: ' data-type="number"',
  text: ' data-type="text"',
};

function sortableTable(id: string, headers: Column[], rows: string[]): string {
  const head = headers
    .map(([label, type]) => {
      return `<th scope="col"${COLUMN_ATTRS[type]}><button type="button">${label}</button></th>`;
    })
    .join('');
  return `<div class="scroll"><table class="sortable" id="${id}"><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

export function header({ title, scope, period, source, health }: Outline, report: Report): string {
  const service = scope.service === null ? '' : ` — ${scope.label} ${text(scope.service)}`;
  const score =
    health.score === null
      ? `<strong id="health-score">${health.none}</strong> ${health.noneWhy}`
      : `<strong id="health-score">${health.score}</strong>${health.scale} ${health.icon}`;
  return `<header>
<h1>${title}${service}</h1>
<p class="meta">${period.label}: <time>${text(period.start)}</time> – <time>${text(period.end)}</time> (${period.length}) · ${source.label}: ${text(source.value)} · Generated <time>${text(report.generatedAt)}</time></p>
<p class="health health-${report.healthStatus}">${health.label} ${score}</p>
</header>`;
}

/** The figures, then what they left out, each value marked with its JSON field. */
export function overall({ figures, dataQuality }: Outline): string {
  const rows = [...figures, ...dataQuality.notes];
  const items = rows.map(({ field, label, value }) => `<div><dt>${label}</dt><dd data-field="${field}">${value}</dd></div>`).join('\n');
  return `<dl class="figures">${items}</dl>`;
}

export function list(items: string[], icon: string, none: string): string {
  return items.length === 0
    ? `<p class="none">${none}</p>`
    : `<ul>${items.map((item) => `<li>${icon} ${text(item)}</li>`).join('\n')}</ul>`;
}

export const section = (s: OutlineSection, body: string) => `<section id="${s.id}"><h2>${headingOf(s)}</h2>\n${body}\n</section>`;

function serviceRow(s: ServiceReport): string {
  const { icon } = SERVICE_STYLE[s.status];
  return `<tr data-service="${text(s.service)}">${[
    cell(`${icon} ${text(s.service)}`, forTerminalLine(s.service)),
    cell(formatCount(s.operations.total), s.operations.total, 'num'),
    cell(formatPercent(s.operations.successRate, 1), s.operations.successRate, 'num'),
    cell(formatMs(s.performance.avgDuration), s.performance.avgDuration, 'num'),
    cell(formatMs(s.performance.p95Duration), s.performance.p95Duration, 'num'),
    cell(formatMs(s.performance.p99Duration), s.performance.p99Duration, 'num'),
    cell(formatFixed(s.apdex, 2), s.apdex, 'num'),
    cell(formatPercent(s.errors.errorRate, 1), s.errors.errorRate, 'num'),
    cell(trendCell(s.trend), s.trend.percentChange, 'num'),
    cell(s.issues.map(text).join('<br>'), s.issues.length, ''),
  ].join('')}</tr>`;
}

function serviceCard(s: ServiceReport, index: number, charted: boolean): string {
  const { icon } = SERVICE_STYLE[s.status];
  const charts = charted
    ? `<figure class="chart" data-chart="ops" data-index="${index}" aria-label="Operations and failures of ${text(s.service)}"></figure>
<figure class="chart" data-chart="p95" data-index="${index}" aria-label="P95 of ${text(s.service)} against the threshold"></figure>`
    : '<p class="none">No timeline in this report.</p>';
  const errors = s.errors.topErrors.map((e) => `<li>${text(e.message)} <span class="count">(${formatCount(e.count)})</span></li>`).join('');
  return `<article class="card status-${s.status}" data-service="${text(s.service)}">
<h3>${icon} ${text(s.service)} ${TREND_ICON[s.trend.direction]}</h3>
<p class="meta">${formatCount(s.operations.total)} operations · ${formatPercent(s.errors.errorRate, 1)} errors · p95 ${formatMs(s.performance.p95Duration)} · ${trendCell(s.trend)}</p>
${charts}
${errors === '' ? '' : `<details><summary>Top errors</summary><ul>${errors}</ul></details>`}
</article>`;
}

export function services(report: TimedReport, charted: boolean): string {
  const table = sortableTable(
    'services-table',
    [
      ['Service', 'text'],
      ['Operations', 'number'],
      ['Success', 'number'],
      ['Avg', 'number'],
      ['P95', 'number'],
      ['P99', 'number'],
      ['Apdex', 'number'],
      ['Error rate', 'number'],
      ['Trend', 'number'],
      ['Issues', 'count'],
    ],
    report.services.map(serviceRow),
  );
  const cards = report.services.map((s, i) => serviceCard(s, i, charted)).join('\n');
  return `${table}\n<div class="cards">${cards}</div>`;
}

/** With --service, the OPERATIONS and TIMELINE tables of the text report (docs/timeline.md). */
const columns = (headers: string[]): Column[] => headers.map((h, i) => [h, i === 0 ? 'text' : 'number']);
const deepRows = (cells: string[][], sorts: (number | string | null)[][]) =>
  cells.map((row, r) => `<tr>${row.map((c, i) => cell(text(c), sorts[r]?.[i] ?? null, i === 0 ? '' : 'num')).join('')}</tr>`);

export function operations(service: ServiceReport): string {
  const sorts = service.byOperation.map((o) => [
    o.operation,
    o.calls,
    o.failures,
    o.errorRate,
    o.avgDuration,
    o.p95Duration,
    o.p99Duration,
    o.apdex,
    o.trend.percentChange,
  ]);
  return sortableTable('operations-table', columns(OPERATION_HEADERS), deepRows(operationRows(service), sorts));
}

export function timeline(report: Report, service: ServiceReport): string {
  const buckets = service.timeline;
  const sorts = report.timeline.starts.map((start, i) => [
    start,
    buckets[i]?.operations ?? 0,
    buckets[i]?.errorRate ?? null,
    buckets[i]?.avgDuration ?? null,
    buckets[i]?.p95Duration ?? null,
  ]);
  return sortableTable('timeline-table', columns(TIMELINE_HEADERS), deepRows(timelineRows(report, buckets), sorts));
}

export function slowest(report: Report): string {
  const rows = report.slowestOperations.map(
    (op, i) =>
      `<tr>${[
        cell(String(i + 1), i + 1, 'num'),
        cell(`${text(op.service)}:${text(op.operation)}`, forTerminalLine(`${op.service}:${op.operation}`)),
        cell(formatMs(op.avgDuration), op.avgDuration, 'num'),
        cell(formatMs(op.p95Duration), op.p95Duration, 'num'),
        cell(formatCount(op.count), op.count, 'num'),
      ].join('')}</tr>`,
  );
  return sortableTable(
    'slowest-table',
    [
      ['#', 'number'],
      ['Operation', 'text'],
      ['Avg', 'number'],
      ['P95', 'number'],
      ['Calls', 'number'],
    ],
    rows,
  );
}

export function errors(report: Report): string {
  const rows = report.mostFrequentErrors.map(
    (e, i) =>
      `<tr>${[
        cell(String(i + 1), i + 1, 'num'),
        cell(text(e.service), forTerminalLine(e.service)),
        cell(text(e.message), forTerminalLine(e.message)),
        cell(formatCount(e.count), e.count, 'num'),
      ].join('')}</tr>`,
  );
  return sortableTable(
    'errors-table',
    [
      ['#', 'number'],
      ['Service', 'text'],
      ['Error', 'text'],
      ['Count', 'number'],
    ],
    rows,
  );
}

export function baseline(b: BaselineReport): string {
  const head = baselineHead(b)
    .map((line) => `<p class="meta">${text(line)}</p>`)
    .join('\n');
  const rows = baselineRows(b).map((row) => `<tr>${row.map((c, i) => `<td${i >= 2 ? ' class="num"' : ''}>${text(c)}</td>`).join('')}</tr>`);
  const headers = BASELINE_HEADERS.map((h, i) => `<th scope="col"${i >= 2 ? ' class="num"' : ''}>${h}</th>`).join('');
  return `${head}\n<div class="scroll"><table id="baseline-table"><thead><tr>${headers}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** docs/slos.md: one row per SLO, then the approximate ones said. */
export function slos(report: Report): string {
  const rows = sloRows(report.slos).map(
    // The status cell (1) is the tool's own icon and word: its icon is drawn by CSS (drawIcons).
    (row) => `<tr>${row.map((c, i) => `<td${i >= 2 ? ' class="num"' : ''}>${i === 1 ? forHtml(c) : text(c)}</td>`).join('')}</tr>`,
  );
  const headers = SLO_HEADERS.map((h, i) => `<th scope="col"${i >= 2 ? ' class="num"' : ''}>${h}</th>`).join('');
  const notes = sloNotes(report.slos).map((note) => `<p class="meta">${text(note)}</p>`);
  return [
    `<div class="scroll"><table id="slos-table"><thead><tr>${headers}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`,
    ...notes,
  ].join('\n');
}

export const gates = (g: GatesReport) =>
  `<ul class="gates">${gateItems(g)
    .map((item) => `<li>${text(item)}</li>`)
    .join('\n')}</ul>`;

export function alerts(a: AlertsReport): string {
  const conditions = a.conditions.map((c) => `${c.severity}: ${c.message}`);
  const channels = a.channels.map(
    (c) =>
      `${c.channel}: ${c.sent.length} sent, ${c.suppressed.length} suppressed, ${c.resolved.length} resolved${c.failed === null ? '' : `, failed (${c.failed.reason})`}`,
  );
  return list([...conditions, ...channels], '🔔', 'No alert conditions');
}
