// `--assert` expressions (docs/gates.md): `[service.]metric op number`, parsed at startup into an
// Assertion, or one line that points at the part of the expression that is wrong.

import { UsageError } from '../base/errors.js';
import { closestName } from '../text/closest.js';
import { forMessage } from '../text/safe-text.js';
import { type Assertion, GATE_METRICS, type GateMetric, type GateOp, SLO_GATE_METRICS, type SloGateMetric } from './types.js';

const GRAMMAR = 'use [service.]metric op number, e.g. p95Duration<1500 or hubspot.errorRate<2';
const OPS_TEXT = '<, <=, > or >=';
/** The first run of comparison characters is the operator; `=`, `==`, `!=`, `=<`, `=>` are refused. */
const OPERATOR = /[<>=!]+/;
const NUMBER = /^\d+(\.\d+)?$/;

/** Figures bounded by their unit: a limit outside can never be meant (apdex<85 for 0.85). */
const RANGE: Partial<Record<GateMetric, { max: number; unit: string }>> = {
  errorRate: { max: 100, unit: 'a percentage, 0 to 100' },
  successRate: { max: 100, unit: 'a percentage, 0 to 100' },
  apdex: { max: 1, unit: 'an Apdex, 0 to 1' },
  healthScore: { max: 100, unit: 'a score, 0 to 100' },
  achieved: { max: 100, unit: 'a percentage, 0 to 100' },
  budgetRemaining: { max: 1, unit: 'a fraction of the error budget, at most 1' },
};

/** Names people bring from k6 or habit, and the metric they mean. A Map, not an object literal:
 *  a lookup of `__proto__` or `constructor` must find nothing, not Object's own members. */
const ALIASES = new Map<string, GateMetric>([
  ['p(50)', 'p50Duration'],
  ['p(95)', 'p95Duration'],
  ['p(99)', 'p99Duration'],
  ['p50', 'p50Duration'],
  ['p95', 'p95Duration'],
  ['p99', 'p99Duration'],
  ['med', 'p50Duration'],
  ['median', 'p50Duration'],
  ['avg', 'avgDuration'],
  ['rate', 'errorRate'],
  ['count', 'operations'],
  ['errors', 'errorRate'],
  ['health', 'healthScore'],
  ['score', 'healthScore'],
]);

/** Parts of the expression quoted inside its message: short, so the line stays ~300 characters. */
const PART_MAX = 40;
const part = (text: string) => forMessage(text, PART_MAX);

export function parseAssertion(expr: string): Assertion {
  // The expression is the user's: escaped and clipped, so a newline or an escape sequence in it
  // cannot split the line or reach the terminal.
  const fail = (what: string) => new UsageError(`--assert ${forMessage(expr)}: ${what}`);
  if (expr.trim() === '') throw fail(`empty expression: ${GRAMMAR}`);
  const match = OPERATOR.exec(expr);
  if (!match) throw fail(`no comparison operator: ${GRAMMAR} (operators ${OPS_TEXT})`);
  const opText = match[0];
  if (!isOp(opText)) throw fail(`unknown operator ${part(opText)}: use ${OPS_TEXT}`);
  const left = expr.slice(0, match.index).trim();
  const right = expr.slice(match.index + opText.length).trim();
  // `slo.errorRate<2` is a service named slo: the SLO form ends in an SLO metric.
  if (left.startsWith(SLO_PREFIX) && !GATE_METRICS.some((m) => left.endsWith(`.${m}`))) {
    const { slo, metric } = parseSloSubject(left, fail);
    return { expr, service: null, slo, metric, op: opText, limit: parseLimit(right, opText, metric, fail) };
  }
  const { service, metric } = parseSubject(left, opText, fail);
  const limit = parseLimit(right, opText, metric, fail);
  return { expr, service, slo: null, metric, op: opText, limit };
}

function isOp(text: string): text is GateOp {
  return text === '<' || text === '<=' || text === '>' || text === '>=';
}

type Fail = (what: string) => UsageError;

const SLO_PREFIX = 'slo.';

/** `slo.all-availability.budgetRemaining`: the SLO's name between the prefix and the last dot (a
 *  name holds its service's dots); whether the SLO is declared is the evaluation's to say. */
function parseSloSubject(left: string, fail: Fail): { slo: string; metric: SloGateMetric } {
  const dot = left.lastIndexOf('.');
  const slo = left.slice(SLO_PREFIX.length, Math.max(dot, SLO_PREFIX.length)).trim();
  const name = dot < SLO_PREFIX.length ? '' : left.slice(dot + 1).trim();
  const use = `use slo.<name>.${SLO_GATE_METRICS.join('|')}, e.g. slo.all-availability.budgetRemaining>0.25`;
  if (slo === '') throw fail(`missing SLO name: ${use}`);
  const metric = SLO_GATE_METRICS.find((m) => m === name);
  if (!metric) throw fail(`unknown SLO metric ${part(name)}: ${use}`);
  return { slo, metric };
}

/** `hubspot.errorRate`, `api.v2.p95Duration`: the metric is the last dot-segment, the service
 *  everything before it (service names may contain dots). */
function parseSubject(left: string, op: string, fail: Fail): { service: string | null; metric: GateMetric } {
  if (left === '') throw fail(`missing metric before ${part(op)}: ${GRAMMAR}`);
  const dot = left.lastIndexOf('.');
  const name = left.slice(dot + 1).trim();
  const service = dot < 0 ? null : left.slice(0, dot).trim();
  if (name === '') throw fail(`missing metric after ${part(left)}: use one of ${GATE_METRICS.join(', ')}`);
  if (service === '') throw fail(`missing service name before ${part(`.${name}`)}`);
  const metric = GATE_METRICS.find((m) => m === name);
  if (!metric) {
    // `p(95)` holds no dot, but `api.p(95)` is the same mistake.
    const hint = suggest(dot < 0 ? left : name);
    throw fail(`unknown metric ${part(name)}${hint ? ` (did you mean ${hint}?)` : `: use one of ${GATE_METRICS.join(', ')}`}`);
  }
  if (metric === 'healthScore' && service !== null) {
    throw fail(`healthScore is the report's own score, not a service's: drop ${part(`${service}.`)}`);
  }
  return { service, metric };
}

function parseLimit(right: string, op: string, metric: GateMetric, fail: Fail): number {
  if (right === '') throw fail(`missing number after ${part(op)}`);
  if (OPERATOR.test(right)) throw fail(`more than one operator: compare one metric with one number`);
  if (!NUMBER.test(right)) {
    const unit = /^\d+(\.\d+)?\s*(ms|s|%)$/i.test(right) ? ' (no units: durations are ms, rates percent)' : '';
    throw fail(`${part(right)} is not a number >= 0${unit}`);
  }
  const limit = Number(right);
  // 400 digits parse as Infinity, which every figure is below: a gate that can never fail.
  if (!Number.isFinite(limit)) throw fail(`${part(right)} is too large to be a limit`);
  const range = RANGE[metric];
  if (range && limit > range.max) throw fail(`${part(right).slice(1, -1)} is out of range for ${metric}: use ${range.unit}`);
  return limit;
}

/** The metric a misspelt name most likely meant: an alias, the same name in another case, or
 *  one within two edits. */
function suggest(name: string): GateMetric | null {
  return ALIASES.get(name.toLowerCase()) ?? closestName(name, GATE_METRICS);
}
