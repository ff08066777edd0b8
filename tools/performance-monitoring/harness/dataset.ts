// Test support: a realistic, deterministic integration_logs dataset full of edge cases, and what
// tests and the bench share about such data (operation predicate, columns, Supabase-like setup).
//
// generateRows() builds `operationsPerWindow` operations in the current window and as many in
// the previous one (docs/cli.md), plus what real logs also hold: plain info/debug lines (not
// operations), failures with a handful of messages (quotes, a newline, non-ASCII, none at all),
// negative durations (clock skew), operations without a duration or a name, a service that went
// silent, one that is new, rows exactly on the window bounds and rows outside both windows.
// Most timestamps are whole seconds or whole minutes, and one bulk import logs thousands of rows
// at the very same instant, so keyset paging on (created_at, id) must tie-break on id, across
// page boundaries and across a run of ties longer than a page.
//
// The same rows go to an NDJSON file (writeNdjsonFile) and to PostgreSQL (loadIntoPostgres,
// COPY into a table created by sql/schema.sql), so every source can be compared on them.

import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { installSupabaseRoles, type PgServer, runSqlFile } from './postgres.js';

export interface DatasetRow {
  id: number;
  source: string;
  operation: string | null;
  level: string;
  status: string;
  message: string | null;
  duration_ms: number | null;
  /** ISO-8601 UTC with milliseconds. */
  created_at: string;
}

export interface GenerateOptions {
  /** Operations in the current window, and again in the previous one. */
  operationsPerWindow: number;
  /** Window end (exclusive), ISO-8601. */
  until: string;
  /** Window length in hours. Default 24. */
  hours?: number;
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Rows logged at one instant by a bulk import in the current window (part of its operations). Default 2,500, capped at a fifth of the window. */
  burst?: number;
}

/** mulberry32: a tiny, good-enough 32-bit PRNG; same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ServiceProfile {
  name: string;
  /** Relative share of operations. */
  weight: number;
  operations: (string | null)[];
  /** Median duration, ms (log-normal). */
  medianMs: number;
  /** Log-normal sigma: the tail. */
  sigma: number;
  errorRate: number;
  messages: (string | null)[];
  /** Duration factor in the previous window (below 1: slower now, a degrading trend). */
  previousFactor: number;
  windows: 'both' | 'previous' | 'current';
}

const SERVICES: ServiceProfile[] = [
  {
    name: 'hubspot',
    weight: 30,
    operations: ['contacts.batch', 'deals.sync', 'companies.search', 'owners.list'],
    medianMs: 420,
    sigma: 0.7,
    errorRate: 0.035,
    previousFactor: 0.8,
    windows: 'both',
    messages: ['Rate limit exceeded (429)', 'Request failed: "invalid_grant", status=400', 'Timeout after 30000ms'],
  },
  {
    name: 'unleashed',
    weight: 18,
    operations: ['products.list', 'stock.sync', 'orders.create'],
    medianMs: 1300,
    sigma: 0.6,
    errorRate: 0.08,
    previousFactor: 1.0,
    windows: 'both',
    messages: ['Bad Gateway (502)', 'Unauthorized', 'Zeitüberschreitung – keine Antwort'],
  },
  {
    name: 'n8n',
    weight: 22,
    operations: ['workflow.orders-to-erp', 'workflow.daily-report', 'bulk.import', null],
    medianMs: 2400,
    sigma: 0.9,
    errorRate: 0.025,
    previousFactor: 1.25,
    windows: 'both',
    messages: ['Workflow failed at node "HTTP Request"', null, 'line one\nline two'],
  },
  {
    name: 'supabase',
    weight: 20,
    operations: ['rpc.get_orders', 'storage.upload', 'auth.admin'],
    medianMs: 45,
    sigma: 0.5,
    errorRate: 0.006,
    previousFactor: 1.0,
    windows: 'both',
    messages: ['duplicate key value violates unique constraint "orders_pkey"'],
  },
  {
    name: 'legacy-ftp',
    weight: 4,
    operations: ['upload'],
    medianMs: 800,
    sigma: 0.3,
    errorRate: 0.01,
    previousFactor: 1.0,
    windows: 'previous',
    messages: ['Connection reset by peer'],
  },
  {
    name: 'shopify',
    weight: 6,
    operations: ['orders.webhook', 'inventory.update'],
    medianMs: 300,
    sigma: 0.4,
    errorRate: 0.04,
    previousFactor: 1.0,
    windows: 'current',
    messages: ['Webhook signature mismatch', 'Rate limit exceeded (429)'],
  },
];

const HOUR_MS = 3_600_000;

/** True when the row counts as an operation (docs/sources.md). */
export function isOperation(row: { duration_ms: number | null; status: string | null }): boolean {
  return row.duration_ms !== null || row.status === 'success' || row.status === 'error';
}

/** isOperation() as a SQL predicate over integration_logs' columns (PostgreSQL and DuckDB). */
export const OPERATION_SQL = "(duration_ms IS NOT NULL OR status IN ('success', 'error'))";

/** Operations with from <= created_at < to, of one service or all. */
export function countOperations(rows: readonly DatasetRow[], from: Date, to: Date, service: string | null = null): number {
  const lo = from.getTime();
  const hi = to.getTime();
  let n = 0;
  for (const row of rows) {
    const t = Date.parse(row.created_at);
    if (t >= lo && t < hi && isOperation(row) && (service === null || row.source === service)) n++;
  }
  return n;
}

/** Rows of any kind with from <= created_at < to, of one service or all. */
export function countRows(rows: readonly DatasetRow[], from: Date, to: Date, service: string | null = null): number {
  const lo = from.getTime();
  const hi = to.getTime();
  return rows.filter((row) => {
    const t = Date.parse(row.created_at);
    return t >= lo && t < hi && (service === null || row.source === service);
  }).length;
}

/** The unit a generated time is rounded to, from a uniform draw `r`: a minute 45% of the time, a
 *  second 45%, else the millisecond (so ties are common, as in real logs). */
function tieUnit(r: number): number {
  if (r < 0.45) return 60_000;
  return r < 0.9 ? 1000 : 1;
}

export function generateRows(options: GenerateOptions): DatasetRow[] {
  const random = mulberry32(options.seed ?? 1);
  const hours = options.hours ?? 24;
  const end = Date.parse(options.until);
  if (Number.isNaN(end)) throw new Error(`generateRows: until '${options.until}' is not a date`);
  const span = Math.round(hours * HOUR_MS);
  const currentStart = end - span;
  const previousStart = end - 2 * span;
  const perWindow = options.operationsPerWindow;
  const burst = Math.min(options.burst ?? 2500, Math.floor(perWindow / 5));

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const normal = () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const weighted = (profiles: ServiceProfile[]): ServiceProfile => {
    const total = profiles.reduce((n, p) => n + p.weight, 0);
    let r = random() * total;
    for (const p of profiles) {
      r -= p.weight;
      if (r < 0) return p;
    }
    return profiles[profiles.length - 1] as ServiceProfile;
  };
  /** A time in [from, to): mostly whole seconds or minutes (ties), some with milliseconds. */
  const timeIn = (from: number, to: number): number => {
    const t = from + Math.floor(random() * (to - from));
    const unit = tieUnit(random());
    const rounded = Math.floor(t / unit) * unit;
    return Math.max(from, Math.min(to - 1, rounded));
  };

  const rows: Omit<DatasetRow, 'id'>[] = [];
  const iso = (t: number) => new Date(t).toISOString();

  const operation = (profile: ServiceProfile, at: number, inPrevious: boolean, forced: Partial<DatasetRow> = {}): void => {
    const failed = random() < profile.errorRate;
    let duration: number | null = Math.max(
      1,
      Math.round(profile.medianMs * Math.exp(profile.sigma * normal()) * (inPrevious ? profile.previousFactor : 1)),
    );
    const r = random();
    if (r < 0.004)
      duration = -Math.round(1 + random() * 500); // clock skew
    else if (r < 0.025) duration = null; // an operation that logged no duration
    let level = 'info';
    let status = 'success';
    let message: string | null = null;
    if (failed) {
      message = pick(profile.messages);
      // Failures are marked by status, by level, or both, as different loggers do.
      const how = random();
      if (how < 0.6) {
        status = 'error';
        level = 'error';
      } else if (how < 0.8) {
        status = 'error';
        level = 'warn';
      } else {
        status = 'warning';
        level = 'error';
        if (duration === null) duration = Math.round(profile.medianMs * 4); // level-only failures need a duration to count
      }
    } else if (random() < 0.03) {
      status = 'warning';
      level = 'warn';
      message = 'slow response';
      if (duration === null) duration = profile.medianMs;
    }
    rows.push({
      source: profile.name,
      operation: pick(profile.operations),
      level,
      status,
      message,
      duration_ms: duration,
      created_at: iso(at),
      ...forced,
    });
  };

  const logLine = (profile: ServiceProfile, at: number): void => {
    const debug = random() < 0.3;
    rows.push({
      source: profile.name,
      operation: random() < 0.5 ? pick(profile.operations) : null,
      level: debug ? 'debug' : 'info',
      status: 'info',
      message: debug ? `cursor at ${Math.floor(random() * 1e6)}` : 'cache warmed',
      duration_ms: null,
      created_at: iso(at),
    });
  };

  for (const [from, to, inPrevious] of [
    [previousStart, currentStart, true],
    [currentStart, end, false],
  ] as const) {
    const profiles = SERVICES.filter((p) => p.windows === 'both' || p.windows === (inPrevious ? 'previous' : 'current'));
    let count = perWindow;
    // Exactly on the window's start: included.
    operation(profiles[0] as ServiceProfile, from, inPrevious);
    count--;
    if (!inPrevious) {
      // A bulk import: thousands of rows logged at one instant (a tie longer than a page).
      const n8n = SERVICES.find((p) => p.name === 'n8n') as ServiceProfile;
      const at = Math.floor((from + (to - from) * 0.37) / 60_000) * 60_000;
      for (let i = 0; i < burst; i++) operation(n8n, at, false, { operation: 'bulk.import' });
      count -= burst;
    }
    for (let i = 0; i < count; i++) operation(weighted(profiles), timeIn(from, to), inPrevious);
    const lines = Math.round(perWindow * 0.08);
    for (let i = 0; i < lines; i++) logLine(weighted(profiles), timeIn(from, to));
  }
  // Outside both windows: exactly at the end (exclusive), and before the previous window.
  const hubspot = SERVICES[0] as ServiceProfile;
  for (let i = 0; i < 5; i++) operation(hubspot, end, false, { status: 'error', level: 'error', message: 'Outside the windows' });
  for (let i = 0; i < Math.round(perWindow * 0.02); i++) operation(hubspot, timeIn(previousStart - span, previousStart), true);
  operation(hubspot, previousStart - 1, true, { status: 'error', level: 'error', message: 'Outside the windows' });

  // Ids in the logger's insertion order is not creation order: shuffle, then number.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as Omit<DatasetRow, 'id'>, rows[i] as Omit<DatasetRow, 'id'>];
  }
  return rows.map((row, i) => ({ id: i + 1, ...row }));
}

// ---- writers ---------------------------------------------------------------------------------

/** One JSON object per line, all columns. */
export async function writeNdjsonFile(path: string, rows: readonly DatasetRow[]): Promise<string> {
  async function* lines(): AsyncGenerator<string> {
    const chunk: string[] = [];
    for (const row of rows) {
      chunk.push(JSON.stringify(row));
      if (chunk.length === 2000) yield `${chunk.splice(0).join('\n')}\n`;
    }
    if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
  }
  await pipeline(Readable.from(lines()), createWriteStream(path));
  return path;
}

/** A value in COPY's text format: \N for null; backslash, tab, newline, carriage return escaped. */
function copyText(value: string | number | null): string {
  if (value === null) return '\\N';
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** The columns of a dataset row, in the order files and COPY carry them. */
export const DATASET_COLUMNS = ['id', 'source', 'operation', 'level', 'status', 'message', 'duration_ms', 'created_at'] as const;

/**
 * COPY the rows into `table` (created beforehand, e.g. by sql/schema.sql), advance its id
 * sequence past them (so the logger's later inserts still work) and ANALYZE it.
 */
export async function loadIntoPostgres(databaseUrl: string, rows: readonly DatasetRow[], table = 'integration_logs'): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const stream = await sql`COPY ${sql(table)} (${sql([...DATASET_COLUMNS])}) FROM STDIN`.writable();
    async function* lines(): AsyncGenerator<string> {
      const chunk: string[] = [];
      for (const row of rows) {
        chunk.push(DATASET_COLUMNS.map((c) => copyText(row[c])).join('\t'));
        if (chunk.length === 2000) yield `${chunk.splice(0).join('\n')}\n`;
      }
      if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
    }
    await pipeline(Readable.from(lines()), stream);
    await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), (SELECT max(id) FROM ${sql(table)}))`.catch(() => {
      // a table without an identity/serial id: nothing to advance
    });
    await sql.unsafe(
      `ANALYZE ${table
        .split('.')
        .map((p) => `"${p.replace(/"/g, '""')}"`)
        .join('.')}`,
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
/** The shipped SQL a user runs: the table and its indexes; the aggregation RPC. */
export const SCHEMA_SQL = join(SQL_DIR, 'schema.sql');
export const RPC_SQL = join(SQL_DIR, 'rpc.sql');

/** Sets up a database as a Supabase project would be: roles, then the shipped SQL run by psql
 *  as a user would (rpc.sql only when asked). */
export async function prepareSupabaseLike(url: string, options: { withRpc: boolean }): Promise<void> {
  await installSupabaseRoles(url);
  await runSqlFile(url, SCHEMA_SQL);
  if (options.withRpc) await runSqlFile(url, RPC_SQL);
}

/** A fresh Supabase-like database (prepareSupabaseLike) holding the rows. Returns its URL. */
export async function supabaseLikeDatabase(
  pg: PgServer,
  name: string,
  rows: readonly DatasetRow[],
  options: { withRpc: boolean },
): Promise<string> {
  const url = await pg.createDatabase(name);
  await prepareSupabaseLike(url, options);
  await loadIntoPostgres(url, rows);
  return url;
}
