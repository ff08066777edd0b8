// The windows the SLO read counts (docs/slos.md), declared once for the read (sources/sql/slo.ts)
// and the figures (metrics/slo.ts): the rolling period and the burn-rate windows, all ending at
// the report's end.

/** The burn-rate windows, shortest first: name, length in ms, and as SQL intervals. */
export const BURN_WINDOWS = [
  { name: '5m', ms: 5 * 60_000, sql: "INTERVAL '5 minutes'" },
  { name: '30m', ms: 30 * 60_000, sql: "INTERVAL '30 minutes'" },
  { name: '1h', ms: 3_600_000, sql: "INTERVAL '1 hour'" },
  { name: '6h', ms: 6 * 3_600_000, sql: "INTERVAL '6 hours'" },
  { name: '3d', ms: 3 * 86_400_000, sql: "INTERVAL '3 days'" },
] as const;
export type BurnWindow = (typeof BURN_WINDOWS)[number]['name'];
/** Every window the SLO read counts. */
export type SloWindow = 'period' | BurnWindow;
export const SLO_WINDOWS: readonly SloWindow[] = ['period', ...BURN_WINDOWS.map((w) => w.name)];

/** What the SLO read asks (one query per run, docs/slos.md). */
export interface SloQuery {
  /** The report's end: every window ends here (exclusive). */
  end: Date;
  /** Start of the rolling period (inclusive). */
  periodStart: Date;
  /** The distinct latency thresholds of the declared SLOs, ms, ascending. */
  thresholds: number[];
}

/** Counts of one window: events, failed ones, those with a valid duration, and of those the ones
 *  above the row's threshold; `uncertain`: of the slow ones, those counted from a histogram bucket
 *  that holds the threshold (rollups only: they may have been at or under it). */
export interface SloWindowCounts {
  operations: number;
  failures: number;
  samples: number;
  slow: number;
  uncertain: number;
}

/** One row of the read: a service's (null: all services) counts per window, for one threshold
 *  (null: no threshold, slow counts 0). */
export interface SloCountRow {
  service: string | null;
  threshold: number | null;
  windows: Record<SloWindow, SloWindowCounts>;
}

export interface SloCounts {
  rows: SloCountRow[];
  /** Complete hours read from the rollups (0: raw rows alone, every count exact). */
  rollupHours: number;
}
