// One report run: settings -> one refresh (refresh.ts: source -> analysis -> gates -> report ->
// alerts) -> rendered -> stdout or --output -> exit code. The live loop (live/) repeats the refresh.

import { EXIT, type ExitCode } from './base/errors.js';
import type { Notices } from './base/notices.js';
import { produceReport, renderReport } from './refresh.js';
import type { Report } from './report/types.js';
import type { Settings } from './settings.js';
import { createSource } from './sources/create.js';

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
  const source = await createSource(settings.source, io.notices);
  let report: Report;
  try {
    report = await produceReport(settings, source, io);
  } finally {
    await source.close();
  }
  const text = await renderReport(report, settings);
  if (settings.report.output === null) await io.stdout(text);
  // Loaded with --output only (docs/cli.md, "Start-up").
  else await (await import('./base/atomic-write.js')).writeFileAtomic(settings.report.output, text);
  return exitCodeFor(report);
}

export function exitCodeFor(report: Report): ExitCode {
  if (report.alerts?.channels.some((c) => c.failed !== null)) return EXIT.alertFailed;
  // --fail-under is one of the gates (gates/evaluate.ts).
  if (report.gates !== null && !report.gates.passed) return EXIT.failUnder;
  return EXIT.ok;
}
