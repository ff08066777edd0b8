// In-process DuckDB: the engine for demo data, files and the Supabase fallback.
// Loaded on demand, so `--help` and the database sources never pay for it.
import { createRequire } from 'node:module';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { describeError, RuntimeError } from '../base/errors.js';
import { decodeAggregateRows } from './rows.js';
import { decodeSloRows } from './slo-rows.js';
import type { SloCounts, SloQuery } from './slo-windows.js';
import { aggregationParams, aggregationSql } from './sql/aggregate.js';
import { sloParams, sloRawSql } from './sql/slo.js';
import type { AggregateQuery, Aggregates } from './types.js';

export interface DuckDb {
  connection: DuckDBConnection;
  close(): void;
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
  const reader = await connection.runAndReadAll(sloRawSql(table), sloParams(query));
  return decodeSloRows(reader.getRowObjectsJS(), 'DuckDB');
}
