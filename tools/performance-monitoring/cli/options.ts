// The option table (unjs/citty's ArgsDef): every option declared once, with its flag, help text,
// default and parser. The commander program (program.ts), the typed Options, the defaults and the
// checks (read-options.ts) are all derived from it; nothing else spells an option's name.

import type { AlertSilence } from '../alerts/silence.js';
import type { Assertion } from '../gates/types.js';
import { parseSloSpec } from '../metrics/slo-spec.js';
import { FORMATS, RENDERERS } from '../render/registry.js';
import * as parse from './parse.js';

/** `--hours <n>`: a value; without `default` it is null when not given. */
interface ValueSpec<T> {
  kind: 'value';
  /** The value's name in `--help` (`<n>`). */
  arg: string;
  help: string;
  /** The default as a user types it, parsed like a given value and shown by `--help`. */
  default?: string;
  parse: (raw: string) => T;
}

/** A value option with a default: never null. */
interface DefaultedSpec<T> extends ValueSpec<T> {
  default: string;
}

/** `--input <file...>`: repeatable, every value parsed; [] when not given. */
interface ListSpec<T> {
  kind: 'list';
  arg: string;
  help: string;
  parse: (raw: string) => T;
  /** Loads the parser's module; read-options.ts awaits it when the option is given. */
  load?: () => Promise<void>;
}

/** A parser whose module loads only when its option is given: runs without --assert or
 *  --alert-silence do not pay for the gates' and alerts' modules (docs/cli.md, "Start-up"). */
interface LazyParser<T> {
  load: () => Promise<void>;
  parse: (raw: string) => T;
}

const lazy = <T>(load: () => Promise<(raw: string) => T>): LazyParser<T> => {
  let parser: ((raw: string) => T) | undefined;
  return {
    load: async () => {
      parser ??= await load();
    },
    parse: (raw) => {
      if (parser === undefined) throw new Error('an option parser was used before its module was loaded');
      return parser(raw);
    },
  };
};

/** `--alert`: on when given. */
interface SwitchSpec {
  kind: 'switch';
  help: string;
}

/** `--no-color`: on unless its `--no-` form is given. */
interface NegatableSpec {
  kind: 'negatable';
  help: string;
}

export type OptionSpec = ValueSpec<unknown> | ListSpec<unknown> | SwitchSpec | NegatableSpec;

const value = <T>(arg: string, help: string, parser: (raw: string) => T): ValueSpec<T> => ({ kind: 'value', arg, help, parse: parser });
const defaulted = <T>(arg: string, help: string, parser: (raw: string) => T, shownDefault: string): DefaultedSpec<T> => ({
  kind: 'value',
  arg,
  help,
  default: shownDefault,
  parse: parser,
});
const list = <T>(arg: string, help: string, parser: ((raw: string) => T) | LazyParser<T>): ListSpec<T> =>
  typeof parser === 'function' ? { kind: 'list', arg, help, parse: parser } : { kind: 'list', arg, help, ...parser };
const flag = (help: string): SwitchSpec => ({ kind: 'switch', help });

const formatsHelp = FORMATS.map((f) => `${f} ${RENDERERS[f].description}`).join('; ');

/** In `--help` order. Keys are the options' camelCase names (`alertRepeat` is `--alert-repeat`). */
export const OPTIONS = {
  service: list('name', 'only this service (hubspot, n8n, ...); repeat for several: --service a --service b', parse.service),
  hours: defaulted('n', 'window length, hours (> 0, <= 8760)', parse.hours, '24'),
  threshold: defaulted('ms', 'response-time threshold, ms (1-3600000)', parse.threshold, '2000'),
  format: defaulted('type', `output: ${formatsHelp}`, parse.format, 'text'),
  alert: flag('send Slack/e-mail alerts when conditions hold'),
  alertRepeat: defaulted('duration', 're-send a still-firing alert after this long', parse.alertRepeat, '4h'),
  alertFor: defaulted('duration', 'send once a condition held this long', parse.alertFor, '0'),
  alertKeepFiring: defaulted('duration', 'resolve once it stopped holding this long', parse.alertKeepFiring, '15m'),
  alertSilence: list(
    'key=duration',
    'mute a condition key or prefix*, e.g. service_degrading:n8n=2h',
    lazy<AlertSilence>(async () => (await import('../alerts/silence.js')).parseAlertSilence),
  ),
  alertScope: value(
    'name',
    'the alert state kept under this name (also PERFMON_ALERT_SCOPE; default: the source and --service)',
    parse.alertScope,
  ),
  until: value('iso', 'window end, ISO-8601 (default: now)', parse.until),
  demo: flag('use generated demo data'),
  input: list('file', 'log files (.ndjson .jsonl .json .csv .parquet; - = stdin)', (raw) => raw),
  inputFormat: value('format', 'format of --input -: ndjson or csv', parse.inputFormat),
  map: list('column=field', 'with --input: read a column from this field, e.g. source=service (repeatable)', parse.fieldMapping),
  timeUnit: defaulted('unit', 'with --input: numeric created_at values are epoch s or ms', parse.timeUnit, 'ms'),
  source: value('kind', 'force a source: demo, file, supabase or postgres', parse.source),
  failUnder: value('score', 'exit 3 when the health score is below this (or null)', parse.failUnder),
  output: value('file', 'write the report to this file atomically (temp + rename), not stdout; - is stdout', parse.output),
  compact: flag('with --format json: one line, for appending to a log'),
  assert: list(
    'expr',
    'exit 3 unless [service.]metric op number holds, e.g. p95Duration<1500',
    lazy<Assertion>(async () => (await import('../gates/assert-parse.js')).parseAssertion),
  ),
  baseline: value('report.json', 'compare with a saved --format json report; exit 3 on a regression', parse.baselinePath),
  regression: defaulted('pct', 'with --baseline: p95/avg worse by more than this is a regression', parse.regression, '10'),
  slo: list(
    'spec',
    'a service level objective, e.g. availability>=99.9, hubspot.latency(1500)>=99 (also PERFMON_SLOS, comma-separated)',
    parseSloSpec,
  ),
  sloPeriod: defaulted('duration', 'the rolling SLO period, 1d..90d', parse.sloPeriod, '30d'),
  exact: flag('read raw rows even where the hourly rollups (sql/rollup.sql) cover the window: exact percentiles, slower'),
  watch: flag('redraw the report every --interval on the terminal (one report per refresh when not a terminal)'),
  serve: value(
    '[host:]port',
    'serve the live report over HTTP: / /events /metrics /report.json /healthz (bare port: 127.0.0.1)',
    parse.serve,
  ),
  interval: defaulted('duration', 'with --watch/--serve: time between refreshes, 5s..1h (1s for files and demo)', parse.interval, '30s'),
  refreshRollups: flag('with DATABASE_URL: refresh the hourly rollups (sql/rollup.sql) up to the last complete hour, no report'),
  color: { kind: 'negatable', help: 'no ANSI colours (also NO_COLOR; never when not a terminal)' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** The typed value an option spec yields. */
type ValueOf<S> = S extends SwitchSpec | NegatableSpec
  ? boolean
  : S extends ListSpec<infer T>
    ? T[]
    : S extends DefaultedSpec<infer T>
      ? T
      : S extends ValueSpec<infer T>
        ? T | null
        : never;

/** The command line, checked and typed: one field per option of the table. */
export type Options = { -readonly [K in OptionName]: ValueOf<(typeof OPTIONS)[K]> };

/** `alertRepeat` -> `alert-repeat`. */
export const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flag as a user types it: `--alert-repeat`, `--no-color`. */
export function flagOf(name: OptionName): string {
  return OPTIONS[name].kind === 'negatable' ? `--no-${kebab(name)}` : `--${kebab(name)}`;
}
