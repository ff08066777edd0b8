// A tailed file's own rollups (docs/live.md, "Rollups of the kept rows"): its closed hours rolled
// up once in DuckDB (sources/sql/rollup-tail.ts), so a refresh reads them and only the raw rows of
// the window's edges through the same rollup read as PostgreSQL's (rollup-read.ts), and its cost
// follows what is new, not the window. Each refresh rolls up the hours closed since the last one;
// appended rows older than the rolled-up mark (out-of-order logs) make their hours be rolled again.
import type { DuckDBConnection } from '@duckdb/node-api';
import { bucketSeconds } from '../buckets.js';
import { rollupsMayAnswer } from '../rollup-coverage.js';
import { DEFAULT_TABLE } from '../sql/aggregate.js';
import { rollupCovers } from '../sql/rollup-cover.js';
import { at, buildBlocksSql, buildHoursSql, createTablesSql, dropBeforeSql, TAIL_ROLLUP_TABLES } from '../sql/rollup-tail.js';
import type { AggregateQuery } from '../types.js';

const HOUR = 3_600_000;
const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;
const ceilHour = (ms: number) => Math.ceil(ms / HOUR) * HOUR;

export class TailRollups {
  /** Every hour before it is rolled up (epoch ms); null: nothing is. */
  private mark: number | null = null;
  /** The first hour to roll up again: appended rows fell before the mark. */
  private dirtyFrom: number | null = null;
  /** The timeline span (seconds) the rows were built for; another one builds them all again. */
  private span: number | null = null;
  private created = false;
  /** Rows deleted from the tables since they were last rewritten (compact()). */
  private deleted = 0;
  /** Hours rolled up (again) so far: what the refreshes cost (tests, bench). */
  hoursBuilt = 0;
  /** The most raw rows one refresh rolls up (whole hours, at least one): a first refresh over
   *  millions of kept rows rolls them up over several refreshes, reading raw rows exactly until
   *  it has caught up, so none takes much longer than a raw read (PERFMON_TIMEOUT_MS). */
  rowsPerRefresh = 1_000_000;

  constructor(private readonly table: string) {}

  /** Whether `query` may read rollups (the decision PostgreSQL's read takes: rollup-coverage.ts),
   *  with `enabled` false under --exact and while durations are not whole milliseconds (the
   *  histogram keys integer durations). */
  static mayAnswer(query: AggregateQuery, enabled: boolean): boolean {
    return enabled && rollupsMayAnswer(query, DEFAULT_TABLE, 'timeline rows');
  }

  /** Appended rows whose earliest created_at is `ms` (null: none). */
  appended(ms: number | null): void {
    if (ms === null || this.mark === null || ms >= this.mark) return;
    this.dirtyFrom = Math.min(this.dirtyFrom ?? Number.POSITIVE_INFINITY, floorHour(ms));
  }

  /** The kept rows were read again whole (rotation, truncation): everything is rolled up again. */
  reset(): void {
    this.mark = null;
    this.dirtyFrom = null;
    this.span = null;
  }

  /** Rolls up the query's closed hours not yet rolled up (and those late rows fell into), drops the
   *  rows no window reads any more; returns the watermark when the rollups cover some of the
   *  windows (rollup-cover.ts's rollupCovers), else null (the read is then raw, exact). */
  async update(c: DuckDBConnection, query: AggregateQuery): Promise<number | null> {
    const span = bucketSeconds(query.start, query.end);
    if (span !== this.span || !this.created) {
      this.reset();
      this.span = span;
      for (const sql of createTablesSql()) await c.run(sql);
      this.created = true;
      this.deleted = 0;
    }
    const lo = ceilHour(query.previousStart.getTime());
    const hi = floorHour(query.end.getTime());
    const from = Math.max(lo, Math.min(this.mark ?? lo, this.dirtyFrom ?? Number.POSITIVE_INFINITY));
    // Up to the last complete hour, within the budget. A clock set back moves the mark back too,
    // so the hours after it are rolled up again as they close rather than kept as they were.
    const mark = from < hi ? await this.buildEnd(c, from, hi) : hi;
    if (from < mark) {
      for (const sql of [...buildHoursSql(from, mark), ...buildBlocksSql(from, mark, mark, span)]) {
        const result = await c.run(sql);
        if (sql.startsWith('DELETE')) this.deleted += result.rowsChanged;
      }
      this.hoursBuilt += (mark - from) / HOUR;
    }
    this.mark = mark;
    this.dirtyFrom = null;
    for (const sql of dropBeforeSql(floorHour(query.previousStart.getTime()), floorHour(query.start.getTime())))
      this.deleted += (await c.run(sql)).rowsChanged;
    await this.compact(c);
    // Still catching up: the raw read, exact (the rollup read would say the hours after the mark
    // were read raw, and advise a refresh that is under way).
    if (mark < hi) return null;
    const covers = await c.runAndReadAll(`SELECT ${rollupCovers(at(mark), at(query.previousStart.getTime()))}`);
    return covers.getRowsJS()[0]?.[0] === true ? mark : null;
  }

  /** The end of the whole hours from `from` (up to `hi`) that hold at most rowsPerRefresh rows;
   *  at least one hour. */
  private async buildEnd(c: DuckDBConnection, from: number, hi: number): Promise<number> {
    const hours = await c.runAndReadAll(
      `SELECT CAST(floor(epoch(created_at) / 3600) AS BIGINT) * 3600000 AS hour, count(*) AS n FROM ${this.table}
       WHERE created_at >= ${at(from)} AND created_at < ${at(hi)} GROUP BY 1 ORDER BY 1`,
    );
    let rows = 0;
    for (const [hour, n] of hours.getRowsJS()) {
      rows += Number(n);
      if (rows > this.rowsPerRefresh && Number(hour) > from) return Number(hour);
    }
    return hi;
  }

  /** DuckDB keeps a deleted row's storage until its table is rewritten (as tail.ts's compact()):
   *  the tables are rewritten once more rows were deleted from them than the histograms keep. */
  private async compact(c: DuckDBConnection): Promise<void> {
    const kept = Number((await c.runAndReadAll('SELECT count(*) FROM rollup_keys')).getRowsJS()[0]?.[0] ?? 0);
    if (this.deleted <= kept) return;
    for (const table of Object.keys(TAIL_ROLLUP_TABLES)) {
      await c.run(`CREATE OR REPLACE TEMP TABLE ${table}_compacted AS SELECT * FROM ${table}`);
      await c.run(`DROP TABLE ${table}`);
      await c.run(`ALTER TABLE ${table}_compacted RENAME TO ${table}`);
    }
    this.deleted = 0;
  }
}
