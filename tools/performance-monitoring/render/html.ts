// `--format html`: one self-contained page (SPEC §16): the text report's sections, sortable
// tables and, from the timeline, a chart per service drawn by uPlot. Styles, scripts and data are
// inline (uPlot read from node_modules at render time) and a Content-Security-Policy forbids
// every fetch, so the page opens offline, from a mail attachment, with no request at all.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Report, ServiceReport, Trend } from '../report/types.js';
import {
  HEALTH_STYLE,
  SERVICE_STYLE,
  TREND_ICON,
  formatChange,
  formatCount,
  formatFixed,
  formatMs,
  formatNumber,
  formatPercent,
} from '../text/format.js';
import { forHtml, forTerminalLine } from '../text/safe-text.js';
import { BASELINE_HEADERS, baselineHead, baselineRows, gateItems } from './gates-table.js';
import { OPERATION_HEADERS, TIMELINE_HEADERS, operationRows, timelineRows } from './deep-dive-rows.js';

/** One bucket of the timeline (SPEC §12). */
export interface TimelineBucket {
  operations: number;
  failures: number;
  errorRate: number | null;
  avgDuration: number | null;
  p95Duration: number | null;
}

/** The report with the timeline it may carry (SPEC §12); the page draws no chart without one. */
type TimedReport = Omit<Report, 'services'> & {
  timeline?: { bucketSeconds: number; starts: string[] } | null;
  services: (ServiceReport & { timeline?: TimelineBucket[] | null })[];
};

/** What the page's script draws: per service, one value per bucket start. */
export interface ChartData {
  threshold: number;
  bucketSeconds: number;
  /** Bucket starts, Unix seconds. */
  starts: number[];
  services: { service: string; operations: number[]; failures: number[]; p95: (number | null)[] }[];
}

const require = createRequire(import.meta.url);
const asset = (name: string) => readFileSync(new URL(`./html-assets/${name}`, import.meta.url), 'utf8');
const uplotFile = (name: string) => readFileSync(require.resolve(`uplot/dist/${name}`), 'utf8');

/** Log text as inert HTML on one line. */
const text = (value: string) => forHtml(forTerminalLine(value));

/** JSON inside <script>: `<` escaped so no `</script>` or `<!--` can end or change it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

function trendText(trend: Trend): string {
  if (trend.direction === 'insufficient_data') return 'insufficient data';
  return `${TREND_ICON[trend.direction]} ${trend.direction} (${formatChange(trend.percentChange)})`;
}

/** A table cell: what people read, and the raw figure the sort uses (empty when null). */
function cell(shown: string, sort: number | string | null, className = ''): string {
  const sortValue = sort === null ? '' : String(sort);
  return `<td${className ? ` class="${className}"` : ''} data-sort="${forHtml(sortValue)}">${shown}</td>`;
}

/** `number` columns sort by figure and align right; `count` sorts by figure, aligned left. */
type Column = [label: string, type: 'number' | 'text' | 'count'];

function sortableTable(id: string, headers: Column[], rows: string[]): string {
  const head = headers
    .map(([label, type]) => {
      const attrs = type === 'number' ? ' data-type="number" class="num"' : type === 'count' ? ' data-type="number"' : ' data-type="text"';
      return `<th scope="col"${attrs}><button type="button">${label}</button></th>`;
    })
    .join('');
  return `<div class="scroll"><table class="sortable" id="${id}"><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

function header(report: Report): string {
  const scope = report.service === null ? '' : ` — service ${text(report.service)}`;
  const { start, end, hours } = report.period;
  const { icon } = HEALTH_STYLE[report.healthStatus];
  const score = report.healthScore === null ? '<strong id="health-score">n/a</strong> (no data)' : `<strong id="health-score">${formatCount(report.healthScore)}</strong>/100 ${icon}`;
  return `<header>
<h1>Performance monitoring report${scope}</h1>
<p class="meta">Period: <time>${text(start)}</time> – <time>${text(end)}</time> (${formatNumber(hours, 4)}h) · Source: ${text(report.source.kind)} (${text(report.source.aggregation)} aggregation) · Generated <time>${text(report.generatedAt)}</time></p>
<p class="health health-${report.healthStatus}">Health score ${score}</p>
</header>`;
}

function overall(report: Report): string {
  const o = report.overall;
  const figures: [string, string, string][] = [
    ['totalOperations', 'Total operations', formatCount(o.totalOperations)],
    ['failedOperations', 'Successful / failed', `${formatCount(o.successfulOperations)} / ${formatCount(o.failedOperations)}`],
    ['avgDuration', 'Average duration', formatMs(o.avgDuration)],
    ['p95Duration', 'P50 / P95 / P99', `${formatMs(o.p50Duration)} / ${formatMs(o.p95Duration)} / ${formatMs(o.p99Duration)}`],
    ['maxDuration', 'Min / max', `${formatMs(o.minDuration)} / ${formatMs(o.maxDuration)}`],
    ['errorRate', 'Error rate', formatPercent(o.errorRate, 2)],
    ['apdex', `Apdex (T=${formatMs(report.threshold)})`, formatFixed(o.apdex, 2)],
    ['trend', 'Trend', trendText(o.trend)],
  ];
  const { invalidDurations, skippedRows } = report.dataQuality;
  if (invalidDurations > 0) figures.push(['invalidDurations', 'Ignored negative durations', formatCount(invalidDurations)]);
  if (skippedRows > 0) figures.push(['skippedRows', 'Skipped unreadable rows', formatCount(skippedRows)]);
  const items = figures.map(([field, label, value]) => `<div><dt>${label}</dt><dd data-field="${field}">${value}</dd></div>`).join('\n');
  return section('overall', 'Overall metrics', `<dl class="figures">${items}</dl>`);
}

function list(id: string, title: string, items: string[], icon: string, none: string): string {
  const body = items.length === 0 ? `<p class="none">${none}</p>` : `<ul>${items.map((item) => `<li>${icon} ${text(item)}</li>`).join('\n')}</ul>`;
  return section(id, title, body);
}

const section = (id: string, title: string, body: string) => `<section id="${id}"><h2>${title}</h2>\n${body}\n</section>`;

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
    cell(trendText(s.trend), s.trend.percentChange, 'num'),
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
<p class="meta">${formatCount(s.operations.total)} operations · ${formatPercent(s.errors.errorRate, 1)} errors · p95 ${formatMs(s.performance.p95Duration)} · ${trendText(s.trend)}</p>
${charts}
${errors === '' ? '' : `<details><summary>Top errors</summary><ul>${errors}</ul></details>`}
</article>`;
}

function services(report: TimedReport, charted: boolean): string {
  if (report.services.length === 0) return section('services', 'Service performance', '<p class="none">No operations in this period</p>');
  const table = sortableTable(
    'services-table',
    [['Service', 'text'], ['Operations', 'number'], ['Success', 'number'], ['Avg', 'number'], ['P95', 'number'], ['P99', 'number'], ['Apdex', 'number'], ['Error rate', 'number'], ['Trend', 'number'], ['Issues', 'count']],
    report.services.map(serviceRow),
  );
  const cards = report.services.map((s, i) => serviceCard(s, i, charted)).join('\n');
  return section('services', 'Service performance', `${table}\n<div class="cards">${cards}</div>`);
}

/** With --service, the OPERATIONS and TIMELINE tables of the text report (SPEC §13). */
function deepDive(report: Report): string {
  const service = report.service === null ? undefined : report.services[0];
  if (service === undefined) return '';
  const columns = (headers: string[]): Column[] => headers.map((h, i) => [h, i === 0 ? 'text' : 'number']);
  const rows = (cells: string[][], sorts: (number | string | null)[][]) =>
    cells.map((row, r) => `<tr>${row.map((c, i) => cell(text(c), sorts[r]?.[i] ?? null, i === 0 ? '' : 'num')).join('')}</tr>`);
  const ops = service.byOperation;
  const opSorts = ops.map((o) => [o.operation, o.calls, o.failures, o.errorRate, o.avgDuration, o.p95Duration, o.p99Duration, o.apdex, o.trend.percentChange]);
  const buckets = service.timeline;
  const tlSorts = report.timeline.starts.map((start, i) => [start, buckets[i]?.operations ?? 0, buckets[i]?.errorRate ?? null, buckets[i]?.avgDuration ?? null, buckets[i]?.p95Duration ?? null]);
  const opsBody = ops.length === 0 ? '<p class="none">No operations in this period</p>' : sortableTable('operations-table', columns(OPERATION_HEADERS), rows(operationRows(service), opSorts));
  const tlBody = tlSorts.length === 0 ? '<p class="none">No buckets</p>' : sortableTable('timeline-table', columns(TIMELINE_HEADERS), rows(timelineRows(report, buckets), tlSorts));
  return `${section('operations', 'Operations', opsBody)}\n${section('timeline', 'Timeline (UTC)', tlBody)}`;
}

function slowest(report: Report): string {
  if (report.slowestOperations.length === 0) return section('slowest', 'Slowest operations', '<p class="none">No operations with durations</p>');
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
  return section('slowest', 'Slowest operations', sortableTable('slowest-table', [['#', 'number'], ['Operation', 'text'], ['Avg', 'number'], ['P95', 'number'], ['Calls', 'number']], rows));
}

function errors(report: Report): string {
  if (report.mostFrequentErrors.length === 0) return section('errors', 'Most frequent errors', '<p class="none">No errors in this period</p>');
  const rows = report.mostFrequentErrors.map(
    (e, i) =>
      `<tr>${[
        cell(String(i + 1), i + 1, 'num'),
        cell(text(e.service), forTerminalLine(e.service)),
        cell(text(e.message), forTerminalLine(e.message)),
        cell(formatCount(e.count), e.count, 'num'),
      ].join('')}</tr>`,
  );
  return section('errors', 'Most frequent errors', sortableTable('errors-table', [['#', 'number'], ['Service', 'text'], ['Error', 'text'], ['Count', 'number']], rows));
}

function gates(report: Report): string {
  const g = report.gates;
  if (!g) return '';
  let compared = '';
  if (g.baseline) {
    const head = baselineHead(g.baseline).map((line) => `<p class="meta">${text(line)}</p>`).join('\n');
    const rows = baselineRows(g.baseline).map((row) => `<tr>${row.map((c, i) => `<td${i >= 2 ? ' class="num"' : ''}>${text(c)}</td>`).join('')}</tr>`);
    const headers = BASELINE_HEADERS.map((h, i) => `<th scope="col"${i >= 2 ? ' class="num"' : ''}>${h}</th>`).join('');
    compared = section('baseline', 'Compared with baseline', `${head}\n<div class="scroll"><table id="baseline-table"><thead><tr>${headers}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`);
  }
  const items = gateItems(g);
  const list = items.length === 0 ? '<p class="none">No gates</p>' : `<ul class="gates">${items.map((item) => `<li>${text(item)}</li>`).join('\n')}</ul>`;
  return `${compared}\n${section('gates', 'Gates', list)}`;
}

function alerts(report: Report): string {
  if (report.alerts === null) return '';
  const conditions = report.alerts.conditions.map((c) => `${c.severity}: ${c.message}`);
  const channels = report.alerts.channels.map(
    (c) => `${c.channel}: ${c.sent.length} sent, ${c.suppressed.length} suppressed, ${c.resolved.length} resolved${c.failed === null ? '' : `, failed (${c.failed.reason})`}`,
  );
  return list('alerts', 'Alerts', [...conditions, ...channels], '🔔', 'No alert conditions');
}

/** The chart data, or null when the report has no timeline (older report, no buckets). */
export function chartData(report: TimedReport): ChartData | null {
  const timeline = report.timeline;
  if (!timeline || timeline.starts.length === 0) return null;
  const n = timeline.starts.length;
  const pick = <T>(buckets: TimelineBucket[] | null | undefined, get: (b: TimelineBucket) => T, empty: T): T[] =>
    Array.from({ length: n }, (_, i) => {
      const bucket = buckets?.[i];
      return bucket ? get(bucket) : empty;
    });
  return {
    threshold: report.threshold,
    bucketSeconds: timeline.bucketSeconds,
    starts: timeline.starts.map((start) => Date.parse(start) / 1000),
    services: report.services.map((s) => ({
      service: s.service,
      operations: pick(s.timeline, (b) => b.operations, 0),
      failures: pick(s.timeline, (b) => b.failures, 0),
      p95: pick<number | null>(s.timeline, (b) => b.p95Duration, null),
    })),
  };
}

/** The whole page, ending with a newline. */
export function renderHtml(report: Report): string {
  const timed: TimedReport = report;
  const data = chartData(timed);
  const title = `Performance report ${report.service === null ? '' : `(${report.service}) `}— ${report.period.end}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${text(title)}</title>
<style>${uplotFile('uPlot.min.css')}</style>
<style>${asset('page.css')}</style>
</head>
<body>
${header(report)}
<main>
${overall(report)}
${list('issues', 'Issues', report.issues, '❌', '✅ No issues found')}
${list('recommendations', 'Recommendations', report.recommendations, '💡', 'No recommendations')}
${services(timed, data !== null)}
${deepDive(report)}
${slowest(report)}
${errors(report)}
${gates(report)}
${alerts(report)}
</main>
<footer><p>perf-monitor · schema version ${report.schemaVersion} · threshold ${formatMs(report.threshold)}</p></footer>
<script type="application/json" id="perfmon-chart-data">${scriptJson(data)}</script>
<script>${uplotFile('uPlot.iife.min.js')}</script>
<script>${asset('page.js')}</script>
</body>
</html>
`;
}
