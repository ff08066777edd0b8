// The text report's gate sections (docs/gates.md): COMPARED WITH BASELINE (then → now → change,
// regressions marked) and GATES (one ✅/❌ line per gate). Figures at the JSON's precision,
// since that is what the gates decided on.
import type { AssertionResult, BaselineEntry, BaselineReport, GateMetric, GatesReport, SixFigures } from '../gates/types.js';
import { formatCount, formatNumber } from '../text/format.js';
import { forTerminalLine as clean } from '../text/safe-text.js';
import type { Colors } from './colors.js';

const INDENT = '   ';
const ARROW = '→';

const ms = (v: number) => `${formatNumber(v, 1)}ms`;
const percent = (v: number) => `${formatNumber(v, 2)}%`;
const apdex = (v: number) => formatNumber(v, 3);
const orNa = (v: number | null, format: (v: number) => string) => (v === null ? 'n/a' : format(v));
const signed = (v: number, text: string) => `${v > 0 ? '+' : ''}${text}`;

const METRIC_FORMAT: Record<GateMetric, (v: number) => string> = {
  errorRate: percent,
  successRate: percent,
  avgDuration: ms,
  p50Duration: ms,
  p95Duration: ms,
  p99Duration: ms,
  apdex,
  healthScore: formatCount,
  operations: formatCount,
  budgetRemaining: (v) => `${formatNumber(v, 4)} of the error budget`,
  achieved: (v) => `${formatNumber(v, 3)}%`,
  burnRate1h: (v) => `${formatNumber(v, 4)}x`,
};

export function gateLines(gates: GatesReport, colors: Colors): string[] {
  const mark = (passed: boolean, text: string) => (passed ? colors.green(`✅ ${text}`) : colors.red(`❌ ${text}`));
  const lines: string[] = [];
  if (gates.failUnder) {
    const { limit, actual, passed } = gates.failUnder;
    lines.push(
      mark(passed, `--fail-under ${formatNumber(limit, 2)}: health score ${actual === null ? 'n/a (no data)' : formatCount(actual)}`),
    );
  }
  for (const a of gates.assertions) lines.push(mark(a.passed, `${clean(a.expr)}: ${actualText(a)}`));
  if (gates.baseline) {
    const regressed = [gates.baseline.overall, ...gates.baseline.services].filter((e) => e.regression).map(entryName);
    const verdict =
      regressed.length === 0
        ? 'no regression'
        : `${regressed.length} regression${regressed.length === 1 ? '' : 's'} (${regressed.join(', ')})`;
    lines.push(mark(regressed.length === 0, `--baseline ${clean(gates.baseline.file)}: ${verdict}`));
  }
  return lines;
}

function actualText(a: AssertionResult): string {
  if (a.actual === null) return `no data${a.note === null ? '' : ` (${clean(a.note)})`}`;
  return METRIC_FORMAT[a.metric](a.actual);
}

const entryName = (e: BaselineEntry) => (e.service === null ? 'overall' : clean(e.service));

export function baselineLines(baseline: BaselineReport, colors: Colors): string[] {
  const { start, end, hours } = baseline.period;
  const head = [
    `Baseline: ${clean(baseline.file)}, ${clean(start)} - ${clean(end)} (${formatNumber(hours, 4)}h, T=${formatCount(baseline.threshold)}ms)`,
    `Regression: p95/avg > +${formatNumber(baseline.regressionPct, 2)}% (20+ samples, mean up at p < 0.01), errors > +1 pt (5+ failures, p < 0.01), silent`,
    ...baseline.notes.map((note) => colors.yellow(`Note: ${clean(note)}`)),
  ];
  const blocks = [baseline.overall, ...baseline.services].flatMap((entry) => ['', ...entryBlock(entry, colors)]);
  return [...head, ...blocks];
}

function entryTitle(entry: BaselineEntry, name: string, colors: Colors): string {
  if (entry.regression) return colors.red(`❌ ${name} — regression`);
  return entry.then === null ? `🆕 ${name} — new since the baseline` : colors.green(`✅ ${name}`);
}

function entryBlock(entry: BaselineEntry, colors: Colors): string[] {
  const name = entry.service === null ? 'Overall' : clean(entry.service);
  const title = entryTitle(entry, name, colors);
  const rows = figureRows(entry.then, entry.now, entry.change);
  const reasons = entry.reasons.map((r) => colors.red(`${INDENT}Regression: ${clean(r)}`));
  return [title, ...rows.map((row) => INDENT + row), ...reasons];
}

type Row = [label: string, key: keyof Omit<SixFigures, 'samples'>, format: (v: number) => string, change: (v: number) => string];

const pctChange = (v: number) => signed(v, `${formatNumber(v, 1)}%`);
const ROWS: Row[] = [
  ['Operations', 'operations', formatCount, pctChange],
  ['Error Rate', 'errorRate', percent, (v) => signed(v, `${formatNumber(v, 2)} pp`)],
  ['Avg Duration', 'avgDuration', ms, pctChange],
  ['P95 Duration', 'p95Duration', ms, pctChange],
  ['P99 Duration', 'p99Duration', ms, pctChange],
  ['Apdex', 'apdex', apdex, (v) => signed(v, formatNumber(v, 3))],
];

function figureRows(then: SixFigures | null, now: SixFigures | null, change: BaselineEntry['change']): string[] {
  return ROWS.map(([label, key, format, changeText]) => {
    const delta = change[key];
    const tail = delta === null ? '' : ` (${changeText(delta)})`;
    return `${label}: ${orNa(then?.[key] ?? null, format)} ${ARROW} ${orNa(now?.[key] ?? null, format)}${tail}`;
  });
}
