// Test support, not part of the tool: an HTTP server speaking the part of the PostgREST API (as
// Supabase serves it under /rest/v1) that perf-monitor and its tests use, on a real PostgreSQL
// (see ./postgres.ts). No PostgREST binary can be installed here (no Docker; not in Debian or
// npm), so this follows PostgREST's documentation (https://docs.postgrest.org/en/stable/):
// GET of a table with filters, order, limit/offset, db-max-rows (Supabase: 1,000) and
// `Prefer: count=planned`; POST /rpc/<fn> with named arguments, for functions returning a value,
// with the function's hoisted settings (db-hoisted-tx-settings' default) applied to the call;
// Supabase's key check (`apikey`, 401) and the role from `Authorization: Bearer`.
// Requests are parsed in ./postgrest-request.ts, run as ./postgrest-sql.ts builds them, answered
// with ./postgrest-errors.ts's bodies; ./postgrest-faults.ts injects faults. This file is HTTP.
//
// Deliberately left out (the tool does not use them): Range headers and 206/416 for them, exact
// and estimated counts, Accept-Profile, aliases, embedding, set-returning functions, writes.
// Keys are opaque strings compared with the configured ones (no JWT); no schema cache (a function
// created by a test is visible at once, as on Supabase after its automatic schema reload).
//
// For tests, the server injects faults (`faults`), logs every request (`requests`) and counts the
// bytes it wrote to its sockets (`bytesSent`, headers included, after gzip when the client
// accepts it, as Supabase's gateway compresses responses).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import postgres from 'postgres';
import { apiError, errorReply, fromPgError, JSON_CT, pgErrorCode } from './postgrest-errors.js';
import { cannedReply, type Fault, type FaultKind, FaultList, faultKind } from './postgrest-faults.js';
import {
  type Auth,
  authenticate,
  headerValue,
  parseReadQuery,
  parseRpcArgs,
  readBody,
  rowRange,
  wantsPlannedCount,
} from './postgrest-request.js';
import {
  callStatement,
  chooseRoutine,
  HOISTED_TX_SETTINGS,
  hoistStatement,
  pageStatement,
  plannedCountStatement,
  planRows,
  ROUTINES_SQL,
  type RoutineInfo,
} from './postgrest-sql.js';

export { pgErrorStatus } from './postgrest-errors.js';
export type { CannedResponse, Fault, FaultAction, FaultRequest } from './postgrest-faults.js';

const gzipAsync = promisify(gzip);

export interface PostgrestServerOptions {
  /** PostgreSQL URL the server connects with (its user runs the SQL unless a role applies). */
  databaseUrl: string;
  /** Accepted key for the `service_role` role. */
  serviceRoleKey: string;
  /** Accepted key for the `anon` role. */
  anonKey?: string;
  /** db-max-rows: rows per response at most; null for no cap. Default 1000 (Supabase). */
  maxRows?: number | null;
  /** gzip responses of 1 KiB and more when the client sends Accept-Encoding: gzip. Default true. */
  compress?: boolean;
  /** postgres.js pool size. Default 10. */
  poolSize?: number;
}

export interface RequestLogEntry {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Status sent; 0 when no response was sent (hang, destroy). */
  status: number;
  /** Response body bytes written (after compression). */
  bytes: number;
  /** The fault that applied, if any. */
  fault: FaultKind | null;
  /** Role the SQL ran as (anon / service_role), when the request got that far. */
  role: string | null;
  /** Milliseconds from request to response end (0 when no response). */
  ms: number;
}

export interface PostgrestServer {
  /** Base URL for createClient(): `http://127.0.0.1:PORT` (REST API under /rest/v1). */
  readonly url: string;
  readonly port: number;
  /** Pending faults, checked in order; push to inject. */
  readonly faults: Fault[];
  /** Every request received, in arrival order. */
  readonly requests: RequestLogEntry[];
  /** Bytes written to client sockets so far (status lines, headers and bodies). */
  readonly bytesSent: number;
  /** Clear `requests` and the `bytesSent` counter. */
  resetStats(): void;
  /** Stop listening, drop open connections (hung ones too) and close the database pool. */
  close(): Promise<void>;
}

/** A transaction on the server's pool (its custom `verbatim` type passes strings through). */
type Tx = postgres.TransactionSql<{ verbatim: string }>;

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A request whose body is not read (not a POST) is drained, so its connection can be reused; '' is its body. */
function drained(req: IncomingMessage): string {
  req.resume();
  return '';
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startPostgrestServer(options: PostgrestServerOptions): Promise<PostgrestServer> {
  const maxRows = options.maxRows === undefined ? 1000 : options.maxRows;
  if (maxRows !== null && (!Number.isInteger(maxRows) || maxRows < 1)) throw new Error('maxRows must be a positive integer or null');
  const compress = options.compress ?? true;

  // Filter values travel as text and PostgreSQL casts them to the column's type, as in PostgREST
  // (values stay exact: microsecond timestamps, 'true', ...). postgres.js would otherwise
  // re-serialize parameters by their inferred type (Dates lose microseconds, booleans break),
  // so strings pass through unchanged for those types, and results come back as raw text.
  const sql = postgres(options.databaseUrl, {
    max: options.poolSize ?? 10,
    onnotice: () => {},
    connection: { application_name: 'perfmon-postgrest-test-server' },
    types: {
      verbatim: {
        to: 25,
        from: [16, 17, 114, 1082, 1114, 1184, 3802],
        serialize: (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x)),
        parse: (x: string) => x,
      },
    },
  });

  const faults = new FaultList();
  const requests: RequestLogEntry[] = [];
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  let closedSocketBytes = 0;
  let bytesBaseline = 0;
  let closing = false;

  const keyRole = (key: string): Auth['role'] | null => {
    if (key === options.serviceRoleKey) return 'service_role';
    if (options.anonKey !== undefined && key === options.anonKey) return 'anon';
    return null;
  };

  /** Run `fn` in a transaction as the request's role (set_config('role', ...) like PostgREST). */
  async function asRole<T>(auth: Auth, readOnly: boolean, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await sql.begin(readOnly ? 'read only' : 'read write', async (tx) => {
      await tx.unsafe(
        `SELECT set_config('request.jwt.claims', $1, true),
                (SELECT set_config('role', r.rolname::text, true) FROM pg_catalog.pg_roles r WHERE r.rolname = $2)`,
        [JSON.stringify({ role: auth.role }), auth.role],
      );
      return fn(tx);
    });
    return result as T;
  }

  /** GET /rest/v1/<table>: one capped page; with count=planned, its Content-Range total and 206. */
  async function readTable(tx: Tx, table: string, req: IncomingMessage, searchParams: URLSearchParams): Promise<Reply> {
    const q = parseReadQuery(searchParams);
    const range = rowRange(q, maxRows);
    const page = pageStatement(table, q, range);
    const rows = await tx.unsafe(page.text, page.values);
    const row = rows[0] as { body: string; n: string | number } | undefined;
    const n = Number(row?.n ?? 0);
    let total: number | null = null;
    if (wantsPlannedCount(req.headers)) {
      const count = plannedCountStatement(table, q);
      total = planRows(await tx.unsafe(count.text, count.values));
    }
    const rangeText = n > 0 && total !== 0 ? `${range.offset}-${range.offset + n - 1}` : '*';
    const status = total !== null && n < total ? 206 : 200;
    return { status, headers: { 'Content-Range': `${rangeText}/${total ?? '*'}`, 'Content-Type': JSON_CT }, body: row?.body ?? '[]' };
  }

  async function handleTable(req: IncomingMessage, table: string, searchParams: URLSearchParams, auth: Auth): Promise<Reply> {
    const method = req.method ?? 'GET';
    if (method !== 'GET') {
      throw apiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`, "perf-monitor's PostgREST test server only reads tables");
    }
    try {
      return await asRole(auth, true, (tx) => readTable(tx, table, req, searchParams));
    } catch (error) {
      // Current PostgREST answers from its schema cache before running SQL.
      if (pgErrorCode(error) === '42P01') throw apiError(404, 'PGRST205', `Could not find the table 'public.${table}' in the schema cache`);
      throw error;
    }
  }

  async function handleRpc(req: IncomingMessage, name: string, searchParams: URLSearchParams, auth: Auth, rawBody: string): Promise<Reply> {
    if (req.method !== 'POST') throw apiError(405, 'PGRST101', 'Only POST is supported for functions by this test server');
    if ([...searchParams.keys()].length > 0)
      throw apiError(400, 'PGRST100', 'query parameters on a function call are not supported by this test server');
    const args = parseRpcArgs(rawBody);
    return asRole(auth, false, async (tx) => {
      const routines = (await tx.unsafe(ROUTINES_SQL, [name, HOISTED_TX_SETTINGS])).map((r) => JSON.parse(String(r.info)) as RoutineInfo);
      const routine = chooseRoutine(name, routines, args);
      const hoist = hoistStatement(routine);
      if (hoist) await tx.unsafe(hoist.text, hoist.values);
      const call = callStatement(name, routine, args);
      const rows = await tx.unsafe(call.text, call.values);
      return {
        status: 200,
        headers: { 'Content-Type': JSON_CT },
        body: String((rows[0] as { body: string | null } | undefined)?.body ?? 'null'),
      };
    });
  }

  async function route(req: IncomingMessage, url: URL, body: string, entry: RequestLogEntry): Promise<Reply> {
    const path = decodeURIComponent(url.pathname);
    const m = /^\/rest\/v1\/(?:(rpc)\/)?([^/]+)\/?$/.exec(path);
    if (!m?.[2]) {
      return {
        status: 404,
        headers: { 'Content-Type': JSON_CT },
        body: JSON.stringify({
          code: null,
          message: `no route for ${path} in perf-monitor's PostgREST test server`,
          details: null,
          hint: null,
        }),
      };
    }
    const auth = authenticate(req, keyRole);
    entry.role = auth.role;
    try {
      return m[1] === 'rpc'
        ? await handleRpc(req, m[2], url.searchParams, auth, body)
        : await handleTable(req, m[2], url.searchParams, auth);
    } catch (error) {
      throw fromPgError(error, auth.authenticated);
    }
  }

  async function send(
    req: IncomingMessage,
    res: ServerResponse,
    reply: Reply,
    entry: RequestLogEntry,
    started: number,
    truncate: boolean,
  ): Promise<void> {
    let payload: Buffer = Buffer.from(reply.body, 'utf8');
    const headers: Record<string, string | number> = { ...reply.headers };
    if (compress && payload.length >= 1024 && /\bgzip\b/.test(headerValue(req, 'accept-encoding') ?? '')) {
      payload = await gzipAsync(payload);
      headers['Content-Encoding'] = 'gzip';
      headers.Vary = 'Accept-Encoding';
    }
    headers['Content-Length'] = payload.length;
    entry.status = reply.status;
    if (closing || res.destroyed) return;
    res.writeHead(reply.status, headers);
    if (truncate) {
      const half = payload.subarray(0, Math.floor(payload.length / 2));
      entry.bytes = half.length;
      res.write(half, () => res.destroy());
      return;
    }
    res.end(payload);
    entry.bytes = payload.length;
    entry.ms = Math.round(performance.now() - started);
  }

  /** Applies a fault that answers by itself; false when the request still runs (delay, truncate). */
  async function answeredByFault(
    fault: Fault,
    req: IncomingMessage,
    res: ServerResponse,
    entry: RequestLogEntry,
    started: number,
  ): Promise<boolean> {
    const action = fault.respond;
    entry.fault = faultKind(action);
    if (action === 'hang') {
      hung.add(res);
      res.on('close', () => hung.delete(res));
      req.resume();
      return true;
    }
    if (action === 'destroy') {
      req.socket.destroy();
      return true;
    }
    if (action === 'truncate') return false;
    if ('status' in action) {
      req.resume();
      if (action.delayMs) await sleep(action.delayMs);
      await send(req, res, cannedReply(action), entry, started, false);
      return true;
    }
    await sleep(action.delayMs);
    return false;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const entry: RequestLogEntry = { method: req.method ?? 'GET', url: rawUrl, status: 0, bytes: 0, fault: null, role: null, ms: 0 };
    requests.push(entry);
    let path = url.pathname;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      // keep it raw
    }
    const fault = faults.take({ method: entry.method, url: rawUrl, path, searchParams: url.searchParams, headers: req.headers });
    if (fault && (await answeredByFault(fault, req, res, entry, started))) return;
    let reply: Reply;
    try {
      const body = req.method === 'POST' ? await readBody(req) : drained(req);
      reply = await route(req, url, body, entry);
    } catch (error) {
      reply = errorReply(error);
    }
    await send(req, res, reply, entry, started, entry.fault === 'truncate');
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        const reply = errorReply(error);
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      closedSocketBytes += socket.bytesWritten;
      sockets.delete(socket);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const written = () => [...sockets].reduce((n, s) => n + s.bytesWritten, closedSocketBytes);

  let closed: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    faults: faults.pending,
    requests,
    get bytesSent(): number {
      return written() - bytesBaseline;
    },
    resetStats(): void {
      requests.length = 0;
      bytesBaseline = written();
    },
    close(): Promise<void> {
      if (closed) return closed;
      closing = true;
      closed = (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const res of hung) res.destroy();
        for (const s of sockets) s.destroy();
        await stopped;
        await sql.end({ timeout: 2 });
      })();
      return closed;
    },
  };
}
