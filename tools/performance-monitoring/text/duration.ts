// Durations as ops people type them, Prometheus' grammar (`500ms`, `90s`, `30m`, `4h`, `1d`,
// `1w`, `1h30m`; decimals allowed, each unit once, largest first), bounded at parse time so a
// value that passes validation can never overflow a date later. Written here rather than taken
// from a library: parse-duration, the common one, also takes `4` (as ms), `2h-1h` and `3 days`,
// too lenient for a validator; with the grammar checked, what is left is a sum (docs/design.md).

/** The longest duration any option takes: a year. */
export const MAX_DURATION_MS = 365 * 86_400_000;

/** Units, largest first: the order a duration must name them in. */
const UNITS = [
  ['w', 604_800_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

const TERM = /(\d{1,12}(?:\.\d{1,6})?)(ms|[wdhms])/gy;

export interface DurationBounds {
  /** Smallest allowed value, ms (default 1 s). `0` alone is accepted when this is 0. */
  minMs?: number;
  /** Largest allowed value, ms (default a year). */
  maxMs?: number;
}

/** The milliseconds a duration names, or null when it is not one. */
function durationMs(text: string): number | null {
  let total = 0;
  let next = 0;
  let end = 0;
  for (TERM.lastIndex = 0; end < text.length; end = TERM.lastIndex) {
    const match = TERM.exec(text);
    const at = UNITS.findIndex(([unit]) => unit === match?.[2]);
    if (match === null || at < next) return null;
    total += Number(match[1]) * (UNITS[at]?.[1] ?? Number.NaN);
    next = at + 1;
  }
  return next > 0 ? Math.round(total) : null;
}

/** A duration to milliseconds within the bounds; else null. */
export function parseDuration(value: string, bounds: DurationBounds = {}): number | null {
  const minMs = bounds.minMs ?? 1_000;
  const maxMs = bounds.maxMs ?? MAX_DURATION_MS;
  const text = value.trim().toLowerCase();
  if (minMs === 0 && text === '0') return 0;
  const ms = durationMs(text);
  return ms !== null && Number.isFinite(ms) && ms >= minMs && ms <= maxMs ? ms : null;
}
