// SLO figures from the SLO read's counts (docs/slos.md): events, the SLI achieved, the error budget,
// burn rates per window, the SRE workbook's multi-window multi-burn-rate page and ticket rules, the
// time to exhaustion and a status. Pure; figures are rounded as the JSON shows them and every
// decision reads the rounded figure, so text, JSON, gates and alerts agree.
import {
  BURN_WINDOWS,
  type BurnWindow,
  type SloCountRow,
  type SloCounts,
  type SloWindow,
  type SloWindowCounts,
} from '../sources/slo-windows.js';
import { roundTo } from '../text/round.js';
import type { SloIndicator, SloSpec } from './slo-spec.js';

/** Fewer events than this in a window: no burn rate (one failure in 5 would read 200x at 99.9%). */
export const MIN_BURN_EVENTS = 20;
/** The multi-window, multi-burn-rate rules (docs/slos.md): both windows of a pair must burn faster than its factor. */
export const PAGE_RULES = [
  { long: '1h', short: '5m', factor: 14.4 },
  { long: '6h', short: '30m', factor: 6 },
] as const satisfies readonly { long: BurnWindow; short: BurnWindow; factor: number }[];
export const TICKET_RULE = { long: '3d', short: '6h', factor: 1 } as const satisfies {
  long: BurnWindow;
  short: BurnWindow;
  factor: number;
};

export type SloStatus = 'exhausted' | 'page' | 'ticket' | 'ok' | 'no_data';

export interface SloAnalysis {
  name: string;
  service: string | null;
  sli: SloIndicator;
  thresholdMs: number | null;
  /** Percent, as declared. */
  objective: number;
  period: { start: Date; end: Date };
  events: { total: number; good: number; bad: number };
  /** good / total, percent (0.001); null without events. */
  achieved: number | null;
  errorBudget: {
    /** Bad events the objective allows over the period: (1 - objective) x total (0.001). */
    allowed: number | null;
    /** Fractions of the budget (4 significant digits); remaining may go below 0. */
    consumed: number | null;
    remaining: number | null;
  };
  /** (bad / total over the window) / (1 - objective), 4 significant digits; null under 20 events. */
  burnRates: Record<BurnWindow, number | null>;
  hoursToExhaustion: number | null;
  /** Always two entries: page, then ticket. */
  alerts: { severity: 'page' | 'ticket'; firing: boolean }[];
  status: SloStatus;
  /** Latency from the rollups' histogram with a threshold inside a bucket: the bucket and how many
   *  of the bad events were in it (they may have been at or under the threshold); null when exact. */
  approximation: { bucketLowMs: number; bucketHighMs: number; uncertainEvents: number } | null;
}

/** The shown precision of fractions and burn rates: 4 significant digits. */
export function significant4(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return value;
  if (value === 0) return 0;
  return Number(value.toPrecision(4));
}

const NO_COUNTS: SloWindowCounts = { operations: 0, failures: 0, samples: 0, slow: 0, uncertain: 0 };

/** Events and bad events of one window for one SLO. */
function eventsOf(spec: SloSpec, row: SloCountRow | undefined, window: SloWindow): { total: number; bad: number; uncertain: number } {
  const counts = row?.windows[window] ?? NO_COUNTS;
  return spec.sli === 'availability'
    ? { total: counts.operations, bad: counts.failures, uncertain: 0 }
    : { total: counts.samples, bad: counts.slow, uncertain: counts.uncertain };
}

function rowFor(spec: SloSpec, rows: readonly SloCountRow[]): SloCountRow | undefined {
  return rows.find((r) => r.service === spec.service && r.threshold === spec.thresholdMs);
}

const above = (value: number | null, factor: number) => value !== null && value > factor;

function statusOf(total: number, remaining: number | null, page: boolean, ticket: boolean): SloStatus {
  if (total === 0) return 'no_data';
  if (remaining !== null && remaining <= 0) return 'exhausted';
  if (page) return 'page';
  return ticket ? 'ticket' : 'ok';
}

export interface SloContext {
  end: Date;
  periodMs: number;
  /** The bucket (low, high] of the rollups' histogram holding a threshold, or null when the
   *  threshold is a bucket boundary (sources/sql/histogram.ts). */
  bucketOf: (thresholdMs: number) => { low: number; high: number } | null;
}

export function computeSlo(spec: SloSpec, counts: SloCounts, context: SloContext): SloAnalysis {
  const row = rowFor(spec, counts.rows);
  const budgetShare = 1 - spec.objective / 100;
  const period = eventsOf(spec, row, 'period');
  const allowed = period.total === 0 ? null : budgetShare * period.total;
  const consumed = allowed === null ? null : significant4(period.bad / allowed);
  const remaining = consumed === null ? null : significant4(1 - period.bad / (allowed ?? 1));
  const burnRates = Object.fromEntries(
    BURN_WINDOWS.map(({ name }) => {
      const w = eventsOf(spec, row, name);
      return [name, w.total < MIN_BURN_EVENTS ? null : significant4(w.bad / w.total / budgetShare)];
    }),
  ) as Record<BurnWindow, number | null>;
  const page = PAGE_RULES.some((r) => above(burnRates[r.long], r.factor) && above(burnRates[r.short], r.factor));
  const ticket = above(burnRates[TICKET_RULE.long], TICKET_RULE.factor) && above(burnRates[TICKET_RULE.short], TICKET_RULE.factor);
  const burn1h = burnRates['1h'];
  const periodHours = context.periodMs / 3_600_000;
  const hoursToExhaustion =
    remaining !== null && remaining > 0 && burn1h !== null && burn1h > 0 ? significant4((remaining * periodHours) / burn1h) : null;
  const status = statusOf(period.total, remaining, page, ticket);
  const bucket = spec.thresholdMs === null || counts.rollupHours === 0 ? null : context.bucketOf(spec.thresholdMs);
  return {
    name: spec.name,
    service: spec.service,
    sli: spec.sli,
    thresholdMs: spec.thresholdMs,
    objective: spec.objective,
    period: { start: new Date(context.end.getTime() - context.periodMs), end: context.end },
    events: { total: period.total, good: period.total - period.bad, bad: period.bad },
    achieved: period.total === 0 ? null : roundTo(((period.total - period.bad) * 100) / period.total, 3),
    errorBudget: { allowed: allowed === null ? null : roundTo(allowed, 3), consumed, remaining },
    burnRates,
    hoursToExhaustion,
    alerts: [
      { severity: 'page', firing: page },
      { severity: 'ticket', firing: ticket },
    ],
    status,
    approximation: bucket === null ? null : { bucketLowMs: bucket.low, bucketHighMs: bucket.high, uncertainEvents: period.uncertain },
  };
}

/** Every declared SLO, in the order given. */
export function computeSlos(specs: readonly SloSpec[], counts: SloCounts, context: SloContext): SloAnalysis[] {
  return specs.map((spec) => computeSlo(spec, counts, context));
}

/** The distinct latency thresholds the read must count, ascending. */
export function sloThresholds(specs: readonly SloSpec[]): number[] {
  return [...new Set(specs.flatMap((s) => (s.thresholdMs === null ? [] : [s.thresholdMs])))].sort((a, b) => a - b);
}
