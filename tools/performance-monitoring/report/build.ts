// The analysis as the JSON report (SPEC §3, §8): the one place where figures are rounded
// (0.1 ms, 0.01 %, 0.001 Apdex) and findings get their words. Text and alerts read this too.
import type { Analysis, Figures, Finding, OperationBreakdown, ServiceAnalysis, TrendAnalysis } from '../metrics/analysis-types.js';
import type {
  AlertsReport,
  Durations,
  OperationReport,
  OverallReport,
  Report,
  ReportFinding,
  ServiceReport,
  TimelineEntry,
  Trend,
} from './types.js';
import { TOP_ERROR_OPERATIONS } from '../metrics/analyze.js';
import { roundApdex, roundMs, roundPercent, roundTo } from '../text/round.js';
import type { GatesReport } from '../gates/types.js';
import { roundPValue } from '../metrics/significance.js';
import { issueLine, issueText, recommendations } from './wording.js';

export interface ReportExtras {
  /** What `--alert` did; null without it. */
  alerts: AlertsReport | null;
  /** --fail-under, --assert, --baseline verdicts; null (or absent) without any. */
  gates?: GatesReport | null;
}

export function toReport(analysis: Analysis, extras: ReportExtras = { alerts: null }): Report {
  const { health } = analysis;
  return {
    schemaVersion: 1,
    generatedAt: analysis.generatedAt.toISOString(),
    period: { start: analysis.period.start.toISOString(), end: analysis.period.end.toISOString(), hours: analysis.period.hours },
    previousPeriod: { start: analysis.previousPeriod.start.toISOString(), end: analysis.previousPeriod.end.toISOString() },
    threshold: analysis.threshold,
    service: analysis.service,
    source: analysis.source,
    healthScore: health.score,
    healthStatus: health.status,
    healthBreakdown: {
      errorDeduction: roundTo(health.errorDeduction, 2),
      performanceDeduction: roundTo(health.performanceDeduction, 2),
      serviceIssueDeduction: roundTo(health.serviceIssueDeduction, 2),
    },
    timeline: { bucketSeconds: analysis.timeline.bucketSeconds, starts: analysis.timeline.starts.map((d) => d.toISOString()) },
    overall: overallReport(analysis.overall.current, analysis.overall.trend, analysis.overall.timeline),
    services: analysis.services.map(serviceReport),
    slowestOperations: analysis.slowest.map((o) => ({
      service: o.service,
      operation: o.operation,
      avgDuration: roundTo(o.current.avgDuration ?? 0, 1),
      p95Duration: roundTo(o.current.p95 ?? 0, 1),
      count: o.current.operations,
    })),
    mostFrequentErrors: analysis.errors.map(({ service, message, count, example, operations }) => ({
      service,
      message,
      count,
      example,
      operations: operations.slice(0, TOP_ERROR_OPERATIONS).map((o) => o.operation),
    })),
    issues: analysis.findings.map(issueLine),
    findings: analysis.findings.map(reportFinding),
    recommendations: recommendations(analysis.findings, analysis.threshold),
    dataQuality: analysis.dataQuality,
    alerts: extras.alerts,
    gates: extras.gates ?? null,
  };
}

/** Rounded in the unit of its kind: percent (error rates, changes), ms, or a score as is. */
function reportFinding(f: Finding): ReportFinding {
  const percent = f.kind === 'high_error_rate' || f.kind === 'system_error_rate' || f.kind === 'degrading';
  const ms = f.kind === 'slow_average' || f.kind === 'system_slow_average' || f.kind === 'slow_p95';
  const value = percent ? roundPercent(f.value) : ms ? roundMs(f.value) : f.value;
  return { kind: f.kind, service: f.service, value, limit: f.limit, since: f.since?.toISOString() ?? null, text: issueText(f) };
}

function durations(f: Figures): Durations {
  return {
    samples: f.samples,
    avgDuration: roundMs(f.avgDuration),
    p50Duration: roundMs(f.p50),
    p95Duration: roundMs(f.p95),
    p99Duration: roundMs(f.p99),
    minDuration: roundMs(f.minDuration),
    maxDuration: roundMs(f.maxDuration),
  };
}

function trendReport(trend: TrendAnalysis): Trend {
  return {
    direction: trend.direction,
    percentChange: roundPercent(trend.percentChange),
    pValue: roundPValue(trend.pValue),
    previousAvgDuration: roundMs(trend.previousAvgDuration),
    previousOperations: trend.previousOperations,
  };
}

function timelineEntry(f: Figures): TimelineEntry {
  return { operations: f.operations, failures: f.failures, errorRate: roundPercent(f.errorRate), avgDuration: roundMs(f.avgDuration), p95Duration: roundMs(f.p95) };
}

function operationReport({ operation, current, trend }: OperationBreakdown): OperationReport {
  return {
    operation,
    calls: current.operations,
    failures: current.failures,
    errorRate: roundPercent(current.errorRate),
    avgDuration: roundMs(current.avgDuration),
    p50Duration: roundMs(current.p50),
    p95Duration: roundMs(current.p95),
    p99Duration: roundMs(current.p99),
    apdex: roundApdex(current.apdex),
    trend: { direction: trend.direction, percentChange: roundPercent(trend.percentChange), pValue: roundPValue(trend.pValue) },
  };
}

function overallReport(current: Figures, trend: TrendAnalysis, timeline: Figures[]): OverallReport {
  return {
    totalOperations: current.operations,
    successfulOperations: current.operations - current.failures,
    failedOperations: current.failures,
    successRate: roundPercent(current.successRate),
    errorRate: roundPercent(current.errorRate),
    ...durations(current),
    apdex: roundApdex(current.apdex),
    trend: trendReport(trend),
    timeline: timeline.map(timelineEntry),
  };
}

function serviceReport(s: ServiceAnalysis): ServiceReport {
  const { current } = s;
  return {
    service: s.service,
    status: s.status,
    operations: {
      total: current.operations,
      successful: current.operations - current.failures,
      failed: current.failures,
      successRate: roundPercent(current.successRate),
    },
    performance: durations(current),
    apdex: roundApdex(current.apdex),
    errors: { total: current.failures, errorRate: roundPercent(current.errorRate), topErrors: s.topErrors },
    trend: trendReport(s.trend),
    issues: s.findings.map(issueText),
    timeline: s.timeline.map(timelineEntry),
    byOperation: s.byOperation.map(operationReport),
  };
}
