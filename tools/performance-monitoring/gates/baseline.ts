// The comparison with a saved baseline (docs/gates.md): per service and overall, six figures then and
// now, their change, and the regressions. Both sides are compared as the JSON shows them (the
// saved report is rounded already; this run is rounded the same way), so what the report prints
// is what was decided on.

import type { Analysis, Figures } from '../metrics/analysis-types.js';
import { isSignificant, proportionRiseP, roundPValue, welchRiseP } from '../metrics/significance.js';
import { formatCount, formatNumber } from '../text/format.js';
import { roundTo } from '../text/round.js';
import { forMessageText } from '../text/safe-text.js';
import type { Baseline, BaselineEntry, BaselineReport, ComparedFigures, FigureChanges, SixFigures } from './types.js';

/** docs/gates.md: the duration rule needs this many samples on both sides, the error-rate rule this
 *  many failures now, and an error rate up by more than this many percentage points. */
export const MIN_SAMPLES = 20;
export const MIN_FAILURES = 5;
export const ERROR_RATE_POINTS = 1;
/** New services a gone one's reason names (then "and K more"), each clipped to this many
 *  characters: every gone service repeats the list, so unbounded it grew with the square of the
 *  services (3,000 renamed: 121 MB of JSON). */
export const RENAMED_LISTED = 5;
const RENAMED_NAME_MAX = 40;

export function compareWithBaseline(baseline: Baseline, analysis: Analysis, regressionPct: number): BaselineReport {
  const rules = { regressionPct, tested: baseline.hasSpread };
  const nowOverall = figuresNow(analysis.overall.current);
  const overall = compareEntry(null, baseline.overall, nowOverall, rules);
  if (baseline.overall.operations > 0 && nowOverall.operations === 0) {
    overall.regression = true;
    overall.reasons.push(`no operations now (${formatCount(baseline.overall.operations)} in the baseline)`);
  }
  return {
    file: baseline.file,
    period: baseline.period,
    threshold: baseline.threshold,
    regressionPct,
    notes: notesFor(baseline, analysis),
    overall,
    services: compareServices(baseline, analysis, rules),
  };
}

interface Rules {
  regressionPct: number;
  /** The baseline has standard deviations: a slower p95/avg must also be a significant rise of
   *  the mean (Welch); without them (an older baseline) the percentages alone decide. */
  tested: boolean;
}

function figuresNow(f: Figures): ComparedFigures {
  return {
    operations: f.operations,
    errorRate: f.shown.errorRate,
    avgDuration: f.shown.avgDuration,
    p95Duration: f.shown.p95,
    p99Duration: f.shown.p99,
    apdex: f.shown.apdex,
    failures: f.failures,
    samples: f.samples,
    stdDevDuration: f.shown.stdDevDuration,
  };
}

function compareServices(baseline: Baseline, analysis: Analysis, rules: Rules): BaselineEntry[] {
  // With --service, only the services of the set are this report's business in the baseline.
  const filter = analysis.serviceFilter === null ? null : new Set(analysis.serviceFilter);
  const saved = baseline.services.filter((s) => filter === null || filter.has(s.service));
  const savedByName = new Map(saved.map((s) => [s.service, s.figures]));
  const nowNames = new Set(analysis.services.map((s) => s.service));
  const newNames = analysis.services.filter((s) => !savedByName.has(s.service) && s.current.operations > 0).map((s) => s.service);
  const entries: BaselineEntry[] = [];
  for (const s of analysis.services) {
    const then = savedByName.get(s.service) ?? null;
    const now = figuresNow(s.current);
    // Silent on both sides (or silent now and never saved): nothing to compare.
    if (now.operations === 0 && (then === null || then.operations === 0)) continue;
    const entry = compareEntry(s.service, then, now, rules);
    if (then !== null && then.operations > 0 && now.operations === 0) {
      entry.regression = true;
      entry.reasons.push(`silent now (${formatCount(then.operations)} operations in the baseline)`);
    }
    entries.push(entry);
  }
  const renamed = renamedHint(newNames);
  for (const { service, figures } of saved) {
    if (nowNames.has(service) || figures.operations === 0) continue;
    entries.push({
      ...compareEntry(service, figures, null, rules),
      regression: true,
      reasons: [`absent now (${formatCount(figures.operations)} operations in the baseline)${renamed}`],
    });
  }
  return entries;
}

/** Two --service sets name the same services, whatever their order. */
function sameSet(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  const inB = new Set(b);
  return new Set(a).size === inB.size && a.every((name) => inB.has(name));
}

/** `all services`, `service 'x' only`, `services 'a', 'b' only`. The baseline's names are the
 *  file's text: escaped and clipped like any value shown (the first 5 of a long set). */
function scopeText(services: readonly string[] | null): string {
  if (services === null) return 'all services';
  const shown = services.slice(0, 5).map((name) => forMessageText(name, 80));
  const more = services.length > 5 ? ` and ${formatCount(services.length - 5)} more` : '';
  return `service${services.length > 1 ? 's' : ''} ${shown.join(', ')}${more} only`;
}

/** `; new since the baseline: a, b and 3 more (renamed? ...)`, the same for every gone service. */
function renamedHint(newNames: string[]): string {
  if (newNames.length === 0) return '';
  const listed = newNames.slice(0, RENAMED_LISTED).map((name) => forMessageText(name, RENAMED_NAME_MAX));
  const more = newNames.length > RENAMED_LISTED ? ` and ${formatCount(newNames.length - RENAMED_LISTED)} more` : '';
  return `; new since the baseline: ${listed.join(', ')}${more} (renamed? save a new baseline)`;
}

function compareEntry(service: string | null, then: ComparedFigures | null, now: ComparedFigures | null, rules: Rules): BaselineEntry {
  const reasons = then !== null && now !== null && now.operations > 0 ? regressions(then, now, rules) : [];
  return {
    service,
    // biome-ignore lint/suspicious/noThenProperty: `then` is the report's documented field (report.schema.json); an entry is plain data, never awaited.
    then: then && six(then),
    now: now && six(now),
    change: changes(then, now),
    regression: reasons.length > 0,
    reasons,
    note: then === null ? 'new since the baseline' : null,
  };
}

function six({ operations, errorRate, avgDuration, p95Duration, p99Duration, apdex, samples }: ComparedFigures): SixFigures {
  return { operations, errorRate, avgDuration, p95Duration, p99Duration, apdex, samples };
}

function regressions(then: ComparedFigures, now: ComparedFigures, rules: Rules): string[] {
  const reasons: string[] = [];
  // Unknown samples (a baseline saved without them) are not enough: the rule is not applied.
  const enoughSamples = (then.samples ?? 0) >= MIN_SAMPLES && (now.samples ?? 0) >= MIN_SAMPLES;
  if (enoughSamples) {
    // docs/gates.md: the percentage is the size that matters, the test the judge of whether the
    // mean really rose; noise in a p95 of two stationary windows is no regression.
    const meanP = rules.tested ? welchRiseP(summary(then), summary(now)) : null;
    const judged = !rules.tested || isSignificant(meanP);
    for (const key of ['p95Duration', 'avgDuration'] as const) {
      const reason = slower(key, then[key], now[key], rules.regressionPct);
      if (reason && judged) reasons.push(`${reason}${rules.tested ? `; mean up, p = ${formatP(meanP)}` : '; percentages alone'}`);
    }
  }
  const points = difference(then.errorRate, now.errorRate, 2);
  if (points !== null && points > ERROR_RATE_POINTS && now.failures >= MIN_FAILURES) {
    // The rates as shown (0.01 %), like every decision here.
    const rate = (f: ComparedFigures) => ({ rate: (f.errorRate ?? 0) / 100, operations: f.operations });
    const p = proportionRiseP(rate(then), rate(now));
    if (isSignificant(p)) {
      reasons.push(
        `errorRate +${formatNumber(points, 2)} points (${formatNumber(then.errorRate ?? 0, 2)}% → ${formatNumber(now.errorRate ?? 0, 2)}%, ${formatCount(now.failures)} failures; p = ${formatP(p)})`,
      );
    }
  }
  return reasons;
}

/** A side's duration samples for Welch's test, as the JSON shows them (mean and deviation at 0.1 ms). */
function summary(f: ComparedFigures): { n: number; mean: number; variance: number | null } {
  return { n: f.samples ?? 0, mean: f.avgDuration ?? Number.NaN, variance: f.stdDevDuration === null ? null : f.stdDevDuration ** 2 };
}

/** A p-value as the JSON shows p-values (3 significant digits); `n/a` untestable. */
function formatP(p: number | null): string {
  const shown = roundPValue(p);
  return shown === null ? 'n/a' : String(shown);
}

/** Worse by more than `pct` percent, as the JSON shows the change (0.01 %). */
function slower(key: string, then: number | null, now: number | null, pct: number): string | null {
  if (then === null || now === null) return null;
  const change = percentChange(then, now);
  // From 0 ms any slower figure is infinitely worse.
  const worse = change === null ? now > then : change > pct;
  if (!worse) return null;
  const ms = (v: number) => `${formatNumber(v, 1)}ms`;
  return `${key} ${change === null ? 'up from 0' : `+${formatNumber(change, 2)}%`} (${ms(then)} → ${ms(now)}, more than +${formatNumber(pct, 2)}%)`;
}

function percentChange(then: number | null, now: number | null): number | null {
  if (then === null || now === null || then === 0) return null;
  return roundTo(((now - then) / then) * 100, 2);
}

function difference(then: number | null, now: number | null, decimals: number): number | null {
  return then === null || now === null ? null : roundTo(now - then, decimals);
}

function changes(then: ComparedFigures | null, now: ComparedFigures | null): FigureChanges {
  return {
    operations: percentChange(then?.operations ?? null, now?.operations ?? null),
    errorRate: difference(then?.errorRate ?? null, now?.errorRate ?? null, 2),
    avgDuration: percentChange(then?.avgDuration ?? null, now?.avgDuration ?? null),
    p95Duration: percentChange(then?.p95Duration ?? null, now?.p95Duration ?? null),
    p99Duration: percentChange(then?.p99Duration ?? null, now?.p99Duration ?? null),
    apdex: difference(then?.apdex ?? null, now?.apdex ?? null, 3),
  };
}

/** Why the comparison may mislead. It runs anyway: a deploy gate is still worth its error rates
 *  and durations when the windows or thresholds differ; the notes say what to read with care. */
function notesFor(baseline: Baseline, analysis: Analysis): string[] {
  const notes: string[] = [];
  if (baseline.threshold !== analysis.threshold) {
    notes.push(
      `the baseline used --threshold ${baseline.threshold}, this report ${analysis.threshold}: Apdex is not comparable (compared anyway)`,
    );
  }
  if (baseline.period.hours !== analysis.period.hours) {
    notes.push(
      `the baseline covers ${baseline.period.hours}h, this report ${analysis.period.hours}h: operation counts are not comparable (compared anyway)`,
    );
  }
  if (!sameSet(baseline.serviceFilter, analysis.serviceFilter)) {
    notes.push(
      `the baseline covers ${scopeText(baseline.serviceFilter)}, this report ${scopeText(analysis.serviceFilter)}: overall figures are not comparable (compared anyway)`,
    );
  }
  if (!baseline.hasSpread && baseline.overall.samples !== null) {
    notes.push(
      'the baseline has no standard deviations (saved by an older version): p95/avg were compared on the percentages alone, without the significance test; save a new baseline',
    );
  }
  if (baseline.overall.samples === null) {
    notes.push(
      `the baseline has no sample counts (saved by an older version): the p95/avg rule (at least ${MIN_SAMPLES} samples on both sides) was not applied; save a new baseline`,
    );
  }
  return notes;
}
