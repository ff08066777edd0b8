// Files under --watch/--serve (sources/file/tail.ts): only appended bytes are read, a partial
// last line waits for its end, rotation (a new inode) and truncation (copytruncate, even when
// the file is larger again) are read again whole, CSV appends keep their header, and rows older
// than the two windows leave memory. Counts are computed here from the rows written.
import { appendFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyDir } from '../harness/cli.js';
import { logLine } from '../harness/live.js';
import { TailingFileSource } from '../sources/file/tail.js';
import type { AggregateQuery, SourceResult } from '../sources/types.js';

const END = new Date('2025-11-20T12:00:00Z');
const HOUR = 3_600_000;
const query: AggregateQuery = {
  start: new Date(END.getTime() - HOUR),
  end: END,
  previousStart: new Date(END.getTime() - 2 * HOUR),
  services: null,
  threshold: 2000,
};
const at = (minutesBeforeEnd: number) => new Date(END.getTime() - minutesBeforeEnd * 60_000);
const lines = (n: number, service: string, minutesBeforeEnd: number) =>
  Array.from({ length: n }, () => logLine(service, at(minutesBeforeEnd), 100)).join('');

const current = (r: SourceResult, service?: string) =>
  r.stats.find(
    (s) => s.window === 'current' && (service === undefined ? s.level === 'overall' : s.level === 'service' && s.service === service),
  )?.operations ?? 0;

const sources: TailingFileSource[] = [];
afterEach(async () => {
  for (const s of sources.splice(0)) await s.close();
});
function tail(path: string): TailingFileSource {
  const source = new TailingFileSource(
    { paths: [path], inputFormat: null, stdinMaxBytes: 1 << 20, mappings: [], timeUnit: 'ms' },
    () => {},
  );
  sources.push(source);
  return source;
}

describe('tailing an NDJSON file', () => {
  it('reads only the bytes appended since the last refresh; a partial line waits for its end', async () => {
    const path = join(emptyDir(), 'ops.ndjson');
    writeFileSync(path, lines(30, 'api', 10));
    const source = tail(path);
    expect(current(await source.aggregate(query))).toBe(30);
    expect(source.lastReadBytes).toBe(statSync(path).size);

    const added = lines(5, 'api', 5);
    appendFileSync(path, added);
    expect(current(await source.aggregate(query))).toBe(35);
    expect(source.lastReadBytes).toBe(Buffer.byteLength(added));

    // A writer half-way through a line: the half waits; once it ends, it is read with the rest.
    const next = logLine('web', at(1), 200);
    appendFileSync(path, next.slice(0, 20));
    expect(current(await source.aggregate(query))).toBe(35);
    appendFileSync(path, next.slice(20));
    expect(current(await source.aggregate(query), 'web')).toBe(1);
    expect(source.lastReadBytes).toBe(Buffer.byteLength(next));

    // Nothing new: nothing read.
    await source.aggregate(query);
    expect(source.lastReadBytes).toBe(0);
  });

  it('reads a last line without its line end once the file stayed the same for a refresh', async () => {
    const path = join(emptyDir(), 'ops.ndjson');
    writeFileSync(path, lines(3, 'api', 10) + logLine('api', at(9), 100).trimEnd());
    const source = tail(path);
    expect(current(await source.aggregate(query))).toBe(3);
    expect(current(await source.aggregate(query))).toBe(4);
    // The file grew meanwhile: its new last line (no line end yet) waits again.
    appendFileSync(path, `\n${logLine('api', at(8), 100).trimEnd()}`);
    expect(current(await source.aggregate(query))).toBe(4);
    expect(current(await source.aggregate(query))).toBe(5);
  });

  it('reads a rotated file (a new inode) and a truncated one again whole', async () => {
    const dir = emptyDir();
    const path = join(dir, 'ops.ndjson');
    writeFileSync(path, lines(20, 'api', 10));
    const source = tail(path);
    expect(current(await source.aggregate(query))).toBe(20);

    // logrotate's create mode: the old file moved away, a new one (3 rows) in its place.
    renameSync(path, join(dir, 'ops.ndjson.1'));
    writeFileSync(path, lines(3, 'api', 2));
    expect(current(await source.aggregate(query))).toBe(3);

    // copytruncate: the same inode emptied, then written again past the old offset.
    const size = statSync(path).size;
    truncateSync(path, 0);
    writeFileSync(path, lines(7, 'web', 1), { flag: 'a' });
    expect(statSync(path).size).toBeGreaterThan(size);
    const r = await source.aggregate(query);
    expect([current(r), current(r, 'web')]).toEqual([7, 7]);

    // Shrunk below the offset: read whole too.
    writeFileSync(path, lines(2, 'api', 1));
    expect(current(await source.aggregate(query))).toBe(2);
  });

  it('fails a refresh while the file is missing, and reads the new one once it appears', async () => {
    const dir = emptyDir();
    const path = join(dir, 'ops.ndjson');
    writeFileSync(path, lines(4, 'api', 10));
    const source = tail(path);
    expect(current(await source.aggregate(query))).toBe(4);
    renameSync(path, join(dir, 'old.ndjson'));
    await expect(source.aggregate(query)).rejects.toThrow(/ops\.ndjson.*no such file/);
    writeFileSync(path, lines(6, 'api', 3));
    expect(current(await source.aggregate(query))).toBe(6);
  });

  it('drops rows older than both windows, so memory is bounded by 2 x --hours', async () => {
    const path = join(emptyDir(), 'ops.ndjson');
    // 10 rows 3 hours old (outside both 1-hour windows), 4 in the previous window, 5 current.
    writeFileSync(path, lines(10, 'api', 180) + lines(4, 'api', 90) + lines(5, 'api', 30));
    const source = tail(path);
    const r = await source.aggregate(query);
    const previous = r.stats.find((s) => s.window === 'previous' && s.level === 'overall')?.operations;
    expect([current(r), previous]).toEqual([5, 4]);
    // The window moves an hour on: the previous window's rows are now too old to keep.
    const later = { ...query, start: END, end: new Date(END.getTime() + HOUR), previousStart: new Date(END.getTime() - HOUR) };
    const r2 = await source.aggregate(later);
    expect(r2.stats.find((s) => s.window === 'previous' && s.level === 'overall')?.operations).toBe(5);
    // Moving back shows what is left in memory: only the 5 rows of the last two hours.
    const r3 = await source.aggregate(query);
    expect([current(r3), r3.stats.find((s) => s.window === 'previous' && s.level === 'overall')?.operations ?? 0]).toEqual([5, 0]);
  });
  it('rebuilds a table once more rows were dropped than kept, and keeps counting right after', async () => {
    const path = join(emptyDir(), 'ops.ndjson');
    const window = (hoursOn: number): AggregateQuery => ({
      ...query,
      start: new Date(query.start.getTime() + hoursOn * HOUR),
      end: new Date(END.getTime() + hoursOn * HOUR),
      previousStart: new Date(query.previousStart.getTime() + hoursOn * HOUR),
    });
    const previous = (r: SourceResult) => r.stats.find((s) => s.window === 'previous' && s.level === 'overall')?.operations ?? 0;
    // 10 rows too old to keep, 4 in the previous window, 5 current: 10 dropped > 9 kept.
    writeFileSync(path, lines(10, 'api', 180) + lines(4, 'api', 90) + lines(5, 'api', 30));
    const source = tail(path);
    let r = await source.aggregate(query);
    expect([current(r), previous(r), source.compactions]).toEqual([5, 4, 1]);
    // Rows appended go into the rebuilt table.
    appendFileSync(path, lines(3, 'web', 20));
    r = await source.aggregate(query);
    expect([current(r), current(r, 'web'), source.compactions]).toEqual([8, 3, 1]);
    // An hour on: the 4 rows of the old previous window are dropped; 4 dropped < 8 kept.
    r = await source.aggregate(window(1));
    expect([current(r), previous(r), source.compactions]).toEqual([0, 8, 1]);
    // Three hours on: all 8 dropped (12 since the rebuild > 0 kept); the empty table still takes rows.
    r = await source.aggregate(window(3));
    expect([current(r), previous(r), source.compactions]).toEqual([0, 0, 2]);
    appendFileSync(path, lines(2, 'api', -150));
    r = await source.aggregate(window(3));
    expect([current(r), source.compactions]).toEqual([2, 2]);
  });
});

describe('tailing a CSV file', () => {
  it('reads appended rows under the header it read first', async () => {
    const path = join(emptyDir(), 'ops.csv');
    const row = (service: string, minutes: number, ms: number) => `${service},sync,success,${ms},${at(minutes).toISOString()}\n`;
    writeFileSync(path, `source,operation,status,duration_ms,created_at\n${row('api', 10, 100)}${row('api', 9, 300)}`);
    const source = tail(path);
    expect(current(await source.aggregate(query))).toBe(2);
    appendFileSync(path, row('web', 5, 150.5) + row('web', 4, 250));
    const r = await source.aggregate(query);
    expect([current(r), current(r, 'web')]).toEqual([4, 2]);
    // A fractional duration arriving after whole ones is kept as written: avg (150.5 + 250) / 2.
    const web = r.stats.find((s) => s.window === 'current' && s.level === 'service' && s.service === 'web');
    expect(web?.sumDuration).toBe(400.5);
  });
});
