// Client-side aggregation: rows fetched from a REST API are appended into in-process DuckDB,
// then the same aggregation SQL runs over them, so both paths give the same numbers. With
// rollup rows appended too, the rollup read SQL (rollup-read-sql.ts) runs instead.
import type { DuckDBAppender } from '@duckdb/node-api';
import { aggregateInDuckDb, type DuckDb, openDuckDb, sloInDuckDb } from '../duckdb.js';
import { decodeAggregateRows } from '../rows.js';
import type { SloCounts, SloQuery } from '../slo-windows.js';
import { rollupCovers } from '../sql/rollup-cover.js';
import { rollupReadParams, rollupReadSql } from '../sql/rollup-read.js';
import { createdAtFromTextSql } from '../sql/timestamps.js';
import type { AggregateQuery, Aggregates } from '../types.js';
import type { RollupRow } from './rollup-page-checks.js';

export interface LogRow {
  source: string;
  operation: string | null;
  level: string | null;
  status: string | null;
  message: string | null;
  duration_ms: number | null;
  created_at: string;
}

/** The aggregates, and the rows skipped for a created_at DuckDB cannot read or no clock shows. */
export type LoadedAggregates = Aggregates & { skippedRows: number };

const STAGING = 'fetched_rows';
const PARSED = 'parsed_rows';
const TABLE = 'integration_logs';

/** The rollup read's three tables (rollup-read-sql.ts), staged with times as epoch microseconds. */
const KEY = 'span INTEGER, hour_us BIGINT, service VARCHAR, operation VARCHAR';
const ROLLUP_TABLES = {
  rollup_rows: `${KEY}, operations BIGINT, failures BIGINT, samples BIGINT, sum_duration HUGEINT, sum_squares HUGEINT,
    min_duration INTEGER, max_duration INTEGER, invalid_durations BIGINT`,
  rollup_keys: `${KEY}, bucket_key BIGINT, n BIGINT, n_failed BIGINT`,
  rollup_fingerprint_rows: `${KEY}, fingerprint VARCHAR, n BIGINT, example VARCHAR, last_at_us BIGINT`,
} as const;
type RollupTable = keyof typeof ROLLUP_TABLES;
const timestamptz = (us: string) => `CAST(make_timestamp(${us}) AS TIMESTAMPTZ)`;

export class RowLoader {
  private rollups: Record<RollupTable, DuckDBAppender> | null = null;

  private constructor(
    private readonly db: DuckDb,
    private readonly appender: DuckDBAppender,
  ) {}

  static async open(): Promise<RowLoader> {
    const db = await openDuckDb();
    // created_at stays text until the end: DuckDB parses the server's ISO timestamps, microseconds included.
    await db.connection.run(`CREATE TABLE ${STAGING} (source VARCHAR, operation VARCHAR, level VARCHAR, status VARCHAR,
      message VARCHAR, duration_ms DOUBLE, created_at VARCHAR)`);
    return new RowLoader(db, await db.connection.createAppender(STAGING));
  }

  append(rows: LogRow[]): void {
    const a = this.appender;
    const text = (value: string | null) => (value === null ? a.appendNull() : a.appendVarchar(value));
    for (const row of rows) {
      a.appendVarchar(row.source);
      text(row.operation);
      text(row.level);
      text(row.status);
      text(row.message);
      if (row.duration_ms === null) a.appendNull();
      else a.appendDouble(row.duration_ms);
      a.appendVarchar(row.created_at);
      a.endRow();
    }
  }

  async aggregate(query: AggregateQuery): Promise<LoadedAggregates> {
    const skippedRows = await this.parseRows();
    return { ...(await aggregateInDuckDb(this.db.connection, TABLE, query)), skippedRows };
  }

  /** The SLO read over the fetched rows (sources/sql/slo.ts), exact. */
  async slo(query: SloQuery): Promise<SloCounts & { skippedRows: number }> {
    const skippedRows = await this.parseRows();
    return { ...(await sloInDuckDb(this.db.connection, TABLE, query)), skippedRows };
  }

  /** Whether rollups ending at `watermarkMs` hold some of the query's windows: rollupCovers, run here. */
  async rollupsCover(query: AggregateQuery, watermarkMs: number): Promise<boolean> {
    const sql = `SELECT ${rollupCovers('CAST($1 AS timestamptz)', 'CAST($2 AS timestamptz)')} AS covers`;
    const reader = await this.db.connection.runAndReadAll(sql, [new Date(watermarkMs).toISOString(), query.previousStart.toISOString()]);
    return reader.getRowsJS()[0]?.[0] === true;
  }

  async openRollups(): Promise<void> {
    const c = this.db.connection;
    const appenders: Partial<Record<RollupTable, DuckDBAppender>> = {};
    for (const [table, columns] of Object.entries(ROLLUP_TABLES) as [RollupTable, string][]) {
      await c.run(`CREATE TABLE ${table}_staged (${columns})`);
      appenders[table] = await c.createAppender(`${table}_staged`);
    }
    this.rollups = appenders as Record<RollupTable, DuckDBAppender>;
  }

  appendRollups(rows: RollupRow[]): void {
    if (this.rollups === null) throw new Error('RowLoader.openRollups() was not called');
    const { rollup_rows: figures, rollup_keys: keys, rollup_fingerprint_rows: prints } = this.rollups;
    const key = (a: DuckDBAppender, row: RollupRow) => {
      a.appendInteger(row.span);
      a.appendBigInt(BigInt(row.hourMs) * 1000n);
      a.appendVarchar(row.service);
      a.appendVarchar(row.operation);
    };
    const durationOrNull = (value: number | null) => (value === null ? figures.appendNull() : figures.appendInteger(value));
    for (const row of rows) {
      key(figures, row);
      figures.appendBigInt(BigInt(row.operations));
      figures.appendBigInt(BigInt(row.failures));
      figures.appendBigInt(BigInt(row.samples));
      figures.appendHugeInt(row.sumDuration);
      figures.appendHugeInt(row.sumSquares);
      durationOrNull(row.minDuration);
      durationOrNull(row.maxDuration);
      figures.appendBigInt(BigInt(row.invalidDurations));
      figures.endRow();
      row.keys.forEach((bucketKey, i) => {
        key(keys, row);
        keys.appendBigInt(BigInt(bucketKey));
        keys.appendBigInt(BigInt(row.counts[i] ?? 0));
        keys.appendBigInt(BigInt(row.failedCounts[i] ?? 0));
        keys.endRow();
      });
      for (const print of row.fingerprints) {
        key(prints, row);
        prints.appendVarchar(print.fingerprint);
        prints.appendBigInt(BigInt(print.n));
        prints.appendVarchar(print.example);
        prints.appendBigInt(print.lastAt);
        prints.endRow();
      }
    }
  }

  /** The rollup read over the appended rollup rows and raw edge rows; `watermarkMs` as its $7. */
  async aggregateWithRollups(query: AggregateQuery, watermarkMs: number): Promise<LoadedAggregates> {
    if (this.rollups === null) throw new Error('RowLoader.openRollups() was not called');
    const c = this.db.connection;
    for (const [table, appender] of Object.entries(this.rollups)) {
      appender.closeSync();
      const times = table === 'rollup_fingerprint_rows' ? `, ${timestamptz('last_at_us')} AS last_at` : '';
      await c.run(
        `CREATE VIEW ${table} AS SELECT * EXCLUDE (hour_us${times ? ', last_at_us' : ''}), ${timestamptz('hour_us')} AS hour${times} FROM ${table}_staged`,
      );
    }
    const skippedRows = await this.parseRows();
    const read = rollupReadSql('duckdb', TABLE);
    const reader = await c.runAndReadAll(read.text, rollupReadParams(read, query, watermarkMs));
    return { ...decodeAggregateRows(reader.getRowObjectsJS(), 'DuckDB'), skippedRows };
  }

  /** The fetched rows with created_at parsed, as the view TABLE; the count of rows skipped. */
  private async parseRows(): Promise<number> {
    this.appender.closeSync();
    // Date.parse (the page reader's check) accepts RFC 2822 and more that DuckDB cannot cast:
    // such a row, or an impossible time (docs/sources.md), is skipped and counted like a file's.
    const c = this.db.connection;
    await c.run(`CREATE TEMP TABLE ${PARSED} AS SELECT * REPLACE (${createdAtFromTextSql('created_at')} AS created_at) FROM ${STAGING}`);
    await c.run(`CREATE VIEW ${TABLE} AS SELECT * FROM ${PARSED} WHERE created_at IS NOT NULL`);
    const skipped = (await c.runAndReadAll(`SELECT count(*) FROM ${PARSED} WHERE created_at IS NULL`)).getRowsJS()[0]?.[0];
    return Number(skipped ?? 0);
  }

  close(): void {
    this.db.close();
  }
}
