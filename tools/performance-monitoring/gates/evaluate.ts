// All gates of a run (docs/gates.md, docs/cli.md): --fail-under, each --assert and the --baseline comparison,
// as the report's `gates`; null when no gate was asked for. Any failed gate means exit 3.
import type { Analysis } from '../metrics/analysis-types.js';
import { evaluateAssertions } from './assert-eval.js';
import { compareWithBaseline } from './baseline.js';
import type { GateSettings, GatesReport } from './types.js';

export function evaluateGates(analysis: Analysis, settings: GateSettings): GatesReport | null {
  const { assertions, baseline, failUnder, regressionPct } = settings;
  if (assertions.length === 0 && baseline === null && failUnder === null) return null;
  const score = analysis.health.score;
  const failUnderResult = failUnder === null ? null : { limit: failUnder, actual: score, passed: score !== null && score >= failUnder };
  const assertionResults = evaluateAssertions(assertions, analysis);
  const comparison = baseline === null ? null : compareWithBaseline(baseline, analysis, regressionPct);
  const regressed = comparison !== null && [comparison.overall, ...comparison.services].some((e) => e.regression);
  const passed = (failUnderResult?.passed ?? true) && assertionResults.every((a) => a.passed) && !regressed;
  return { passed, failUnder: failUnderResult, assertions: assertionResults, baseline: comparison };
}
