// From a source's aggregates to the analysis: pure, no I/O, nothing rounded but decisions
// (SPEC §3-6). Every renderer, alerter and gate reads what this returns.
import type { AggregateQuery, ErrorCountRow, SourceResult, Stats, StatsRow, WindowName } from '../sources/types.js';
import type { Analysis, Figures, OperationAnalysis, ServiceAnalysis } from './analysis-types.js';
import { serviceFindings, systemFindings } from './findings.js';
import { computeHealth } from './health.js';
import { byNumberDescThen } from './order.js';
import { EMPTY_STATS, figuresOf } from './stats.js';
import { computeTrend } from './trend.js';

export const TOP_SERVICE_ERRORS = 5;
export const TOP_ERRORS = 10;
export const TOP_SLOWEST = 10;

export interface AnalysisContext {
  query: AggregateQuery;
  hours: number;
  generatedAt: Date;
}

type Windows = Record<WindowName, Stats>;

interface StatsIndex {
  overall: Windows;
  services: Map<string, Windows>;
  operations: { service: string; operation: string; stats: Stats }[];
}

export function analyze(result: SourceResult, context: AnalysisContext): Analysis {
  const { query } = context;
  const index = indexStats(result.stats);
  const current = figuresOf(index.overall.current);
  const services = serviceAnalyses(index, result.errors, query.threshold);
  const health = computeHealth({
    errorRate: current.errorRate,
    avgDuration: current.avgDuration,
    threshold: query.threshold,
    servicesWithIssues: services.filter((s) => s.findings.length > 0).length,
  });
  const system = systemFindings({ current, healthScore: health.score }, query.threshold);
  return {
    generatedAt: context.generatedAt,
    period: { start: query.start, end: query.end, hours: context.hours },
    previousPeriod: { start: query.previousStart, end: query.start },
    threshold: query.threshold,
    service: query.service,
    source: { kind: result.kind, aggregation: result.aggregation },
    health,
    overall: { current, previous: figuresOf(index.overall.previous), trend: computeTrend(index.overall.current, index.overall.previous) },
    services,
    slowest: slowest(index.operations),
    errors: [...result.errors].sort(byNumberDescThen((e) => e.count, (e) => [e.service, e.message])).slice(0, TOP_ERRORS),
    findings: [...system, ...services.flatMap((s) => s.findings)],
    // Like every figure of the report, data quality speaks of the current window.
    // Rows with an impossible created_at (SPEC §1) are skipped rows on every source.
    dataQuality: { invalidDurations: current.invalidDurations, skippedRows: result.skippedRows + result.impossibleTimes },
  };
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

function serviceAnalyses(index: StatsIndex, errors: ErrorCountRow[], threshold: number): ServiceAnalysis[] {
  const services = [...index.services].map(([service, windows]): ServiceAnalysis => {
    const current: Figures = figuresOf(windows.current);
    const previous: Figures = figuresOf(windows.previous);
    const trend = computeTrend(windows.current, windows.previous);
    const findings = serviceFindings(service, current, previous, trend, threshold);
    const silent = findings.some((f) => f.kind === 'silent');
    return {
      service,
      status: silent ? 'silent' : findings.length > 0 ? 'issues' : 'healthy',
      current,
      previous,
      trend,
      findings,
      topErrors: errors
        .filter((e) => e.service === service)
        .sort(byNumberDescThen((e) => e.count, (e) => [e.message]))
        .slice(0, TOP_SERVICE_ERRORS)
        .map(({ message, count }) => ({ message, count })),
    };
  });
  return services.sort(byNumberDescThen((s) => s.current.operations, (s) => [s.service]));
}

function slowest(operations: StatsIndex['operations']): OperationAnalysis[] {
  return operations
    .filter((o) => o.stats.samples > 0)
    .map((o) => ({ service: o.service, operation: o.operation, current: figuresOf(o.stats) }))
    .sort(byNumberDescThen((o) => o.current.avgDuration ?? 0, (o) => [o.service, o.operation]))
    .slice(0, TOP_SLOWEST);
}
