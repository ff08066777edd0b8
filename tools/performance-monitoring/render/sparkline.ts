// Sparklines for the text report (docs/timeline.md): one character per timeline bucket, scaled per row
// from zero to the row's largest value, in block elements or, where the terminal cannot show
// them, plain ASCII. Pure.

/** Eight levels, lowest first. */
const UNICODE_LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/** The same eight levels in ASCII, for terminals without a UTF-8 locale. */
const ASCII_LEVELS = ['_', '.', '-', ':', '=', '+', '*', '#'];
/** A bucket without a figure (no operations, no samples). */
const GAP = ' ';

/** One character per value: 0 is the lowest level, the row's maximum the highest; null a gap. */
export function sparkline(values: (number | null)[], unicode: boolean): string {
  const levels = unicode ? UNICODE_LEVELS : ASCII_LEVELS;
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  return values
    .map((v) => {
      if (v === null) return GAP;
      const level = max === 0 ? 0 : Math.round((v / max) * (levels.length - 1));
      return levels[Math.min(levels.length - 1, Math.max(0, level))] ?? GAP;
    })
    .join('');
}

/** The most recent `width` values: on a narrow terminal the oldest buckets are dropped first. */
export function mostRecent<T>(values: T[], width: number): T[] {
  return width <= 0 ? [] : values.slice(Math.max(0, values.length - width));
}
