// A live view's DuckDB settings (sources/duckdb.ts, docs/live.md "Memory"): a one-shot report's
// database keeps DuckDB's defaults; once the refresh worker asks for the live settings, every
// database it opens has them.
import { describe, expect, it } from 'vitest';
import { type DuckDb, openDuckDb, useLiveDuckDbSettings } from '../sources/duckdb.js';

async function settingsOf(db: DuckDb): Promise<Record<string, string>> {
  const reader = await db.connection.runAndReadAll(
    "SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', 'allocator_flush_threshold', 'allocator_background_threads')",
  );
  return Object.fromEntries(reader.getRows().map(([name, value]) => [String(name), String(value)]));
}

describe('live DuckDB settings', () => {
  it('leaves a one-shot database at the defaults and gives a live one its settings', async () => {
    const oneShot = await openDuckDb();
    const before = await settingsOf(oneShot);
    oneShot.close();
    expect(before.allocator_background_threads).toBe('false');
    expect(before.allocator_flush_threshold).toBe('128.0 MiB');

    useLiveDuckDbSettings();
    const live = await openDuckDb();
    const after = await settingsOf(live);
    live.close();
    expect(after).toEqual({ threads: '1', allocator_flush_threshold: '7.6 MiB', allocator_background_threads: 'true' });
  });
});
