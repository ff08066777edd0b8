// The analysis: what the metrics module derives from a source's aggregates, unrounded, with the
// kinds, values, limits, sample counts and sums every renderer, alerter and gate reads. The JSON
// report (report/build.ts) is one rendering of it, and the only place figures are rounded.
import type { Aggregation, ErrorCountRow, Percentiles, SourceKind } from '../sources/types.js';
import type { Health, HealthStatus } from './health.js';
import type { RawFigures, ShownFigures } from './shown.js';
import type { SloAnalysis } from './slo.js';

/** One status value seen among the current window's operations, and the failures the tool
 *  counted among them (docs/sources.md). */
export interface StatusSeen {
  status: string | null;
  count: number;
  failures: number;
}

export type TrendDirection = 'improving' | 'degrading' | 'stable' | 'insufficient_data';
export type { HealthStatus };
export type ServiceStatus = 'healthy' | 'issues' | 'silent';

/** One group's counts in one window plus the figures docs/metrics.md derives from them, unrounded. */
export interface Figures extends RawFigures {
  /** The same figures rounded as the report shows them: what every decision reads. */
  shown: ShownFigures;
}

export interface TrendAnalysis {
  direction: TrendDirection;
  percentChange: number | null;
  /** Welch's two-sided p-value of the difference of the means (docs/metrics.md); null without enough samples. */
  pValue: number | null;
  /** pValue adjusted by Holm-Bonferroni over its family (a report's services; alone: pValue). */
  adjustedPValue: number | null;
  previousAvgDuration: number | null;
  previousOperations: number;
  /** percentChange and previousAvgDuration as the report shows them (0.01 %, 0.1 ms). */
  shown: { percentChange: number | null; previousAvgDuration: number | null };
}

export type ServiceFindingKind = 'high_error_rate' | 'slow_average' | 'slow_p95' | 'degrading' | 'silent';
export type SystemFindingKind = 'system_error_rate' | 'system_slow_average' | 'health_low' | 'no_operations';
export type FindingKind = ServiceFindingKind | SystemFindingKind;

/** An issue, for programs (docs/metrics.md): its kind and the figure that crossed its limit. */
export interface Finding {
  kind: FindingKind;
  /** null for system findings. */
  service: string | null;
  /** The figure as the report shows it and as decided on: %, ms, percent change, score; null where none applies. */
  value: number | null;
  /** The limit it crossed, in the value's unit; null where none applies (silent, no operations). */
  limit: number | null;
  /** Start of the latest unbroken run of buckets over the limit (docs/timeline.md); null when unknown. */
  since: Date | null;
  /** The run reaches the window's start: `since` is that start, and the issue held throughout the window. */
  sinceWindowStart: boolean;
}

/** The window cut into buckets (docs/timeline.md): width and every bucket's start, oldest first. */
export interface TimelineAnalysis {
  bucketSeconds: number;
  starts: Date[];
}

/** One operation of a service (docs/timeline.md): current figures and trend against the previous window. */
export interface OperationBreakdown {
  operation: string;
  current: Figures;
  trend: TrendAnalysis;
}

export interface ServiceAnalysis {
  service: string;
  status: ServiceStatus;
  current: Figures;
  previous: Figures;
  trend: TrendAnalysis;
  findings: Finding[];
  /** One entry per timeline start (zeros where it had no operations). */
  timeline: Figures[];
  /** Its operations in the current window, most calls first, ties by operation. */
  byOperation: OperationBreakdown[];
  /** Its most frequent error groups (docs/error-groups.md), current window, most first. */
  topErrors: { message: string; count: number; example: string }[];
}

export interface OperationAnalysis {
  service: string;
  operation: string;
  current: Figures;
}

export interface Analysis {
  generatedAt: Date;
  period: { start: Date; end: Date; hours: number };
  previousPeriod: { start: Date; end: Date };
  threshold: number;
  /** The --service set (no duplicates, in the order given), or null for all services. */
  serviceFilter: string[] | null;
  source: { kind: SourceKind; aggregation: Aggregation; percentiles: Percentiles };
  health: Health;
  timeline: TimelineAnalysis;
  overall: { current: Figures; previous: Figures; trend: TrendAnalysis; timeline: Figures[] };
  /** Most operations first; silent services last. */
  services: ServiceAnalysis[];
  /** Top operations by average duration, with at least one sample. */
  slowest: OperationAnalysis[];
  /** Top error groups over all services. */
  errors: ErrorCountRow[];
  /** System findings, then each service's, in report order (docs/metrics.md). */
  findings: Finding[];
  /** statuses: null when the source could not say (rollups, an older RPC): docs/sources.md. */
  dataQuality: { invalidDurations: number; skippedRows: number; statuses: StatusSeen[] | null };
  /** The declared SLOs (docs/slos.md), in the order given; [] without --slo. */
  slos: SloAnalysis[];
}
