// --demo: a generated, realistic week of operations in in-process DuckDB (no files, no server).
import { createDemoTable } from './demo-data.js';
import { aggregateInDuckDb, type DuckDb, openDuckDb, sloInDuckDb } from './duckdb.js';
import type { SloCounts, SloQuery } from './slo-windows.js';
import type { AggregateQuery, Source, SourceResult } from './types.js';

export class DemoSource implements Source {
  readonly kind = 'demo' as const;
  private db: DuckDb | undefined;
  private created = false;

  async aggregate(query: AggregateQuery): Promise<SourceResult> {
    this.db ??= await openDuckDb();
    const db = this.db;
    // The week of demo data ends where the report's window ends, so `--until` reproduces it.
    await createDemoTable(db.connection, query.end);
    this.created = true;
    const aggregates = await aggregateInDuckDb(db.connection, 'integration_logs', query);
    return { kind: this.kind, aggregation: 'client', skippedRows: 0, ...aggregates };
  }

  /** The same generated week (created by aggregate(), which the run asks first). */
  async slo(query: SloQuery): Promise<SloCounts> {
    this.db ??= await openDuckDb();
    const db = this.db;
    if (!this.created) await createDemoTable(db.connection, query.end);
    return sloInDuckDb(db.connection, 'integration_logs', query);
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }
}
