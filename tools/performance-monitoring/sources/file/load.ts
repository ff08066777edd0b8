// One input file into DuckDB as normalized rows: the fast read, and when DuckDB refuses the
// file for one odd row, a repaired read that skips and counts what cannot be read (a line that
// is not JSON, a lone surrogate, a BOM; a CSV row DuckDB rejects, an over-long first line).

import { describeError, RuntimeError, UsageError } from '../../base/errors.js';
import { forMessageText, forPath } from '../../text/safe-text.js';
import type { DuckDb } from '../duckdb.js';
import { chooseFields, type FieldMapping, type Fields, MissingField, OWN_NAMES } from './columns.js';
import { type FileFormat, jsonKeysSql, normalizedSelectSql, readerSql, sqlString, type TimeUnit } from './formats.js';
import type { InputFile, Scratch } from './input-paths.js';

export interface Loaded {
  /** Rows no reader could read (not JSON, rejected by the CSV reader): skipped and counted. */
  unreadable: number;
  /** The first of them: where (`line 2`, `element 3`) and why, for the one notice line. */
  first: { where: string; reason: string } | null;
  /** The fields read for each column; null when the file had no row to choose them from. */
  fields: Fields | null;
}

/** How fields are chosen and times read: --map and --time-unit. */
export interface ReadChoices {
  mappings: readonly FieldMapping[];
  timeUnit: TimeUnit;
}

const NOTHING_SKIPPED = { unreadable: 0, first: null } as const;

/** Loads `input` as relation `name`: Parquet is scanned where it lies (columnar, cheap to read
 *  twice); text formats are parsed once into a temp table, then counted and aggregated from memory. */
export async function loadInput(db: DuckDb, input: InputFile, name: string, scratch: Scratch, choices: ReadChoices): Promise<Loaded> {
  const reading = new Reading(db, input, choices);
  const loaded = await load(reading, name, scratch);
  return { ...loaded, fields: reading.fields };
}

async function load(reading: Reading, name: string, scratch: Scratch): Promise<Omit<Loaded, 'fields'>> {
  const { input } = reading;
  switch (input.format) {
    case 'parquet':
      await reading.create('VIEW', name, readerSql(input.path, 'parquet'));
      return NOTHING_SKIPPED;
    case 'csv':
      return loadCsv(reading, name);
    case 'ndjson':
    case 'json':
      return loadJson(reading, name, scratch);
  }
}

async function loadCsv(reading: Reading, name: string): Promise<Omit<Loaded, 'fields'>> {
  const { input } = reading;
  let rejectsTable = `${name}_rejects`;
  try {
    await reading.create('TABLE', name, readerSql(input.path, 'csv', { rejectsTable }));
  } catch (error) {
    if (error instanceof MissingField) throw error;
    // DuckDB's sniffer reads the first lines whole; one over its line limit refuses the file.
    // Read it again with the header's names and RFC 4180's dialect, the sniffer left out.
    // (The repairs are loaded only when needed: a Parquet or well-formed file never pays for them.)
    const { csvHeader, distinctNames } = await import('./csv-header.js');
    const header = await csvHeader(input.path);
    if (!header) throw error;
    rejectsTable = `${name}_rejects_named`;
    const reader = readerSql(input.path, 'csv', { rejectsTable, csvColumns: distinctNames(header) });
    await reading.create('TABLE', name, reader).catch(() => {
      throw error;
    });
  }
  // One row per error, several for one line (each missing column): count lines.
  const [rejects] = await reading.rows(
    `SELECT count(DISTINCT line) AS n, min(line) AS line, arg_min(error_type, line) AS why FROM ${rejectsTable}`,
  );
  const n = Number(rejects?.n ?? 0);
  if (n === 0) return NOTHING_SKIPPED;
  return { unreadable: n, first: { where: `line ${String(rejects?.line)}`, reason: String(rejects?.why).toLowerCase() } };
}

async function loadJson(reading: Reading, name: string, scratch: Scratch): Promise<Omit<Loaded, 'fields'>> {
  const { input } = reading;
  const format = input.format === 'json' ? 'json' : 'ndjson';
  try {
    await reading.createJson(name, input.path, format);
    return NOTHING_SKIPPED;
  } catch (error) {
    if (error instanceof MissingField) throw error;
    const { MalformedArray, repairJson } = await import('./json-repair.js');
    const copy = scratch.path(`${name}.ndjson`);
    const repaired = await repairJson(input.path, format, copy).catch((failure: unknown) => {
      if (failure instanceof MalformedArray)
        throw new UsageError(`${reading.shown}: not a valid JSON array: ${forMessageText(failure.message)}`);
      throw failure;
    });
    // Nothing JavaScript could not read either (and no BOM it dropped): DuckDB's error stands.
    if (!repaired || (repaired.rows === 0 && !repaired.first)) throw error;
    const { first } = repaired;
    if (repaired.rows === 0 && first)
      throw new UsageError(`${reading.shown}: no readable row (${first.where}: ${forMessageText(first.reason)})`);
    // The copy holds only lines JavaScript parsed; should DuckDB still refuse one, it becomes a
    // row of NULLs (skipped, counted as unusable) rather than a refused file.
    await reading.createJson(name, copy, 'ndjson').catch((error: unknown) => {
      if (error instanceof MissingField) throw error;
      return reading.createJson(name, copy, 'ndjson', true);
    });
    return { unreadable: repaired.skipped, first };
  }
}

/** DuckDB work on one input; its read errors become one line naming the file (exit 2). */
class Reading {
  readonly shown: string;
  /** The fields chosen for the file's columns (columns.ts); null until chosen, or with no row to choose from. */
  fields: Fields | null = null;

  constructor(
    private readonly db: DuckDb,
    readonly input: InputFile,
    private readonly choices: ReadChoices,
  ) {
    this.shown = `--input ${input.name === '-' ? '- (stdin)' : forPath(input.name)}`;
  }

  /** CSV and Parquet: their columns are the header's, as DuckDB describes the reader. */
  async create(kind: 'TABLE' | 'VIEW', name: string, reader: string): Promise<void> {
    const types = await this.describe(reader);
    const fields = await this.choose(new Set(types.keys()), () => this.isEmpty(reader));
    await this.createFrom(kind, name, normalizedSelectSql(reader, types, fields, this.choices.timeUnit));
  }

  /** JSON: the fields are found in the first objects, then only those chosen are read. */
  async createJson(name: string, path: string, format: Extract<FileFormat, 'ndjson' | 'json'>, ignoreErrors = false): Promise<void> {
    const keys = await this.rows(jsonKeysSql(path, format, ignoreErrors));
    const available = new Set(keys.map((row) => String(row.key)));
    const fields = await this.choose(available, async () => available.size === 0);
    const read = [...new Set(Object.values(fields).filter((field): field is string => field !== null))];
    const reader = readerSql(path, format, { jsonFields: read, ignoreErrors });
    const types = await this.describe(reader);
    await this.createFrom('TABLE', name, normalizedSelectSql(reader, types, fields, this.choices.timeUnit));
  }

  /** The fields for these names; a file with no row (`empty`) reads each column by its own name
   *  and is not refused for lacking one: it is said to be empty instead (source.ts). */
  private async choose(available: ReadonlySet<string>, empty: () => Promise<boolean>): Promise<Fields> {
    try {
      this.fields = chooseFields(available, this.choices.mappings, this.shown);
      return this.fields;
    } catch (error) {
      if (!(await empty())) throw error;
      this.fields = null;
      return OWN_NAMES;
    }
  }

  private async isEmpty(reader: string): Promise<boolean> {
    const [row] = await this.rows(`SELECT count(*) AS n FROM (SELECT 1 FROM ${reader} LIMIT 1)`);
    return Number(row?.n ?? 0) === 0;
  }

  private async createFrom(kind: 'TABLE' | 'VIEW', name: string, select: string): Promise<void> {
    await this.guard(() => this.db.connection.run(`CREATE OR REPLACE TEMP ${kind} ${name} AS ${select}`));
    if (kind === 'TABLE') await this.guard(() => storeWholeDurationsAsIntegers(this.db, name));
  }

  async rows(sql: string): Promise<Record<string, unknown>[]> {
    return this.guard(async () => (await this.db.connection.runAndReadAll(sql)).getRowObjectsJS());
  }

  private async describe(reader: string): Promise<Map<string, string>> {
    const described = await this.rows(`DESCRIBE SELECT * FROM ${reader}`);
    const types = new Map<string, string>();
    for (const row of described) types.set(String(row.column_name), String(row.column_type));
    return types;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof UsageError || error instanceof RuntimeError) throw error;
      // DuckDB names the file by the absolute path it read; the user knows the name they typed.
      const reason = describeError(error)
        .replace(/^[A-Za-z ]*Error: /, '')
        .replaceAll(this.input.path, this.input.name);
      throw new UsageError(`${this.shown}: reading failed: ${forMessageText(reason)}`);
    }
  }
}

/** Text durations are parsed as DOUBLE; when every one is a whole number, BIGINT holds them
 *  exactly and the percentiles run ~30% faster (sorting integers). Same figures either way. */
async function storeWholeDurationsAsIntegers(db: DuckDb, table: string): Promise<void> {
  const described = await db.connection.runAndReadAll(
    `SELECT data_type FROM duckdb_columns() WHERE table_name = ${sqlString(table)} AND column_name = 'duration_ms'`,
  );
  if (described.getRowsJS()[0]?.[0] !== 'DOUBLE') return;
  const checked = await db.connection.runAndReadAll(
    `SELECT coalesce(bool_and(duration_ms = trunc(duration_ms) AND abs(duration_ms) < 9007199254740992), true) FROM ${table}`,
  );
  if (checked.getRowsJS()[0]?.[0] === true) await db.connection.run(`ALTER TABLE ${table} ALTER duration_ms TYPE BIGINT`);
}
