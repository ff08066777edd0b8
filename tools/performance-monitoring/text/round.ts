// JSON rounding (docs/metrics.md): half away from zero, immune to binary noise such as 1.005 * 100 = 100.49999.

export function roundTo(value: number, decimals: number): number {
  const shifted = Number((Math.abs(value) * 10 ** decimals).toPrecision(15));
  const rounded = Math.round(shifted) / 10 ** decimals;
  return value < 0 && rounded !== 0 ? -rounded : rounded;
}

export function roundOrNull(value: number | null, decimals: number): number | null {
  return value === null ? null : roundTo(value, decimals);
}

export const roundMs = (value: number | null) => roundOrNull(value, 1);
export const roundPercent = (value: number | null) => roundOrNull(value, 2);
export const roundApdex = (value: number | null) => roundOrNull(value, 3);
