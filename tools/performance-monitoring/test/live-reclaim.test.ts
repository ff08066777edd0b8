// The live views' periodic full collection (live/reclaim.ts, docs/live.md "Memory"): at most one
// per interval, and a real full collection (an object only weakly held is gone after it).
import { describe, expect, it } from 'vitest';
import { Reclaimer } from '../live/reclaim.js';

describe('Reclaimer', () => {
  it('collects at most once per interval', () => {
    const start = Date.now();
    const reclaimer = new Reclaimer(10_000);
    expect(reclaimer.afterRefresh(start + 5_000)).toBe(false);
    expect(reclaimer.afterRefresh(start + 10_000)).toBe(true);
    expect(reclaimer.afterRefresh(start + 19_999)).toBe(false);
    expect(reclaimer.afterRefresh(start + 20_000)).toBe(true);
  });

  it('runs a full collection without node --expose-gc', async () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    // An object reachable only through a WeakRef: without the collection it is still there
    // (checked: with no collection asked, deref() returns it).
    const ref = (() => {
      const held = { payload: new Array(1_000).fill('x') };
      return new WeakRef(held);
    })();
    // A WeakRef's target is kept until the current job ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(new Reclaimer(0).afterRefresh()).toBe(true);
    expect(ref.deref()).toBeUndefined();
    // The collector stays private: nothing was added to the global scope.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
