// One refresh: the source read once -> analysis -> gates -> the report (built once) -> alerts
// added to it. A one-shot run (run.ts) does it once; the live loop (live/) once per interval,
// over a source it keeps open between refreshes (docs/live.md).

import type { Notices } from './base/notices.js';
import type { Analysis } from './metrics/analysis-types.js';
import { RENDERERS } from './render/registry.js';
import type { Report } from './report/types.js';
import { type Settings, windowQuery } from './settings.js';
import type { AggregateQuery, Source } from './sources/types.js';
import { forMessage, forMessageText } from './text/safe-text.js';

export interface RefreshIo {
  now: () => Date;
  notices: Notices;
}

/** The report of the window ending now (or at --until), read from `source`, which stays open. */
export async function produceReport(settings: Settings, source: Source, io: RefreshIo): Promise<Report> {
  const query = windowQuery(settings.report, io.now());
  const modules = loadAnalysisModules();
  const analysis = await analyzeSource(settings, source, query, io, modules);
  const gates = await evaluateGatesIfAny(analysis, settings);
  for (const note of gates?.baseline?.notes ?? []) io.notices.line(`--baseline: ${note}`);
  const { buildReport, withAlerts } = (await modules).build;
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

/** The modules that turn the source's answer into a report, imported while the source reads
 *  rather than before: the read is most of a run and leaves this thread waiting on DuckDB or the
 *  database, so their loading (~30 ms under tsx) overlaps it (docs/cli.md, "Start-up"). */
function loadAnalysisModules() {
  const modules = Promise.all([import('./metrics/analyze.js'), import('./report/build.js'), import('./sources/rollup-coverage.js')]).then(
    ([analysis, build, coverage]) => ({ analysis, build, coverage }),
  );
  // Awaited after the read; should the read fail first, a failure here must not go unhandled.
  modules.catch(() => undefined);
  return modules;
}

type AnalysisModules = ReturnType<typeof loadAnalysisModules>;

/** Gates are loaded only when asked for: each module costs --demo start-up time under tsx. */
async function evaluateGatesIfAny(analysis: Analysis, { gates }: Settings) {
  if (gates.assertions.length === 0 && gates.baseline === null && gates.failUnder === null) return null;
  const { evaluateGates } = await import('./gates/evaluate.js');
  return evaluateGates(analysis, gates);
}

async function analyzeSource(
  settings: Settings,
  source: Source,
  query: AggregateQuery,
  io: RefreshIo,
  modules: AnalysisModules,
): Promise<Analysis> {
  const result = await source.aggregate(query);
  const { analysis: analyzing, coverage: coverageOf } = await modules;
  if (result.impossibleTimes > 0) {
    const n = result.impossibleTimes;
    io.notices.line(
      `skipped ${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'} with an impossible created_at (infinite, before 2000 or after 9999)`,
    );
  }
  const coverage = coverageOf.coverageNotice(query, result.rollup);
  if (coverage !== null) io.notices.line(coverage);
  const analysis = analyzing.analyze(result, { query, hours: settings.report.hours, generatedAt: io.now() });
  const unknown = unknownServices(query, analysis);
  if (unknown.length > 0) await suggestServices(source, query, unknown, io.notices);
  const { specs, periodMs } = settings.slos;
  if (specs.length === 0) return analysis;
  const [{ computeSlos, sloThresholds }, { bucketHolding }] = await Promise.all([
    import('./metrics/slo.js'),
    import('./sources/sql/histogram.js'),
  ]);
  // docs/slos.md: one more query, whatever the number of SLOs.
  const counts = await source.slo({
    end: query.end,
    periodStart: new Date(query.end.getTime() - periodMs),
    thresholds: sloThresholds(specs),
  });
  return { ...analysis, slos: computeSlos(specs, counts, { end: query.end, periodMs, bucketOf: bucketHolding }) };
}

/** Names of the --service set with no operations in either window (a service of the set that
 *  ran in either window is in the analysis, silent or not). */
function unknownServices(query: AggregateQuery, analysis: Analysis): string[] {
  const present = new Set(analysis.services.map((s) => s.service));
  return (query.services ?? []).filter((name) => !present.has(name));
}

/** `--service Hubspot` with no rows: for each such name of the set, one line naming the services
 *  that do have rows in these windows, with the likely one (docs/cli.md). */
async function suggestServices(source: Source, query: AggregateQuery, unknown: string[], notices: Notices): Promise<void> {
  const all = await source.aggregate({ ...query, services: null });
  const names = [...new Set(all.stats.flatMap((row) => (row.level === 'service' && row.operations > 0 ? [row.service] : [])))].sort();
  if (names.length === 0) return;
  // Names come from the logs: escaped, or a newline or an escape sequence would reach the terminal.
  const listed = names.map((name) => forMessageText(name)).join(', ');
  // Loaded only here, on a name with no rows (docs/cli.md, "Start-up").
  const { closestName } = await import('./text/closest.js');
  for (const name of unknown) {
    notices.line(
      `no operations of service ${forMessage(name)} in either window; ${hintFor(name, names, closestName)}services with operations: ${listed}`,
    );
  }
}

/** `did you mean batch? `; for `api,batch` where both exist, that a comma does not separate names. */
function hintFor(name: string, names: string[], closestName: (name: string, names: readonly string[]) => string | null): string {
  const parts = name.split(',').map((part) => part.trim());
  if (parts.length > 1 && parts.every((part) => names.includes(part))) {
    return `a comma is part of a name: repeat the option (${parts.map((part) => `--service ${forMessage(part)}`).join(' ')})? `;
  }
  const close = closestName(name, names);
  return close ? `did you mean ${forMessageText(close)}? ` : '';
}
