// The gate sections (docs/gates.md) as plain rows for the Markdown and HTML reports: one line per
// gate (the text report's wording, no colour) and the baseline comparison as a table, one row
// per entry with then → now (change) per figure. Callers escape for their own markup.
import type { BaselineEntry, BaselineReport, GatesReport, SixFigures } from '../gates/types.js';
import { formatCount, formatNumber } from '../text/format.js';
import { forTerminalLine } from '../text/safe-text.js';
import { createColors } from './colors.js';
import { gateLines } from './text-gates.js';

/** `✅ p95Duration<1500: 1,234.5ms`, one per gate, as the text report's GATES section says it. */
export function gateItems(gates: GatesReport): string[] {
  return gateLines(gates, createColors(false));
}

const ms = (v: number) => `${formatNumber(v, 1)}ms`;
const percent = (v: number) => `${formatNumber(v, 2)}%`;
const signed = (v: number, text: string) => `${v > 0 ? '+' : ''}${text}`;
const pctChange = (v: number) => signed(v, `${formatNumber(v, 1)}%`);

type Key = keyof Omit<SixFigures, 'samples'>;
const COLUMNS: [label: string, key: Key, format: (v: number) => string, change: (v: number) => string][] = [
  ['Operations', 'operations', formatCount, pctChange],
  ['Error rate', 'errorRate', percent, (v) => signed(v, `${formatNumber(v, 2)} pp`)],
  ['Avg', 'avgDuration', ms, pctChange],
  ['P95', 'p95Duration', ms, pctChange],
  ['P99', 'p99Duration', ms, pctChange],
  ['Apdex', 'apdex', (v) => formatNumber(v, 3), (v) => signed(v, formatNumber(v, 3))],
];

export const BASELINE_HEADERS = ['Service', 'Verdict', ...COLUMNS.map(([label]) => label)];

function verdict(entry: BaselineEntry): string {
  if (entry.regression) return `❌ regression: ${entry.reasons.map(forTerminalLine).join('; ')}`;
  return entry.then === null ? '🆕 new since the baseline' : '✅ no regression';
}

function figure(entry: BaselineEntry, [, key, format, change]: (typeof COLUMNS)[number]): string {
  const side = (f: SixFigures | null) => {
    const v = f?.[key] ?? null;
    return v === null ? 'n/a' : format(v);
  };
  const delta = entry.change[key];
  return `${side(entry.then)} → ${side(entry.now)}${delta === null ? '' : ` (${change(delta)})`}`;
}

/** The comparison's heading lines (file, period, rule, notes). */
export function baselineHead(baseline: BaselineReport): string[] {
  const { start, end, hours } = baseline.period;
  return [
    `Baseline: ${baseline.file}, ${start} – ${end} (${formatNumber(hours, 4)}h, T=${formatCount(baseline.threshold)}ms)`,
    `Regression: p95/avg > +${formatNumber(baseline.regressionPct, 2)}% (20+ samples, mean up at p < 0.01), errors > +1 pt (5+ failures, p < 0.01), silent`,
    ...baseline.notes.map((note) => `Note: ${note}`),
  ];
}

/** One row per entry, overall first, cells as plain text. */
export function baselineRows(baseline: BaselineReport): string[][] {
  return [baseline.overall, ...baseline.services].map((entry) => [
    entry.service === null ? 'Overall' : entry.service,
    verdict(entry),
    ...COLUMNS.map((column) => figure(entry, column)),
  ]);
}
