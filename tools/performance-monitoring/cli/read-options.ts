// The command line read through the option table (options.ts): each value given (or its
// default) parsed once, then the checks that span options. A bad value is one line naming the
// option, the value and what is allowed (docs/cli.md), exit 2.
import { Invalid, UsageError } from '../base/errors.js';
import { forMessage } from '../text/safe-text.js';
import { flagOf, OPTIONS, type OptionName, type OptionSpec, type Options } from './options.js';

/** What commander hands over: raw strings (lists as arrays), and whether each came from the user. */
export interface RawCommandLine {
  values: Record<string, unknown>;
  /** True when the user gave the option (not its default). */
  given: (name: OptionName) => boolean;
  /** Words that are not options (`monitor.ts help`); there are none to give. */
  args: string[];
}

/** One value through its option's parser; the error names the option and the value. */
export function readValue<K extends OptionName>(name: K, raw: string): unknown {
  const spec: OptionSpec = OPTIONS[name];
  if (spec.kind !== 'value' && spec.kind !== 'list') return raw;
  try {
    return spec.parse(raw);
  } catch (error) {
    if (error instanceof Invalid) throw new UsageError(`${flagOf(name)} ${forMessage(raw)} is not valid: ${error.allowed}`);
    throw error;
  }
}

function readOne(name: OptionName, raw: unknown): unknown {
  const spec: OptionSpec = OPTIONS[name];
  switch (spec.kind) {
    case 'switch':
      return raw === true;
    case 'negatable':
      return raw !== false;
    case 'list':
      return (Array.isArray(raw) ? raw : []).map((item) => readValue(name, String(item)));
    case 'value': {
      const text = typeof raw === 'string' ? raw : spec.default;
      return text === undefined ? null : readValue(name, text);
    }
  }
}

/** The options given, each parsed; async for the parsers loaded on demand (options.ts). */
export async function readOptions(raw: RawCommandLine): Promise<Options> {
  await Promise.all(
    (Object.keys(OPTIONS) as OptionName[]).map((name) => {
      const spec: OptionSpec = OPTIONS[name];
      const given = raw.values[name];
      return spec.kind === 'list' && spec.load !== undefined && Array.isArray(given) && given.length > 0 ? spec.load() : undefined;
    }),
  );
  return readLoaded(raw);
}

function readLoaded(raw: RawCommandLine): Options {
  const stray = raw.args[0];
  if (stray !== undefined) throw new UsageError(`unexpected argument ${forMessage(stray)}: options start with -- (see --help)`);
  const names = Object.keys(OPTIONS) as OptionName[];
  const options = Object.fromEntries(names.map((name) => [name, readOne(name, raw.values[name])])) as Options;
  checkCombinations(options, raw.given);
  return options;
}

/** Options that mean nothing without another are a mistake either way: refused, not ignored. */
function checkCombinations(options: Options, given: (name: OptionName) => boolean): void {
  if (options.compact && options.format !== 'json') {
    throw new UsageError(`--compact works with --format json only, not with --format ${options.format}`);
  }
  checkLive(options, given);
  if (given('regression') && options.baseline === null) {
    throw new UsageError('--regression needs --baseline <report.json> to compare with');
  }
  for (const name of ['map', 'timeUnit'] as const) {
    if (given(name) && options.input.length === 0) throw new UsageError(`${flagOf(name)} reads log files: it needs --input FILE...`);
  }
}

/** --watch and --serve: a live view's window always ends now, and it has no exit code to gate (docs/live.md). */
function checkLive(options: Options, given: (name: OptionName) => boolean): void {
  const live = options.watch || options.serve !== null;
  if (!live) {
    if (given('interval')) throw new UsageError('--interval needs --watch or --serve: it is the time between live refreshes');
    return;
  }
  const mode = options.watch ? '--watch' : '--serve';
  const refused: [boolean, string, string][] = [
    [options.until !== null, '--until', "a live view's window always ends now"],
    [options.baseline !== null, '--baseline', 'compare a saved report in a one-shot run'],
    [options.failUnder !== null, '--fail-under', 'gates decide the exit code of a one-shot run; use --alert for a live view'],
    [options.assert.length > 0, '--assert', 'gates decide the exit code of a one-shot run; use --alert for a live view'],
    [options.refreshRollups, '--refresh-rollups', 'it refreshes the rollups once, with no report'],
    [options.input.includes('-'), '--input -', 'stdin can be read only once; name the log file'],
  ];
  for (const [hit, flag, why] of refused) if (hit) throw new UsageError(`${flag} cannot be used with ${mode}: ${why}`);
}

/** The one defaults object: every option as it is when not given, parsed from the table. */
export function defaultOptions(): Options {
  return readLoaded({ values: {}, given: () => false, args: [] });
}
