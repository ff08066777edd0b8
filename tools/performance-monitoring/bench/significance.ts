// Measures the trend rule on generated durations (issue 9 item 6): healthy hours read non-stable,
// detection of real slowdowns, and the `--demo` week's service-hours, old rule (|change| > 10%)
// against new (also Welch p < 0.01).
//
// Run: npx tsx tools/performance-monitoring/bench/significance.ts [--seed N] [--seeds K] [--trials T]
// Deterministic: every figure follows from the printed seed (mulberry32 PRNG, Box-Muller normals).
// The windows are summarised as the product's Stats (samples, sumDuration, varDuration), so the new
// new rule is the product's own `computeTrend`.
import { parseArgs } from 'node:util';
import { mulberry32 } from '../harness/dataset.js';
import { computeTrend } from '../metrics/trend.js';
import type { TrendDirection } from '../report/types.js';
import { createDemoTable } from '../sources/demo-data.js';
import { openDuckDb } from '../sources/duckdb.js';
import type { Stats } from '../sources/types.js';
import { roundTo } from '../text/round.js';

/** One window as the aggregation reports it: Stats plus the sample variance of the durations. */
type WindowStats = Stats & { varDuration: number | null };
type Rule = (current: WindowStats, previous: WindowStats) => TrendDirection;

const MIN_SAMPLES = 20;
const CHANGE_PERCENT = 10;
const SIGMA = 0.8;
const HOURS = 48;
/** Five healthy services: median duration (ms); 150-300 operations an hour each. */
const SERVICES = [
  { name: 'hubspot', medianMs: 420 },
  { name: 'shopify', medianMs: 650 },
  { name: 'stripe', medianMs: 280 },
  { name: 'xero', medianMs: 1500 },
  { name: 'n8n', medianMs: 900 },
];

// ---- rules ---------------------------------------------------------------------------------

function percentChange(current: WindowStats, previous: WindowStats): number | null {
  if (current.samples < MIN_SAMPLES || previous.samples < MIN_SAMPLES) return null;
  const now = (current.sumDuration ?? 0) / current.samples;
  const before = (previous.sumDuration ?? 0) / previous.samples;
  return before === 0 ? null : ((now - before) * 100) / before;
}

/** As metrics/trend.ts judges it: on the change as the report shows it (0.01 %). */
function byChange(change: number): TrendDirection {
  const shown = roundTo(change, 2);
  if (shown > CHANGE_PERCENT) return 'degrading';
  if (shown < -CHANGE_PERCENT) return 'improving';
  return 'stable';
}

/** Before issue 9: the percent change alone (gives the same figures as main's computeTrend at 5b5982a). */
const oldRule: Rule = (current, previous) => {
  const change = percentChange(current, previous);
  return change === null ? 'insufficient_data' : byChange(change);
};

/** The rule now (docs/metrics.md): the percent change and Welch p < 0.01. */
const newRule: Rule = (current, previous) => computeTrend(current, previous).direction;

// ---- generated data ------------------------------------------------------------------------

function lognormal(random: () => number, medianMs: number): number {
  const u = 1 - random(); // (0, 1]: log never sees 0
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return medianMs * Math.exp(SIGMA * z);
}

/** Stats of one window of durations (Welford's sample variance, as var_samp gives it). */
function windowStats(durations: number[]): WindowStats {
  let mean = 0;
  let m2 = 0;
  durations.forEach((d, i) => {
    const delta = d - mean;
    mean += delta / (i + 1);
    m2 += delta * (d - mean);
  });
  const n = durations.length;
  return {
    operations: n,
    failures: 0,
    samples: n,
    sumDuration: n === 0 ? null : mean * n,
    minDuration: n === 0 ? null : Math.min(...durations),
    maxDuration: n === 0 ? null : Math.max(...durations),
    p50: null,
    p95: null,
    p99: null,
    satisfied: 0,
    tolerating: 0,
    invalidDurations: 0,
    varDuration: n < 2 ? null : m2 / (n - 1),
  };
}

function draw(random: () => number, n: number, medianMs: number, factor = 1): WindowStats {
  return windowStats(Array.from({ length: n }, () => lognormal(random, medianMs) * factor));
}

// ---- measurements --------------------------------------------------------------------------

interface Tally {
  windows: number;
  /** Windows with fewer than 20 samples on either side (both rules say insufficient_data). */
  insufficient: number;
  oldNonStable: number;
  newNonStable: number;
}

/** (a) 48 healthy hours of five services; each hour against the hour before (`--hours 1`). */
function healthyHours(seed: number): Tally {
  const random = mulberry32(seed);
  const tally: Tally = emptyTally();
  for (const service of SERVICES) {
    const hours = Array.from({ length: HOURS }, () => draw(random, 150 + Math.floor(random() * 151), service.medianMs));
    for (let h = 1; h < HOURS; h++) count(tally, hours[h] as WindowStats, hours[h - 1] as WindowStats);
  }
  return tally;
}

function count(tally: Tally, current: WindowStats, previous: WindowStats): void {
  tally.windows++;
  if (percentChange(current, previous) === null) tally.insufficient++;
  if (nonStable(oldRule(current, previous))) tally.oldNonStable++;
  if (nonStable(newRule(current, previous))) tally.newNonStable++;
}

const emptyTally = (): Tally => ({ windows: 0, insufficient: 0, oldNonStable: 0, newNonStable: 0 });

const nonStable = (d: TrendDirection) => d === 'improving' || d === 'degrading';

/** (b) Share of windows reading `degrading` when every duration is multiplied by factor. */
function detection(seed: number, samples: number, factor: number, trials: number): { old: number; new: number } {
  const random = mulberry32(seed);
  let oldHits = 0;
  let newHits = 0;
  for (let i = 0; i < trials; i++) {
    const previous = draw(random, samples, 600);
    const current = draw(random, samples, 600, factor);
    if (oldRule(current, previous) === 'degrading') oldHits++;
    if (newRule(current, previous) === 'degrading') newHits++;
  }
  return { old: oldHits / trials, new: newHits / trials };
}

/** Hourly duration stats of every service in the `--demo` week ending at `end` (operations as sql/aggregate.sql counts them). */
async function demoServiceHours(end: Date): Promise<Map<string, Map<number, WindowStats>>> {
  const db = await openDuckDb();
  try {
    await createDemoTable(db.connection, end);
    const reader = await db.connection.runAndReadAll(`
      SELECT CASE WHEN trim(source) = '' THEN '(none)' ELSE source END AS service,
        CAST(floor(epoch_ms(created_at) / 3600000) AS DOUBLE) AS hour,
        CAST(count(duration_ms) FILTER (WHERE duration_ms >= 0) AS DOUBLE) AS samples,
        CAST(sum(duration_ms) FILTER (WHERE duration_ms >= 0) AS DOUBLE) AS sum_duration,
        CAST(var_samp(duration_ms) FILTER (WHERE duration_ms >= 0) AS DOUBLE) AS var_duration
      FROM integration_logs
      WHERE duration_ms IS NOT NULL OR status IN ('success', 'error')
      GROUP BY ALL`);
    const byService = new Map<string, Map<number, WindowStats>>();
    for (const row of reader.getRowObjectsJS()) {
      const hours = byService.get(String(row.service)) ?? new Map<number, WindowStats>();
      byService.set(String(row.service), hours);
      hours.set(Number(row.hour), hourStats(Number(row.samples), row.sum_duration as number | null, row.var_duration as number | null));
    }
    return byService;
  } finally {
    db.close();
  }
}

function hourStats(samples: number, sumDuration: number | null, varDuration: number | null): WindowStats {
  const empty = windowStats([]);
  return { ...empty, operations: samples, samples, sumDuration, varDuration };
}

/**
 * (c) Every service-hour of one demo week against the hour before; the last 24 h carry the story.
 * `--demo` regenerates its week for each `--until`, so this reads the hours of one fixed week (as
 * `--input` of that week would); the last hour matches `--demo --hours 1 --until <end>` exactly.
 */
async function demoHours(end: Date): Promise<{ quiet: Tally; story: Tally }> {
  const endHour = end.getTime() / 3_600_000;
  const tallies = { quiet: emptyTally(), story: emptyTally() };
  for (const hours of (await demoServiceHours(end)).values()) {
    for (let h = endHour - 7 * 24 + 1; h < endHour; h++) {
      const current = hours.get(h) ?? windowStats([]);
      const previous = hours.get(h - 1) ?? windowStats([]);
      count(h >= endHour - 24 ? tallies.story : tallies.quiet, current, previous);
    }
  }
  return tallies;
}

// ---- output --------------------------------------------------------------------------------

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const TALLY_HEADER = 'data                         windows   insufficient   old rule non-stable   new rule non-stable';

function tallyRow(label: string, t: Tally): void {
  const share = (k: number) => `${k} (${pct(k / t.windows)})`.padStart(19);
  console.log(
    `${label.padEnd(28)} ${String(t.windows).padStart(7)}   ${String(t.insufficient).padStart(12)}   ${share(t.oldNonStable)}   ${share(t.newNonStable)}`,
  );
}

function printHealthy(seed: number, seeds: number): void {
  const first = healthyHours(seed);
  const all: Tally = emptyTally();
  for (let k = 0; k < seeds; k++) {
    const t = k === 0 ? first : healthyHours(seed + k);
    all.windows += t.windows;
    all.insufficient += t.insufficient;
    all.oldNonStable += t.oldNonStable;
    all.newNonStable += t.newNonStable;
  }
  console.log(`(a) healthy hours: ${SERVICES.length} services x ${HOURS} h, 150-300 ops/h, lognormal sigma ${SIGMA}, --hours 1`);
  console.log(TALLY_HEADER);
  tallyRow(`seed ${seed}`, first);
  tallyRow(`seeds ${seed}..${seed + seeds - 1}`, all);
}

function printDetection(seed: number, trials: number): void {
  console.log(`\n(b) detection: share of windows reading degrading, ${trials} trials per cell, median 600 ms`);
  console.log('samples/h   factor   old rule   new rule');
  for (const samples of [100, 250, 1000]) {
    for (const factor of [1, 1.3, 1.6]) {
      const r = detection(seed + samples * 10 + Math.round(factor * 10), samples, factor, trials);
      console.log(
        `${String(samples).padStart(9)}   ${factor.toFixed(1).padStart(6)}   ${pct(r.old).padStart(8)}   ${pct(r.new).padStart(8)}`,
      );
    }
  }
}

async function printDemo(): Promise<void> {
  const end = new Date(DEMO_END);
  const { quiet, story } = await demoHours(end);
  console.log(`\n(c) --demo week ending ${DEMO_END}, every service-hour against the hour before (--hours 1)`);
  console.log(TALLY_HEADER);
  tallyRow('days 1-6 (no story)', quiet);
  tallyRow('last 24 h (n8n, unleashed)', story);
}

const DEMO_END = '2025-11-20T12:00:00.000Z';

async function main(): Promise<void> {
  // `... | head` closes stdout early: end quietly instead of an EPIPE stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '20261202' },
      seeds: { type: 'string', default: '20' },
      trials: { type: 'string', default: '2000' },
    },
  });
  const seed = Number(values.seed);
  const seeds = Number(values.seeds);
  const trials = Number(values.trials);
  if (![seed, seeds, trials].every((v) => Number.isInteger(v) && v >= 0) || seeds < 1 || trials < 1) {
    console.error('significance bench: --seed, --seeds and --trials must be non-negative integers (seeds, trials >= 1)');
    process.exit(2);
  }
  console.log(`seed ${seed} (mulberry32)\n`);
  printHealthy(seed, seeds);
  printDetection(seed, trials);
  await printDemo();
}

await main();
