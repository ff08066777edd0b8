// A generated day of operation logs for the alert replay (issue 9 item 5): five healthy services
// with quiet noise (lognormal durations, σ = 0.15, ~1% failures, 120 operations an hour each, so
// ±10% on an hourly average is never crossed by noise) and two incidents:
// - an error burst: `billing` fails 40% of its calls from 06:00 to 07:00 (overall error rate
//   stays below 10%: one service in five);
// - a latency regression: `search` (the fastest service, so the overall average moves < 10%)
//   takes twice as long from 14:00 to 16:00.
// Deterministic (seeded), so the expected alerts are the same on every run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DatasetRow, mulberry32 } from './dataset.js';

export const DAY_START = '2025-11-20T00:00:00.000Z';
export const PER_HOUR = 120;
export const SERVICES = [
  { name: 'crm', median: 400 },
  { name: 'billing', median: 350 },
  { name: 'search', median: 100 },
  { name: 'mailer', median: 450 },
  { name: 'sync', median: 500 },
] as const;
export const ERROR_BURST = {
  service: 'billing',
  from: '2025-11-20T06:00:00.000Z',
  to: '2025-11-20T07:00:00.000Z',
  failureRate: 0.4,
} as const;
export const LATENCY = { service: 'search', from: '2025-11-20T14:00:00.000Z', to: '2025-11-20T16:00:00.000Z', factor: 2 } as const;

const within = (ms: number, span: { from: string; to: string }) => ms >= Date.parse(span.from) && ms < Date.parse(span.to);

export function replayDay(hours = 24, seed = 20251120): DatasetRow[] {
  const random = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows: DatasetRow[] = [];
  const start = Date.parse(DAY_START);
  const stepMs = 3_600_000 / PER_HOUR;
  for (const [index, { name, median }] of SERVICES.entries()) {
    for (let k = 0; k < hours * PER_HOUR; k++) {
      // Evenly spread with a per-service offset, so windows always hold the same counts.
      const at = start + k * stepMs + (index * stepMs) / SERVICES.length;
      const slow = name === LATENCY.service && within(at, LATENCY) ? LATENCY.factor : 1;
      const failureRate = name === ERROR_BURST.service && within(at, ERROR_BURST) ? ERROR_BURST.failureRate : 0.01;
      const failed = random() < failureRate;
      rows.push({
        id: rows.length + 1,
        source: name,
        operation: null,
        level: failed ? 'error' : 'info',
        status: failed ? 'error' : 'success',
        message: failed ? `${name} upstream returned 503` : null,
        duration_ms: Math.round(median * slow * Math.exp(0.15 * normal())),
        created_at: new Date(at).toISOString(),
      });
    }
  }
  return rows;
}

export function writeReplayDay(dir: string): string {
  const file = join(dir, 'day.ndjson');
  writeFileSync(
    file,
    `${replayDay()
      .map((row) => JSON.stringify(row))
      .join('\n')}\n`,
  );
  return file;
}

/** The --until of every 5-minute cron run from 02:00 (two full hours of data) to the end of the day. */
export function cronTimes(stepMinutes = 5, from = '2025-11-20T02:00:00.000Z', to = '2025-11-21T00:00:00.000Z'): string[] {
  const times: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMinutes * 60_000) times.push(new Date(t).toISOString());
  return times;
}

/** Four healthy services with heavy noise (lognormal σ = 0.5, 120 operations an hour each, no
 *  failures) over `hours` from DAY_START: hourly windows whose means differ by more than 10% at
 *  p < 0.01 happen by chance, several times a day (docs/metrics.md, the Holm-Bonferroni paragraph). */
export const NOISY_SERVICES = [
  { name: 'crm', median: 400 },
  { name: 'billing', median: 350 },
  { name: 'search', median: 120 },
  { name: 'mailer', median: 450 },
] as const;

export function noisyDay(seed: number, hours = 12, perHour = 120, sigma = 0.5): DatasetRow[] {
  const random = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows: DatasetRow[] = [];
  const start = Date.parse(DAY_START);
  const step = 3_600_000 / perHour;
  for (const [index, { name, median }] of NOISY_SERVICES.entries()) {
    for (let k = 0; k < hours * perHour; k++) {
      rows.push({
        id: rows.length + 1,
        source: name,
        operation: null,
        level: 'info',
        status: 'success',
        message: null,
        duration_ms: Math.round(median * Math.exp(sigma * normal())),
        created_at: new Date(start + k * step + (index * step) / NOISY_SERVICES.length).toISOString(),
      });
    }
  }
  return rows;
}

/** Twelve hours from DAY_START for the SLO alert replay (docs/slos.md), durations quiet (σ = 0.15):
 *  `api` (360 an hour, 0.1% failures) fails 40% of its calls from 06:00 to 06:30, a fast incident;
 *  `billing` (360 an hour) fails 0.2% until 04:00, then 2%, a slow burn against 99%. */
export const SLO_INCIDENT = { service: 'api', from: '2025-11-20T06:00:00.000Z', to: '2025-11-20T06:30:00.000Z', failureRate: 0.4 } as const;

export function sloReplayDay(seed = 7, hours = 12, perHour = 360): DatasetRow[] {
  const random = mulberry32(seed);
  const rows: DatasetRow[] = [];
  const start = Date.parse(DAY_START);
  const step = 3_600_000 / perHour;
  const slowFrom = start + 4 * 3_600_000;
  for (const [index, name] of ['api', 'billing'].entries()) {
    for (let k = 0; k < hours * perHour; k++) {
      const at = start + k * step + (index * step) / 2;
      let failureRate = name === 'api' ? 0.001 : 0.002;
      if (name === 'api' && within(at, SLO_INCIDENT)) failureRate = SLO_INCIDENT.failureRate;
      if (name === 'billing' && at >= slowFrom) failureRate = 0.02;
      const failed = random() < failureRate;
      rows.push({
        id: rows.length + 1,
        source: name,
        operation: null,
        level: failed ? 'error' : 'info',
        status: failed ? 'error' : 'success',
        message: failed ? `${name} upstream returned 503` : null,
        duration_ms: Math.round(200 * Math.exp(0.15 * (random() - 0.5))),
        created_at: new Date(at).toISOString(),
      });
    }
  }
  return rows;
}
