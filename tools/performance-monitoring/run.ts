// One report run: settings -> source aggregates -> analysis -> gates -> the report (built once)
// -> alerts added to it -> rendered -> stdout or --output -> exit code.

import { writeFileAtomic } from './base/atomic-write.js';
import { EXIT, type ExitCode } from './base/errors.js';
import type { Notices } from './base/notices.js';
import type { Analysis } from './metrics/analysis-types.js';
import { analyze } from './metrics/analyze.js';
import { computeSlos, sloThresholds } from './metrics/slo.js';
import { RENDERERS } from './render/registry.js';
import { buildReport, withAlerts } from './report/build.js';
import type { Report } from './report/types.js';
import { type Settings, windowQuery } from './settings.js';
import { createSource } from './sources/create.js';
import { coverageNotice } from './sources/rollup-coverage.js';
import { bucketHolding } from './sources/sql/histogram.js';
import type { AggregateQuery, Source } from './sources/types.js';
import { forMessage, forMessageText } from './text/safe-text.js';

export interface RunIo {
  now: () => Date;
  /** Writes the report; resolves once it is written. */
  stdout: (text: string) => Promise<void> | void;
  notices: Notices;
}

export async function run(settings: Settings, io: RunIo): Promise<ExitCode> {
  if (settings.refreshRollups) {
    const { refreshRollups } = await import('./refresh-rollups.js');
    return refreshRollups(settings.source, io.notices);
  }
  const query = windowQuery(settings.report, io.now());
  const analysis = await analyzeSource(settings, query, io);

  const gates = await evaluateGatesIfAny(analysis, settings);
  for (const note of gates?.baseline?.notes ?? []) io.notices.line(`--baseline: ${note}`);
  let report = buildReport(analysis, gates);
  if (settings.alerts) {
    const { sendAlerts } = await import('./alerts/index.js');
    report = withAlerts(report, await sendAlerts(report, settings.alerts, settings.scope, { warn: (line) => io.notices.line(line) }));
  }
  const render = await RENDERERS[settings.report.format].load();
  const options = {
    color: settings.report.color,
    width: settings.report.width,
    unicode: settings.report.unicode,
    compact: settings.report.compact,
  };
  const text = render(report, options);
  if (settings.report.output === null) await io.stdout(text);
  else await writeFileAtomic(settings.report.output, text);
  return exitCodeFor(report);
}

/** Gates are loaded only when asked for: each module costs --demo start-up time under tsx. */
async function evaluateGatesIfAny(analysis: Analysis, { gates }: Settings) {
  if (gates.assertions.length === 0 && gates.baseline === null && gates.failUnder === null) return null;
  const { evaluateGates } = await import('./gates/evaluate.js');
  return evaluateGates(analysis, gates);
}

async function analyzeSource(settings: Settings, query: AggregateQuery, io: RunIo): Promise<Analysis> {
  const source = await createSource(settings.source, io.notices);
  try {
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
    const { specs, periodMs } = settings.slos;
    if (specs.length === 0) return analysis;
    // docs/slos.md: one more query, whatever the number of SLOs.
    const counts = await source.slo({
      end: query.end,
      periodStart: new Date(query.end.getTime() - periodMs),
      thresholds: sloThresholds(specs),
    });
    return { ...analysis, slos: computeSlos(specs, counts, { end: query.end, periodMs, bucketOf: bucketHolding }) };
  } finally {
    await source.close();
  }
}

const noOperations = (a: Analysis) => a.overall.current.operations === 0 && a.overall.previous.operations === 0;

/** `--service Hubspot` with no rows: name the services that do have rows in these windows. */
async function suggestServices(source: Source, query: AggregateQuery, notices: Notices): Promise<void> {
  const all = await source.aggregate({ ...query, service: null });
  const names = [...new Set(all.stats.flatMap((row) => (row.level === 'service' && row.operations > 0 ? [row.service] : [])))].sort();
  if (names.length === 0) return;
  const wanted = query.service?.toLowerCase();
  const close = names.find((name) => name.toLowerCase() === wanted);
  // Names come from the logs: escaped, or a newline or an escape sequence would reach the terminal.
  const hint = close ? `did you mean ${forMessageText(close)}? ` : '';
  notices.line(
    `no operations of service ${forMessage(query.service ?? '')} in either window; ${hint}services with operations: ${names.map((name) => forMessageText(name)).join(', ')}`,
  );
}

export function exitCodeFor(report: Report): ExitCode {
  if (report.alerts?.channels.some((c) => c.failed !== null)) return EXIT.alertFailed;
  // --fail-under is one of the gates (gates/evaluate.ts).
  if (report.gates !== null && !report.gates.passed) return EXIT.failUnder;
  return EXIT.ok;
}
