// The live refresh loop (live/loop.ts) with real timers and real slow, hanging and failing
// refreshes: never two at once, the next right after a slow one, a hang cut off by the deadline
// and marked stale with its cause, recovery on the next refresh, one refresh however many ask.
import { afterEach, describe, expect, it } from 'vitest';
import { buildReport } from '../harness/report-fixture.js';
import { RefreshLoop } from '../live/loop.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const loops: RefreshLoop[] = [];
afterEach(async () => {
  for (const loop of loops.splice(0)) await loop.stop(0);
});

function track(loop: RefreshLoop): RefreshLoop {
  loops.push(loop);
  return loop;
}

describe('the refresh loop', () => {
  it('never overlaps: a refresh slower than the interval delays the next, which starts when it ends', async () => {
    let running = 0;
    let most = 0;
    const spans: [number, number][] = [];
    const loop = track(
      new RefreshLoop(
        async () => {
          running++;
          most = Math.max(most, running);
          const start = Date.now();
          await sleep(400);
          spans.push([start, Date.now()]);
          running--;
          return buildReport();
        },
        { intervalMs: 300, timeoutMs: 5_000 },
      ),
    );
    loop.start();
    await sleep(1_700);
    await loop.stop(1_000);
    expect(most).toBe(1);
    expect(spans.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < spans.length; i++) {
      const gap = (spans[i]?.[0] ?? 0) - (spans[i - 1]?.[1] ?? 0);
      // The next starts when the slow one ends: not before, and not an interval (300 ms) later
      // (the margin is for timers on a loaded machine).
      expect(gap).toBeGreaterThanOrEqual(0);
      expect(gap).toBeLessThan(150);
    }
  });

  it('cuts off a hanging refresh at the deadline, keeps the last good report marked stale, and recovers', async () => {
    let call = 0;
    let aborted = 0;
    const loop = track(
      new RefreshLoop(
        (signal) => {
          call++;
          if (call === 2) {
            signal.addEventListener('abort', () => aborted++);
            return new Promise(() => {}); // hangs for ever
          }
          return Promise.resolve(buildReport({ healthScore: call }));
        },
        { intervalMs: 100, timeoutMs: 300 },
      ),
    );
    const seen: string[] = [];
    loop.onChange((s) =>
      seen.push(s.failure === null ? `ok ${s.report?.healthScore}` : `stale ${s.report?.healthScore}: ${s.failure.cause}`),
    );
    loop.start();
    await sleep(900);
    expect(seen[0]).toBe('ok 1');
    expect(seen[1]).toBe('stale 1: no answer within 0.3s (PERFMON_TIMEOUT_MS): refresh abandoned');
    expect(seen[2]).toBe('ok 3');
    expect(aborted).toBe(1);
    expect(loop.state.failures).toBe(1);
  });

  it('a failure keeps the report and its cause; refreshNow while one runs joins it (single flight)', async () => {
    let calls = 0;
    let fail = false;
    const loop = track(
      new RefreshLoop(
        async () => {
          calls++;
          await sleep(150);
          if (fail) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          return buildReport();
        },
        { intervalMs: 60_000, timeoutMs: 5_000 },
      ),
    );
    await Promise.all(Array.from({ length: 50 }, () => loop.refreshNow()));
    expect(calls).toBe(1);
    fail = true;
    await loop.refreshNow();
    expect(loop.state.report).not.toBeNull();
    expect(loop.state.failure?.cause).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    expect([loop.state.refreshes, loop.state.failures]).toEqual([2, 1]);
  });
});
