// Client-side aggregation: rows fetched from a REST API are appended into in-process DuckDB,
// then the same aggregation SQL runs over them, so both paths give the same numbers.
import type { DuckDBAppender } from '@duckdb/node-api';
import { aggregateInDuckDb, openDuckDb, type DuckDb } from './duckdb.js';
import { createdAtFromTextSql } from './timestamps-sql.js';
import type { AggregateQuery, Aggregates } from './types.js';

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

export class RowLoader {
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
    this.appender.closeSync();
    // Date.parse (the page reader's check) accepts RFC 2822 and more that DuckDB cannot cast:
    // such a row, or an impossible time (SPEC §1), is skipped and counted like a file's.
    const c = this.db.connection;
    await c.run(`CREATE TEMP TABLE ${PARSED} AS SELECT * REPLACE (${createdAtFromTextSql('created_at')} AS created_at) FROM ${STAGING}`);
    await c.run(`CREATE VIEW ${TABLE} AS SELECT * FROM ${PARSED} WHERE created_at IS NOT NULL`);
    const skipped = (await c.runAndReadAll(`SELECT count(*) FROM ${PARSED} WHERE created_at IS NULL`)).getRowsJS()[0]?.[0];
    return { ...(await aggregateInDuckDb(c, TABLE, query)), skippedRows: Number(skipped ?? 0) };
  }

  close(): void {
    this.db.close();
  }
}
