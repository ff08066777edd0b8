// One resolved configuration (taze's resolveConfig): the parsed options, the environment and
// `.env` turned once, at start, into the typed settings of the run, its source and its alert
// channels. Nothing else reads process.env or the CLI's options; each value is checked once.
import { type AlertTiming, alertConfigFromEnv } from '../alerts/config.js';
import { Invalid, UsageError } from '../base/errors.js';
import { secretsFrom } from '../base/redact.js';
import { loadBaseline } from '../gates/baseline-file.js';
import { duplicateName, parseSloSpec, type SloSpec } from '../metrics/slo-spec.js';
import type { Settings } from '../settings.js';
import { resolveSourceSettings, sourceIdentity } from '../sources/settings.js';
import { forMessage } from '../text/safe-text.js';
import type { Options } from './options.js';

export interface Terminal {
  /** stdout is a terminal that shows colours in this environment (Node's `hasColors`: TERM,
   *  NO_COLOR, FORCE_COLOR); false when stdout is not a terminal. */
  stdoutHasColors: (env: NodeJS.ProcessEnv) => boolean;
  /** stdout's columns when it is a terminal. */
  stdoutColumns?: number | undefined;
}

const DEFAULT_WIDTH = 80;

/** The terminal's columns, else COLUMNS (a positive integer), else 80. */
function terminalWidth(env: NodeJS.ProcessEnv, terminal: Terminal): number {
  if (terminal.stdoutColumns !== undefined && terminal.stdoutColumns > 0) return terminal.stdoutColumns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : DEFAULT_WIDTH;
}

/** The character set of the locale as POSIX resolves it (LC_ALL, then LC_CTYPE, then LANG) is UTF-8. */
function utf8Locale(env: NodeJS.ProcessEnv): boolean {
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((value) => value !== undefined && value !== '') ?? '';
  return /utf-?8/i.test(locale);
}

/** no-color.org: NO_COLOR counts when set and not empty (Node counts an empty one too). */
function colorEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.NO_COLOR !== '') return env;
  const { NO_COLOR: _empty, ...rest } = env;
  return rest;
}

/** The --alert-* options as the alert configuration takes them. */
export function alertTiming(options: Options): AlertTiming {
  return { repeatMs: options.alertRepeat, forMs: options.alertFor, keepFiringMs: options.alertKeepFiring, silences: options.alertSilence };
}

/** --slo when given (the command line wins), else PERFMON_SLOS split at commas; a malformed spec
 *  or a name given twice is one line, exit 2 (docs/slos.md). */
export function sloSpecs(given: SloSpec[], env: string | undefined): SloSpec[] {
  let specs = given;
  if (given.length === 0 && env !== undefined && env.trim() !== '') {
    specs = env.split(',').map((raw) => {
      try {
        return parseSloSpec(raw);
      } catch (error) {
        if (error instanceof Invalid) throw new UsageError(`PERFMON_SLOS: ${forMessage(raw.trim())} is not valid: ${error.allowed}`);
        throw error;
      }
    });
  }
  const twice = duplicateName(specs);
  if (twice !== null)
    throw new UsageError(
      `${given.length > 0 ? '--slo' : 'PERFMON_SLOS'}: the SLO ${forMessage(twice)} is declared twice: give each objective once`,
    );
  return specs;
}

export function resolveSettings(options: Options, env: NodeJS.ProcessEnv, terminal: Terminal): Settings {
  const source = resolveSourceSettings(options, env);
  // Alert configuration is checked before any query runs (docs/alerting.md).
  const alerts = options.alert ? alertConfigFromEnv(env, alertTiming(options)) : null;
  const slos = sloSpecs(options.slo, env.PERFMON_SLOS);
  // An assertion on an SLO that is not declared can never be decided: a mistake, said before any query.
  for (const assertion of options.assert) {
    if (assertion.slo !== null && !slos.some((s) => s.name === assertion.slo)) {
      const names = slos.length === 0 ? 'none is declared (--slo)' : `declared: ${slos.map((s) => forMessage(s.name)).join(', ')}`;
      throw new UsageError(`--assert ${forMessage(assertion.expr)}: no SLO ${forMessage(assertion.slo)}; ${names}`);
    }
  }
  return {
    report: {
      service: options.service,
      hours: options.hours,
      threshold: options.threshold,
      until: options.until,
      format: options.format,
      // docs/cli.md: never without a terminal; --no-color always wins.
      // A file gets no ANSI codes and no terminal width, whatever stdout is.
      color: options.output === null && options.color && terminal.stdoutHasColors(colorEnv(env)),
      width: terminalWidth(env, options.output === null ? terminal : { stdoutHasColors: terminal.stdoutHasColors }),
      unicode: utf8Locale(env),
      output: options.output,
      compact: options.compact,
    },
    source,
    alerts,
    // The baseline is read before any query runs: a bad file is exit 2, not a wasted query.
    gates: {
      assertions: options.assert,
      baseline: options.baseline === null ? null : loadBaseline(options.baseline),
      regressionPct: options.regression,
      failUnder: options.failUnder,
    },
    scope: `${sourceIdentity(source)}|service=${options.service ?? '*'}`,
    secrets: secretsFrom(env),
    slos: { specs: slos, periodMs: options.sloPeriod },
    refreshRollups: options.refreshRollups,
  };
}
