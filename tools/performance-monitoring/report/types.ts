// The JSON report: the analysis as the wire shows it (rounded, docs/metrics.md), what `--format json`
// prints and text, alerts and scripts read. Field names are the public JSON contract (docs/json.md,
// report.schema.json); report/build.ts builds it from the analysis.

import type { GatesReport } from '../gates/types.js';
import type { FindingKind, HealthStatus, ServiceStatus, TrendDirection } from '../metrics/analysis-types.js';
import type { SloAnalysis } from '../metrics/slo.js';
import type { Aggregation, Percentiles, SourceKind } from '../sources/types.js';

export type { FindingKind, HealthStatus, ServiceStatus, TrendDirection };

/** docs/metrics.md `findings[]`: an issue for programs, its figure rounded as the JSON rounds it. */
export interface ReportFinding {
  kind: FindingKind;
  service: string | null;
  value: number | null;
  limit: number | null;
  since: string | null;
  /** docs/timeline.md: the run reaches the window's start (`since` is that start): `throughout the window`. */
  sinceWindowStart: boolean;
  text: string;
}

export interface Trend {
  direction: TrendDirection;
  percentChange: number | null;
  /** Welch's two-sided p-value, 3 significant digits; null with insufficient data. */
  pValue: number | null;
  /** pValue adjusted by Holm-Bonferroni over the report's services (docs/metrics.md); decides the direction. */
  adjustedPValue: number | null;
  previousAvgDuration: number | null;
  previousOperations: number;
}

export interface Durations {
  /** Operations with a usable duration, which the figures below are over (baseline rules). */
  samples: number;
  avgDuration: number | null;
  p50Duration: number | null;
  p95Duration: number | null;
  p99Duration: number | null;
  minDuration: number | null;
  maxDuration: number | null;
  /** Sample standard deviation of the durations, ms; null below 2 samples (--baseline's Welch test). */
  stdDevDuration: number | null;
}

/** One timeline bucket (docs/timeline.md), at the same index as its start in `timeline.starts`. */
export interface TimelineEntry {
  operations: number;
  failures: number;
  errorRate: number | null;
  avgDuration: number | null;
  p95Duration: number | null;
}

/** One operation of a service (docs/timeline.md). */
export interface OperationReport {
  operation: string;
  calls: number;
  failures: number;
  errorRate: number | null;
  avgDuration: number | null;
  p50Duration: number | null;
  p95Duration: number | null;
  p99Duration: number | null;
  apdex: number | null;
  trend: { direction: TrendDirection; percentChange: number | null; pValue: number | null };
}

export interface ServiceReport {
  service: string;
  status: ServiceStatus;
  operations: { total: number; successful: number; failed: number; successRate: number | null };
  performance: Durations;
  apdex: number | null;
  errors: { total: number; errorRate: number | null; topErrors: { message: string; count: number; example: string }[] };
  trend: Trend;
  issues: string[];
  timeline: TimelineEntry[];
  byOperation: OperationReport[];
}

export interface OverallReport extends Durations {
  totalOperations: number;
  successfulOperations: number;
  failedOperations: number;
  successRate: number | null;
  errorRate: number | null;
  apdex: number | null;
  trend: Trend;
  timeline: TimelineEntry[];
}

export interface SlowOperation {
  service: string;
  operation: string;
  avgDuration: number;
  p95Duration: number;
  count: number;
}

export interface ErrorEntry {
  service: string;
  /** The error group's fingerprint (docs/error-groups.md). */
  message: string;
  count: number;
  /** Its most recent raw message. */
  example: string;
  /** Up to 3 operations it came from, most failures first. */
  operations: string[];
}

export type Severity = 'critical' | 'warning';

export interface AlertCondition {
  /** Stable key for de-duplication, e.g. `health_low`, `service_silent:n8n`. */
  key: string;
  severity: Severity;
  message: string;
}

export interface ChannelOutcome {
  channel: 'slack' | 'email';
  sent: string[];
  suppressed: { key: string; nextSendAt: string }[];
  resolved: string[];
  failed: { keys: string[]; reason: string } | null;
}

export interface AlertsReport {
  conditions: AlertCondition[];
  /** --alert-silence in effect (from this run or kept in the state): never sent until `until`. */
  silenced: { key: string; until: string; conditions: string[] }[];
  channels: ChannelOutcome[];
}

/** One declared SLO over its rolling period (docs/slos.md), figures rounded as metrics/slo.ts shows them. */
export type SloReport = Omit<SloAnalysis, 'period'> & { period: { start: string; end: string } };

export interface Report {
  schemaVersion: 1;
  generatedAt: string;
  period: { start: string; end: string; hours: number };
  previousPeriod: { start: string; end: string };
  threshold: number;
  /** The --service filter (docs/json.md): the name of one service, an array of the names of
   *  several (in the order given), null for all. */
  service: string | string[] | null;
  source: { kind: SourceKind; aggregation: Aggregation; percentiles: Percentiles };
  healthScore: number | null;
  healthStatus: HealthStatus;
  healthBreakdown: { errorDeduction: number; performanceDeduction: number; serviceIssueDeduction: number };
  /** The buckets of the current window (docs/timeline.md): width, and every start, oldest first. */
  timeline: { bucketSeconds: number; starts: string[] };
  overall: OverallReport;
  services: ServiceReport[];
  slowestOperations: SlowOperation[];
  mostFrequentErrors: ErrorEntry[];
  issues: string[];
  findings: ReportFinding[];
  recommendations: string[];
  dataQuality: {
    invalidDurations: number;
    skippedRows: number;
    /** Up to 20 status values of the current window's operations, most first (docs/sources.md). */
    statuses: { status: string | null; count: number; failures: number }[] | null;
  };
  alerts: AlertsReport | null;
  /** docs/gates.md; null without --fail-under, --assert or --baseline. */
  gates: GatesReport | null;
  /** docs/slos.md: one per --slo, in the order given; [] without. */
  slos: SloReport[];
}

/** The report's --service set as a list: null for all services. */
export function serviceSetOf(report: Pick<Report, 'service'>): string[] | null {
  if (typeof report.service === 'string') return [report.service];
  return report.service;
}

/** The one service a report is filtered to (the deep dive's subject, docs/timeline.md), else null. */
export function singleServiceOf(report: Pick<Report, 'service'>): string | null {
  return typeof report.service === 'string' ? report.service : null;
}
