// From a source's aggregates to the analysis: pure, no I/O, nothing rounded but decisions
// (docs/metrics.md). Every renderer, alerter and gate reads what this returns.

import { bucketSeconds, bucketStarts, fillBuckets } from '../sources/buckets.js';
import type { AggregateQuery, ErrorCountRow, SourceResult, Stats, StatsRow, TimelineRow, WindowName } from '../sources/types.js';
import { byNumberDescThen } from '../text/order.js';
import type {
  Analysis,
  Figures,
  OperationAnalysis,
  OperationBreakdown,
  ServiceAnalysis,
  ServiceStatus,
  StatusSeen,
  TimelineAnalysis,
} from './analysis-types.js';
import { serviceFindings, systemFindings } from './findings.js';
import { computeHealth } from './health.js';
import { withSince } from './since.js';
import { EMPTY_STATS, figuresOf } from './stats.js';
import { computeTrend, computeTrends } from './trend.js';

export const TOP_SERVICE_ERRORS = 5;
export const TOP_ERRORS = 10;
export const TOP_SLOWEST = 10;
/** Operations named per error group in mostFrequentErrors (docs/error-groups.md). */
export const TOP_ERROR_OPERATIONS = 3;

export interface AnalysisContext {
  query: AggregateQuery;
  hours: number;
  generatedAt: Date;
}

type Windows = Record<WindowName, Stats>;

interface StatsIndex {
  overall: Windows;
  services: Map<string, Windows>;
  /** Current-window operations (the slowest list). */
  operations: { service: string; operation: string; stats: Stats }[];
  /** Both windows of every (service, operation), keyed by service then operation. */
  serviceOperations: Map<string, Map<string, Windows>>;
}

/** The timeline of one scope: per-bucket figures, one per start. */
type Timelines = { starts: number[]; overall: Figures[]; services: Map<string, Figures[]> };

export function analyze(result: SourceResult, context: AnalysisContext): Analysis {
  const { query } = context;
  const index = indexStats(result.stats);
  const current = figuresOf(index.overall.current);
  const width = bucketSeconds(query.start, query.end);
  const timelines = timelinesOf(bucketStarts(query.start, query.end, width), result.timeline);
  const timeline: TimelineAnalysis = { bucketSeconds: width, starts: timelines.starts.map((s) => new Date(s * 1000)) };
  const services = serviceAnalyses(index, result.errors, query.threshold, timelines, { starts: timeline.starts, windowStart: query.start });
  const health = computeHealth({
    errorRate: current.errorRate,
    avgDuration: current.avgDuration,
    threshold: query.threshold,
    servicesWithIssues: services.filter((s) => s.findings.length > 0).length,
  });
  const overallPrevious = figuresOf(index.overall.previous);
  const system = systemFindings({ current, healthScore: health.score }, query.threshold).map((f) =>
    withSince(f, {
      timeline: timelines.overall,
      starts: timeline.starts,
      threshold: query.threshold,
      previousAvg: overallPrevious.avgDuration,
      windowStart: query.start,
    }),
  );
  return {
    generatedAt: context.generatedAt,
    period: { start: query.start, end: query.end, hours: context.hours },
    previousPeriod: { start: query.previousStart, end: query.start },
    threshold: query.threshold,
    serviceFilter: query.services === null ? null : [...query.services],
    source: { kind: result.kind, aggregation: result.aggregation, percentiles: result.aggregation === 'rollup' ? 'approximate' : 'exact' },
    health,
    timeline,
    overall: {
      current,
      previous: overallPrevious,
      trend: computeTrend(index.overall.current, index.overall.previous),
      timeline: timelines.overall,
    },
    services,
    slowest: slowest(index.operations),
    errors: [...result.errors]
      .sort(
        byNumberDescThen(
          (e) => e.count,
          (e) => [e.service, e.message],
        ),
      )
      .slice(0, TOP_ERRORS),
    findings: [...system, ...services.flatMap((s) => s.findings)],
    // Like every figure of the report, data quality speaks of the current window.
    // Rows with an impossible created_at (docs/sources.md) are skipped rows on every source.
    dataQuality: {
      invalidDurations: current.invalidDurations,
      skippedRows: result.skippedRows + result.impossibleTimes,
      statuses: statusesSeen(result, current.operations),
    },
    // The SLO read is its own query (run.ts adds its figures).
    slos: [],
  };
}

function indexStats(rows: StatsRow[]): StatsIndex {
  const index: StatsIndex = {
    overall: { current: EMPTY_STATS, previous: EMPTY_STATS },
    services: new Map(),
    operations: [],
    serviceOperations: new Map(),
  };
  for (const row of rows) {
    if (row.level === 'overall') index.overall[row.window] = row;
    else if (row.level === 'service') {
      const entry = index.services.get(row.service) ?? { current: EMPTY_STATS, previous: EMPTY_STATS };
      entry[row.window] = row;
      index.services.set(row.service, entry);
    } else {
      if (row.window === 'current') index.operations.push({ service: row.service, operation: row.operation, stats: row });
      const operations = index.serviceOperations.get(row.service) ?? new Map<string, Windows>();
      const entry = operations.get(row.operation) ?? { current: EMPTY_STATS, previous: EMPTY_STATS };
      entry[row.window] = row;
      operations.set(row.operation, entry);
      index.serviceOperations.set(row.service, operations);
    }
  }
  return index;
}

/** The per-bucket figures overall and per service, every start present (zeros where empty). */
function timelinesOf(starts: number[], rows: TimelineRow[]): Timelines {
  const empty = (bucketStart: number) => ({ bucketStart, ...EMPTY_STATS });
  const figures = (list: (Stats & { bucketStart: number })[]) => fillBuckets(starts, list, empty).map(figuresOf);
  const perService = new Map<string, TimelineRow[]>();
  for (const row of rows) {
    if (row.level !== 'service') continue;
    perService.set(row.service, [...(perService.get(row.service) ?? []), row]);
  }
  const services = new Map([...perService].map(([service, list]) => [service, figures(list)]));
  return { starts, overall: figures(rows.filter((row) => row.level === 'overall')), services };
}

/** Current-window operations of a service with their trends: calls desc, ties by operation. */
function byOperation(operations: Map<string, Windows> | undefined): OperationBreakdown[] {
  return [...(operations ?? [])]
    .filter(([, windows]) => windows.current.operations > 0)
    .map(([operation, windows]) => ({
      operation,
      current: figuresOf(windows.current),
      trend: computeTrend(windows.current, windows.previous),
    }))
    .sort(
      byNumberDescThen(
        (o) => o.current.operations,
        (o) => [o.operation],
      ),
    );
}

/** Silent outranks every other finding; any finding at all means issues. */
function serviceStatus(findings: { kind: string }[]): ServiceStatus {
  if (findings.some((f) => f.kind === 'silent')) return 'silent';
  return findings.length > 0 ? 'issues' : 'healthy';
}

function serviceAnalyses(
  index: StatsIndex,
  errors: ErrorCountRow[],
  threshold: number,
  timelines: Timelines,
  { starts, windowStart }: { starts: Date[]; windowStart: Date },
): ServiceAnalysis[] {
  // One family: the services of this report are judged together (Holm-Bonferroni, docs/metrics.md).
  const trends = computeTrends([...index.services.values()]);
  const services = [...index.services].map(([service, windows], i): ServiceAnalysis => {
    const current: Figures = figuresOf(windows.current);
    const previous: Figures = figuresOf(windows.previous);
    const trend = trends[i] ?? computeTrend(windows.current, windows.previous);
    const timeline = timelines.services.get(service) ?? timelines.starts.map(() => figuresOf(EMPTY_STATS));
    const findings = serviceFindings(service, current, previous, trend, threshold).map((f) =>
      withSince(f, { timeline, starts, threshold, previousAvg: previous.avgDuration, windowStart }),
    );
    return {
      service,
      status: serviceStatus(findings),
      current,
      previous,
      trend,
      findings,
      timeline,
      byOperation: byOperation(index.serviceOperations.get(service)),
      topErrors: errors
        .filter((e) => e.service === service)
        .sort(
          byNumberDescThen(
            (e) => e.count,
            (e) => [e.message],
          ),
        )
        .slice(0, TOP_SERVICE_ERRORS)
        .map(({ message, count, example }) => ({ message, count, example })),
    };
  });
  return services.sort(
    byNumberDescThen(
      (s) => s.current.operations,
      (s) => [s.service],
    ),
  );
}

function slowest(operations: StatsIndex['operations']): OperationAnalysis[] {
  return operations
    .filter((o) => o.stats.samples > 0)
    .map((o) => ({ service: o.service, operation: o.operation, current: figuresOf(o.stats) }))
    .sort(
      byNumberDescThen(
        (o) => o.current.avgDuration ?? 0,
        (o) => [o.service, o.operation],
      ),
    )
    .slice(0, TOP_SLOWEST);
}

/** The status values as decoded (most first, ties by value); null when the source could not count
 *  them although the window has operations: rollups keep no status, an older RPC returns none. */
function statusesSeen(result: SourceResult, operations: number): StatusSeen[] | null {
  if ((result.rollup !== null && result.rollup.hours > 0) || (result.statuses.length === 0 && operations > 0)) return null;
  return result.statuses.map(({ status, operations: count, failures }) => ({ status, count, failures }));
}
