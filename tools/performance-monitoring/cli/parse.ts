// Option values checked and typed (docs/cli.md): each parser takes what a user typed and
// returns the value, or throws Invalid with what is allowed; read-options.ts names the option
// and the value in the one line the user sees.

import { Invalid } from '../base/errors.js';
import { MAX_SLO_PERIOD_MS, MIN_SLO_PERIOD_MS } from '../metrics/slo-spec.js';
import { FORMATS, type Format, isFormat } from '../render/registry.js';
import type { ServeAddress } from '../settings.js';
import { type FieldMapping, MAP_TARGETS } from '../sources/file/columns.js';
import type { TimeUnit } from '../sources/file/formats.js';
import { INPUT_FORMATS, type InputFormat, SOURCE_KINDS, type SourceKind } from '../sources/types.js';
import { type DurationBounds, parseDuration } from '../text/duration.js';

const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const MAX_HOURS = 8760;
const MAX_THRESHOLD = 3_600_000;

export function hours(value: string): number {
  const n = Number(value);
  // The window is kept in whole milliseconds: a shorter one would be empty.
  if (!DECIMAL.test(value) || !(n * 3_600_000 >= 1) || n > MAX_HOURS) {
    throw new Invalid(`use a number of hours > 0 and <= ${MAX_HOURS} (decimals allowed)`);
  }
  return n;
}

export function threshold(value: string): number {
  const ms = Number(value);
  if (!INTEGER.test(value) || ms < 1 || ms > MAX_THRESHOLD) {
    throw new Invalid(`use a whole number of milliseconds from 1 to ${MAX_THRESHOLD.toLocaleString('en-US')}`);
  }
  return ms;
}

export function format(value: string): Format {
  if (!isFormat(value)) throw new Invalid(`use ${FORMATS.slice(0, -1).join(', ')} or ${FORMATS.at(-1)}`);
  return value;
}

/** ISO-8601 (RFC 3339's lowercase `t`/`z` too); a time without a zone is UTC, so a report never
 *  depends on the machine's zone. Years 1970..9999 in UTC: every source can hold the window. */
export function until(value: string): Date {
  const invalid = new Invalid('use an ISO-8601 time from 1970 to 9999 such as 2025-11-20T10:00:00Z');
  const text = value.toUpperCase();
  if (!ISO.test(text)) throw invalid;
  const zoned = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(text) || !text.includes('T') ? text : `${text}Z`;
  const date = new Date(text.includes('T') ? zoned : `${text}T00:00:00Z`);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || !fieldsExist(text) || !offsetExists(text) || year < 1970 || year > 9999) throw invalid;
  return date;
}

/** JavaScript rolls 2025-02-30 over to March 2 and accepts 24:00: check the fields as written. */
function fieldsExist(value: string): boolean {
  const [year, month, day, hour = 0, minute = 0, second = 0] = (value.match(/\d+/g) ?? []).slice(0, 6).map(Number);
  if (year === undefined || month === undefined || day === undefined) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59;
}

/** UTC offsets run from -12:00 to +14:00; ±14:00 is the bound either way (docs/sources.md). */
function offsetExists(value: string): boolean {
  const offset = /T.*[+-](\d{2}):?(\d{2})$/.exec(value);
  if (!offset) return true;
  const [h, m] = [Number(offset[1]), Number(offset[2])];
  return m <= 59 && h * 60 + m <= 14 * 60;
}

export function source(value: string): SourceKind {
  const kind = SOURCE_KINDS.find((s) => s === value);
  if (!kind) throw new Invalid(`use one of ${SOURCE_KINDS.join(', ')}`);
  return kind;
}

export function failUnder(value: string): number {
  const score = Number(value);
  if (!DECIMAL.test(value) || score > 100) throw new Invalid('use a health score from 0 to 100');
  return score;
}

export function regression(value: string): number {
  const pct = Number(value);
  if (!DECIMAL.test(value) || pct > 1000) throw new Invalid('use a percentage from 0 to 1000 such as 10');
  return pct;
}

export function baselinePath(value: string): string {
  if (value.trim() === '') throw new Invalid('use the path of a report saved with --format json');
  return value;
}

/** Alert durations are checked even without --alert: a wrong value is a mistake either way. */
const duration = (bounds: DurationBounds, allowed: string) => (value: string) => {
  const ms = parseDuration(value, bounds);
  if (ms === null) throw new Invalid(allowed);
  return ms;
};

export const sloPeriod = duration(
  { minMs: MIN_SLO_PERIOD_MS, maxMs: MAX_SLO_PERIOD_MS },
  'use a duration from 1d to 90d such as 28d or 30d',
);

export const alertRepeat = duration({}, 'use a duration of at least 1s and at most 365d such as 90s, 30m, 4h or 1d');
export const alertFor = duration({ minMs: 0 }, 'use 0 or a duration up to 365d such as 5m or 1h');
export const alertKeepFiring = duration({ minMs: 0 }, 'use 0 or a duration up to 365d such as 15m or 1h');

export function inputFormat(value: string): InputFormat {
  const found = INPUT_FORMATS.find((f) => f === value);
  if (!found) throw new Invalid(`use ${INPUT_FORMATS.join(' or ')}`);
  return found;
}

const SCOPE = /^[\x21-\x7e][\x20-\x7e]{0,199}$/;

/** A name of printable ASCII, up to 200 characters: it keys the alert state and shows in messages. */
export function alertScope(value: string): string {
  if (!SCOPE.test(value) || value.trim() !== value)
    throw new Invalid('use a name of printable ASCII, up to 200 characters, such as billing-logs');
  return value;
}

export function fieldMapping(value: string): FieldMapping {
  const at = value.indexOf('=');
  const column = MAP_TARGETS.find((target) => target === value.slice(0, at));
  const field = value.slice(at + 1);
  if (at < 0 || !column || field === '')
    throw new Invalid(`use column=field, column one of ${MAP_TARGETS.join(', ')}, e.g. source=service`);
  return { column, field };
}

export function timeUnit(value: string): TimeUnit {
  if (value !== 's' && value !== 'ms') throw new Invalid('use s (epoch seconds) or ms (epoch milliseconds)');
  return value;
}

/** A file path; `-` is stdout, as `--input -` is stdin (null: the report goes to stdout). */
export function output(value: string): string | null {
  if (value.trim() === '') throw new Invalid('use a file path such as /var/lib/node_exporter/textfile/perfmon.prom, or - for stdout');
  return value === '-' ? null : value;
}

/** One name of the --service set. Repeat the option for several: a comma is part of a name (log
 *  sources hold commas), never a separator (docs/cli.md). U+001F joins the set in the SQL's one
 *  parameter (sources/sql/aggregate-contract.ts), so no name may hold it. */
export function service(value: string): string {
  if (value.trim() === '') throw new Invalid('use a service name such as hubspot (repeat --service for several)');
  if (value.includes('\u001f')) throw new Invalid('a service name cannot hold the control character U+001F');
  return value;
}

/** `--serve [host:]port`: where the server listens (docs/live.md). A bare port binds 127.0.0.1
 *  only; `0.0.0.0` or `[::]` must be named. Port 0 takes a free port (announced on stderr). */
export function serve(value: string): ServeAddress {
  const invalid = new Invalid('use a port (9464) or host:port (0.0.0.0:9464, [::1]:9464); ports 0-65535');
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value.trim());
  if (!match) throw invalid;
  const port = Number(match[2]);
  if (port > 65_535) throw invalid;
  const host = match[1] === undefined ? '127.0.0.1' : match[1].replace(/^\[|\]$/g, '');
  return { host, port };
}

/** `--interval`: 1s..1h here; below 5s is refused for databases by cli/resolve.ts, which knows the source. */
export const interval = duration(
  { minMs: 1_000, maxMs: 3_600_000 },
  'use a duration from 5s to 1h such as 30s or 1m (1s..4s for --input and --demo)',
);
