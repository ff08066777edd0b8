// Durations of the alert options (`90s`, `30m`, `4h`, `1d`), bounded at parse time so a value
// that passes validation can never overflow a date later. Its own module: the CLI validates the
// options without loading the alerting code.

export const DEFAULT_REPEAT = '4h';
export const DEFAULT_ALERT_FOR = '0';
export const DEFAULT_KEEP_FIRING = '15m';
/** The longest duration any option takes: a year. */
export const MAX_DURATION_MS = 365 * 86_400_000;

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export interface DurationBounds {
  /** Smallest allowed value, ms (default 1 s). `0` alone is accepted when this is 0. */
  minMs?: number;
  /** Largest allowed value, ms (default a year). */
  maxMs?: number;
}

/** `90s`, `30m`, `4h`, `1d` (decimals allowed) to milliseconds within the bounds; else null. */
export function parseDuration(value: string, bounds: DurationBounds = {}): number | null {
  const minMs = bounds.minMs ?? 1_000;
  const maxMs = bounds.maxMs ?? MAX_DURATION_MS;
  const text = value.trim();
  if (minMs === 0 && text === '0') return 0;
  const match = /^(\d{1,12}(?:\.\d{1,6})?)\s*([smhd])$/i.exec(text);
  if (!match?.[1] || !match[2]) return null;
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2].toLowerCase() as keyof typeof UNIT_MS]);
  return Number.isFinite(ms) && ms >= minMs && ms <= maxMs ? ms : null;
}
