// --input FILE...: log files (or stdin) read by in-process DuckDB, aggregated by the shared SQL.
// What cannot be used is skipped and counted, with one stderr line per kind of cause.

import { describeError, RuntimeError, UsageError } from '../../base/errors.js';
import { forMessageText, forPath } from '../../text/safe-text.js';
import { aggregateInDuckDb, type DuckDb, openDuckDb, sloInDuckDb } from '../duckdb.js';
import type { SloCounts, SloQuery } from '../slo-windows.js';
import type { AggregateQuery, Aggregates, InputFormat, Source, SourceResult } from '../types.js';
import { describeFields, type FieldMapping } from './columns.js';
import type { TimeUnit } from './formats.js';
import { checkInputPaths, type InputFile, resolveInputs, Scratch, STDIN, type Stdin } from './input-paths.js';
import { loadInput } from './load.js';

/** What the file source reads: the --input paths (`-` is stdin), --input-format, the most
 *  stdin may hold (PERFMON_STDIN_MAX_BYTES), --map and --time-unit. */
export interface FileSettings {
  paths: string[];
  inputFormat: InputFormat | null;
  stdinMaxBytes: number;
  mappings: readonly FieldMapping[];
  timeUnit: TimeUnit;
  /** A live view reads its kept rows' rollups (docs/live.md); false with --exact. Absent: true. */
  rollups?: boolean;
}

const TABLE = 'integration_logs';
// As the aggregation counts operations (sql/aggregate.sql): a status without regard to case.
const OPERATION = "(duration_ms IS NOT NULL OR lower(status) IN ('success', 'error'))";

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const shownInput = (input: InputFile) => `--input ${input.name === STDIN ? '- (stdin)' : forPath(input.name)}`;

export class FileSource implements Source {
  readonly kind = 'file' as const;
  private db: DuckDb | undefined;
  private readonly scratch = new Scratch();
  private loaded: Promise<{ db: DuckDb; skippedRows: number }> | undefined;

  constructor(
    private readonly settings: FileSettings,
    private readonly onNotice: (line: string) => void,
    private readonly stdin: Stdin = process.stdin,
  ) {}

  async aggregate(query: AggregateQuery): Promise<SourceResult> {
    // Files are read once (stdin can be read only once); a second question (the run asks
    // again without --service to suggest names) reuses the tables, and says nothing twice.
    const first = this.loaded === undefined;
    this.loaded ??= this.load();
    const { db, skippedRows } = await this.loaded;
    return readingTheInput(async () => {
      const aggregates = await aggregateInDuckDb(db.connection, TABLE, query);
      // The hint's count is over every service, so operations found here (perhaps of a --service
      // set only) already prove it silent: its scan of the input is skipped (~0.05 s per 1M rows).
      if (first && !hasCurrentOperations(aggregates)) await this.hintAtTimeSpan(db, query);
      return { kind: this.kind, aggregation: 'client', skippedRows, ...aggregates };
    });
  }

  /** The SLO read over the same loaded rows: the period is read from the same data (docs/slos.md). */
  async slo(query: SloQuery): Promise<SloCounts> {
    this.loaded ??= this.load();
    const { db } = await this.loaded;
    return readingTheInput(() => sloInDuckDb(db.connection, TABLE, query));
  }

  private async load(): Promise<{ db: DuckDb; skippedRows: number }> {
    const { paths, inputFormat, stdinMaxBytes, mappings, timeUnit } = this.settings;
    checkInputPaths(paths, inputFormat, this.stdin);
    const inputs = await resolveInputs(paths, { inputFormat, stdinMaxBytes }, this.stdin, this.scratch);
    this.db ??= await openDuckDb();
    const db = this.db;
    let skippedRows = 0;
    const names: string[] = [];
    for (const [i, input] of inputs.entries()) {
      const name = `input_${i}`;
      const loaded = await loadInput(db, input, name, this.scratch, { mappings, timeUnit });
      // docs/sources.md: one line saying which fields fed which columns, when not all by their own names.
      const used = loaded.fields === null ? '' : describeFields(loaded.fields);
      if (used !== '') this.onNotice(`${shownInput(input)}: read ${used} (choose others with --map column=field)`);
      if (loaded.first) {
        this.onNotice(
          `${shownInput(input)}: skipped ${plural(loaded.unreadable, 'unreadable row', 'unreadable rows')} (first: ${loaded.first.where}, ${forMessageText(loaded.first.reason)})`,
        );
      }
      skippedRows += loaded.unreadable;
      names.push(name);
    }
    // Text inputs now live in DuckDB tables; copies and repaired files are no longer needed.
    this.scratch.remove();
    // Parquet is read from here on (views): a damaged file still fails as bad input.
    return readingTheInput(async () => {
      await db.connection.run(`CREATE OR REPLACE TEMP VIEW input_rows AS ${names.map((n) => `SELECT * FROM ${n}`).join('\nUNION ALL\n')}`);
      await db.connection.run(
        `CREATE OR REPLACE TEMP VIEW ${TABLE} AS SELECT * EXCLUDE (unusable, seconds_like) FROM input_rows WHERE NOT unusable`,
      );
      const { unusable, rows } = await this.countUnusable(db, inputs);
      skippedRows += unusable;
      // docs/sources.md: a run that could use no row says so, never a quiet "no data" report.
      if (rows === unusable && skippedRows > 0) {
        throw new UsageError(
          `--input: every row was skipped (${plural(skippedRows, 'row', 'rows')}, none usable): see the lines above, or name the fields with --map column=field`,
        );
      }
      return { db, skippedRows };
    });
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.loaded = undefined;
    this.scratch.remove();
  }

  /** Rows read but unusable (docs/sources.md): one line for all files, one more per file whose
   *  times look like epoch seconds, and one per empty file. Returns those and all rows read. */
  private async countUnusable(db: DuckDb, inputs: InputFile[]): Promise<{ unusable: number; rows: number }> {
    let total = 0;
    let rows = 0;
    for (const [i, input] of inputs.entries()) {
      const [counts] = (
        await db.connection.runAndReadAll(
          `SELECT count(*) AS n, count(*) FILTER (WHERE unusable) AS unusable, count(*) FILTER (WHERE seconds_like) AS seconds FROM input_${i}`,
        )
      ).getRowObjectsJS();
      const n = Number(counts?.n ?? 0);
      rows += n;
      total += Number(counts?.unusable ?? 0);
      const seconds = Number(counts?.seconds ?? 0);
      if (n === 0) this.onNotice(`${shownInput(input)}: ${input.name === STDIN ? 'stdin was empty' : 'the file is empty'} (no rows)`);
      if (seconds > 0) {
        this.onNotice(
          `${shownInput(input)}: created_at of ${plural(seconds, 'row', 'rows')} looks like epoch seconds; numbers are read as epoch milliseconds (these fall before 2000 and are skipped): use --time-unit s, or write ISO-8601`,
        );
      }
    }
    if (total > 0) this.onNotice(`skipped ${plural(total, 'input row', 'input rows')} with an unusable created_at, source or duration_ms`);
    return { unusable: total, rows };
  }

  /** No operation in the window although the files hold some: say when they happened, and how to look there. */
  private async hintAtTimeSpan(db: DuckDb, query: AggregateQuery): Promise<void> {
    const at = (date: Date) => `CAST('${date.toISOString()}' AS TIMESTAMPTZ)`;
    const [span] = (
      await db.connection.runAndReadAll(
        `SELECT epoch_ms(min(created_at)) AS first, epoch_ms(max(created_at)) AS last,
         count(*) FILTER (WHERE created_at >= ${at(query.start)} AND created_at < ${at(query.end)}) AS inside
       FROM ${TABLE} WHERE ${OPERATION}`,
      )
    ).getRowObjectsJS();
    if (span?.first === null || span?.first === undefined || Number(span.inside) > 0) return;
    const [first, last] = [new Date(Number(span.first)), new Date(Number(span.last))];
    // The window's end is exclusive: the next whole minute after the last operation covers it.
    const until = new Date(Math.floor(last.getTime() / 60_000) * 60_000 + 60_000).toISOString().replace('.000Z', 'Z');
    this.onNotice(`no operations in the window; the input spans ${first.toISOString()} .. ${last.toISOString()}: try --until ${until}`);
  }
}

function hasCurrentOperations(aggregates: Aggregates): boolean {
  return aggregates.stats.some((row) => row.window === 'current' && row.level === 'overall' && row.operations > 0);
}

/** DuckDB's read errors name malformed files: bad input, exit 2, one line. */
async function readingTheInput<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UsageError || error instanceof RuntimeError) throw error;
    throw new UsageError(`--input: reading the input failed: ${forMessageText(describeError(error).replace(/^[A-Za-z ]*Error: /, ''))}`);
  }
}
