// One refresh: the source read once -> analysis -> gates -> the report (built once) -> alerts
// added to it. A one-shot run (run.ts) does it once; the live loop (live/) once per interval,
// over a source it keeps open between refreshes (docs/live.md).

import type { Notices } from './base/notices.js';
import type { Analysis } from './metrics/analysis-types.js';
import { analyze } from './metrics/analyze.js';
import { RENDERERS } from './render/registry.js';
import { buildReport, withAlerts } from './report/build.js';
import type { Report } from './report/types.js';
import { type Settings, windowQuery } from './settings.js';
import { coverageNotice } from './sources/rollup-coverage.js';
import type { AggregateQuery, Source } from './sources/types.js';
import { closestName } from './text/closest.js';
import { forMessage, forMessageText } from './text/safe-text.js';

export interface RefreshIo {
  now: () => Date;
  notices: Notices;
}

/** The report of the window ending now (or at --until), read from `source`, which stays open. */
export async function produceReport(settings: Settings, source: Source, io: RefreshIo): Promise<Report> {
  const query = windowQuery(settings.report, io.now());
  const analysis = await analyzeSource(settings, source, query, io);
  const gates = await evaluateGatesIfAny(analysis, settings);
  for (const note of gates?.baseline?.notes ?? []) io.notices.line(`--baseline: ${note}`);
  const report = buildReport(analysis, gates);
  if (!settings.alerts) return report;
  const { sendAlerts } = await import('./alerts/index.js');
  return withAlerts(report, await sendAlerts(report, settings.alerts, settings.scope, { warn: (line) => io.notices.line(line) }));
}

/** The report in --format, with the options the settings give (colour, width, compact). */
export async function renderReport(
  report: Report,
  settings: Settings,
  overrides: { width?: number; color?: boolean } = {},
): Promise<string> {
  const render = await RENDERERS[settings.report.format].load();
  return render(report, {
    color: overrides.color ?? settings.report.color,
    width: overrides.width ?? settings.report.width,
    unicode: settings.report.unicode,
    compact: settings.report.compact,
  });
}

/** Gates are loaded only when asked for: each module costs --demo start-up time under tsx. */
async function evaluateGatesIfAny(analysis: Analysis, { gates }: Settings) {
  if (gates.assertions.length === 0 && gates.baseline === null && gates.failUnder === null) return null;
  const { evaluateGates } = await import('./gates/evaluate.js');
  return evaluateGates(analysis, gates);
}

async function analyzeSource(settings: Settings, source: Source, query: AggregateQuery, io: RefreshIo): Promise<Analysis> {
  const result = await source.aggregate(query);
  if (result.impossibleTimes > 0) {
    const n = result.impossibleTimes;
    io.notices.line(
      `skipped ${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'} with an impossible created_at (infinite, before 2000 or after 9999)`,
    );
  }
  const coverage = coverageNotice(query, result.rollup);
  if (coverage !== null) io.notices.line(coverage);
  const analysis = analyze(result, { query, hours: settings.report.hours, generatedAt: io.now() });
  if (query.service !== null && noOperations(analysis)) await suggestServices(source, query, io.notices);
  return analysis;
}

const noOperations = (a: Analysis) => a.overall.current.operations === 0 && a.overall.previous.operations === 0;

/** `--service Hubspot` with no rows: name the services that do have rows in these windows. */
async function suggestServices(source: Source, query: AggregateQuery, notices: Notices): Promise<void> {
  const all = await source.aggregate({ ...query, service: null });
  const names = [...new Set(all.stats.flatMap((row) => (row.level === 'service' && row.operations > 0 ? [row.service] : [])))].sort();
  if (names.length === 0) return;
  const close = closestName(query.service ?? '', names);
  // Names come from the logs: escaped, or a newline or an escape sequence would reach the terminal.
  const hint = close ? `did you mean ${forMessageText(close)}? ` : '';
  notices.line(
    `no operations of service ${forMessage(query.service ?? '')} in either window; ${hint}services with operations: ${names.map((name) => forMessageText(name)).join(', ')}`,
  );
}
