// `--alert-repeat` durations. Its own module: the CLI validates the option without loading alerts.

export const DEFAULT_REPEAT = '4h';
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `30m`, `4h`, `1d` (decimals allowed, > 0) to milliseconds. */
export function parseDuration(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/i.exec(value.trim());
  if (!match?.[1] || !match[2]) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2].toLowerCase() as keyof typeof UNIT_MS];
  return Number.isFinite(ms) && ms >= 1_000 ? Math.round(ms) : null;
}
