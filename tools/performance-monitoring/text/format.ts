// Numbers, durations and percentages as every channel prints them (text, Slack, e-mail, issue
// texts), in one fixed locale so a report reads the same on every machine. Icons and tints are
// report/style.ts; log text is made safe by safe-text.ts.
import { roundTo } from './round.js';

const NOT_AVAILABLE = 'n/a';

// One fixed locale so the report reads the same on every machine (and in tests).
const formatters = new Map<string, Intl.NumberFormat>();

function numberFormat(minDecimals: number, maxDecimals: number): Intl.NumberFormat {
  const key = `${minDecimals}:${maxDecimals}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-US', {
      minimumFractionDigits: minDecimals,
      maximumFractionDigits: maxDecimals,
    });
    formatters.set(key, format);
  }
  return format;
}

function isNumber(value: number | null): value is number {
  return value !== null && Number.isFinite(value);
}

/** `1,247`, `0.25`: grouped, at most `maxDecimals` decimals, trailing zeros dropped. */
export function formatNumber(value: number, maxDecimals = 0): string {
  return numberFormat(0, maxDecimals).format(roundTo(value, maxDecimals));
}

/** `1,247`: a count with thousands separators. */
export function formatCount(value: number): string {
  return formatNumber(value, 0);
}

/** `0.94`: exactly `decimals` decimals; null -> `n/a`. */
export function formatFixed(value: number | null, decimals: number): string {
  if (!isNumber(value)) return NOT_AVAILABLE;
  return numberFormat(decimals, decimals).format(roundTo(value, decimals));
}

/** `1,850ms`: whole milliseconds; null -> `n/a`. */
export function formatMs(value: number | null): string {
  return isNumber(value) ? `${formatNumber(value, 0)}ms` : NOT_AVAILABLE;
}

/** `97.5%` (decimals 1), `2.31%` (decimals 2); null -> `n/a`. */
export function formatPercent(value: number | null, decimals: number): string {
  return isNumber(value) ? `${formatFixed(value, decimals)}%` : NOT_AVAILABLE;
}

/** `+15.3%`, `-8.2%`, `+0.0%`: a change always carries its sign; null -> `n/a`. */
export function formatChange(value: number | null, decimals = 1): string {
  if (!isNumber(value)) return NOT_AVAILABLE;
  const sign = roundTo(value, decimals) < 0 ? '' : '+'; // Intl already prints the minus
  return `${sign}${formatPercent(value, decimals)}`;
}

/** `8.78%`, `5%`: up to `maxDecimals` decimals, trailing zeros dropped (issue texts). */
export function formatPercentUpTo(value: number, maxDecimals = 2): string {
  return `${formatNumber(value, maxDecimals)}%`;
}

/** `+50.92%`, `-3%`: a signed change with up to two decimals (issue texts). */
export function formatSignedPercentUpTo(value: number): string {
  return `${roundTo(value, 2) > 0 ? '+' : ''}${formatPercentUpTo(value)}`;
}

/** Whole ms as in the seed, unless that would print a value just over its limit as equal to it
 *  (`2,000.1ms > 2,000ms`, not `2,000ms > 2,000ms`). `value` is the figure as shown (0.1 ms). */
export function formatMsOver(value: number, limit: number): string {
  return Math.round(value) > limit ? formatMs(value) : `${formatNumber(value, 1)}ms`;
}

/** `1 time`, `12 times`, `1,024 calls`. */
export function formatCountOf(count: number, singular: string, plural: string): string {
  return `${formatCount(count)} ${count === 1 ? singular : plural}`;
}
