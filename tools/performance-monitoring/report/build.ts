// The analysis as the JSON report (docs/json.md): built once per run from the analysis, whose
// figures are already rounded as shown (metrics/shown.ts); findings get their words here.

import type { GatesReport } from '../gates/types.js';
import type { Analysis, Figures, Finding, OperationBreakdown, ServiceAnalysis, TrendAnalysis } from '../metrics/analysis-types.js';
import { TOP_ERROR_OPERATIONS } from '../metrics/analyze.js';
import { roundPValue } from '../metrics/significance.js';
import { roundTo } from '../text/round.js';
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
import { issueLine, issueText, recommendations } from './wording.js';

/** The report of one run, built once; `gates`: the --fail-under, --assert and --baseline
 *  verdicts (null without any). `alerts` is null here: the alerts read this report, and
 *  withAlerts() adds what they did. */
export function buildReport(analysis: Analysis, gates: GatesReport | null = null): Report {
  const { health } = analysis;
  return {
    schemaVersion: 1,
    generatedAt: analysis.generatedAt.toISOString(),
    period: { start: analysis.period.start.toISOString(), end: analysis.period.end.toISOString(), hours: analysis.period.hours },
    previousPeriod: { start: analysis.previousPeriod.start.toISOString(), end: analysis.previousPeriod.end.toISOString() },
    threshold: analysis.threshold,
    // docs/json.md: a string for one service (as before sets), an array for several.
    service:
      analysis.serviceFilter === null || analysis.serviceFilter.length > 1 ? analysis.serviceFilter : (analysis.serviceFilter[0] ?? null),
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
      avgDuration: o.current.shown.avgDuration ?? 0,
      p95Duration: o.current.shown.p95 ?? 0,
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
    alerts: null,
    gates,
    slos: analysis.slos.map((slo) => ({ ...slo, period: { start: slo.period.start.toISOString(), end: slo.period.end.toISOString() } })),
  };
}

/** The finding's value is already shown (rounded in its unit) by metrics/findings.ts. */
function reportFinding(f: Finding): ReportFinding {
  return {
    kind: f.kind,
    service: f.service,
    value: f.value,
    limit: f.limit,
    since: f.since?.toISOString() ?? null,
    sinceWindowStart: f.sinceWindowStart,
    text: issueText(f),
  };
}

function durations(f: Figures): Durations {
  return {
    samples: f.samples,
    avgDuration: f.shown.avgDuration,
    p50Duration: f.shown.p50,
    p95Duration: f.shown.p95,
    p99Duration: f.shown.p99,
    minDuration: f.shown.minDuration,
    maxDuration: f.shown.maxDuration,
    stdDevDuration: f.shown.stdDevDuration,
  };
}

function trendReport(trend: TrendAnalysis): Trend {
  return {
    direction: trend.direction,
    percentChange: trend.shown.percentChange,
    pValue: roundPValue(trend.pValue),
    adjustedPValue: roundPValue(trend.adjustedPValue),
    previousAvgDuration: trend.shown.previousAvgDuration,
    previousOperations: trend.previousOperations,
  };
}

function timelineEntry(f: Figures): TimelineEntry {
  return {
    operations: f.operations,
    failures: f.failures,
    errorRate: f.shown.errorRate,
    avgDuration: f.shown.avgDuration,
    p95Duration: f.shown.p95,
  };
}

function operationReport({ operation, current, trend }: OperationBreakdown): OperationReport {
  return {
    operation,
    calls: current.operations,
    failures: current.failures,
    errorRate: current.shown.errorRate,
    avgDuration: current.shown.avgDuration,
    p50Duration: current.shown.p50,
    p95Duration: current.shown.p95,
    p99Duration: current.shown.p99,
    apdex: current.shown.apdex,
    trend: { direction: trend.direction, percentChange: trend.shown.percentChange, pValue: roundPValue(trend.pValue) },
  };
}

function overallReport(current: Figures, trend: TrendAnalysis, timeline: Figures[]): OverallReport {
  return {
    totalOperations: current.operations,
    successfulOperations: current.operations - current.failures,
    failedOperations: current.failures,
    successRate: current.shown.successRate,
    errorRate: current.shown.errorRate,
    ...durations(current),
    apdex: current.shown.apdex,
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
      successRate: current.shown.successRate,
    },
    performance: durations(current),
    apdex: current.shown.apdex,
    errors: { total: current.failures, errorRate: current.shown.errorRate, topErrors: s.topErrors },
    trend: trendReport(s.trend),
    issues: s.findings.map(issueText),
    timeline: s.timeline.map(timelineEntry),
    byOperation: s.byOperation.map(operationReport),
  };
}

/** The report with what `--alert` did. */
export function withAlerts(report: Report, alerts: AlertsReport): Report {
  return { ...report, alerts };
}
