// `--format html`: one self-contained page (docs/formats.md): the report's outline (report/outline.ts), sortable
// tables and, from the timeline, a chart per service drawn by uPlot. Styles, scripts and data are
// inline (uPlot read from node_modules at render time) and a Content-Security-Policy forbids
// every fetch, so the page opens offline, from a mail attachment, with no request at all.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { toolFile } from '../base/paths.js';
import { issuesWithSince, type Outline, type OutlinePart, type OutlineSection, outline } from '../report/outline.js';
import type { Report } from '../report/types.js';
import { formatMs } from '../text/format.js';
import { drawIcons } from './html-icons.js';
import {
  alerts,
  baseline,
  errors,
  gates,
  header,
  list,
  operations,
  overall,
  scriptJson,
  section,
  services,
  slos,
  slowest,
  type TimedReport,
  type TimelineBucket,
  text,
  timeline,
} from './html-sections.js';

export type { TimelineBucket };

/** What the page's script draws: per service, one value per bucket start. */
export interface ChartData {
  threshold: number;
  bucketSeconds: number;
  /** Bucket starts, Unix seconds. */
  starts: number[];
  services: { service: string; operations: number[]; failures: number[]; p95: (number | null)[] }[];
}

const require = createRequire(import.meta.url);
export const asset = (name: string) => readFileSync(toolFile(`render/html-assets/${name}`), 'utf8');
const uplotFile = (name: string) => readFileSync(require.resolve(`uplot/dist/${name}`), 'utf8');

/** A section's body under its heading: its one line when it has nothing to show, else its content. */
function sectionBody(section: OutlineSection, report: TimedReport, shape: Outline, charted: boolean): string {
  if (section.empty !== null) return `<p class="none">${section.empty}</p>`;
  const deep = report.services[0];
  switch (section.id) {
    case 'overall':
      return overall(shape);
    case 'issues':
      return list(issuesWithSince(report), '❌', '');
    case 'slos':
      return slos(report);
    case 'recommendations':
      return list(report.recommendations, '💡', '');
    case 'services':
      return services(report, charted);
    case 'operations':
      return deep === undefined ? '' : operations(deep);
    case 'timeline':
      return deep === undefined ? '' : timeline(report, deep);
    case 'slowest':
      return slowest(report);
    case 'errors':
      return errors(report);
    case 'baseline':
      return report.gates?.baseline ? baseline(report.gates.baseline) : '';
    case 'gates':
      return report.gates ? gates(report.gates) : '';
    case 'alerts':
      return report.alerts === null ? '' : alerts(report.alerts);
  }
}

/** One line of <main> per part of the outline, as the page has always been laid out: an absent
 *  part leaves its line empty, and so does an absent section of a present part (the baseline
 *  before the gates), so saved pages stay byte for byte the same. */
function partLines(part: OutlinePart, body: (section: OutlineSection) => string): string {
  if (part.sections.length === 0) return '';
  return part.ids
    .map((id) => part.sections.find((s) => s.id === id))
    .map((s) => (s === undefined ? '' : section(s, body(s))))
    .join('\n');
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

/** The parts of the page that change with the report: the live page (render/html-live.ts)
 *  swaps them in place. */
export interface PageParts {
  title: string;
  header: string;
  main: string;
  /** The chart data as JSON, safe inside <script>. */
  data: string;
}

export function pageParts(report: Report): PageParts {
  const timed: TimedReport = report;
  const data = chartData(timed);
  const shape = outline(report);
  return {
    title: `Performance report ${shape.scope.service === null ? '' : `(${shape.scope.service}) `}— ${report.period.end}`,
    header: drawIcons(header(shape, report)),
    main: drawIcons(shape.parts.map((part) => partLines(part, (s) => sectionBody(s, timed, shape, data !== null))).join('\n')),
    data: scriptJson(data),
  };
}

/** What the live page adds: a connection to its own origin, a status bar and its script. */
export interface LiveAdditions {
  connectSelf: boolean;
  body: string;
  script: string;
}

/** The whole page, ending with a newline. */
export function renderHtml(report: Report): string {
  return pageDocument(report, pageParts(report), null);
}

export function pageDocument(report: Report, parts: PageParts, live: LiveAdditions | null): string {
  // The saved page may connect nowhere; the live page to its own /events only.
  const connect = live?.connectSelf ? " connect-src 'self';" : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';${connect} style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${text(parts.title)}</title>
<style>${uplotFile('uPlot.min.css')}</style>
<style>${asset('page.css')}</style>
</head>
<body>
${live?.body ?? ''}${parts.header}
<main>
${parts.main}
</main>
<footer><p>perf-monitor · schema version ${report.schemaVersion} · threshold ${formatMs(report.threshold)}</p></footer>
<script type="application/json" id="perfmon-chart-data">${parts.data}</script>
<script>${uplotFile('uPlot.iife.min.js')}</script>
<script>${asset('page.js')}</script>
${live === null ? '' : `<script>${live.script}</script>\n`}</body>
</html>
`;
}
