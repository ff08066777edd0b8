// `--assert` verdicts (docs/gates.md): each assertion against the analysis, on the figure as the JSON
// shows it (so `p95Duration<1500` and a p95 of 1,500.04, shown as 1500, agree with the report).
import type { Analysis, Figures } from '../metrics/analysis-types.js';
import type { SloAnalysis } from '../metrics/slo.js';
import type { Assertion, AssertionResult, GateMetric, GateOp, SloGateMetric } from './types.js';

/** A metric of one group, as the report shows it (metrics/shown.ts). */
const FIGURE: Record<Exclude<GateMetric, 'healthScore' | SloGateMetric>, (f: Figures) => number | null> = {
  errorRate: (f) => f.shown.errorRate,
  successRate: (f) => f.shown.successRate,
  avgDuration: (f) => f.shown.avgDuration,
  p50Duration: (f) => f.shown.p50,
  p95Duration: (f) => f.shown.p95,
  p99Duration: (f) => f.shown.p99,
  apdex: (f) => f.shown.apdex,
  operations: (f) => f.operations,
};

const HOLDS: Record<GateOp, (actual: number, limit: number) => boolean> = {
  '<': (a, l) => a < l,
  '<=': (a, l) => a <= l,
  '>': (a, l) => a > l,
  '>=': (a, l) => a >= l,
};

export function evaluateAssertions(assertions: Assertion[], analysis: Analysis): AssertionResult[] {
  return assertions.map((assertion) => {
    const { actual, note } = actualOf(assertion, analysis);
    const passed = actual !== null && HOLDS[assertion.op](actual, assertion.limit);
    return { expr: assertion.expr, service: assertion.service, slo: assertion.slo, metric: assertion.metric, actual, passed, note };
  });
}

interface Actual {
  actual: number | null;
  note: string | null;
}

/** An SLO's figure as the JSON shows it (docs/slos.md). */
const SLO_FIGURE: Record<SloGateMetric, (slo: SloAnalysis) => number | null> = {
  budgetRemaining: (slo) => slo.errorBudget.remaining,
  achieved: (slo) => slo.achieved,
  burnRate1h: (slo) => slo.burnRates['1h'],
};

function isSloMetric(metric: GateMetric): metric is SloGateMetric {
  return metric in SLO_FIGURE;
}

function actualOf({ service, slo, metric }: Assertion, analysis: Analysis): Actual {
  if (slo !== null || isSloMetric(metric)) {
    const found = analysis.slos.find((s) => s.name === slo);
    if (!found || !isSloMetric(metric)) return { actual: null, note: `no SLO '${slo}' declared (--slo)` };
    const why = metric === 'burnRate1h' ? 'fewer than 20 events in the last hour' : 'no events in the SLO period';
    return orNote(SLO_FIGURE[metric](found), why);
  }
  if (metric === 'healthScore') return orNote(analysis.health.score, 'no operations in this period');
  if (service === null) return orNote(FIGURE[metric](analysis.overall.current), missingWhy(metric));
  const found = analysis.services.find((s) => s.service === service);
  // A service without data fails whatever the comparison, even `operations<10`: its absence is
  // what a gate is there to catch.
  if (!found) return { actual: null, note: `no service '${service}' in this report` };
  if (found.status === 'silent') return { actual: null, note: `service '${service}' is silent: no operations now` };
  return orNote(FIGURE[metric](found.current), missingWhy(metric));
}

function orNote(actual: number | null, why: string): Actual {
  return actual === null ? { actual, note: why } : { actual, note: null };
}

function missingWhy(metric: GateMetric): string {
  return metric === 'errorRate' || metric === 'successRate' ? 'no operations' : 'no duration samples';
}
