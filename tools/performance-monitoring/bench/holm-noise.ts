// How often the seed's cron (`--hours 1` every 5 minutes, 02:00-12:00) reads a healthy but noisy
// service as degrading or improving, before and after the Holm-Bonferroni adjustment over a
// report's services (docs/metrics.md): `npx tsx tools/performance-monitoring/bench/holm-noise.ts
// [first seed] [seeds]`. Generates harness/replay-day.ts' noisyDay per seed and judges every run's
// windows with the product's own computeTrends; prints per seed the runs x services with a raw
// verdict (p < 0.01 and beyond ±10%) and with an adjusted one, then the half-days with any.
import { DAY_START, NOISY_SERVICES, noisyDay } from '../harness/replay-day.js';
import { computeTrends } from '../metrics/trend.js';
import type { Stats } from '../sources/types.js';

const HOUR = 3_600_000;
const first = Number(process.argv[2] ?? 1);
const seeds = Number(process.argv[3] ?? 40);

function stats(durations: { at: number; d: number }[], from: number, to: number): Stats {
  let n = 0;
  let sum = 0;
  let squares = 0;
  for (const r of durations) {
    if (r.at < from || r.at >= to) continue;
    n += 1;
    sum += r.d;
    squares += r.d * r.d;
  }
  const mean = sum / n;
  const variance = (squares - n * mean * mean) / (n - 1);
  return {
    operations: n,
    failures: 0,
    samples: n,
    sumDuration: sum,
    minDuration: null,
    maxDuration: null,
    p50: null,
    p95: null,
    p99: null,
    varDuration: variance,
    satisfied: 0,
    tolerating: 0,
    invalidDurations: 0,
  };
}

let rawDays = 0;
let adjustedDays = 0;
for (let seed = first; seed < first + seeds; seed++) {
  const start = Date.parse(DAY_START);
  const rows = noisyDay(seed);
  const byService = NOISY_SERVICES.map(({ name }) =>
    rows.filter((r) => r.source === name).map((r) => ({ at: Date.parse(r.created_at) - start, d: r.duration_ms ?? 0 })),
  );
  let raw = 0;
  let adjusted = 0;
  for (let t = 2 * HOUR; t <= 12 * HOUR; t += 5 * 60_000) {
    const trends = computeTrends(
      byService.map((list) => ({ current: stats(list, t - HOUR, t), previous: stats(list, t - 2 * HOUR, t - HOUR) })),
    );
    for (const trend of trends) {
      if (trend.pValue !== null && trend.pValue < 0.01 && Math.abs(trend.percentChange ?? 0) > 10) raw += 1;
      if (trend.direction === 'degrading' || trend.direction === 'improving') adjusted += 1;
    }
  }
  rawDays += raw > 0 ? 1 : 0;
  adjustedDays += adjusted > 0 ? 1 : 0;
  process.stdout.write(`seed ${seed}: ${raw} raw verdicts, ${adjusted} adjusted\n`);
}
process.stdout.write(`${seeds} half-days: ${rawDays} with a raw verdict, ${adjustedDays} with an adjusted one\n`);
