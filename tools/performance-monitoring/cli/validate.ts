// Option values checked and typed (SPEC §7): one clear line naming option, value and what is allowed.
import { DEFAULT_ALERT_FOR, DEFAULT_KEEP_FIRING, DEFAULT_REPEAT, parseDuration, type DurationBounds } from '../text/duration.js';
import { UsageError } from '../base/errors.js';
import { forMessage } from '../text/safe-text.js';
import { FORMATS, type Format, isFormat } from '../render/registry.js';
import type { SourceKind } from '../sources/types.js';
import type { RawOptions } from './program.js';
import { parseAssertion } from '../gates/assert-parse.js';
import type { Assertion } from '../gates/types.js';

export type { Format };
/** Text formats that can be told apart only by name: for stdin (`--input -`). */
export type InputFormat = 'ndjson' | 'csv';

/** `--alert-silence key=duration`: a condition key, or a prefix ending in `*`. */
export interface AlertSilence {
  key: string;
  durationMs: number;
}

/** Condition kinds an alert key starts with (SPEC §9); `kind` or `kind:service`. */
export const ALERT_KEY_KINDS = [
  'health_low', 'error_rate_high', 'no_operations', 'avg_above_threshold', 'overall_degrading',
  'service_degrading', 'service_silent', 'service_error_rate',
] as const;

export interface Options {
  service: string | null;
  hours: number;
  threshold: number;
  format: Format;
  alert: boolean;
  /** --alert-repeat, ms. */
  alertRepeat: number;
  /** --alert-for, ms (0: at once). */
  alertFor: number;
  /** --alert-keep-firing, ms. */
  alertKeepFiring: number;
  alertSilences: AlertSilence[];
  until: Date | null;
  demo: boolean;
  input: string[];
  inputFormat: InputFormat | null;
  source: SourceKind | null;
  failUnder: number | null;
  assertions: Assertion[];
  /** --baseline file, read by settings. */
  baseline: string | null;
  /** --regression, percent. */
  regressionPct: number;
  color: boolean;
  /** --output: the report goes to this file, not stdout. */
  output: string | null;
  /** --compact: one-line JSON. */
  compact: boolean;
  /** --refresh-rollups: refresh the rollups (sql/rollup.sql), no report. */
  refreshRollups: boolean;
  /** --exact: raw rows only, never the rollups (SPEC §17). */
  exact: boolean;
}

const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const SOURCES: readonly SourceKind[] = ['demo', 'file', 'supabase', 'postgres'];
const MAX_HOURS = 8760;
const MAX_THRESHOLD = 3_600_000;

/** The value is shown escaped and clipped: it may hold a newline, escape sequences or 100 KB. */
const bad = (option: string, value: string, allowed: string) =>
  new UsageError(`${option} ${forMessage(value)} is not valid: ${allowed}`);

export function parseHours(value: string): number {
  const hours = Number(value);
  // The window is kept in whole milliseconds: a shorter one would be empty.
  if (!DECIMAL.test(value) || !(hours * 3_600_000 >= 1) || hours > MAX_HOURS) {
    throw bad('--hours', value, `use a number of hours > 0 and <= ${MAX_HOURS} (decimals allowed)`);
  }
  return hours;
}

export function parseThreshold(value: string): number {
  const ms = Number(value);
  if (!INTEGER.test(value) || ms < 1 || ms > MAX_THRESHOLD) {
    throw bad('--threshold', value, `use a whole number of milliseconds from 1 to ${MAX_THRESHOLD.toLocaleString('en-US')}`);
  }
  return ms;
}

export function parseFormat(value: string): Format {
  if (!isFormat(value)) throw bad('--format', value, `use ${FORMATS.slice(0, -1).join(', ')} or ${FORMATS.at(-1)}`);
  return value;
}

/** ISO-8601 (RFC 3339's lowercase `t`/`z` too); a time without a zone is UTC, so a report never
 *  depends on the machine's zone. Years 1970..9999 in UTC: every source can hold the window. */
export function parseUntil(value: string): Date {
  const invalid = () => bad('--until', value, 'use an ISO-8601 time from 1970 to 9999 such as 2025-11-20T10:00:00Z');
  const text = value.toUpperCase();
  if (!ISO.test(text)) throw invalid();
  const zoned = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(text) || !text.includes('T') ? text : `${text}Z`;
  const date = new Date(text.includes('T') ? zoned : `${text}T00:00:00Z`);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || !fieldsExist(text) || !offsetExists(text) || year < 1970 || year > 9999) throw invalid();
  return date;
}

/** JavaScript rolls 2025-02-30 over to March 2 and accepts 24:00: check the fields as written. */
function fieldsExist(value: string): boolean {
  const [year, month, day, hour = 0, minute = 0, second = 0] = (value.match(/\d+/g) ?? []).slice(0, 6).map(Number);
  if (year === undefined || month === undefined || day === undefined) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59;
}

/** UTC offsets run from -12:00 to +14:00; ±14:00 is the bound either way (SPEC §1). */
function offsetExists(value: string): boolean {
  const offset = /T.*[+-](\d{2}):?(\d{2})$/.exec(value);
  if (!offset) return true;
  const [hours, minutes] = [Number(offset[1]), Number(offset[2])];
  return minutes <= 59 && hours * 60 + minutes <= 14 * 60;
}

export function parseSource(value: string): SourceKind {
  const kind = SOURCES.find((s) => s === value);
  if (!kind) throw bad('--source', value, `use one of ${SOURCES.join(', ')}`);
  return kind;
}

export function parseFailUnder(value: string): number {
  const score = Number(value);
  if (!DECIMAL.test(value) || score > 100) throw bad('--fail-under', value, 'use a health score from 0 to 100');
  return score;
}

export const DEFAULT_REGRESSION_PCT = 10;

export function parseRegression(value: string): number {
  const pct = Number(value);
  if (!DECIMAL.test(value) || pct > 1000) throw bad('--regression', value, 'use a percentage from 0 to 1000 such as 10');
  return pct;
}

/** --regression means nothing without --baseline: a mistake either way. */
function regressionOf(raw: RawOptions): number {
  if (raw.regression === undefined) return DEFAULT_REGRESSION_PCT;
  const pct = parseRegression(raw.regression);
  if (raw.baseline === undefined) throw new UsageError('--regression needs --baseline <report.json> to compare with');
  return pct;
}

function parseBaselinePath(value: string): string {
  if (value.trim() === '') throw bad('--baseline', value, 'use the path of a report saved with --format json');
  return value;
}

/** Alert durations are checked even without --alert: a wrong value is a mistake either way. */
function parseAlertDuration(option: string, value: string, bounds: DurationBounds, allowed: string): number {
  const ms = parseDuration(value, bounds);
  if (ms === null) throw bad(option, value, allowed);
  return ms;
}

export const parseAlertRepeat = (value: string) =>
  parseAlertDuration('--alert-repeat', value, {}, 'use a duration of at least 1s and at most 365d such as 90s, 30m, 4h or 1d');
export const parseAlertFor = (value: string) =>
  parseAlertDuration('--alert-for', value, { minMs: 0 }, 'use 0 or a duration up to 365d such as 5m or 1h');
export const parseAlertKeepFiring = (value: string) =>
  parseAlertDuration('--alert-keep-firing', value, { minMs: 0 }, 'use 0 or a duration up to 365d such as 15m or 1h');

/** `service_degrading:n8n=2h`, `service_*=1d`: a known condition kind (or a prefix of one) and a duration. */
export function parseAlertSilence(value: string): AlertSilence {
  const at = value.lastIndexOf('=');
  const key = at > 0 ? value.slice(0, at).trim() : '';
  const durationMs = at > 0 ? parseDuration(value.slice(at + 1)) : null;
  const allowed = `use key=duration, the key a condition (${ALERT_KEY_KINDS.join(', ')}; :service allowed) or a prefix ending in *, e.g. service_degrading:n8n=2h`;
  if (durationMs === null || !isAlertKey(key)) throw bad('--alert-silence', value, allowed);
  return { key, durationMs };
}

function isAlertKey(key: string): boolean {
  if (key.endsWith('*')) {
    const prefix = key.slice(0, -1);
    const kind = prefix.split(':')[0] ?? '';
    return prefix.includes(':') ? ALERT_KEY_KINDS.some((k) => k === kind) : ALERT_KEY_KINDS.some((k) => k.startsWith(prefix));
  }
  const [kind, ...rest] = key.split(':');
  const service = rest.join(':');
  return ALERT_KEY_KINDS.some((k) => k === kind) && (rest.length === 0 || service.trim() !== '');
}

export function parseInputFormat(value: string): InputFormat {
  if (value !== 'ndjson' && value !== 'csv') throw bad('--input-format', value, 'use ndjson or csv');
  return value;
}

export function parseOutput(value: string): string {
  if (value.trim() === '') throw bad('--output', value, 'use a file path such as /var/lib/node_exporter/textfile/perfmon.prom');
  return value;
}

/** --compact only means something for JSON: refused elsewhere rather than silently ignored. */
export function parseCompact(compact: boolean | undefined, format: Format): boolean {
  if (compact === true && format !== 'json') throw new UsageError(`--compact works with --format json only, not with --format ${format}`);
  return compact === true;
}

export function parseService(value: string): string {
  if (value.trim() === '') throw bad('--service', value, 'use a service name such as hubspot');
  return value;
}

/** `args`: words that are not options (`monitor.ts help`); there are none to give. */
export function validateOptions(raw: RawOptions, args: string[] = []): Options {
  const stray = args[0];
  if (stray !== undefined) {
    throw new UsageError(`unexpected argument ${forMessage(stray)}: options start with -- (see --help)`);
  }
  const input = raw.input ?? [];
  const source = raw.source === undefined ? null : parseSource(raw.source);
  const format = parseFormat(raw.format);
  return {
    service: raw.service === undefined ? null : parseService(raw.service),
    hours: parseHours(raw.hours),
    threshold: parseThreshold(raw.threshold),
    format,
    alert: raw.alert === true,
    alertRepeat: parseAlertRepeat(raw.alertRepeat ?? DEFAULT_REPEAT),
    alertFor: parseAlertFor(raw.alertFor ?? DEFAULT_ALERT_FOR),
    alertKeepFiring: parseAlertKeepFiring(raw.alertKeepFiring ?? DEFAULT_KEEP_FIRING),
    alertSilences: (raw.alertSilence ?? []).map(parseAlertSilence),
    until: raw.until === undefined ? null : parseUntil(raw.until),
    demo: raw.demo === true,
    input,
    inputFormat: raw.inputFormat === undefined ? null : parseInputFormat(raw.inputFormat),
    source,
    failUnder: raw.failUnder === undefined ? null : parseFailUnder(raw.failUnder),
    assertions: (raw.assert ?? []).map(parseAssertion),
    baseline: raw.baseline === undefined ? null : parseBaselinePath(raw.baseline),
    regressionPct: regressionOf(raw),
    color: raw.color,
    output: raw.output === undefined ? null : parseOutput(raw.output),
    compact: parseCompact(raw.compact, format),
    refreshRollups: raw.refreshRollups === true,
    exact: raw.exact === true,
  };
}
