// --alert-silence: a key, or a prefix ending in `*`, muted until a time. A silence given on the
// command line runs from the report's window end ("now") and replaces a stored one of the same
// key (so it can be shortened); stored ones are honoured by later runs until they expire.
import { Invalid } from '../base/errors.js';
import { parseDuration } from '../text/duration.js';
import { compareUnits } from '../text/order.js';
import { CONDITION_KINDS, isConditionKind } from './kinds.js';

/** `--alert-silence key=duration`: a condition key, or a prefix ending in `*`. */
export interface AlertSilence {
  key: string;
  durationMs: number;
}

export interface Silence {
  key: string;
  /** ISO time the silence ends. */
  until: string;
}

/** `service_degrading:n8n=2h`, `service_*=1d`: a known condition kind (or a prefix of one) and a duration. */
export function parseAlertSilence(value: string): AlertSilence {
  const at = value.lastIndexOf('=');
  const key = at > 0 ? value.slice(0, at).trim() : '';
  const durationMs = at > 0 ? parseDuration(value.slice(at + 1)) : null;
  if (durationMs === null || !isSilenceKey(key)) {
    throw new Invalid(
      `use key=duration, the key a condition (${CONDITION_KINDS.join(', ')}; :service allowed) or a prefix ending in *, e.g. service_degrading:n8n=2h`,
    );
  }
  return { key, durationMs };
}

function isSilenceKey(key: string): boolean {
  if (key.endsWith('*')) {
    const prefix = key.slice(0, -1);
    const kind = prefix.split(':')[0] ?? '';
    return prefix.includes(':') ? isConditionKind(kind) : CONDITION_KINDS.some((k) => k.startsWith(prefix));
  }
  const [kind = '', ...rest] = key.split(':');
  return isConditionKind(kind) && (rest.length === 0 || rest.join(':').trim() !== '');
}

export function activeSilences(stored: Record<string, string>, flags: AlertSilence[], nowMs: number): Silence[] {
  const until = new Map<string, string>();
  for (const [key, end] of Object.entries(stored)) if (Date.parse(end) > nowMs) until.set(key, end);
  for (const { key, durationMs } of flags) until.set(key, new Date(nowMs + durationMs).toISOString());
  return [...until].map(([key, end]) => ({ key, until: end })).sort((a, b) => compareUnits(a.key, b.key));
}

/** Whether a silence mutes `key`: the same key, or `prefix*` and a key starting with prefix. */
export function mutedBy(silences: Silence[], key: string): boolean {
  return silences.some((silence) => (silence.key.endsWith('*') ? key.startsWith(silence.key.slice(0, -1)) : silence.key === key));
}
