// A tailed file's window ends where a refresh starts, the end exclusive (docs/live.md, docs/cli.md:
// [end - hours, end)): a row stamped at the end is counted from the next refresh on, one a
// millisecond before it at once, in the rollup read (sources/file/tail-rollups.ts) and the exact one.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyDir } from '../harness/cli.js';
import { TailingFileSource } from '../sources/file/tail.js';
import type { AggregateQuery } from '../sources/types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2025-11-20T12:20:00Z');

/** One operation at `at` (epoch ms), as an NDJSON line. */
const line = (at: number) =>
  `${JSON.stringify({ source: 'api', operation: 'get', status: 'success', duration_ms: 120, created_at: new Date(at).toISOString() })}\n`;
const windows = (now: number): AggregateQuery => ({
  start: new Date(now - DAY),
  end: new Date(now),
  previousStart: new Date(now - 2 * DAY),
  services: null,
  threshold: 2000,
});

const sources: TailingFileSource[] = [];
afterEach(async () => {
  for (const s of sources.splice(0)) await s.close();
});

describe("a tailed file's window end", () => {
  it('counts a row stamped at the end from the next refresh on, one a millisecond before it at once', async () => {
    // A row every 71 s over 40 hours (rolled-up hours in both windows), none within 2 s of NOW - 24 h.
    const written = Array.from({ length: 2000 }, (_, i) => NOW - 40 * HOUR + 500 + i * 71_000);
    const path = join(emptyDir(), 'ops.ndjson');
    for (const rollups of [true, false]) {
      writeFileSync(path, written.map(line).join(''));
      const all = [...written];
      const source = new TailingFileSource(
        { paths: [path], inputFormat: null, stdinMaxBytes: 1 << 20, mappings: [], timeUnit: 'ms', rollups },
        () => {},
      );
      sources.push(source);
      const operations = async (now: number) => {
        const result = await source.aggregate(windows(now));
        expect(result.aggregation).toBe(rollups ? 'rollup' : 'client');
        return result.stats.find((s) => s.window === 'current' && s.level === 'overall')?.operations;
      };
      // Expected: the rows written whose created_at is in [now - 24 h, now), counted here.
      const expected = (now: number) => all.filter((t) => t >= now - DAY && t < now).length;
      expect(await operations(NOW)).toBe(expected(NOW));
      all.push(NOW + 999, NOW + 1000);
      appendFileSync(path, line(NOW + 999) + line(NOW + 1000));
      expect([expected(NOW + 1000), expected(NOW + 1001)]).toEqual([expected(NOW) + 1, expected(NOW) + 2]);
      expect(await operations(NOW + 1000), `rollups ${rollups}`).toBe(expected(NOW + 1000));
      expect(await operations(NOW + 1001), `rollups ${rollups}`).toBe(expected(NOW + 1001));
    }
  });
});
