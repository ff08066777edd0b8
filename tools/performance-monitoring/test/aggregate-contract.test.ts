// sql/aggregate.sql against its declaration (sources/sql/aggregate-contract.ts): the columns both
// engines actually return (names, order, types), each UNION branch naming the same columns, the
// parameters as declared, the table named in exactly one place; and the same rows giving the
// same decoded aggregates in DuckDB and PostgreSQL (the variance within float rounding).
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDir } from '../harness/cli.js';
import { generateRows, loadIntoPostgres, writeNdjsonFile } from '../harness/dataset.js';
import { type PgServer, runSqlFile, startPostgres } from '../harness/postgres.js';
import { type DuckDb, openDuckDb } from '../sources/duckdb.js';
import { decodeAggregateRows } from '../sources/rows.js';
import { aggregationParams, aggregationSql, aggregationSqlTemplate, withTable } from '../sources/sql/aggregate.js';
import { COLUMN_TYPES, PARAMETERS, RESULT_COLUMNS } from '../sources/sql/aggregate-contract.js';
import { rollupReadParams, rollupReadSql } from '../sources/sql/rollup-read.js';
import type { AggregateQuery, Aggregates, Stats, StatsRow, TimelineRow } from '../sources/types.js';

const UNTIL = '2025-11-20T10:00:00.000Z';
const QUERY: AggregateQuery = {
  start: new Date('2025-11-19T10:00:00.000Z'),
  end: new Date(UNTIL),
  previousStart: new Date('2025-11-18T10:00:00.000Z'),
  services: null,
  threshold: 1000,
};
const ROWS = generateRows({ operationsPerWindow: 4_000, until: UNTIL, seed: 77, burst: 40 });
// Operations at impossible times (5, of which 4 hubspot) and a plain line there (not an operation).
const IMPOSSIBLE = `INSERT INTO integration_logs (source, operation, level, status, message, duration_ms, created_at) VALUES
  ('hubspot', 'a', 'info', 'success', NULL, 5, CAST('infinity' AS timestamptz)),
  ('hubspot', 'a', 'info', 'success', NULL, 5, CAST('-infinity' AS timestamptz)),
  ('hubspot', 'a', 'error', 'error', 'x', NULL, CAST('1999-12-31 23:59:59.999+00' AS timestamptz)),
  ('hubspot', 'a', 'info', 'info', NULL, 7, CAST('10000-01-01 00:00:00+00' AS timestamptz)),
  ('n8n', 'b', 'info', 'success', NULL, NULL, CAST('12000-06-01 00:00:00+00' AS timestamptz)),
  ('n8n', 'b', 'debug', 'info', NULL, NULL, CAST('1970-01-01 00:00:00+00' AS timestamptz))`;
const SCHEMA = new URL('../sql/schema.sql', import.meta.url).pathname;
const ROLLUP = new URL('../sql/rollup.sql', import.meta.url).pathname;
const EXPECTED_COLUMNS = RESULT_COLUMNS.map((column) => column.name);

let pg: PgServer;
let sql: postgres.Sql;
let duck: DuckDb;

beforeAll(async () => {
  pg = await startPostgres();
  const url = await pg.createDatabase('contract');
  await runSqlFile(url, SCHEMA);
  await runSqlFile(url, ROLLUP);
  await loadIntoPostgres(url, ROWS);
  sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql.unsafe(IMPOSSIBLE);
  duck = await openDuckDb();
  const file = await writeNdjsonFile(join(emptyDir('perfmon-contract-'), 'rows.ndjson'), ROWS);
  await duck.connection.run(`CREATE TABLE integration_logs AS SELECT source, operation, level, status, message,
    CAST(duration_ms AS INTEGER) AS duration_ms, CAST(created_at AS TIMESTAMPTZ) AS created_at FROM read_json('${file}')`);
  await duck.connection.run(IMPOSSIBLE);
});

afterAll(async () => {
  duck?.close();
  await sql?.end({ timeout: 5 });
  await pg?.stop();
});

async function inDuckDb(text: string, query = QUERY) {
  const reader = await duck.connection.runAndReadAll(text, aggregationParams(query));
  return { columns: reader.columnNames(), types: reader.columnTypes().map(String), rows: reader.getRowObjectsJS() };
}

async function inPostgres(query = QUERY): Promise<Aggregates> {
  return decodeAggregateRows(await sql.unsafe(aggregationSql(), aggregationParams(query)), 'PostgreSQL');
}

describe('the result columns', () => {
  it('PostgreSQL returns the declared columns, in order, with the declared types', async () => {
    const described = await sql.unsafe(aggregationSql(), aggregationParams(QUERY)).describe();
    const typeNames = new Map(
      (
        await sql<
          { oid: number; name: string }[]
        >`SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid IN (25, 20, 701)`
      ).map((t) => [t.oid, t.name]),
    );
    expect(described.columns.map((c) => [c.name, typeNames.get(c.type)])).toEqual(
      RESULT_COLUMNS.map((c) => [c.name, COLUMN_TYPES[c.value].postgres]),
    );
  });

  it('the rollup read (PostgreSQL) returns the same declared columns and types', async () => {
    const read = rollupReadSql('postgres');
    const described = await sql.unsafe(read.text, rollupReadParams(read, QUERY, Date.parse(UNTIL))).describe();
    const typeNames = new Map(
      (
        await sql<
          { oid: number; name: string }[]
        >`SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid IN (25, 20, 701)`
      ).map((t) => [t.oid, t.name]),
    );
    expect(described.columns.map((c) => [c.name, typeNames.get(c.type)])).toEqual(
      RESULT_COLUMNS.map((c) => [c.name, COLUMN_TYPES[c.value].postgres]),
    );
  });

  it('DuckDB returns the declared columns, in order, with the declared types', async () => {
    const { columns, types } = await inDuckDb(aggregationSql());
    expect(columns.map((name, i) => [name, types[i]])).toEqual(RESULT_COLUMNS.map((c) => [c.name, COLUMN_TYPES[c.value].duckdb]));
  });

  it('every UNION branch names the same columns in the same order: matched by name, the rows are the same', async () => {
    const shipped = aggregationSql();
    const byName = shipped.replaceAll('UNION ALL\n', 'UNION ALL BY NAME\n');
    expect(byName.match(/UNION ALL BY NAME/g)).toHaveLength(3);
    const [positional, named] = [await inDuckDb(shipped), await inDuckDb(byName)];
    expect(named.columns).toEqual(EXPECTED_COLUMNS);
    const kinds = new Set(positional.rows.map((r) => r.kind));
    expect(kinds).toEqual(new Set(['stats', 'timeline', 'error', 'impossible_times', 'status']));
    const sorted = (rows: Record<string, unknown>[]) =>
      rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).sort();
    expect(sorted(named.rows)).toEqual(sorted(positional.rows));
  });
});

describe('the parameters and the table', () => {
  const template = aggregationSqlTemplate();

  it('every $n is CAST($n AS <declared type>), for exactly $1..$n of the declaration', () => {
    const code = template.replace(/^\s*--.*$/gm, '');
    const uses = [...code.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    const casts = [...code.matchAll(/CAST\(\$(\d+) AS ([a-z ]+)\)/g)].map((m) => [Number(m[1]), m[2]]);
    expect(new Set(uses)).toEqual(new Set(PARAMETERS.map((_, i) => i + 1)));
    expect(casts).toHaveLength(uses.length);
    expect(casts).toEqual(casts.map(([n]) => [n, PARAMETERS[Number(n) - 1]?.sqlType]));
  });

  it('the header comment lists the declared parameters', () => {
    const listed = [...template.matchAll(/^-- {3}\$(\d+) (\w+) (\w+): (.*)$/gm)].map((m) => [Number(m[1]), m[2], m[3], m[4]]);
    expect(listed).toEqual(PARAMETERS.map((p, i) => [i + 1, p.name, p.sqlType, p.doc]));
  });

  it('the table is substituted in its one place, quoted; no slot or two slots is refused', () => {
    const sqlText = aggregationSql('ops.my_logs');
    expect(sqlText.match(/"ops"\."my_logs"/g)).toHaveLength(1);
    expect(sqlText).not.toMatch(/FROM integration_logs\b/);
    expect(() => withTable(template.replace(/^(\s*FROM )integration_logs$/m, '$1other'), 'x')).toThrow(/found 0/);
    expect(() => withTable(`${template}\n  FROM integration_logs\n`, 'x')).toThrow(/found 2/);
    expect(() => aggregationSql('a;drop')).toThrow(/PERFMON_TABLE 'a;drop' is not a table name/);
  });
});

describe('the variance', () => {
  const HAND = `CREATE TABLE hand_logs AS SELECT * FROM (VALUES
    ('v', 'op', 'info', 'success', CAST(NULL AS text), 100, CAST('2025-11-20 09:00:00+00' AS timestamptz)),
    ('v', 'op', 'info', 'success', NULL, 200, CAST('2025-11-20 09:00:00+00' AS timestamptz)),
    ('v', 'op', 'info', 'success', NULL, 600, CAST('2025-11-20 09:00:00+00' AS timestamptz)),
    ('w', 'op', 'info', 'success', NULL, 50, CAST('2025-11-20 09:00:00+00' AS timestamptz))
  ) AS t (source, operation, level, status, message, duration_ms, created_at)`;

  it('is var_samp of the samples in both engines, null below 2 samples', async () => {
    await sql.unsafe(HAND);
    await duck.connection.run(HAND);
    const variances = (a: Aggregates) =>
      Object.fromEntries(
        a.stats
          .filter((r) => r.window === 'current' && r.level !== 'operation')
          .map((r) => [r.level === 'service' ? r.service : 'overall', r.varDuration]),
      );
    const fromPostgres = decodeAggregateRows(await sql.unsafe(aggregationSql('hand_logs'), aggregationParams(QUERY)), 'PostgreSQL');
    const reader = await duck.connection.runAndReadAll(aggregationSql('hand_logs'), aggregationParams(QUERY));
    const fromDuckDb = decodeAggregateRows(reader.getRowObjectsJS(), 'DuckDB');
    // v: mean 300, ((-200)² + (-100)² + 300²) / 2 = 70000. All four: mean 237.5,
    // (137.5² + 37.5² + 362.5² + 187.5²) / 3 = 186875 / 3.
    const expected = { overall: 186_875 / 3 };
    expect(variances(fromPostgres)).toEqual({ overall: expect.closeTo(expected.overall, 9), v: expect.closeTo(70_000, 9), w: null });
    expect(variances(fromDuckDb)).toEqual({ overall: expect.closeTo(expected.overall, 9), v: expect.closeTo(70_000, 9), w: null });
  });
});

describe('DuckDB and PostgreSQL on the same rows', () => {
  // Percentiles and variances are computed in double precision by different code: equal to the last bits or so.
  const close = (a: number | null, b: number | null) => a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-12 * Math.abs(b));
  const FLOAT_FIELDS = ['p50', 'p95', 'p99', 'varDuration'] as const;
  const exact = <R extends Stats>({ p50: _a, p95: _b, p99: _c, varDuration: _v, ...rest }: R) => rest;
  const exactPart = (a: Aggregates) => ({ ...a, stats: a.stats.map(exact), timeline: a.timeline.map(exact) });
  const key = (r: StatsRow) => JSON.stringify([r.window, r.level, 'service' in r ? r.service : '', 'operation' in r ? r.operation : '']);
  const bucketKey = (r: TimelineRow) => JSON.stringify([r.level, 'service' in r ? r.service : '', r.bucketStart]);

  // A set of two services is joined in the one text parameter and split by the SQL, in both engines.
  it.each<[string[] | null]>([[null], [['hubspot']], [['hubspot', 'n8n']]])(
    'give the same aggregates (services %j), the variance within 1e-12 relative',
    async (services) => {
      const service = services?.join('+') ?? null;
      const query: AggregateQuery = { ...QUERY, services };
      const [duckdb, postgresql] = [decodeAggregateRows((await inDuckDb(aggregationSql(), query)).rows, 'DuckDB'), await inPostgres(query)];
      const order = (a: Aggregates) => ({
        ...a,
        stats: [...a.stats].sort((x, y) => key(x).localeCompare(key(y))),
        timeline: [...a.timeline].sort((x, y) => bucketKey(x).localeCompare(bucketKey(y))),
        errors: [...a.errors].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
      });
      expect(exactPart(order(duckdb))).toEqual(exactPart(order(postgresql)));
      expect(duckdb.timeline.length).toBeGreaterThan(0);
      const pgBuckets = new Map(postgresql.timeline.map((r) => [bucketKey(r), r]));
      const bucketsDiffering = duckdb.timeline.flatMap((r) =>
        FLOAT_FIELDS.filter((f) => !close(r[f], pgBuckets.get(bucketKey(r))?.[f] ?? null)).map((f) => `${bucketKey(r)} ${f}`),
      );
      expect(bucketsDiffering).toEqual([]);
      // Impossible times: operations only (not the 1970 debug line), --service applied.
      const impossible = services?.length === 1 ? 4 : 5;
      expect({ duckdb: duckdb.impossibleTimes, postgresql: postgresql.impossibleTimes }).toEqual({
        duckdb: impossible,
        postgresql: impossible,
      });
      // Only the set's services, every one of them.
      const named = [...new Set(postgresql.stats.flatMap((r) => (r.level === 'service' ? [r.service] : [])))].sort();
      if (services !== null) expect(named).toEqual([...services].sort());
      else expect(named.length).toBeGreaterThan(2);
      const pgStats = new Map(postgresql.stats.map((r) => [key(r), r]));
      const differing = duckdb.stats.flatMap((r) =>
        FLOAT_FIELDS.filter((f) => !close(r[f], pgStats.get(key(r))?.[f] ?? null)).map((f) => `${key(r)} ${f}`),
      );
      expect(differing).toEqual([]);
      const pgByKey = new Map(postgresql.stats.map((r) => [key(r), r.varDuration]));
      let worst = 0;
      for (const row of duckdb.stats) {
        const other = pgByKey.get(key(row));
        expect(other === null).toBe(row.varDuration === null);
        if (row.varDuration !== null && other !== null && other !== undefined) {
          worst = Math.max(worst, Math.abs(row.varDuration - other) / Math.max(Math.abs(other), Number.MIN_VALUE));
        }
      }
      process.stderr.write(
        `var_samp, DuckDB vs PostgreSQL, service ${service}: worst relative difference ${worst.toExponential(2)} over ${duckdb.stats.length} groups\n`,
      );
      expect(worst).toBeLessThan(1e-12);
    },
  );
});
