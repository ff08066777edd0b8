// In-process DuckDB: the engine for demo data, files and the Supabase fallback.
// Loaded on demand, so `--help` and the database sources never pay for it.
import { createRequire } from 'node:module';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { describeError, RuntimeError } from '../base/errors.js';
import { decodeAggregateRows } from './rows.js';
import type { SloCounts, SloQuery } from './slo-windows.js';
import { aggregationParams, aggregationSql } from './sql/aggregate.js';
import type { AggregateQuery, Aggregates } from './types.js';

export interface DuckDb {
  connection: DuckDBConnection;
  close(): void;
}

/**
 * A live view's settings (docs/live.md, "Memory"): its database answers the same small query
 * every refresh for hours, and the process's RSS is where each refresh's working memory lands.
 * One thread: fewer threads allocating, fewer allocator caches holding freed memory. DuckDB's
 * allocator gives freed memory back after any task that took more than 8 MB (the default waits
 * for 128 MB), from a background thread. A one-shot report keeps DuckDB's defaults: its one big
 * query wants every core, and the process exits when it is done.
 */
const LIVE_SETTINGS = ['SET threads = 1', "SET allocator_flush_threshold = '8MB'", 'SET allocator_background_threads = true'];
let live = false;

/** Called by the live view's refresh worker (live/worker.ts): its databases take LIVE_SETTINGS. */
export function useLiveDuckDbSettings(): void {
  live = true;
}

export async function openDuckDb(): Promise<DuckDb> {
  // require(), not import(): importing this CommonJS package from ESM makes Node lex its 124
  // files for named exports, which doubles the load time (~0.3 s) of every --demo/--input run.
  const { DuckDBInstance } = createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api');
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:');
  } catch (error) {
    throw new RuntimeError(`DuckDB could not start: ${describeError(error)}`);
  }
  const connection = await instance.connect();
  // DuckDB's ICU takes the machine's zone; a timestamp without a zone must mean UTC everywhere.
  await connection.run("SET TimeZone = 'UTC'");
  // Only aggregates come out, so row order never matters; keeping it slows the parallel load of
  // text files into a table (NDJSON 1M rows per window: ~0.3 s of ~2.9 s).
  await connection.run('SET preserve_insertion_order = false');
  if (live) for (const sql of LIVE_SETTINGS) await connection.run(sql);
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

export async function aggregateInDuckDb(connection: DuckDBConnection, table: string, query: AggregateQuery): Promise<Aggregates> {
  const reader = await connection.runAndReadAll(aggregationSql(table), aggregationParams(query));
  return decodeAggregateRows(reader.getRowObjectsJS(), 'DuckDB');
}

/** The SLO read (sources/sql/slo.ts) over the same table: raw rows, every count exact. */
export async function sloInDuckDb(connection: DuckDBConnection, table: string, query: SloQuery): Promise<SloCounts> {
  // Loaded with the SLO read (and its rollup SQL builders): a report without --slo never needs them.
  const [{ decodeSloRows }, { sloParams, sloRawSql }] = await Promise.all([import('./slo-rows.js'), import('./sql/slo.js')]);
  const reader = await connection.runAndReadAll(sloRawSql(table), sloParams(query));
  return decodeSloRows(reader.getRowObjectsJS(), 'DuckDB');
}
