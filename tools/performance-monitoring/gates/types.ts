// Gates (docs/gates.md): the parsed --assert expressions and saved baseline the run checks, and the
// verdicts as the JSON report shows them (`gates`), figures rounded as the JSON rounds them.

export const GATE_METRICS = [
  'errorRate',
  'successRate',
  'avgDuration',
  'p50Duration',
  'p95Duration',
  'p99Duration',
  'apdex',
  'healthScore',
  'operations',
] as const;
/** docs/slos.md: `slo.<name>.<metric>`, figures of one declared SLO. */
export const SLO_GATE_METRICS = ['budgetRemaining', 'achieved', 'burnRate1h'] as const;
export type GateMetric = (typeof GATE_METRICS)[number] | (typeof SLO_GATE_METRICS)[number];
export type SloGateMetric = (typeof SLO_GATE_METRICS)[number];

export const GATE_OPS = ['<', '<=', '>', '>='] as const;
export type GateOp = (typeof GATE_OPS)[number];

/** One `--assert`, parsed: `[service.]metric op limit`. */
export interface Assertion {
  /** As the user wrote it. */
  expr: string;
  /** null: the overall figure (or the health score, or an SLO's). */
  service: string | null;
  /** The SLO's name for `slo.<name>.<metric>`, else null. */
  slo: string | null;
  metric: GateMetric;
  op: GateOp;
  limit: number;
}

/** The six figures docs/gates.md compares, as the JSON shows them, plus what the rules need. */
export interface ComparedFigures {
  operations: number;
  errorRate: number | null;
  avgDuration: number | null;
  p95Duration: number | null;
  p99Duration: number | null;
  apdex: number | null;
  /** Failed operations (the error-rate rule needs at least 5 now). */
  failures: number;
  /** Duration samples; null when unknown (a baseline saved before samples were in the JSON). */
  samples: number | null;
  /** Sample standard deviation of the durations, ms; null when none (fewer than 2 samples) or unknown
   *  (a baseline saved before stdDevDuration was in the JSON: Baseline.hasSpread false). */
  stdDevDuration: number | null;
}

/** A saved report, reduced to what a comparison reads (checked by gates/baseline-file.ts). */
export interface Baseline {
  file: string;
  period: { start: string; end: string; hours: number };
  threshold: number;
  /** The baseline's --service set (its JSON `service`: one name or several), null for all services. */
  serviceFilter: string[] | null;
  overall: ComparedFigures;
  services: { service: string; status: string; figures: ComparedFigures }[];
  /** The saved report carries stdDevDuration: the duration rule can test significance (docs/gates.md). */
  hasSpread: boolean;
}

export interface GateSettings {
  assertions: Assertion[];
  baseline: Baseline | null;
  /** --regression, percent. */
  regressionPct: number;
  failUnder: number | null;
}

export interface AssertionResult {
  expr: string;
  /** null: overall (or the health score, or an SLO's). */
  service: string | null;
  /** The SLO's name (`slo.<name>.<metric>`), else null. */
  slo: string | null;
  metric: GateMetric;
  /** The figure as the JSON shows it; null when there is none (no data). */
  actual: number | null;
  passed: boolean;
  /** Why there is no figure (`service 'x' is silent`), else null. */
  note: string | null;
}

export interface FailUnderResult {
  limit: number;
  actual: number | null;
  passed: boolean;
}

/** Then → now changes: percent for counts and durations, percentage points for the error rate,
 *  absolute for Apdex; null when either side has no figure (or then is 0 for a percent). */
export interface FigureChanges {
  operations: number | null;
  errorRate: number | null;
  avgDuration: number | null;
  p95Duration: number | null;
  p99Duration: number | null;
  apdex: number | null;
}

export type SixFigures = Omit<ComparedFigures, 'failures' | 'samples' | 'stdDevDuration'> & { samples: number | null };

export interface BaselineEntry {
  /** null for overall. */
  service: string | null;
  /** null: not in the baseline (new since). */
  then: SixFigures | null;
  /** null: not in this report at all. */
  now: SixFigures | null;
  change: FigureChanges;
  regression: boolean;
  /** Why it is a regression; empty when it is none. */
  reasons: string[];
  /** `new since the baseline`, else null. */
  note: string | null;
}

export interface BaselineReport {
  file: string;
  period: { start: string; end: string; hours: number };
  threshold: number;
  regressionPct: number;
  /** Why the comparison may mislead (another --threshold, --hours or --service). */
  notes: string[];
  overall: BaselineEntry;
  services: BaselineEntry[];
}

export interface GatesReport {
  /** Every gate held. */
  passed: boolean;
  failUnder: FailUnderResult | null;
  assertions: AssertionResult[];
  baseline: BaselineReport | null;
}
