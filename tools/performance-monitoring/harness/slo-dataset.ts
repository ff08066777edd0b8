// A generated week for the SLO tests (docs/slos.md), ending at a given minute, each service built to
// land on one verdict: `api` has a 50-minute incident (30% failures) that pages; `billing` fails
// 1.5% of its calls over the last 3.5 days, a slow burn that tickets and never pages; `search` is a
// healthy latency SLO at 500 ms (0.3% of calls at 700 ms), with calls of exactly 333 and 334 ms for
// the histogram's approximate case; `tiny` has 40 calls, 5 failed, none in the last 6 hours (an
// exhausted budget, burn windows under 20 events). Deterministic: the same end, the same rows.
import { type DatasetRow, mulberry32 } from './dataset.js';

export const SLO_DAYS = 7;
const MINUTE = 60_000;
const DAY = 86_400_000;

export const SLO_SPECS = [
  'api.availability>=99.5',
  'billing.availability>=99',
  'search.latency(500)>=99',
  'search.latency(333)>=70',
  'tiny.availability>=99.9',
  'ghost.availability>=99',
  'availability>=99',
] as const;

export function sloRows(end: Date): DatasetRow[] {
  const random = mulberry32(2311);
  const rows: DatasetRow[] = [];
  const endMs = end.getTime();
  const start = endMs - SLO_DAYS * DAY;
  const add = (source: string, at: number, failed: boolean, duration: number | null) =>
    rows.push({
      id: rows.length + 1,
      source,
      operation: `${source}.call`,
      level: failed ? 'error' : 'info',
      status: failed ? 'error' : 'success',
      message: failed ? `${source} upstream returned 503` : null,
      duration_ms: duration,
      created_at: new Date(at).toISOString(),
    });
  // api: every 15 s; one failure in 2,000 calls, and 3 in 10 during the last 50 minutes.
  for (let i = 0, at = start + 7_000; at < endMs; i++, at += 15_000) {
    const incident = at >= endMs - 50 * MINUTE;
    add('api', at, incident ? i % 10 < 3 : i % 2000 === 7, 80 + Math.floor(random() * 40));
  }
  // billing: every minute; 3 in 200 fail over the last 3.5 days.
  for (let i = 0, at = start + 13_000; at < endMs; i++, at += MINUTE) {
    add('billing', at, at >= endMs - 3.5 * DAY && i % 200 < 3, 200 + Math.floor(random() * 100));
  }
  // search: every minute; 100-400 ms, 0.3% at 700 ms, and every 97th call exactly 333 or 334 ms.
  for (let i = 0, at = start + 29_000; at < endMs; i++, at += MINUTE) {
    const r = random();
    let duration = 100 + Math.floor(random() * 300);
    if (r < 0.003) duration = 700;
    else if (i % 97 === 0) duration = i % 2 === 0 ? 333 : 334;
    add('search', at, false, duration);
  }
  // tiny: 30 calls over the first four days (5 failed), 10 between 3 days and 6 hours before the end.
  for (let i = 0; i < 30; i++) add('tiny', start + 3_600_000 + i * 3 * 3_600_000, i % 6 === 0, 50);
  for (let i = 0; i < 10; i++) add('tiny', endMs - 3 * DAY + 3_600_000 + i * 6 * 3_600_000, false, 50);
  return rows;
}
