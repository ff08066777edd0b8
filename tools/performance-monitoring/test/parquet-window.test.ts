// A Parquet file's TIMESTAMPTZ created_at passes through the file view as a plain column, so the
// window's bounds reach DuckDB's Parquet scan (row groups outside the window are not read;
// docs/sources.md), while its impossible and missing times are still skipped and counted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparable, emptyDir, runCli } from '../harness/cli.js';
import { HAND_ROWS, THRESHOLD, UNTIL, writeNdjson } from '../harness/hand-dataset.js';
import { aggregateInDuckDb, type DuckDb, openDuckDb } from '../sources/duckdb.js';
import { resolveInputs, Scratch } from '../sources/file/input-paths.js';
import { loadInput } from '../sources/file/load.js';
import { aggregationParams, aggregationSql } from '../sources/sql/aggregate.js';
import type { AggregateQuery } from '../sources/types.js';

const ARGS = ['--until', UNTIL, '--threshold', THRESHOLD, '--format', 'json'];

let dir: string;
let db: DuckDb;

beforeAll(async () => {
  dir = emptyDir('perfmon-parquet-window-');
  db = await openDuckDb();
});

afterAll(() => db.close());

/** Writes `select` (DuckDB SQL) to `name` as Parquet, `rowGroup` rows per row group. */
async function writeParquet(name: string, select: string, rowGroup = 122_880): Promise<string> {
  const path = join(dir, name);
  await db.connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE ${rowGroup})`);
  return path;
}

describe('Parquet with a TIMESTAMPTZ created_at', () => {
  it('skips and counts missing and impossible times as before: the report is the hand dataset’s', async () => {
    const ndjson = writeNdjson(
      dir,
      HAND_ROWS.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() })),
      'hand-for-parquet.ndjson',
    );
    // Four operations that cannot be placed in time: no time, before 2000, and ±infinity.
    const unusable = ['NULL', "'1999-12-31 23:59:59+00'", "'infinity'", "'-infinity'"]
      .map((at, i) => `SELECT ${1000 + i}::BIGINT, 'api', 'orders.list', 'info', 'success', NULL, 100::INTEGER, CAST(${at} AS TIMESTAMPTZ)`)
      .join(' UNION ALL ');
    const path = await writeParquet(
      'hand-and-unusable.parquet',
      `SELECT id::BIGINT AS id, source, operation, level, status, message, duration_ms::INTEGER AS duration_ms,
         created_at::TIMESTAMPTZ AS created_at FROM read_json('${ndjson}', format = 'newline_delimited')
       UNION ALL ${unusable}`,
    );
    const reference = await runCli(['--input', join(dir, 'hand-for-parquet.ndjson'), ...ARGS]);
    const result = await runCli(['--input', path, ...ARGS]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('perf-monitor: skipped 4 input rows with an unusable created_at, source or duration_ms\n');
    const report = comparable(result.stdout);
    expect((report.dataQuality as { skippedRows: number }).skippedRows).toBe(4);
    expect({ ...report, dataQuality: null }).toEqual({ ...comparable(reference.stdout), dataQuality: null });
  });

  it('reads only the row groups that hold the windows', async () => {
    // 96 hours, one operation every 10 s, in time order: 34,560 rows in row groups of 2,048.
    const end = Date.parse('2025-11-20T12:00:00Z');
    const first = end - 96 * 3_600_000;
    const total = 96 * 360;
    const path = await writeParquet(
      'four-days.parquet',
      `SELECT i AS id, 'api' AS source, 'get' AS operation, 'info' AS level, 'success' AS status, NULL AS message,
         CAST(100 + i % 7 AS INTEGER) AS duration_ms, CAST(epoch_ms(${first} + i * 10000) AS TIMESTAMPTZ) AS created_at
       FROM range(${total}) AS t(i)`,
      2048,
    );
    const scratch = new Scratch();
    const [input] = await resolveInputs([path], { inputFormat: null, stdinMaxBytes: 0 }, process.stdin, scratch);
    if (input === undefined) throw new Error('no input');
    await loadInput(db, input, 'input_0', scratch, { mappings: [], timeUnit: 'ms' });
    // As sources/file/source.ts defines the relation the aggregation reads, for one input.
    await db.connection.run(
      'CREATE OR REPLACE TEMP VIEW integration_logs AS SELECT * EXCLUDE (unusable, seconds_like) FROM input_0 WHERE NOT unusable',
    );
    // A 6-hour report: the windows are the last 12 hours, 4,320 of the rows.
    const span = 6 * 3_600_000;
    const query: AggregateQuery = {
      start: new Date(end - span),
      end: new Date(end),
      previousStart: new Date(end - 2 * span),
      services: null,
      threshold: 2000,
    };
    const aggregates = await aggregateInDuckDb(db.connection, 'integration_logs', query);
    const overall = (window: string) => aggregates.stats.find((r) => r.level === 'overall' && r.window === window);
    expect(overall('current')?.operations).toBe(6 * 360);
    expect(overall('previous')?.operations).toBe(6 * 360);

    const profile = join(dir, 'profile.json');
    await db.connection.run("PRAGMA enable_profiling = 'json'");
    await db.connection.run(`PRAGMA profiling_output = '${profile}'`);
    await db.connection.runAndReadAll(aggregationSql(), aggregationParams(query));
    await db.connection.run('PRAGMA disable_profiling');
    const read: number[] = [];
    const walk = (node: { operator_name?: string; operator_cardinality?: number; children?: unknown[] }) => {
      if (node.operator_name === 'READ_PARQUET') read.push(node.operator_cardinality ?? Number.NaN);
      for (const child of node.children ?? []) walk(child as typeof node);
    };
    walk(JSON.parse(readFileSync(profile, 'utf8')));
    scratch.remove();
    expect(read.length).toBeGreaterThan(0);
    // Each scan reads whole row groups around its rows: the windows' 4,320 rows lie in at most
    // four groups of 2,048 (8,192 rows), far from the file's 34,560.
    for (const rows of read) expect(rows).toBeLessThanOrEqual(4 * 2048);
    expect(Math.max(...read)).toBeGreaterThanOrEqual(2 * 6 * 360);
  });
});
