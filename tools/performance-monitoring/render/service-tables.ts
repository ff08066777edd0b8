// The text report's deep dive into one service (--service, docs/timeline.md): the OPERATIONS table (one
// line per operation) and the TIMELINE table (one line per bucket), in aligned columns; and
// the sparkline rows under each service block (docs/timeline.md). Strings from logs go through `clean`.
import type { Report, ServiceReport, TimelineEntry } from '../report/types.js';
import { OPERATION_HEADERS, operationRows, TIMELINE_HEADERS, timelineRows } from './deep-dive-rows.js';
import { mostRecent, sparkline } from './sparkline.js';

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

// Callers show the outline's line instead when there are no operations or no buckets.
export function operationLines(service: ServiceReport): string[] {
  return table(OPERATION_HEADERS, operationRows(service));
}

export function timelineLines(report: Report, timeline: TimelineEntry[]): string[] {
  const { bucketSeconds } = report.timeline;
  const width = bucketSeconds % 3600 === 0 ? `${bucketSeconds / 3600}h` : `${bucketSeconds / 60}m`;
  return [`Buckets of ${width}, UTC`, ...table(TIMELINE_HEADERS, timelineRows(report, timeline))];
}

const LABEL_WIDTH = 8;

/** The sparkline rows of a service block, fitted into `width` columns after `indent`. */
export function sparklineLines(timeline: TimelineEntry[], options: { indent: string; width: number; unicode: boolean }): string[] {
  if (timeline.length === 0) return [];
  const room = options.width - options.indent.length - LABEL_WIDTH;
  const recent = mostRecent(timeline, room);
  if (recent.length === 0) return [];
  const row = (label: string, values: (number | null)[]) =>
    `${options.indent}${label.padEnd(LABEL_WIDTH)}${sparkline(values, options.unicode)}`.trimEnd();
  return [
    row(
      'Ops',
      recent.map((b) => b.operations),
    ),
    row(
      'Errors',
      recent.map((b) => b.errorRate),
    ),
    row(
      'P95',
      recent.map((b) => b.p95Duration),
    ),
  ];
}
