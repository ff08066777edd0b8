// Option values checked and typed (SPEC §7): one clear line naming option, value and what is allowed.
import { DEFAULT_REPEAT, parseDuration } from '../alerts/duration.js';
import { UsageError } from '../errors.js';
import type { SourceKind } from '../sources/types.js';
import type { RawOptions } from './program.js';

export type Format = 'text' | 'json';

export interface Options {
  service: string | null;
  hours: number;
  threshold: number;
  format: Format;
  alert: boolean;
  alertRepeat: string;
  until: Date | null;
  demo: boolean;
  input: string[];
  source: SourceKind | null;
  failUnder: number | null;
  color: boolean;
}

const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const SOURCES: readonly SourceKind[] = ['demo', 'file', 'supabase', 'postgres'];
const MAX_HOURS = 8760;
const MAX_THRESHOLD = 3_600_000;

const bad = (option: string, value: string, allowed: string) =>
  new UsageError(`${option} '${value}' is not valid: ${allowed}`);

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
  if (value !== 'text' && value !== 'json') throw bad('--format', value, 'use text or json');
  return value;
}

/** ISO-8601; a time without a zone is UTC, so a report never depends on the machine's zone. */
export function parseUntil(value: string): Date {
  const invalid = () => bad('--until', value, 'use an ISO-8601 time from 1970 to 9999 such as 2025-11-20T10:00:00Z');
  if (!ISO.test(value)) throw invalid();
  const zoned = /T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value) || !value.includes('T') ? value : `${value}Z`;
  const date = new Date(value.includes('T') ? zoned : `${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || !fieldsExist(value) || date.getUTCFullYear() < 1970) throw invalid();
  return date;
}

/** JavaScript rolls 2025-02-30 over to March 2 and accepts 24:00: check the fields as written. */
function fieldsExist(value: string): boolean {
  const [year, month, day, hour = 0, minute = 0, second = 0] = (value.match(/\d+/g) ?? []).slice(0, 6).map(Number);
  if (year === undefined || month === undefined || day === undefined) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59;
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

/** Checked even without --alert: a wrong value is a mistake either way. */
export function parseAlertRepeat(value: string): string {
  if (parseDuration(value) === null) throw bad('--alert-repeat', value, 'use a duration of at least 1s such as 90s, 30m, 4h or 1d');
  return value;
}

export function parseService(value: string): string {
  if (value.trim() === '') throw bad('--service', value, 'use a service name such as hubspot');
  return value;
}

export function validateOptions(raw: RawOptions): Options {
  const input = raw.input ?? [];
  const source = raw.source === undefined ? null : parseSource(raw.source);
  if (source === 'file' && input.length === 0) throw new UsageError('--source file needs --input FILE...');
  return {
    service: raw.service === undefined ? null : parseService(raw.service),
    hours: parseHours(raw.hours),
    threshold: parseThreshold(raw.threshold),
    format: parseFormat(raw.format),
    alert: raw.alert === true,
    alertRepeat: parseAlertRepeat(raw.alertRepeat ?? DEFAULT_REPEAT),
    until: raw.until === undefined ? null : parseUntil(raw.until),
    demo: raw.demo === true,
    input,
    source,
    failUnder: raw.failUnder === undefined ? null : parseFailUnder(raw.failUnder),
    color: raw.color,
  };
}
