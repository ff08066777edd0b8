// The --service deep dive (docs/timeline.md) as plain cells, for the text, Markdown and HTML reports:
// one row per operation and one per timeline bucket. Operation names are stripped of control
// characters; callers escape them for their own markup.
import type { Report, ServiceReport, TimelineEntry } from '../report/types.js';
import { formatChange, formatCount, formatFixed, formatMs, formatPercent } from '../text/format.js';
import { forTerminalLine } from '../text/safe-text.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `14:00` within a day; `Nov 19 14:00` for windows over 24 hours (a time of day repeats). */
export function formatClock(iso: string, hours: number): string {
  const at = new Date(iso);
  const time = `${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
  return hours > 24 ? `${MONTHS[at.getUTCMonth()] ?? ''} ${at.getUTCDate()} ${time}` : time;
}

export const OPERATION_HEADERS = ['Operation', 'Calls', 'Failed', 'Errors', 'Avg', 'P95', 'P99', 'Apdex', 'Trend (avg)'];
export const TIMELINE_HEADERS = ['Start', 'Operations', 'Errors', 'Avg', 'P95'];

export function operationRows(service: ServiceReport): string[][] {
  return service.byOperation.map((o) => [
    forTerminalLine(o.operation),
    formatCount(o.calls),
    formatCount(o.failures),
    formatPercent(o.errorRate, 1),
    formatMs(o.avgDuration),
    formatMs(o.p95Duration),
    formatMs(o.p99Duration),
    formatFixed(o.apdex, 2),
    o.trend.direction === 'insufficient_data' ? 'n/a' : `${o.trend.direction} ${formatChange(o.trend.percentChange)}`,
  ]);
}

export function timelineRows(report: Report, timeline: TimelineEntry[]): string[][] {
  return report.timeline.starts.map((start, i) => {
    const b = timeline[i];
    return [
      formatClock(start, report.period.hours),
      formatCount(b?.operations ?? 0),
      formatPercent(b?.errorRate ?? null, 1),
      formatMs(b?.avgDuration ?? null),
      formatMs(b?.p95Duration ?? null),
    ];
  });
}
