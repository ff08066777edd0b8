// Builders for aggregate rows, as a source would return them, for metrics tests.
import type { ErrorCountRow, SourceResult, Stats, StatsRow, WindowName } from '../sources/types.js';

/** The column's integer bound (docs/sources.md): longer durations are invalid, not samples. */
const MAX_DURATION = 2_147_483_647;

/** Sample variance (n - 1), two-pass; null below 2 samples, as var_samp. */
export function varSamp(values: number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
}

/** Stats of a list of durations (null = no duration), failures marked by index. */
export function statsOf(durations: (number | null)[], options: { failed?: number[]; threshold?: number } = {}): Stats {
  const failed = new Set(options.failed ?? []);
  const T = options.threshold ?? 2000;
  const valid = (d: number | null): d is number => d !== null && d >= 0 && d <= MAX_DURATION;
  const samples = durations.filter(valid).sort((a, b) => a - b);
  const pct = (p: number) => {
    if (samples.length === 0) return null;
    const pos = (samples.length - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return (samples[lo] as number) + ((samples[hi] as number) - (samples[lo] as number)) * (pos - lo);
  };
  const ok = durations.filter((d, i): d is number => !failed.has(i) && valid(d));
  return {
    operations: durations.length,
    failures: failed.size,
    samples: samples.length,
    sumDuration: samples.length ? samples.reduce((a, b) => a + b, 0) : null,
    minDuration: samples[0] ?? null,
    maxDuration: samples[samples.length - 1] ?? null,
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
    varDuration: varSamp(samples),
    satisfied: ok.filter((d) => d <= T).length,
    tolerating: ok.filter((d) => d > T && d <= 4 * T).length,
    invalidDurations: durations.filter((d) => d !== null && !valid(d)).length,
  };
}

/** Figures with a given average and sample count (no percentiles needed). */
export function statsAvg(samples: number, avg: number, extra: Partial<Stats> = {}): Stats {
  return {
    operations: samples,
    failures: 0,
    samples,
    sumDuration: samples * avg,
    minDuration: avg,
    maxDuration: avg,
    p50: avg,
    p95: avg,
    p99: avg,
    varDuration: samples >= 2 ? 0 : null,
    satisfied: samples,
    tolerating: 0,
    invalidDurations: 0,
    ...extra,
  };
}

export function overall(window: WindowName, stats: Stats): StatsRow {
  return { window, level: 'overall', ...stats };
}

export function service(window: WindowName, name: string, stats: Stats): StatsRow {
  return { window, level: 'service', service: name, ...stats };
}

export function operation(window: WindowName, name: string, op: string, stats: Stats): StatsRow {
  return { window, level: 'operation', service: name, operation: op, ...stats };
}

export function result(stats: StatsRow[], errors: ErrorCountRow[] = []): SourceResult {
  return {
    kind: 'file',
    aggregation: 'client',
    skippedRows: 0,
    stats,
    timeline: [],
    errors,
    impossibleTimes: 0,
    statuses: [],
    rollup: null,
  };
}

/** An error group of one operation whose example is its fingerprint. */
export function errorGroup(serviceName: string, message: string, count: number, operationName = 'op'): ErrorCountRow {
  return { service: serviceName, message, count, example: message, operations: [{ operation: operationName, count }] };
}
