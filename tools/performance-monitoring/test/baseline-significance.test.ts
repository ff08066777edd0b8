// --baseline's regression rule does not cry wolf (docs/gates.md, issue 25): adjacent windows of
// the same stationary traffic (lognormal durations, ~2% failures, ~290 operations per service,
// generated with a fixed seed) are compared as the CLI would (the saved JSON report read back by
// loadBaseline), and a real 1.5x slowdown and a real error-rate rise are still caught, with a
// baseline saved by an older version too.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithBaseline } from '../gates/baseline.js';
import { loadBaseline } from '../gates/baseline-file.js';
import type { BaselineReport } from '../gates/types.js';
import { emptyDir } from '../harness/cli.js';
import { mulberry32 } from '../harness/dataset.js';
import { overall, result, service, statsOf } from '../harness/stats.js';
import { analyze } from '../metrics/analyze.js';
import { buildReport } from '../report/build.js';
import type { Stats } from '../sources/types.js';

const HOUR = 3_600_000;
const SERVICES = ['salesforce', 'hubspot'];
const PER_WINDOW = 290;

interface Window {
  durations: number[];
  failed: number[];
}

/** One window of one service: lognormal durations (median 400 ms, sigma 0.8), each failed with `errorRate`. */
function window(random: () => number, { slowdown = 1, errorRate = 0.02 } = {}): Window {
  const durations: number[] = [];
  const failed: number[] = [];
  for (let i = 0; i < PER_WINDOW; i++) {
    // Box-Muller: one standard normal from two uniforms.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    durations.push(Math.round(400 * Math.exp(0.8 * z) * slowdown));
    if (random() < errorRate) failed.push(i);
  }
  return { durations, failed };
}

const statsOfWindow = (w: Window): Stats => statsOf(w.durations, { failed: w.failed });
const merged = (windows: Window[]): Window => ({
  durations: windows.flatMap((w) => w.durations),
  failed: windows.flatMap((w, k) => w.failed.map((i) => i + k * PER_WINDOW)),
});

/** The analysis of a 3-hour window ending at `end`, the services' windows given (the previous one empty). */
function analysisOf(windows: Window[], end: number) {
  const rows = [
    overall('current', statsOfWindow(merged(windows))),
    ...windows.map((w, k) => service('current', SERVICES[k] as string, statsOfWindow(w))),
  ];
  const query = {
    start: new Date(end - 3 * HOUR),
    end: new Date(end),
    previousStart: new Date(end - 6 * HOUR),
    services: null,
    threshold: 2000,
  };
  return analyze(result(rows), { query, hours: 3, generatedAt: new Date(end) });
}

const dir = emptyDir('perfmon-baseline-stats-');

/** The report of `windows` saved as JSON (as --format json writes it), optionally without the
 *  fields a report of an older version lacks, and compared with `now`. */
function compare(then: Window[], now: Window[], options: { older?: boolean; name?: string } = {}): BaselineReport {
  const end = Date.UTC(2025, 11, 6, 12);
  const saved = JSON.parse(JSON.stringify(buildReport(analysisOf(then, end - 3 * HOUR)))) as {
    overall: Record<string, unknown>;
    services: { performance: Record<string, unknown> }[];
  };
  if (options.older) {
    delete saved.overall.stdDevDuration;
    for (const s of saved.services) delete s.performance.stdDevDuration;
  }
  const file = join(dir, `${options.name ?? 'baseline'}.json`);
  writeFileSync(file, JSON.stringify(saved));
  return compareWithBaseline(loadBaseline(file), analysisOf(now, end), 10);
}

const regressed = (report: BaselineReport) => report.overall.regression || report.services.some((s) => s.regression);

describe('the baseline rule on stationary traffic', () => {
  it('20 pairs of adjacent windows of the same traffic: no regression in at least 19', () => {
    const random = mulberry32(2025);
    const windows = Array.from({ length: 21 }, () => SERVICES.map(() => window(random)));
    const verdicts = windows.slice(1).map((now, i) => compare(windows[i] as Window[], now, { name: `pair-${i}` }));
    const flagged = verdicts.filter(regressed);
    expect(flagged.length, JSON.stringify(flagged.map((v) => v.services.flatMap((s) => s.reasons)))).toBeLessThanOrEqual(1);
    // The noise is real: some pair's p95 moved by more than the 10% that alone used to fail the gate.
    const p95Moves = verdicts.flatMap((v) => v.services.map((s) => Math.abs(s.change.p95Duration ?? 0)));
    expect(Math.max(...p95Moves)).toBeGreaterThan(10);
    // The percentages alone (what an older baseline gets) fail the gate on several of these pairs.
    const onPercentages = windows.slice(1).map((now, i) => compare(windows[i] as Window[], now, { older: true, name: `older-${i}` }));
    expect(onPercentages.filter(regressed).length).toBeGreaterThanOrEqual(5);
  });

  it('a real 1.5x slowdown of the mean is caught, with its change and p-value', () => {
    const random = mulberry32(7);
    const then = SERVICES.map(() => window(random));
    const now = [window(random, { slowdown: 1.5 }), window(random)];
    const report = compare(then, now, { name: 'slow' });
    const salesforce = report.services.find((s) => s.service === 'salesforce');
    expect(salesforce?.regression).toBe(true);
    expect(salesforce?.reasons.join('\n')).toMatch(
      /avgDuration \+\d+(\.\d+)?% \([\d,.]+ms → [\d,.]+ms, more than \+10%\); mean up, p = [\d.e-]+/,
    );
    expect(report.services.find((s) => s.service === 'hubspot')?.regression).toBe(false);
  });

  it('a real error-rate rise (2% -> 8%) is caught, with its change and p-value', () => {
    const random = mulberry32(11);
    const then = SERVICES.map(() => window(random));
    const now = [window(random), window(random, { errorRate: 0.08 })];
    const report = compare(then, now, { name: 'errors' });
    const hubspot = report.services.find((s) => s.service === 'hubspot');
    expect(hubspot?.regression).toBe(true);
    expect(hubspot?.reasons.join('\n')).toMatch(/errorRate \+[\d.]+ points \([\d.]+% → [\d.]+%, \d+ failures; p = [\d.e-]+\)/);
  });

  it('a baseline saved by an older version (no standard deviations) still works, on the percentages, and says so', () => {
    const random = mulberry32(7);
    const then = SERVICES.map(() => window(random));
    const now = [window(random, { slowdown: 1.5 }), window(random)];
    const report = compare(then, now, { older: true, name: 'older' });
    expect(report.notes).toContainEqual(expect.stringMatching(/no standard deviations .*percentages alone/));
    const salesforce = report.services.find((s) => s.service === 'salesforce');
    expect(salesforce?.regression).toBe(true);
    expect(salesforce?.reasons.join('\n')).toMatch(/avgDuration \+\d+(\.\d+)?% .*; percentages alone/);
    // The error-rate rule needs no deviation: it still tests.
    const rise = compare(then, [window(random), window(random, { errorRate: 0.08 })], { older: true, name: 'older-errors' });
    expect(rise.services.find((s) => s.service === 'hubspot')?.reasons.join('\n')).toMatch(/errorRate .*p = /);
  });
});
