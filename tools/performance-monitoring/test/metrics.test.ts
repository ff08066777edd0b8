// The metrics module at every boundary of docs/metrics.md; expected values computed by hand.
import { describe, expect, it } from 'vitest';
import { errorGroup, operation, overall, result, service, statsAvg, statsOf } from '../harness/stats.js';
import { type AnalysisContext, analyze } from '../metrics/analyze.js';
import { computeHealth, errorDeduction, performanceDeduction, serviceIssueDeduction, statusOf } from '../metrics/health.js';
import { roundPValue } from '../metrics/significance.js';
import { computeTrend } from '../metrics/trend.js';
import { buildReport as toReport } from '../report/build.js';
import type { AggregateQuery, SourceResult } from '../sources/types.js';
import { roundTo } from '../text/round.js';

const end = new Date('2025-11-20T10:00:00.000Z');
const query = (over: Partial<AggregateQuery> = {}): AggregateQuery => ({
  start: new Date('2025-11-19T10:00:00.000Z'),
  end,
  previousStart: new Date('2025-11-18T10:00:00.000Z'),
  services: null,
  threshold: 2000,
  ...over,
});
/** The JSON report of some aggregates: the analysis, as the JSON renderer rounds it. */
const buildReport = (aggregates: SourceResult, ctx: AnalysisContext) => toReport(analyze(aggregates, ctx));
const context = (over: Partial<AggregateQuery> = {}) => ({ query: query(over), hours: 24, generatedAt: end });

describe('rounding (half away from zero, no binary noise)', () => {
  it.each([
    [1.005, 2, 1.01],
    [2.345, 2, 2.35],
    [-2.345, 2, -2.35],
    [0.0005, 3, 0.001],
    [1023.8095, 1, 1023.8],
    [87.5, 0, 88],
    [-0.004, 2, 0],
  ])('roundTo(%d, %d) = %d', (value, decimals, expected) => {
    expect(roundTo(value, decimals)).toBe(expected);
  });
});

describe('health score deductions', () => {
  it.each([
    [0, 0],
    [5, 5], // r <= 5: E = r
    [10, 12.5], // 5 + 1.5 * 5
    [15, 20], // 5 + 1.5 * 10
    [25, 30], // min(30, 20 + 10)
    [40, 30],
  ])('error rate %d%% deducts %d', (rate, expected) => expect(errorDeduction(rate)).toBe(expected));

  it.each([
    [2000, 0], // at T: nothing
    [3000, 15], // 30 * 1000 / 2000
    [4000, 30], // at 2T: all 30
    [9000, 30],
  ])('avg %dms at T=2000 deducts %d', (avg, expected) => expect(performanceDeduction(avg, 2000)).toBe(expected));

  it.each([
    [0, 0],
    [1, 10],
    [2, 20],
    [5, 20],
  ])('%d services with issues deduct %d', (n, expected) => expect(serviceIssueDeduction(n)).toBe(expected));

  it.each([
    [100, 'excellent'],
    [90, 'excellent'],
    [89, 'good'],
    [70, 'good'],
    [69, 'needs_attention'],
    [null, 'no_data'],
  ] as const)('score %s is %s', (score, status) => expect(statusOf(score)).toBe(status));

  it('rounds the score half up and clamps it', () => {
    // 100 - 2.5 = 97.5 -> 98
    expect(computeHealth({ errorRate: 2.5, avgDuration: 100, threshold: 2000, servicesWithIssues: 0 }).score).toBe(98);
    // 100 - 30 - 30 - 20 = 20; never below 0
    expect(computeHealth({ errorRate: 50, avgDuration: 9000, threshold: 2000, servicesWithIssues: 3 }).score).toBe(20);
    expect(computeHealth({ errorRate: null, avgDuration: null, threshold: 2000, servicesWithIssues: 1 })).toMatchObject({
      score: null,
      status: 'no_data',
    });
  });
});

describe('trend', () => {
  it('needs 20 duration samples in both windows', () => {
    expect(computeTrend(statsAvg(19, 300), statsAvg(20, 100)).direction).toBe('insufficient_data');
    expect(computeTrend(statsAvg(20, 300), statsAvg(19, 100)).percentChange).toBeNull();
    expect(computeTrend(statsAvg(20, 300), statsAvg(20, 100))).toMatchObject({ direction: 'degrading', percentChange: 200 });
  });

  it.each([
    [110, 'stable', 10], // exactly +10: stable
    [110.1, 'degrading', 10.1],
    [90, 'stable', -10], // exactly -10: stable
    [89.9, 'improving', -10.1],
  ])('avg %d against 100 is %s', (avg, direction, change) => {
    const trend = computeTrend(statsAvg(20, avg), statsAvg(20, 100));
    expect(trend.direction).toBe(direction);
    expect(roundTo(trend.percentChange ?? NaN, 2)).toBe(change);
  });

  // +15% on 20 samples a side, equal variances v: t = 15 / sqrt(v / 10), df 38. Expected p-values
  // from mpmath's regularized incomplete beta at 30 digits (independent of metrics/significance.ts).
  it.each([
    [305, 'degrading', 0.00989], // p 0.0098869 < 0.01
    [306, 'stable', 0.01], // p 0.0099982 shows as 0.01: not below 0.01
    [307, 'stable', 0.0101], // p 0.0101100
  ])('+15%% with variance %d is %s (p %d)', (variance, direction, pValue) => {
    const trend = computeTrend(statsAvg(20, 115, { varDuration: variance }), statsAvg(20, 100, { varDuration: variance }));
    expect(trend.direction).toBe(direction);
    expect(roundPValue(trend.pValue)).toBe(pValue);
  });

  it('reads a large change on noisy data as stable: +20% at p 0.264 (250 samples a side)', () => {
    const trend = computeTrend(statsAvg(250, 120, { varDuration: 40_000 }), statsAvg(250, 100, { varDuration: 40_000 }));
    expect(trend).toMatchObject({ direction: 'stable', percentChange: 20 });
    expect(roundPValue(trend.pValue)).toBe(0.264);
  });

  it('has p 1 for equal means and p 0 for different means without spread', () => {
    expect(computeTrend(statsAvg(20, 100, { varDuration: 50 }), statsAvg(20, 100, { varDuration: 50 }))).toMatchObject({
      direction: 'stable',
      pValue: 1,
    });
    expect(computeTrend(statsAvg(20, 100), statsAvg(20, 100))).toMatchObject({ direction: 'stable', percentChange: 0, pValue: 1 });
    expect(computeTrend(statsAvg(20, 130), statsAvg(20, 100))).toMatchObject({ direction: 'degrading', pValue: 0 });
  });

  it('tests nothing below 20 samples: pValue null', () => {
    expect(computeTrend(statsAvg(19, 300, { varDuration: 1 }), statsAvg(20, 100, { varDuration: 1 }))).toMatchObject({
      direction: 'insufficient_data',
      pValue: null,
    });
  });
});

describe('buildReport', () => {
  it('flags a service at 5.01% errors and not one at exactly 5%', () => {
    const at5 = statsAvg(100, 100, { failures: 5 });
    const over5 = statsAvg(1000, 100, { failures: 51 }); // 5.1%
    const report = buildReport(
      result([overall('current', statsAvg(1100, 100, { failures: 56 })), service('current', 'a', at5), service('current', 'b', over5)]),
      context(),
    );
    expect(report.services.map((s) => [s.service, s.status, s.issues])).toEqual([
      ['b', 'issues', ['High error rate (5.1%)']],
      ['a', 'healthy', []],
    ]);
    // overall 56/1100 = 5.0909% -> E = 5 + 1.5 * 0.0909 = 5.136; S = 10 -> 84.86 -> 85
    expect(report.healthScore).toBe(85);
    expect(report.healthBreakdown).toEqual({ errorDeduction: 5.14, performanceDeduction: 0, serviceIssueDeduction: 10 });
    expect(report.issues).toEqual(['High overall error rate (5.09%)', 'b: High error rate (5.1%)']);
  });

  it('flags avg above T (not at T) and p95 above 2T (not at 2T)', () => {
    const atT = statsAvg(10, 2000, { p95: 4000 });
    const overT = statsAvg(10, 2001, { p95: 4001 });
    const report = buildReport(
      result([overall('current', statsAvg(20, 2000.5)), service('current', 'at', atT), service('current', 'over', overT)]),
      context(),
    );
    expect(report.services.find((s) => s.service === 'at')?.issues).toEqual([]);
    expect(report.services.find((s) => s.service === 'over')?.issues).toEqual([
      'Average duration above threshold (2,001ms > 2,000ms)',
      'P95 duration very slow (4,001ms)',
    ]);
    expect(report.recommendations).toEqual([
      'Bring the overall average duration under 2,000ms: start with the slowest operations',
      'Optimize slow operations in over (average above 2,000ms)',
      'Reduce tail latency in over: check the slowest operations, timeouts and retries',
    ]);
  });

  it('decides on the figures as shown: 2000.04 ms is not above 2,000, 2000.05 ms is, and says so', () => {
    const report = (avg: number) =>
      buildReport(result([overall('current', statsAvg(10, avg)), service('current', 's', statsAvg(10, avg))]), context());
    expect(report(2000.04).issues).toEqual([]);
    expect(report(2000.04).overall.avgDuration).toBe(2000);
    expect(report(2000.05).issues).toEqual([
      'Overall average duration above threshold (2,000.1ms > 2,000ms)',
      's: Average duration above threshold (2,000.1ms > 2,000ms)',
    ]);
  });

  it('gives one recommendation per issue kind, naming every service with it', () => {
    const failing = statsAvg(100, 100, { failures: 10 });
    const report = buildReport(
      result([
        overall('current', statsAvg(300, 100, { failures: 20 })),
        service('current', 'a', failing),
        service('current', 'b', failing),
        service('current', 'c', statsAvg(100, 100)),
        service('previous', 'gone', statsAvg(5, 100)),
      ]),
      context(),
    );
    expect(report.recommendations).toEqual([
      'Bring the overall error rate under 5%: fix the services with the most errors first',
      'Investigate errors in a, b, starting with the most frequent ones',
      'Check that gone is still running and logging: active in the previous period, silent now',
    ]);
  });

  it('reports no data: null score, no_data, a system issue, nulls not zeros', () => {
    const report = buildReport(result([]), context());
    expect(report.healthScore).toBeNull();
    expect(report.healthStatus).toBe('no_data');
    expect(report.issues).toEqual(['No operations in this period']);
    expect(report.overall).toMatchObject({ totalOperations: 0, errorRate: null, successRate: null, avgDuration: null, apdex: null });
    expect(report.services).toEqual([]);
  });

  it('lists a silent service after the active ones and counts it as a service with issues', () => {
    const report = buildReport(
      result([
        overall('current', statsAvg(30, 100)),
        overall('previous', statsAvg(40, 100)),
        service('current', 'live', statsAvg(30, 100)),
        service('previous', 'live', statsAvg(30, 100)),
        service('previous', 'gone', statsAvg(10, 100)),
      ]),
      context(),
    );
    const gone = report.services[1];
    expect(report.services.map((s) => s.service)).toEqual(['live', 'gone']);
    expect(gone).toMatchObject({ status: 'silent', issues: ['No operations in this period (silent)'] });
    expect(gone?.operations).toEqual({ total: 0, successful: 0, failed: 0, successRate: null });
    expect(gone?.trend).toEqual({
      direction: 'insufficient_data',
      percentChange: null,
      pValue: null,
      adjustedPValue: null,
      previousAvgDuration: 100,
      previousOperations: 10,
    });
    expect(report.healthScore).toBe(90); // 100 - 0 - 0 - 10
    expect(report.issues).toEqual(['gone: No operations in this period (silent)']);
  });

  it('in --service mode reports that service alone, scored on its own figures', () => {
    const stats = statsOf([100, 200, 300, 400], { failed: [3] });
    const report = buildReport(
      result([overall('current', stats), service('current', 'hubspot', stats)]),
      context({ services: ['hubspot'] }),
    );
    expect(report.service).toBe('hubspot');
    expect(report.services.map((s) => s.service)).toEqual(['hubspot']);
    // 25% errors: E = 30; avg 250; S = 10 (high error rate) -> 60
    expect(report.healthScore).toBe(60);
    expect(report.overall.errorRate).toBe(25);
  });

  it('orders services, slowest operations and errors with plain string tie-breaks', () => {
    const s = statsAvg(5, 100);
    const report = buildReport(
      result(
        [
          overall('current', statsAvg(15, 100)),
          service('current', 'b', s),
          service('current', 'B', s),
          service('current', 'a', s),
          operation('current', 'b', 'z', statsAvg(5, 300)),
          operation('current', 'a', 'y', statsAvg(5, 300)),
          operation('current', 'a', 'x', statsAvg(5, 500)),
          operation('current', 'a', 'none', { ...statsAvg(0, 0), operations: 3, sumDuration: null, p95: null }),
        ],
        [errorGroup('b', 'm', 2), errorGroup('a', 'n', 2), errorGroup('a', 'M', 2), errorGroup('a', 'top', 9)],
      ),
      context(),
    );
    expect(report.services.map((x) => x.service)).toEqual(['B', 'a', 'b']); // 'B' < 'a' by code unit
    expect(report.slowestOperations.map((o) => `${o.service}:${o.operation}`)).toEqual(['a:x', 'a:y', 'b:z']);
    expect(report.mostFrequentErrors.map((e) => `${e.service}/${e.message}`)).toEqual(['a/top', 'a/M', 'a/n', 'b/m']);
    expect(report.services.find((x) => x.service === 'a')?.errors.topErrors.map((e) => e.message)).toEqual(['top', 'M', 'n']);
  });

  it('breaks ties in code-point order, also beyond U+FFFF', () => {
    const s = statsAvg(5, 100);
    const report = buildReport(
      result([overall('current', statsAvg(10, 100)), service('current', '\u{1F600}', s), service('current', '\uFF61svc', s)]),
      context(),
    );
    // U+FF61 < U+1F600 as code points (UTF-16 units would say the opposite).
    expect(report.services.map((x) => x.service)).toEqual(['\uFF61svc', '\u{1F600}']);
  });

  it('keeps the top 5 errors per service and the top 10 overall', () => {
    const errors = Array.from({ length: 12 }, (_, i) => errorGroup('s', `e${String(i).padStart(2, '0')}`, 20 - i));
    const report = buildReport(
      result(
        [overall('current', statsAvg(500, 10, { failures: 200 })), service('current', 's', statsAvg(500, 10, { failures: 200 }))],
        errors,
      ),
      context(),
    );
    expect(report.services[0]?.errors.topErrors.map((e) => e.count)).toEqual([20, 19, 18, 17, 16]);
    expect(report.mostFrequentErrors.map((e) => e.message)).toEqual(['e00', 'e01', 'e02', 'e03', 'e04', 'e05', 'e06', 'e07', 'e08', 'e09']);
  });
});
