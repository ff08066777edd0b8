// From a source's aggregates to the report: pure, no I/O (SPEC §3-6, §8).
import type { AggregateQuery, ErrorCountRow, SourceResult, Stats, StatsRow, WindowName } from '../sources/types.js';
import { computeHealth } from './health.js';
import { type Issue, type IssueKind, recommendation, serviceIssues, systemIssues } from './issues.js';
import { byNumberDescThen, compareText } from './order.js';
import type { Durations, ErrorEntry, OverallReport, Report, ServiceReport, SlowOperation, Trend } from './report-types.js';
import { roundApdex, roundMs, roundPercent, roundTo } from './round.js';
import { EMPTY_STATS, apdex, averageDuration, errorRate, successRate } from './stats.js';
import { type TrendFigures, computeTrend } from './trend.js';

export const TOP_SERVICE_ERRORS = 5;
export const TOP_ERRORS = 10;
export const TOP_SLOWEST = 10;

export interface ReportContext {
  query: AggregateQuery;
  hours: number;
  generatedAt: Date;
}

interface ServiceDraft {
  service: string;
  current: Stats;
  previous: Stats;
  trend: TrendFigures;
  issues: Issue[];
}

export function buildReport(result: SourceResult, context: ReportContext): Report {
  const { query } = context;
  const index = indexStats(result.stats);
  const overallNow = index.overall.current;
  const overallBefore = index.overall.previous;
  const drafts = serviceDrafts(index, query.threshold);
  const health = computeHealth({
    errorRate: errorRate(overallNow),
    avgDuration: averageDuration(overallNow),
    threshold: query.threshold,
    servicesWithIssues: drafts.filter((d) => d.issues.length > 0).length,
  });
  const system = systemIssues(
    {
      operations: overallNow.operations,
      errorRate: roundPercent(errorRate(overallNow)),
      avgDuration: roundMs(averageDuration(overallNow)),
      healthScore: health.score,
    },
    query.threshold,
  );
  return {
    schemaVersion: 1,
    generatedAt: context.generatedAt.toISOString(),
    period: { start: query.start.toISOString(), end: query.end.toISOString(), hours: context.hours },
    previousPeriod: { start: query.previousStart.toISOString(), end: query.start.toISOString() },
    threshold: query.threshold,
    service: query.service,
    source: { kind: result.kind, aggregation: result.aggregation },
    healthScore: health.score,
    healthStatus: health.status,
    healthBreakdown: {
      errorDeduction: roundTo(health.errorDeduction, 2),
      performanceDeduction: roundTo(health.performanceDeduction, 2),
      serviceIssueDeduction: roundTo(health.serviceIssueDeduction, 2),
    },
    overall: overallReport(overallNow, overallBefore),
    services: drafts.map((d) => serviceReport(d, result.errors)),
    slowestOperations: slowestOperations(index.operations),
    mostFrequentErrors: mostFrequentErrors(result.errors),
    issues: [...system.map((i) => i.text), ...drafts.flatMap((d) => d.issues.map((i) => `${d.service}: ${i.text}`))],
    recommendations: recommendations(system, drafts, query.threshold),
    // Like every figure of the report, data quality speaks of the current window.
    dataQuality: { invalidDurations: overallNow.invalidDurations, skippedRows: result.skippedRows },
    alerts: null,
  };
}

/** One recommendation per issue kind (SPEC §5): system kinds first, then service kinds in order
 *  of first appearance, each naming its services in report order. */
function recommendations(system: Issue[], drafts: ServiceDraft[], threshold: number): string[] {
  const services = new Map<IssueKind, string[]>();
  for (const issue of system) services.set(issue.kind, []);
  for (const draft of drafts) {
    for (const issue of draft.issues) services.set(issue.kind, [...(services.get(issue.kind) ?? []), draft.service]);
  }
  return [...services].map(([kind, names]) => recommendation(kind, names, threshold));
}

interface StatsIndex {
  overall: Record<WindowName, Stats>;
  services: Map<string, Record<WindowName, Stats>>;
  operations: { service: string; operation: string; stats: Stats }[];
}

function indexStats(rows: StatsRow[]): StatsIndex {
  const index: StatsIndex = { overall: { current: EMPTY_STATS, previous: EMPTY_STATS }, services: new Map(), operations: [] };
  for (const row of rows) {
    if (row.level === 'overall') index.overall[row.window] = row;
    else if (row.level === 'service') {
      const entry = index.services.get(row.service) ?? { current: EMPTY_STATS, previous: EMPTY_STATS };
      entry[row.window] = row;
      index.services.set(row.service, entry);
    } else if (row.window === 'current') {
      index.operations.push({ service: row.service, operation: row.operation, stats: row });
    }
  }
  return index;
}

function serviceDrafts(index: StatsIndex, threshold: number): ServiceDraft[] {
  const drafts = [...index.services].map(([service, { current, previous }]): ServiceDraft => {
    const trend = computeTrend(current, previous);
    // Issues are decided on the figures as the report shows them, so text, JSON and alerts agree.
    const issues = serviceIssues(
      {
        operations: current.operations,
        previousOperations: previous.operations,
        errorRate: roundPercent(errorRate(current)),
        avgDuration: roundMs(averageDuration(current)),
        p95Duration: roundMs(current.p95),
        percentChange: roundPercent(trend.percentChange),
        degrading: trend.direction === 'degrading',
      },
      threshold,
    );
    return { service, current, previous, trend, issues };
  });
  return drafts.sort(byNumberDescThen((d) => d.current.operations, (d) => [d.service]));
}

function durations(stats: Stats): Durations {
  return {
    avgDuration: roundMs(averageDuration(stats)),
    p50Duration: roundMs(stats.p50),
    p95Duration: roundMs(stats.p95),
    p99Duration: roundMs(stats.p99),
    minDuration: roundMs(stats.minDuration),
    maxDuration: roundMs(stats.maxDuration),
  };
}

function trendReport(current: Stats, previous: Stats, figures = computeTrend(current, previous)): Trend {
  return {
    direction: figures.direction,
    percentChange: roundPercent(figures.percentChange),
    previousAvgDuration: roundMs(figures.previousAvg),
    previousOperations: previous.operations,
  };
}

function overallReport(current: Stats, previous: Stats): OverallReport {
  return {
    totalOperations: current.operations,
    successfulOperations: current.operations - current.failures,
    failedOperations: current.failures,
    successRate: roundPercent(successRate(current)),
    errorRate: roundPercent(errorRate(current)),
    ...durations(current),
    apdex: roundApdex(apdex(current)),
    trend: trendReport(current, previous),
  };
}

function serviceReport(draft: ServiceDraft, errors: ErrorCountRow[]): ServiceReport {
  const { current } = draft;
  const silent = draft.issues.some((i) => i.kind === 'silent');
  return {
    service: draft.service,
    status: silent ? 'silent' : draft.issues.length > 0 ? 'issues' : 'healthy',
    operations: {
      total: current.operations,
      successful: current.operations - current.failures,
      failed: current.failures,
      successRate: roundPercent(successRate(current)),
    },
    performance: durations(current),
    apdex: roundApdex(apdex(current)),
    errors: {
      total: current.failures,
      errorRate: roundPercent(errorRate(current)),
      topErrors: errors
        .filter((e) => e.service === draft.service)
        .sort(byNumberDescThen((e) => e.count, (e) => [e.message]))
        .slice(0, TOP_SERVICE_ERRORS)
        .map(({ message, count }) => ({ message, count })),
    },
    trend: trendReport(current, draft.previous, draft.trend),
    issues: draft.issues.map((i) => i.text),
  };
}

function slowestOperations(operations: StatsIndex['operations']): SlowOperation[] {
  return operations
    .filter((o) => o.stats.samples > 0)
    .map((o) => ({ ...o, avg: averageDuration(o.stats) ?? 0 }))
    .sort(byNumberDescThen((o) => o.avg, (o) => [o.service, o.operation]))
    .slice(0, TOP_SLOWEST)
    .map((o) => ({
      service: o.service,
      operation: o.operation,
      avgDuration: roundTo(o.avg, 1),
      p95Duration: roundTo(o.stats.p95 ?? 0, 1),
      count: o.stats.operations,
    }));
}

function mostFrequentErrors(errors: ErrorCountRow[]): ErrorEntry[] {
  return [...errors]
    .sort(byNumberDescThen((e) => e.count, (e) => [e.service, e.message]))
    .slice(0, TOP_ERRORS)
    .map(({ service, message, count }) => ({ service, message, count }));
}

