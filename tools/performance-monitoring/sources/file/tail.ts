// --input for --watch and --serve (docs/live.md): the files stay loaded between refreshes and
// each refresh reads only what was appended (tail-state.ts says what to read), so its cost grows
// with what is new, not with the file. Rows older than the two windows are dropped: memory is
// bounded by 2 x --hours of rows, whatever the file's size. The closed hours are rolled up once
// (tail-rollups.ts) and read with the raw rows of the edges, as PostgreSQL's rollups are.
import { describeError, RuntimeError, UsageError } from '../../base/errors.js';
import { forMessageText, forPath } from '../../text/safe-text.js';
import { aggregateInDuckDb, type DuckDb, openDuckDb, sloInDuckDb } from '../duckdb.js';
import { decodeAggregateRows } from '../rows.js';
import type { SloCounts, SloQuery } from '../slo-windows.js';
import { rollupReadParams, rollupReadSql } from '../sql/rollup-read.js';
import type { AggregateQuery, Source, SourceResult } from '../types.js';
import { checkInputPaths, type InputFile, resolveInputs, Scratch } from './input-paths.js';
import { loadInput } from './load.js';
import type { FileSettings } from './source.js';
import { TailRollups } from './tail-rollups.js';
import { appendable, copyRange, type FileMark, firstLine, markAfter, type Plan, planRead } from './tail-state.js';

const TABLE = 'integration_logs';
const KEPT = 'source, operation, level, status, message, duration_ms, created_at';
const EMPTY = `SELECT CAST(NULL AS VARCHAR) AS source, CAST(NULL AS VARCHAR) AS operation, CAST(NULL AS VARCHAR) AS level,
  CAST(NULL AS VARCHAR) AS status, CAST(NULL AS VARCHAR) AS message, CAST(NULL AS DOUBLE) AS duration_ms,
  CAST(NULL AS TIMESTAMPTZ) AS created_at WHERE false`;

interface Tailed {
  input: InputFile;
  /** The DuckDB table holding its usable rows of the windows; absent until a row was read. */
  table: string;
  hasTable: boolean;
  /** Rows in the table, and rows deleted from it since it was built: DuckDB keeps a deleted row's
   *  row group until every row of it is gone, so the table is rebuilt once more are deleted than
   *  kept (compact()): memory stays bounded by the rows kept, not by how long the view runs. */
  rows: number;
  deleted: number;
  mark: FileMark | null;
  /** Unusable rows read since its last whole read. */
  skipped: number;
  /** Its durations are whole milliseconds (BIGINT): the rollups' histograms key them. */
  wholeDurations: boolean;
}

export class TailingFileSource implements Source {
  readonly kind = 'file' as const;
  private db: DuckDb | undefined;
  private files: Tailed[] | undefined;
  private loads = 0;
  /** Bytes read by the last aggregate() (docs/live.md: the cost of a refresh). */
  lastReadBytes = 0;
  /** Tables rewritten to free deleted rows (compact()). */
  compactions = 0;
  /** The closed hours' rollups (docs/live.md). */
  readonly rollups = new TailRollups(TABLE);

  constructor(
    private readonly settings: FileSettings,
    private readonly onNotice: (line: string) => void,
  ) {}

  async aggregate(query: AggregateQuery): Promise<SourceResult> {
    this.db ??= await openDuckDb();
    this.files ??= await this.inputs();
    const { db, files } = this;
    this.lastReadBytes = 0;
    for (const file of files) await this.catchUp(db, file, query.previousStart);
    const tables = files.filter((f) => f.hasTable).map((f) => `SELECT ${KEPT} FROM ${f.table}`);
    await db.connection.run(`CREATE OR REPLACE TEMP VIEW ${TABLE} AS ${tables.length > 0 ? tables.join('\nUNION ALL\n') : EMPTY}`);
    const skippedRows = files.reduce((sum, f) => sum + f.skipped, 0);
    const enabled = this.settings.rollups !== false && files.every((f) => !f.hasTable || f.wholeDurations);
    const watermark = TailRollups.mayAnswer(query, enabled) ? await this.rollups.update(db.connection, query) : null;
    if (watermark === null) {
      const aggregates = await aggregateInDuckDb(db.connection, TABLE, query);
      return { kind: this.kind, aggregation: 'client', skippedRows, ...aggregates };
    }
    const read = rollupReadSql('tail', TABLE);
    const reader = await db.connection.runAndReadAll(read.text, rollupReadParams(read, query, watermark));
    return { kind: this.kind, aggregation: 'rollup', skippedRows, ...decodeAggregateRows(reader.getRowObjectsJS(), 'DuckDB') };
  }

  /** The SLO read over the rows kept (docs/live.md: a live file source keeps 2 x --hours, so an
   *  SLO period longer than that counts what is kept). Runs after aggregate(), which made the view. */
  async slo(query: SloQuery): Promise<SloCounts> {
    if (this.db === undefined) throw new Error('the SLO read runs after a refresh has read the files');
    return sloInDuckDb(this.db.connection, TABLE, query);
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.files = undefined;
  }

  private async inputs(): Promise<Tailed[]> {
    const { paths, inputFormat, stdinMaxBytes } = this.settings;
    checkInputPaths(paths, inputFormat, process.stdin);
    const inputs = await resolveInputs(paths, { inputFormat, stdinMaxBytes }, process.stdin, new Scratch());
    return inputs.map((input, i) => ({
      input,
      table: `tail_${i}`,
      hasTable: false,
      rows: 0,
      deleted: 0,
      mark: null,
      skipped: 0,
      wholeDurations: true,
    }));
  }

  /** Reads what is new in one file, then drops its rows older than both windows. */
  private async catchUp(db: DuckDb, file: Tailed, keepFrom: Date): Promise<void> {
    const { input } = file;
    const shown = `--input ${forPath(input.name)}`;
    let plan: Plan;
    try {
      plan = await planRead(input.path, input.format, file.mark);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file (rotated away and not yet replaced?)' : describeError(error);
      throw new RuntimeError(`${shown}: ${why}`);
    }
    if (plan.kind === 'whole' && plan.why !== 'first') this.onNotice(`${shown}: ${plan.why}; read again whole`);
    if (plan.kind !== 'same') await this.read(db, file, plan);
    // Seen at this size: if it is the same at the next look, a last line without its end is whole.
    else if (file.mark !== null && appendable(input.format, input.path)) file.mark.size = plan.size;
    if (!file.hasTable) return;
    const deleted = await db.connection.run(
      `DELETE FROM ${file.table} WHERE created_at < CAST('${keepFrom.toISOString()}' AS TIMESTAMPTZ)`,
    );
    file.rows -= deleted.rowsChanged;
    file.deleted += deleted.rowsChanged;
    if (file.deleted > file.rows) await this.compact(db, file);
  }

  /** The file's table rewritten with its kept rows only, which frees the deleted rows' memory. */
  private async compact(db: DuckDb, file: Tailed): Promise<void> {
    const fresh = `${file.table}_compacted`;
    await db.connection.run(`CREATE TEMP TABLE ${fresh} AS SELECT * FROM ${file.table}`);
    await db.connection.run(`DROP TABLE ${file.table}`);
    await db.connection.run(`ALTER TABLE ${fresh} RENAME TO ${file.table}`);
    // file.rows is unchanged: the copy holds exactly the kept rows.
    file.deleted = 0;
    this.compactions++;
  }

  private async read(db: DuckDb, file: Tailed, plan: Exclude<Plan, { kind: 'same' }>): Promise<void> {
    const { input } = file;
    const whole = plan.kind === 'whole';
    const start = whole ? 0 : plan.start;
    let header: Buffer | null = null;
    if (input.format === 'csv') header = whole ? await firstLine(input.path) : (file.mark?.header ?? null);
    const scratch = new Scratch();
    const name = `load_${this.loads++}`;
    try {
      let loaded: { unreadable: number } | null = null;
      if (plan.end > start) {
        // A whole file ending where it was measured is read in place; else the bytes up to the
        // last whole line (and, appended, after the CSV header) are copied and read.
        const inPlace = whole && plan.end === plan.size;
        const path = inPlace ? input.path : scratch.path(`${name}.${input.format}`);
        if (!inPlace) await copyRange(input.path, start, plan.end, path, whole ? null : header);
        loaded = await loadInput(db, { ...input, path }, name, scratch, {
          mappings: this.settings.mappings,
          timeUnit: this.settings.timeUnit,
        });
        this.lastReadBytes += plan.end - start;
      }
      const mark = await markAfter(input.path, plan.end, header);
      if (whole && plan.end === plan.size && mark.size !== plan.size && loaded !== null) {
        // The file grew while DuckDB read it in place: what it read past `end` would be read
        // again next time. Read exactly [0, end) instead.
        await db.connection.run(`DROP TABLE IF EXISTS ${name}`);
        const copy = scratch.path(`${name}.copy.${input.format}`);
        await copyRange(input.path, 0, plan.end, copy, null);
        loaded = await loadInput(db, { ...input, path: copy }, name, scratch, {
          mappings: this.settings.mappings,
          timeUnit: this.settings.timeUnit,
        });
      }
      if (whole) {
        await db.connection.run(`DROP TABLE IF EXISTS ${file.table}`);
        file.hasTable = false;
        file.skipped = 0;
        this.rollups.reset();
      }
      if (loaded !== null) await this.merge(db, file, name, loaded.unreadable);
      file.mark = mark;
    } catch (error) {
      if (error instanceof UsageError || error instanceof RuntimeError) throw error;
      throw new RuntimeError(`--input ${forPath(input.name)}: reading failed: ${forMessageText(describeError(error))}`);
    } finally {
      for (const t of [name, `${name}_rejects`, `${name}_rejects_scan`, `${name}_rejects_named`, `${name}_rejects_named_scan`]) {
        await db.connection.run(`DROP TABLE IF EXISTS ${t}`).catch(() => {});
        await db.connection.run(`DROP VIEW IF EXISTS ${t}`).catch(() => {});
      }
      scratch.remove();
    }
  }

  /** The loaded rows' usable part into the file's table; the unusable ones counted. */
  private async merge(db: DuckDb, file: Tailed, loaded: string, unreadable: number): Promise<void> {
    const [counts] = (
      await db.connection.runAndReadAll(`SELECT count(*) FILTER (WHERE unusable) AS unusable FROM ${loaded}`)
    ).getRowObjectsJS();
    const unusable = Number(counts?.unusable ?? 0);
    file.skipped += unreadable + unusable;
    if (unusable + unreadable > 0) {
      this.onNotice(`--input ${forPath(file.input.name)}: skipped ${(unusable + unreadable).toLocaleString('en-US')} new unusable row(s)`);
    }
    const rows = `SELECT ${KEPT} FROM ${loaded} WHERE NOT unusable`;
    const type = async (table: string) =>
      String(
        (
          await db.connection.runAndReadAll(
            `SELECT data_type FROM duckdb_columns() WHERE table_name = '${table}' AND column_name = 'duration_ms'`,
          )
        ).getRowsJS()[0]?.[0],
      );
    // Rows older than the rolled-up hours (out-of-order logs) have their hours rolled up again.
    const [first] = (
      await db.connection.runAndReadAll(`SELECT epoch_ms(min(created_at)) AS ms FROM ${loaded} WHERE NOT unusable`)
    ).getRowsJS();
    this.rollups.appended(first?.[0] === null || first?.[0] === undefined ? null : Number(first[0]));
    if (!file.hasTable) {
      // (CREATE TABLE AS reports no rows changed: the rows are counted.)
      await db.connection.run(`CREATE TEMP TABLE ${file.table} AS ${rows}`);
      file.rows = await rowCount(db, file.table);
      file.deleted = 0;
      file.hasTable = true;
      file.wholeDurations = (await type(file.table)) !== 'DOUBLE';
      return;
    }
    // A file that had whole durations only now brings a fraction: its table widens to DOUBLE.
    if ((await type(loaded)) === 'DOUBLE' && (await type(file.table)) !== 'DOUBLE') {
      await db.connection.run(`ALTER TABLE ${file.table} ALTER duration_ms TYPE DOUBLE`);
      file.wholeDurations = false;
    }
    file.rows += (await db.connection.run(`INSERT INTO ${file.table} BY NAME ${rows}`)).rowsChanged;
  }
}

async function rowCount(db: DuckDb, table: string): Promise<number> {
  return Number((await db.connection.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRowsJS()[0]?.[0] ?? 0);
}
