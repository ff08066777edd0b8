// One run: options -> source aggregates -> report -> output -> alerts -> exit code.
import type { Options } from './cli/validate.js';
import { EXIT, type ExitCode } from './errors.js';
import { analyze } from './metrics/analyze.js';
import type { Report } from './metrics/report-types.js';
import { RENDERERS } from './render/registry.js';
import { toReport } from './render/report.js';
import { createSource } from './sources/create.js';
import { chooseSourceKind, sourceIdentity } from './sources/select.js';
import type { AggregateQuery } from './sources/types.js';

export interface RunIo {
  env: NodeJS.ProcessEnv;
  now: () => Date;
  stdout: (text: string) => void;
  notice: (line: string) => void;
  stdoutIsTty: boolean;
}

const HOUR_MS = 3_600_000;

export function windowQuery(options: Options, now: Date): AggregateQuery {
  const end = options.until ?? now;
  const span = Math.round(options.hours * HOUR_MS);
  return {
    start: new Date(end.getTime() - span),
    end,
    previousStart: new Date(end.getTime() - 2 * span),
    service: options.service,
    threshold: options.threshold,
  };
}

export async function run(options: Options, io: RunIo): Promise<ExitCode> {
  const kind = chooseSourceKind(options, io.env);
  // Alert configuration is checked before any query runs (SPEC §9).
  const alerting = options.alert ? await import('./alerts/index.js') : null;
  const alertConfig = alerting?.alertConfigFromEnv(io.env, {
    repeatMs: options.alertRepeat,
    forMs: options.alertFor,
    keepFiringMs: options.alertKeepFiring,
    silences: options.alertSilences,
  }) ?? null;

  const query = windowQuery(options, io.now());
  const source = await createSource(kind, { options, env: io.env, notice: io.notice });
  let analysis;
  try {
    const result = await source.aggregate(query);
    analysis = analyze(result, { query, hours: options.hours, generatedAt: io.now() });
  } finally {
    await source.close();
  }

  let alerts = null;
  if (alerting && alertConfig) {
    const scope = `${sourceIdentity(kind, options, io.env)}|service=${options.service ?? '*'}`;
    alerts = await alerting.sendAlerts(toReport(analysis), alertConfig, scope, { warn: io.notice });
  }
  const report = toReport(analysis, { alerts });

  const color = options.color && io.stdoutIsTty && !io.env.NO_COLOR;
  const render = await RENDERERS[options.format].load();
  io.stdout(render(report, { color }));
  return exitCodeFor(report, options);
}

export function exitCodeFor(report: Report, options: Options): ExitCode {
  if (report.alerts?.channels.some((c) => c.failed !== null)) return EXIT.alertFailed;
  if (options.failUnder !== null && (report.healthScore === null || report.healthScore < options.failUnder)) return EXIT.failUnder;
  return EXIT.ok;
}
