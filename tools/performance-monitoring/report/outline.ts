// The report's outline, written once for the text, Markdown and HTML renderers: its title, the
// period/source/health lines, its parts and sections in order (with the conditions that add
// them), the overall figures and the data-quality notes as label/value rows, computed from the
// Report. Pure data: each renderer only gives it syntax, so a title, a label or a note reads the
// same in every format and is corrected in one place.

import { LIMITS } from '../metrics/findings.js';
import { formatChange, formatCount, formatCountOf, formatFixed, formatMs, formatNumber, formatPercent } from '../text/format.js';
import { HEALTH_STYLE, type Tint, TREND_ICON } from './style.js';
import { type Report, serviceSetOf, singleServiceOf, type Trend } from './types.js';
import { sinceWords } from './wording.js';

/** The largest duration kept as a sample: PostgreSQL's integer, as sql/aggregate.sql filters it. */
const MAX_DURATION_MS = 2_147_483_647;

export type SectionId =
  | 'overall'
  | 'issues'
  | 'slos'
  | 'recommendations'
  | 'services'
  | 'operations'
  | 'timeline'
  | 'slowest'
  | 'errors'
  | 'baseline'
  | 'gates'
  | 'alerts';

export interface OutlineSection {
  id: SectionId;
  /** Sentence case: `Overall metrics`. The text report writes it in capitals. */
  title: string;
  /** What a heading of its own adds after the title (`Timeline (UTC)`); the text report's
   *  TIMELINE says it in its first line instead (`Buckets of 30m, UTC`). */
  unit: string | null;
  /** The one line the section holds when it has nothing to show; null when it has. */
  empty: string | null;
}

/** A part of the report: one section, or several that come together (the --service deep dive,
 *  the gates). `ids` are the sections it may hold; `sections` those present, in order, none when
 *  the part is absent. */
export interface OutlinePart {
  ids: SectionId[];
  sections: OutlineSection[];
}

/** Which figure of the JSON a row shows (the HTML page marks its value with it). */
export type FigureField =
  | 'totalOperations'
  | 'failedOperations'
  | 'avgDuration'
  | 'p95Duration'
  | 'maxDuration'
  | 'errorRate'
  | 'apdex'
  | 'trend'
  | 'invalidDurations'
  | 'skippedRows'
  | 'statuses';

export interface Figure {
  field: FigureField;
  /** Sentence case: `Total operations`. The text report capitalises every word. */
  label: string;
  /** As a table cell shows it. */
  value: string;
  /** As the text report's line shows it: the trend there names a change that was not significant
   *  and has no icon (the service blocks carry it). Equal to `value` for every other figure. */
  line: string;
}

export interface QualityNote {
  field: Extract<FigureField, 'invalidDurations' | 'skippedRows' | 'statuses'>;
  /** A row's label (`Skipped unreadable rows`) beside its count (`value`). */
  label: string;
  value: string;
  /** The note in a sentence (`2 unreadable rows skipped`), for the text report's one line. */
  phrase: string;
}

export interface Outline {
  title: string;
  /** `service` (`services` for several): the word before the --service names; `service` is the
   *  raw text of the names (each renderer escapes it for its own markup), null for all services. */
  scope: { label: string; service: string | null };
  period: { label: string; start: string; end: string; length: string };
  source: { label: string; value: string };
  health: {
    label: string;
    /** `88`, or null without data. */
    score: string | null;
    scale: string;
    icon: string;
    tint: Tint | null;
    /** Said instead of the score without data: `n/a`, then why: `(no data)`. */
    none: string;
    noneWhy: string;
  };
  parts: OutlinePart[];
  figures: Figure[];
  dataQuality: { label: string; notes: QualityNote[] };
}

/** The sections present, in order: the parts flattened. */
export const sectionsOf = (outline: Outline): OutlineSection[] => outline.parts.flatMap((part) => part.sections);

/** The title with its unit, for a heading of its own (Markdown, HTML): `Timeline (UTC)`. */
export const headingOf = (section: OutlineSection): string =>
  section.unit === null ? section.title : `${section.title} (${section.unit})`;

/** A trend as a table cell says it: `📈 improving (-12.4%)`. */
export function trendCell(trend: Trend): string {
  if (trend.direction === 'insufficient_data') return 'insufficient data';
  return `${TREND_ICON[trend.direction]} ${trend.direction} (${formatChange(trend.percentChange)})`;
}

/** A trend as a text line says it: `stable (+12.0%, not significant: p = 0.21)`. */
export function trendLine(trend: Trend): string {
  if (trend.direction === 'insufficient_data') return 'insufficient data';
  // A change past ±10% that reads stable was not significant (docs/metrics.md): say so, or it looks wrong.
  const noise = trend.direction === 'stable' && Math.abs(trend.percentChange ?? 0) > LIMITS.trendChange && trend.pValue !== null;
  const adjusted = trend.adjustedPValue !== null && trend.adjustedPValue !== trend.pValue ? `, adjusted ${trend.adjustedPValue}` : '';
  const why = noise ? `, not significant: p = ${trend.pValue}${adjusted}` : '';
  return `${trend.direction} (${formatChange(trend.percentChange)}${why})`;
}

/** The outline of a report. */
export function outline(report: Report): Outline {
  const { start, end, hours } = report.period;
  const { icon, tint } = HEALTH_STYLE[report.healthStatus];
  return {
    title: 'Performance monitoring report',
    scope: scopeOf(serviceSetOf(report)),
    period: { label: 'Period', start, end, length: `${formatNumber(hours, 4)}h` },
    source: { label: 'Source', value: `${report.source.kind} (${report.source.aggregation} aggregation)` },
    health: {
      label: 'Health score',
      score: report.healthScore === null ? null : formatCount(report.healthScore),
      scale: '/100',
      icon,
      tint,
      none: 'n/a',
      noneWhy: '(no data)',
    },
    parts: parts(report),
    figures: figures(report),
    dataQuality: { label: 'Data quality', notes: qualityNotes(report.dataQuality) },
  };
}

/** The --service set as the header names it: `api, "crm, eu"`. A name holding a comma or a double
 *  quote is written as a JSON string, so where one name ends stays plain (docs/formats.md). */
function scopeOf(services: string[] | null): Outline['scope'] {
  if (services === null) return { label: 'service', service: null };
  const shown = services.map((name) => (/[,"]/.test(name) ? JSON.stringify(name) : name));
  return { label: services.length === 1 ? 'service' : 'services', service: services.length === 1 ? (services[0] ?? '') : shown.join(', ') };
}

const section = (id: SectionId, title: string, empty: string | null, unit: string | null = null): OutlineSection => ({
  id,
  title,
  unit,
  empty,
});
/** A part of one section, present unless `shown` is false. */
const single = (id: SectionId, title: string, empty: string | null, shown = true): OutlinePart => ({
  ids: [id],
  sections: shown ? [section(id, title, empty)] : [],
});
const none = (items: unknown[], line: string) => (items.length === 0 ? line : null);

function parts(report: Report): OutlinePart[] {
  // With --service and one name (docs/timeline.md), the service's OPERATIONS and TIMELINE tables.
  const deep = singleServiceOf(report) === null ? undefined : report.services[0];
  const gates = report.gates;
  return [
    single('overall', 'Overall metrics', null),
    single('issues', 'Issues', none(report.issues, '✅ No issues found')),
    // docs/slos.md: after the issues, only when SLOs are declared.
    single('slos', 'SLOs', null, (report.slos ?? []).length > 0),
    single('recommendations', 'Recommendations', none(report.recommendations, 'No recommendations')),
    single('services', 'Service performance', none(report.services, 'No operations in this period')),
    {
      ids: ['operations', 'timeline'],
      sections:
        deep === undefined
          ? []
          : [
              section('operations', 'Operations', none(deep.byOperation, 'No operations in this period')),
              section('timeline', 'Timeline', none(report.timeline.starts, 'No buckets'), 'UTC'),
            ],
    },
    single('slowest', 'Slowest operations', none(report.slowestOperations, 'No operations with durations')),
    single('errors', 'Most frequent errors', none(report.mostFrequentErrors, 'No errors in this period')),
    // docs/gates.md: the gates after the report's own sections, before what the alerts did.
    {
      ids: ['baseline', 'gates'],
      sections: gates
        ? [
            ...(gates.baseline ? [section('baseline', 'Compared with baseline', null)] : []),
            section('gates', 'Gates', gates.failUnder || gates.assertions.length > 0 || gates.baseline ? null : 'No gates'),
          ]
        : [],
    },
    single('alerts', 'Alerts', null, report.alerts !== null),
  ];
}

function figures(report: Report): Figure[] {
  const o = report.overall;
  const row = (field: FigureField, label: string, value: string, line = value): Figure => ({ field, label, value, line });
  return [
    row('totalOperations', 'Total operations', formatCount(o.totalOperations)),
    row('failedOperations', 'Successful / failed', `${formatCount(o.successfulOperations)} / ${formatCount(o.failedOperations)}`),
    row('avgDuration', 'Average duration', formatMs(o.avgDuration)),
    row('p95Duration', 'P50 / P95 / P99', `${formatMs(o.p50Duration)} / ${formatMs(o.p95Duration)} / ${formatMs(o.p99Duration)}`),
    row('maxDuration', 'Min / max', `${formatMs(o.minDuration)} / ${formatMs(o.maxDuration)}`),
    row('errorRate', 'Error rate', formatPercent(o.errorRate, 2)),
    row('apdex', `Apdex (T=${formatMs(report.threshold)})`, formatFixed(o.apdex, 2)),
    row('trend', 'Trend', trendCell(o.trend), trendLine(o.trend)),
  ];
}

/** What the figures left out, each only when it happened. `invalidDurations` counts every
 *  duration outside 0..2,147,483,647 ms (the sources' integer column), negative (clock skew) or
 *  too large to be one: a note saying only "negative" misread a 3,000,000,000 ms row. */
function qualityNotes({ invalidDurations, skippedRows, statuses }: Report['dataQuality']): QualityNote[] {
  const why = `(negative or over ${formatCount(MAX_DURATION_MS)} ms)`;
  const notes: QualityNote[] = [];
  if (invalidDurations > 0) {
    notes.push({
      field: 'invalidDurations',
      label: `Ignored invalid durations ${why}`,
      value: formatCount(invalidDurations),
      phrase: `${formatCountOf(invalidDurations, 'invalid duration', 'invalid durations')} ignored ${why}`,
    });
  }
  if (skippedRows > 0) {
    notes.push({
      field: 'skippedRows',
      label: 'Skipped unreadable rows',
      value: formatCount(skippedRows),
      phrase: `${formatCountOf(skippedRows, 'unreadable row', 'unreadable rows')} skipped`,
    });
  }
  const uncounted = uncountedFailureWords(statuses);
  if (uncounted.length > 0) {
    const named = uncounted.map((s) => `'${s.status}' (${formatCount(s.count - s.failures)})`).join(', ');
    notes.push({
      field: 'statuses',
      label: 'Statuses that look like failures, not counted as failed',
      value: named,
      phrase: `status ${named} not counted as failed (only error is: docs/sources.md)`,
    });
  }
  return notes;
}

/** Words of a failure the tool does not count (docs/sources.md): `failed` in a table, `timeout`,
 *  `FATAL`, `crashed`... A status the tool counts (error) or whose rows all failed by level is left out. */
const FAILURE_LIKE =
  /fail|err|fatal|crash|abort|timeout|timed.?out|exception|panic|reject|denied|refused|broken|unhealthy|critical|^ko$|^nok$|^bad$/i;
/** The note names a status in every format's markup unescaped (the figures' values are plain):
 *  only a short word of letters, digits and `_.:-` is named; the JSON keeps every value. */
const NAMEABLE = /^[A-Za-z0-9_.:-]{1,40}$/;

function uncountedFailureWords(statuses: Report['dataQuality']['statuses']): { status: string; count: number; failures: number }[] {
  return (statuses ?? []).flatMap((seen) =>
    seen.status !== null &&
    NAMEABLE.test(seen.status) &&
    seen.status.toLowerCase() !== 'error' &&
    seen.failures < seen.count &&
    FAILURE_LIKE.test(seen.status)
      ? [{ status: seen.status, count: seen.count, failures: seen.failures }]
      : [],
  );
}

/** The issues as every format lists them: each with since when it holds (docs/timeline.md). */
export function issuesWithSince(report: Report): string[] {
  return report.issues.map((issue, i) => {
    const finding = report.findings[i];
    return `${issue}${finding ? sinceWords(finding, report.period.end) : ''}`;
  });
}
