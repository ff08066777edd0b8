// Client-side aggregation: rows fetched from a REST API are appended into in-process DuckDB,
// then the same aggregation SQL runs over them, so both paths give the same numbers.
import type { DuckDBAppender } from '@duckdb/node-api';
import { aggregateInDuckDb, openDuckDb, type DuckDb } from './duckdb.js';
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

const STAGING = 'fetched_rows';
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

  async aggregate(query: AggregateQuery): Promise<Aggregates> {
    this.appender.closeSync();
    await this.db.connection.run(`CREATE VIEW ${TABLE} AS SELECT * REPLACE (CAST(created_at AS TIMESTAMPTZ) AS created_at) FROM ${STAGING}`);
    return aggregateInDuckDb(this.db.connection, TABLE, query);
  }

  close(): void {
    this.db.close();
  }
}
