// --demo: a generated, realistic week of operations in in-process DuckDB (no files, no server).
import { createDemoTable } from './demo-data.js';
import { aggregateInDuckDb, type DuckDb, openDuckDb } from './duckdb.js';
import type { AggregateQuery, Source, SourceResult } from './types.js';

export class DemoSource implements Source {
  readonly kind = 'demo' as const;
  private db: DuckDb | undefined;

  async aggregate(query: AggregateQuery): Promise<SourceResult> {
    this.db ??= await openDuckDb();
    const db = this.db;
    // The week of demo data ends where the report's window ends, so `--until` reproduces it.
    await createDemoTable(db.connection, query.end);
    const aggregates = await aggregateInDuckDb(db.connection, 'integration_logs', query);
    return { kind: this.kind, aggregation: 'client', skippedRows: 0, ...aggregates };
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }
}
