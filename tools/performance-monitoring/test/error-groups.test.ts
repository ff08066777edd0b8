// Error groups (docs/error-groups.md): the same messages through the one aggregation
// SQL in PostgreSQL (ARE) and DuckDB (RE2) give the same fingerprints, the ones written here by
// hand; words are never merged; each group keeps its most recent message and its operations.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, startPostgres } from '../harness/postgres.js';
import { type DuckDb, openDuckDb } from '../sources/duckdb.js';
import { decodeAggregateRows } from '../sources/rows.js';
import { aggregationParams, aggregationSql } from '../sources/sql/aggregate.js';
import type { AggregateQuery, Aggregates } from '../sources/types.js';

const QUERY: AggregateQuery = {
  start: new Date('2025-11-19T10:00:00.000Z'),
  end: new Date('2025-11-20T10:00:00.000Z'),
  previousStart: new Date('2025-11-18T10:00:00.000Z'),
  services: null,
  threshold: 1000,
};

/** Each message alone in its own service, so its fingerprint is that service's one group. */
const FINGERPRINTS: [string, string][] = [
  ['Timeout after 30012ms for job 8f3a9c21', 'Timeout after <n>ms for job <hex>'],
  ['Timeout after 29877ms for job 11c0ffee', 'Timeout after <n>ms for job <hex>'],
  ['Rate limit exceeded', 'Rate limit exceeded'],
  ['Connection reset', 'Connection reset'],
  ['Record 4f1c2b7e-9a0d-4c3b-8e21-0d5f6a7b8c9d not found', 'Record <uuid> not found'],
  ['Mail to jane.doe+ops@example.co.uk bounced', 'Mail to <email> bounced'],
  ['GET https://api.hubapi.com/crm/v3/objects/contacts?limit=100 failed: 502', 'GET <url> failed: <n>'],
  ['connect ECONNREFUSED 10.0.3.17:5432', 'connect ECONNREFUSED <ip>'],
  ['Invalid value "Acme, Inc." for field \'company_name\'', 'Invalid value "<value>" for field \'<value>\''],
  ["Can't parse row 12", "Can't parse row <n>"],
  ['Token expired at 2025-11-19T14:03:22.120Z', 'Token expired at <time>'],
  ['Run started 2025-11-19 14:03:22+00 exceeded 15:00:00 budget', 'Run started <time> exceeded <time> budget'],
  ['Batch 3 of 12 failed (1,250 rows, 0.5%)', 'Batch <n> of <n> failed (<n> rows, <n>%)'],
  ['Order 0x1f2e and deadbeef and a1 b2 c3', 'Order <hex> and deadbeef and <hex> <hex> <hex>'],
  ['OAuth2 S3 v2 upload failed', 'OAuth2 S3 v2 upload failed'],
  ['Zeitüberschreitung – keine Antwort nach 30 s', 'Zeitüberschreitung – keine Antwort nach <n> s'],
  ['line one\nline 2', 'line one\nline <n>'],
];

const rowsSql = (values: string) =>
  `INSERT INTO integration_logs (source, operation, level, status, message, duration_ms, created_at) VALUES ${values}`;
const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

function failures(): string {
  const rows = FINGERPRINTS.map(
    ([message], i) =>
      `('s${String(i).padStart(2, '0')}', 'op', 'error', 'error', ${quote(message)}, 10, CAST('2025-11-19T12:00:00Z' AS timestamptz))`,
  );
  // One group over three operations: the most recent message is its example; ops by count.
  const group = [
    ['sync', 'Timeout after 100ms', '2025-11-19T11:00:00Z'],
    ['sync', 'Timeout after 200ms', '2025-11-19T11:30:00Z'],
    ['list', 'Timeout after 300ms', '2025-11-20T09:00:00Z'],
    ['list', 'Timeout after 400ms', '2025-11-19T13:00:00Z'],
    ['list', 'Timeout after 500ms', '2025-11-19T13:30:00Z'],
    ['get', 'Timeout after 600ms', '2025-11-19T14:00:00Z'],
    ['sync', 'Rate limit exceeded', '2025-11-19T15:00:00Z'],
  ].map(([op, message, at]) => `('grouped', '${op}', 'error', 'error', ${quote(message ?? '')}, 10, CAST('${at}' AS timestamptz))`);
  return rowsSql([...rows, ...group].join(',\n'));
}

const CREATE = `CREATE TABLE integration_logs (source text, operation text, level text, status text, message text, duration_ms integer, created_at timestamptz)`;

let pg: PgServer;
let sql: postgres.Sql;
let duck: DuckDb;
let fromPostgres: Aggregates;
let fromDuckDb: Aggregates;

beforeAll(async () => {
  pg = await startPostgres();
  sql = postgres(await pg.createDatabase('groups'), { max: 1, onnotice: () => {} });
  await sql.unsafe(CREATE);
  await sql.unsafe(failures());
  duck = await openDuckDb();
  await duck.connection.run(CREATE);
  await duck.connection.run(failures());
  fromPostgres = decodeAggregateRows(await sql.unsafe(aggregationSql(), aggregationParams(QUERY)), 'PostgreSQL');
  const reader = await duck.connection.runAndReadAll(aggregationSql(), aggregationParams(QUERY));
  fromDuckDb = decodeAggregateRows(reader.getRowObjectsJS(), 'DuckDB');
});

afterAll(async () => {
  duck?.close();
  await sql?.end({ timeout: 5 });
  await pg?.stop();
});

const fingerprints = (a: Aggregates) =>
  a.errors
    .filter((e) => e.service !== 'grouped')
    .sort((x, y) => (x.service < y.service ? -1 : 1))
    .map((e) => e.message);

describe('error fingerprints', () => {
  it('are the same in PostgreSQL and DuckDB, and the ones written by hand', () => {
    const expected = FINGERPRINTS.map(([, fingerprint]) => fingerprint);
    expect(fingerprints(fromDuckDb)).toEqual(fingerprints(fromPostgres));
    expect(fingerprints(fromPostgres)).toEqual(expected);
  });

  it('never merge different words', () => {
    const distinct = new Set(fingerprints(fromPostgres));
    expect(distinct.has('Rate limit exceeded') && distinct.has('Connection reset')).toBe(true);
  });

  it('group a service failures: count, most recent raw message, operations by failures', () => {
    const grouped = (a: Aggregates) => a.errors.filter((e) => e.service === 'grouped').sort((x, y) => y.count - x.count);
    const expected = [
      {
        service: 'grouped',
        message: 'Timeout after <n>ms',
        count: 6,
        example: 'Timeout after 300ms',
        operations: [
          { operation: 'list', count: 3 },
          { operation: 'sync', count: 2 },
          { operation: 'get', count: 1 },
        ],
      },
      {
        service: 'grouped',
        message: 'Rate limit exceeded',
        count: 1,
        example: 'Rate limit exceeded',
        operations: [{ operation: 'sync', count: 1 }],
      },
    ];
    expect(grouped(fromPostgres)).toEqual(expected);
    expect(grouped(fromDuckDb)).toEqual(expected);
  });
});
