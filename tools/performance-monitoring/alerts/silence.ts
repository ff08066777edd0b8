// --alert-silence: a key, or a prefix ending in `*`, muted until a time. A silence given on the
// command line runs from the report's window end ("now") and replaces a stored one of the same
// key (so it can be shortened); stored ones are honoured by later runs until they expire.
import type { AlertSilence } from '../cli/validate.js';

export interface Silence {
  key: string;
  /** ISO time the silence ends. */
  until: string;
}

export function activeSilences(stored: Record<string, string>, flags: AlertSilence[], nowMs: number): Silence[] {
  const until = new Map<string, string>();
  for (const [key, end] of Object.entries(stored)) if (Date.parse(end) > nowMs) until.set(key, end);
  for (const { key, durationMs } of flags) until.set(key, new Date(nowMs + durationMs).toISOString());
  return [...until].map(([key, end]) => ({ key, until: end })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Whether a silence mutes `key`: the same key, or `prefix*` and a key starting with prefix. */
export function mutedBy(silences: Silence[], key: string): boolean {
  return silences.some((silence) => (silence.key.endsWith('*') ? key.startsWith(silence.key.slice(0, -1)) : silence.key === key));
}
