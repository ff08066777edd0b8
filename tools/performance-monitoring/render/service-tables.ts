// The text report's deep dive into one service (--service, SPEC §13): the OPERATIONS table (one
// line per operation) and the TIMELINE table (one line per bucket), in aligned columns; and
// the sparkline rows under each service block (SPEC §12). Strings from logs go through `clean`.
import type { OperationReport, Report, ServiceReport, TimelineEntry } from '../metrics/report-types.js';
import { mostRecent, sparkline } from './sparkline.js';
import { formatChange, formatCount, formatFixed, formatMs, formatPercent, stripControl as clean } from './style.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `14:00` within a day; `Nov 19 14:00` for windows over 24 hours (a time of day repeats). */
export function formatClock(iso: string, hours: number): string {
  const at = new Date(iso);
  const time = `${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
  return hours > 24 ? `${MONTHS[at.getUTCMonth()] ?? ''} ${at.getUTCDate()} ${time}` : time;
}

/** Rows of cells as lines: the first column left-aligned, the others right-aligned. */
function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => [...(row[i] ?? '')].length)));
  const pad = (cell: string, i: number) => {
    const fill = ' '.repeat((widths[i] ?? 0) - [...cell].length);
    return i === 0 ? cell + fill : fill + cell;
  };
  return all.map((row) => row.map(pad).join('  ').trimEnd());
}

function trendCell(trend: OperationReport['trend']): string {
  return trend.direction === 'insufficient_data' ? 'n/a' : `${trend.direction} ${formatChange(trend.percentChange)}`;
}

export function operationLines(service: ServiceReport): string[] {
  if (service.byOperation.length === 0) return ['No operations in this period'];
  const rows = service.byOperation.map((o) => [
    clean(o.operation),
    formatCount(o.calls),
    formatCount(o.failures),
    formatPercent(o.errorRate, 1),
    formatMs(o.avgDuration),
    formatMs(o.p95Duration),
    formatMs(o.p99Duration),
    formatFixed(o.apdex, 2),
    trendCell(o.trend),
  ]);
  return table(['Operation', 'Calls', 'Failed', 'Errors', 'Avg', 'P95', 'P99', 'Apdex', 'Trend (avg)'], rows);
}

export function timelineLines(report: Report, timeline: TimelineEntry[]): string[] {
  const { starts, bucketSeconds } = report.timeline;
  if (starts.length === 0) return ['No buckets'];
  const rows = starts.map((start, i) => {
    const b = timeline[i];
    return [formatClock(start, report.period.hours), formatCount(b?.operations ?? 0), formatPercent(b?.errorRate ?? null, 1), formatMs(b?.avgDuration ?? null), formatMs(b?.p95Duration ?? null)];
  });
  const width = bucketSeconds % 3600 === 0 ? `${bucketSeconds / 3600}h` : `${bucketSeconds / 60}m`;
  return [`Buckets of ${width}, UTC`, ...table(['Start', 'Operations', 'Errors', 'Avg', 'P95'], rows)];
}

const LABEL_WIDTH = 8;

/** The sparkline rows of a service block, fitted into `width` columns after `indent`. */
export function sparklineLines(timeline: TimelineEntry[], options: { indent: string; width: number; unicode: boolean }): string[] {
  if (timeline.length === 0) return [];
  const room = options.width - options.indent.length - LABEL_WIDTH;
  const recent = mostRecent(timeline, room);
  if (recent.length === 0) return [];
  const row = (label: string, values: (number | null)[]) => `${options.indent}${label.padEnd(LABEL_WIDTH)}${sparkline(values, options.unicode)}`.trimEnd();
  return [
    row('Ops', recent.map((b) => b.operations)),
    row('Errors', recent.map((b) => b.errorRate)),
    row('P95', recent.map((b) => b.p95Duration)),
  ];
}
