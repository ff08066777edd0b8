// One resolved configuration (taze's resolveConfig): the parsed options, the environment and
// `.env` turned once, at start, into the typed settings of the run, its source and its alert
// channels. Nothing else reads process.env or the CLI's options; each value is checked once.
import type { AlertTiming } from '../alerts/config.js';
import { envValue, timeoutMs } from '../base/env.js';
import { Invalid, UsageError } from '../base/errors.js';
import { secretsFrom } from '../base/redact.js';
import { duplicateName, parseSloSpec, type SloSpec } from '../metrics/slo-spec.js';
import type { LiveSettings, Settings } from '../settings.js';
import { resolveSourceSettings, type SourceSettings, sourceIdentity } from '../sources/settings.js';
import { forMessage } from '../text/safe-text.js';
import type { Options } from './options.js';
import * as parse from './parse.js';

export interface Terminal {
  /** stdout is a terminal (--watch draws on the alternate screen). */
  stdoutIsTty?: boolean;
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

/** The --service names, each once, in the order given; null (all services) when none is given. */
export function serviceSet(names: readonly string[]): string[] | null {
  return names.length === 0 ? null : [...new Set(names)];
}

/** The alert state's scope of a service set: `service=hubspot` for one (as before sets, so its
 *  state carries over), `services=["a","b"]` (sorted, JSON: names may hold any character) for
 *  several, `service=*` for all. */
function scopeOfServices(services: readonly string[] | null): string {
  if (services === null) return 'service=*';
  if (services.length === 1) return `service=${services[0]}`;
  return `services=${JSON.stringify([...services].sort())}`;
}

/** docs/alerting.md: --alert-scope, else PERFMON_ALERT_SCOPE, else the source and --service. */
function alertScope(options: Options, env: NodeJS.ProcessEnv, fallback: string): string {
  if (options.alertScope !== null) return options.alertScope;
  const named = envValue(env, 'PERFMON_ALERT_SCOPE');
  if (named === undefined) return fallback;
  try {
    return parse.alertScope(named);
  } catch (error) {
    throw new UsageError(
      `PERFMON_ALERT_SCOPE ${forMessage(named)} is not valid: ${error instanceof Invalid ? error.message : String(error)}`,
    );
  }
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

/** Async only for what few runs need: the alert configuration (--alert) and the baseline file
 *  (--baseline) load their modules when asked for (docs/cli.md, "Start-up"). */
export async function resolveSettings(options: Options, env: NodeJS.ProcessEnv, terminal: Terminal): Promise<Settings> {
  // The refresh works on PostgreSQL alone: never point at --demo or --input, which it refuses.
  if (
    options.refreshRollups &&
    !options.demo &&
    options.input.length === 0 &&
    options.source === null &&
    envValue(env, 'DATABASE_URL') === undefined
  ) {
    throw new UsageError(
      "--refresh-rollups needs DATABASE_URL (a PostgreSQL connection; environment or .env), or schedule sql/rollup.sql's refresh with pg_cron",
    );
  }
  const source = resolveSourceSettings(options, env);
  // Alert configuration is checked before any query runs (docs/alerting.md).
  const alerts = options.alert ? (await import('../alerts/config.js')).alertConfigFromEnv(env, alertTiming(options)) : null;
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
      services: serviceSet(options.service),
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
      baseline: options.baseline === null ? null : (await import('../gates/baseline-file.js')).loadBaseline(options.baseline),
      regressionPct: options.regression,
      failUnder: options.failUnder,
    },
    scope: alertScope(options, env, `${sourceIdentity(source)}|${scopeOfServices(serviceSet(options.service))}`),
    secrets: secretsFrom(env),
    slos: { specs: slos, periodMs: options.sloPeriod },
    refreshRollups: options.refreshRollups,
    live: liveSettings(options, env, source, terminal),
  };
}

/** Below 5 s a database would be queried more often than a scrape interval needs (docs/live.md). */
const DATABASE_MIN_INTERVAL_MS = 5_000;

function liveSettings(options: Options, env: NodeJS.ProcessEnv, source: SourceSettings, terminal: Terminal): LiveSettings | null {
  if (!options.watch && options.serve === null) return null;
  if (options.interval < DATABASE_MIN_INTERVAL_MS && (source.kind === 'postgres' || source.kind === 'supabase')) {
    throw new UsageError(
      `--interval ${options.interval / 1000}s is too short for ${source.kind}: use 5s or more (1s..4s are for --input and --demo)`,
    );
  }
  const token = envValue(env, 'PERFMON_SERVE_TOKEN') ?? null;
  if (token !== null && !/^[\x21-\x7e]{16,}$/.test(token)) {
    throw new UsageError(
      'PERFMON_SERVE_TOKEN (value hidden) is not valid: use at least 16 printable ASCII characters without spaces, e.g. from openssl rand -hex 32',
    );
  }
  return {
    watch: options.watch,
    serve: options.serve,
    intervalMs: options.interval,
    refreshTimeoutMs: timeoutMs(env),
    token,
    terminal: terminal.stdoutIsTty === true,
    color: options.color && terminal.stdoutHasColors(colorEnv(env)),
  };
}
