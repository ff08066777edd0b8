// Test support, not part of the tool: a small HTTP server implementing the subset of the
// PostgREST API (as served by Supabase under /rest/v1) that perf-monitor's supabase source uses,
// translated to SQL on a real PostgreSQL (see ./postgres.ts). No PostgREST binary can be
// installed here (no Docker; not in Debian or npm), so this follows PostgREST's documentation:
//
//   - Horizontal filtering, operators, logical operators (or/and, nested, not), reserved chars:
//     https://docs.postgrest.org/en/stable/references/api/tables_views.html#horizontal-filtering
//     https://docs.postgrest.org/en/stable/references/api/url_grammar.html#reserved-characters
//   - Ordering (asc/desc, nullsfirst/nullslast):
//     https://docs.postgrest.org/en/stable/references/api/tables_views.html#ordering
//   - Limits and pagination (limit/offset, Range/Range-Unit, Content-Range, 206/416) and
//     Prefer: count=exact|planned|estimated:
//     https://docs.postgrest.org/en/stable/references/api/pagination_count.html
//   - db-max-rows (Supabase: "Max rows", 1,000 by default; applies to tables and to
//     set-returning functions): https://docs.postgrest.org/en/stable/references/configuration.html#db-max-rows
//   - Functions as RPC, named arguments in a JSON body, POST /rpc/<fn>:
//     https://docs.postgrest.org/en/stable/references/api/functions.html
//   - Schemas via Accept-Profile / Content-Profile:
//     https://docs.postgrest.org/en/stable/references/api/schemas.html
//   - Error bodies {code, message, details, hint} and status codes (PostgreSQL SQLSTATE -> HTTP,
//     PGRST100/103/106/116/202/203/205/301):
//     https://docs.postgrest.org/en/stable/references/errors.html
//   - Keys: Supabase's gateway checks the `apikey` header (401 "Invalid API key"); PostgREST takes
//     the role from `Authorization: Bearer` (anon key -> role anon, service key -> service_role).
//
// Deliberate differences from real PostgREST: no JWT verification (keys are opaque strings
// compared with the configured ones); no schema cache (a function or table created by a test is
// visible at once, as on Supabase after its automatic schema reload); no embedding, casts, JSON
// paths, full-text search or writes to tables (POST/PATCH/DELETE on tables answer 405).
//
// For tests, the server also injects faults (`faults`), logs every request (`requests`) and counts
// the bytes it wrote to its sockets (`bytesSent`, headers included, after gzip when the client
// accepts it, as Supabase's gateway compresses responses).

import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import postgres from 'postgres';

const gzipAsync = promisify(gzip);

// ---- public API ------------------------------------------------------------------------------

export interface PostgrestServerOptions {
  /** PostgreSQL URL the server connects with (its user runs the SQL unless a role applies). */
  databaseUrl: string;
  /** Accepted key for the `service_role` role. */
  serviceRoleKey: string;
  /** Accepted key for the `anon` role. */
  anonKey?: string;
  /** db-max-rows: rows per response at most; null for no cap. Default 1000 (Supabase). */
  maxRows?: number | null;
  /** Exposed schemas; the first is the default. Default ['public']. */
  schemas?: string[];
  /** gzip responses of 1 KiB and more when the client sends Accept-Encoding: gzip. Default true. */
  compress?: boolean;
  /** postgres.js pool size. Default 10. */
  poolSize?: number;
}

/** What a fault's `match` sees of a request (the body is not read yet). */
export interface FaultRequest {
  method: string;
  /** Path and query, as received, e.g. `/rest/v1/integration_logs?select=...`. */
  url: string;
  /** Decoded path without the query, e.g. `/rest/v1/rpc/perf_monitor_summary`. */
  path: string;
  searchParams: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  /** Object -> JSON; string -> sent as is. Default: a PostgREST-style JSON error body. */
  body?: unknown;
  /** Wait this long before answering. */
  delayMs?: number;
}

export type FaultAction =
  /** Answer with this status/headers/body instead of running the request. */
  | CannedResponse
  /** Run the request normally, but answer only after this delay. */
  | { delayMs: number }
  /** Never answer (the socket stays open until the client gives up or the server closes). */
  | 'hang'
  /** Destroy the connection without answering (client sees a reset / "other side closed"). */
  | 'destroy'
  /** Run the request, send the headers and half of the body, then destroy the connection. */
  | 'truncate';

export interface Fault {
  /** Which requests the fault applies to; default every request. */
  match?: (req: FaultRequest) => boolean;
  respond: FaultAction;
  /** Let this many matching requests through before the fault starts firing. Default 0. */
  skip?: number;
  /** How many matching requests it fires for (then it removes itself). Default 1; Infinity = always. */
  times?: number;
}

export interface RequestLogEntry {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Status sent; 0 when no response was sent (hang, destroy). */
  status: number;
  /** Response body bytes written (after compression; 0 for HEAD). */
  bytes: number;
  /** The fault that applied, if any. */
  fault: 'status' | 'delay' | 'hang' | 'destroy' | 'truncate' | null;
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

// ---- errors ----------------------------------------------------------------------------------

interface PgrstErrorBody {
  code: string | null;
  message: string;
  details: string | null;
  hint: string | null;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: PgrstErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

function apiError(status: number, code: string | null, message: string, details: string | null = null, hint: string | null = null, headers: Record<string, string> = {}): ApiError {
  return new ApiError(status, { code, message, details, hint }, headers);
}

function parseError(what: string, value: string, details: string): ApiError {
  return apiError(400, 'PGRST100', `"failed to parse ${what} (${value})" (line 1, column 1)`, details);
}

function unsupported(feature: string): ApiError {
  return apiError(400, 'PGRST100', `${feature} is not supported by perf-monitor's PostgREST test server`, null, 'See tools/performance-monitoring/test/support/postgrest-server.ts');
}

/** PostgreSQL SQLSTATE -> HTTP status, per PostgREST's table (errors.html#http-status-codes). */
export function pgErrorStatus(code: string, authenticated: boolean): number {
  const exact: Record<string, number> = {
    '23503': 409, '23505': 409, '25006': 405, '53400': 500, 'P0001': 400,
    '42883': 404, '42P01': 404, '42P17': 500,
  };
  const e = exact[code];
  if (e !== undefined) return e;
  if (code === '42501') return authenticated ? 403 : 401;
  const byClass: Record<string, number> = {
    '08': 503, '09': 500, '0L': 403, '0P': 403, '25': 500, '28': 403, '2D': 500, '38': 500, '39': 500,
    '3B': 500, '40': 500, '53': 503, '54': 500, '55': 500, '57': 500, '58': 500, F0: 500, HV: 500,
    P0: 500, XX: 500,
  };
  const c = byClass[code.slice(0, 2)];
  if (c !== undefined) return c;
  if (code.startsWith('PT')) {
    const n = Number(code.slice(2));
    return Number.isInteger(n) && n >= 100 && n <= 599 ? n : 500;
  }
  return 400;
}

interface PgErrorLike {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

function isPgError(e: unknown): e is PgErrorLike & Error {
  return e instanceof Error && e.name === 'PostgresError' && typeof (e as { code?: unknown }).code === 'string';
}

// ---- query-string grammar --------------------------------------------------------------------

type Operator = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike' | 'is' | 'in';
const OPERATORS: ReadonlySet<string> = new Set<Operator>(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'is', 'in']);
const KNOWN_UNSUPPORTED_OPS: ReadonlySet<string> = new Set(['match', 'imatch', 'isdistinct', 'fts', 'plfts', 'phfts', 'wfts', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj']);

type Filter =
  | { kind: 'cond'; column: string; op: Operator; negate: boolean; value: string; list: string[] }
  | { kind: 'logic'; op: 'and' | 'or'; negate: boolean; children: Filter[] };

interface OrderTerm {
  column: string;
  direction: 'ASC' | 'DESC' | null;
  nulls: 'FIRST' | 'LAST' | null;
}

type SelectItem = { star: true } | { star: false; column: string; alias: string };

const RESERVED_PARAMS: ReadonlySet<string> = new Set(['select', 'order', 'limit', 'offset', 'or', 'and', 'not.or', 'not.and', 'columns', 'on_conflict', 'apikey']);

/** A tiny cursor over a string, for the recursive-descent parsers below. */
class Cursor {
  i = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.i >= this.s.length;
  }
  peek(): string {
    return this.s[this.i] ?? '';
  }
  startsWith(t: string): boolean {
    return this.s.startsWith(t, this.i);
  }
  expect(ch: string, fail: () => ApiError): void {
    if (this.peek() !== ch) throw fail();
    this.i++;
  }
  /** A double-quoted string with backslash escapes; the cursor is on the opening quote. */
  quoted(fail: () => ApiError): string {
    this.expect('"', fail);
    let out = '';
    while (!this.done && this.peek() !== '"') {
      if (this.peek() === '\\' && this.i + 1 < this.s.length) this.i++;
      out += this.peek();
      this.i++;
    }
    this.expect('"', fail);
    return out;
  }
  /** Characters up to (not including) any of `stops`. */
  until(stops: string): string {
    const start = this.i;
    while (!this.done && !stops.includes(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }
}

/** `(a,"b,c",d)` -> ['a', 'b,c', 'd']; the cursor is on `(`. */
function parseList(c: Cursor, fail: () => ApiError): string[] {
  c.expect('(', fail);
  const items: string[] = [];
  if (c.peek() === ')') {
    c.i++;
    return items;
  }
  for (;;) {
    items.push(c.peek() === '"' ? c.quoted(fail) : c.until(',)'));
    if (c.peek() === ',') {
      c.i++;
      continue;
    }
    c.expect(')', fail);
    return items;
  }
}

function checkColumnName(name: string, fail: () => ApiError): string {
  if (name === '') throw fail();
  if (name.includes('->') || name.includes('::')) throw unsupported('JSON paths and casts');
  return name;
}

/** `[not.]op.value` of a plain filter parameter `col=...`. */
function parseOpAndValue(column: string, raw: string, inLogicTree: Cursor | null): Filter {
  const fail = () => parseError('filter', raw, 'expected "[not.]operator.value" with operator one of eq, neq, gt, gte, lt, lte, like, ilike, is, in');
  const c = inLogicTree ?? new Cursor(raw);
  let negate = false;
  let op = c.until('.(,)');
  if (op === 'not') {
    negate = true;
    c.expect('.', fail);
    op = c.until('.(,)');
  }
  if (c.peek() === '(' && op !== 'in') throw unsupported(`operator modifiers such as ${op}(any)`);
  if (!OPERATORS.has(op)) {
    if (KNOWN_UNSUPPORTED_OPS.has(op)) throw unsupported(`the "${op}" operator`);
    throw fail();
  }
  c.expect('.', fail);
  const operator = op as Operator;
  if (operator === 'in') {
    const list = parseList(c, fail);
    if (!inLogicTree && !c.done) throw fail();
    return { kind: 'cond', column, op: operator, negate, value: '', list };
  }
  let value: string;
  if (inLogicTree) {
    value = c.peek() === '"' ? c.quoted(fail) : c.until(',)');
  } else {
    value = raw.slice(c.i); // a plain parameter's value is taken verbatim
    c.i = raw.length;
  }
  if (operator === 'is' && !['null', 'not_null', 'true', 'false', 'unknown'].includes(value.toLowerCase())) throw fail();
  return { kind: 'cond', column, op: operator, negate, value, list: [] };
}

/** The inside of `or=(...)` / `and=(...)`: a list of conditions and nested and(...)/or(...). */
function parseLogicTree(op: 'and' | 'or', negate: boolean, raw: string): Filter {
  const fail = () => parseError('logic tree', raw, 'expected "(cond,cond,...)" with cond "column.[not.]operator.value", "and(...)" or "or(...)"');
  const c = new Cursor(raw);
  const tree = parseLogicChildren(c, op, negate, fail);
  if (!c.done) throw fail();
  return tree;
}

function parseLogicChildren(c: Cursor, op: 'and' | 'or', negate: boolean, fail: () => ApiError): Filter {
  c.expect('(', fail);
  const children: Filter[] = [];
  for (;;) {
    children.push(parseLogicItem(c, fail));
    if (c.peek() === ',') {
      c.i++;
      continue;
    }
    c.expect(')', fail);
    return { kind: 'logic', op, negate, children };
  }
}

function parseLogicItem(c: Cursor, fail: () => ApiError): Filter {
  for (const [prefix, op, negate] of [
    ['not.and(', 'and', true],
    ['not.or(', 'or', true],
    ['and(', 'and', false],
    ['or(', 'or', false],
  ] as const) {
    if (c.startsWith(prefix)) {
      c.i += prefix.length - 1;
      return parseLogicChildren(c, op, negate, fail);
    }
  }
  const column = checkColumnName(c.peek() === '"' ? c.quoted(fail) : c.until('.,()'), fail);
  c.expect('.', fail);
  return parseOpAndValue(column, c.s, c);
}

function parseSelect(raw: string | null): SelectItem[] {
  if (raw === null || raw === '' || raw === '*') return [{ star: true }];
  const fail = () => parseError('select', raw, 'expected a comma-separated list of columns, "alias:column" or "*"');
  const c = new Cursor(raw);
  const items: SelectItem[] = [];
  for (;;) {
    if (c.peek() === '*') {
      c.i++;
      items.push({ star: true });
    } else {
      let first = c.peek() === '"' ? c.quoted(fail) : c.until(':,()!');
      let alias = first;
      if (c.peek() === ':' && !c.startsWith('::')) {
        c.i++;
        first = c.peek() === '"' ? c.quoted(fail) : c.until(':,()!');
      }
      if (c.peek() === '(' || c.peek() === '!') throw unsupported('resource embedding and aggregates');
      if (c.startsWith('::')) throw unsupported('casts');
      const column = checkColumnName(first, fail);
      if (alias === first || alias === '') alias = column;
      items.push({ star: false, column, alias });
    }
    if (c.done) return items;
    c.expect(',', fail);
  }
}

function parseOrder(raw: string | null): OrderTerm[] {
  if (raw === null || raw === '') return [];
  const fail = () => parseError('order', raw, 'expected "column[.asc|.desc][.nullsfirst|.nullslast],..."');
  const c = new Cursor(raw);
  const terms: OrderTerm[] = [];
  for (;;) {
    const column = checkColumnName(c.peek() === '"' ? c.quoted(fail) : c.until('.,'), fail);
    const term: OrderTerm = { column, direction: null, nulls: null };
    while (c.peek() === '.') {
      c.i++;
      const m = c.until('.,');
      if (m === 'asc' || m === 'desc') {
        if (term.direction !== null) throw fail();
        term.direction = m === 'asc' ? 'ASC' : 'DESC';
      } else if (m === 'nullsfirst' || m === 'nullslast') {
        if (term.nulls !== null) throw fail();
        term.nulls = m === 'nullsfirst' ? 'FIRST' : 'LAST';
      } else {
        throw fail();
      }
    }
    terms.push(term);
    if (c.done) return terms;
    c.expect(',', fail);
  }
}

function parseNonNegativeInt(name: string, raw: string | null): number | null {
  if (raw === null) return null;
  if (!/^\d+$/.test(raw)) throw parseError(`${name} parameter`, raw, 'expected a non-negative integer');
  return Number(raw);
}

interface ReadQuery {
  select: SelectItem[];
  filters: Filter[];
  order: OrderTerm[];
  limit: number | null;
  offset: number | null;
}

function parseReadQuery(params: URLSearchParams): ReadQuery {
  const filters: Filter[] = [];
  for (const [key, value] of params) {
    if (key === 'or' || key === 'and' || key === 'not.or' || key === 'not.and') {
      const negate = key.startsWith('not.');
      filters.push(parseLogicTree(negate ? (key.slice(4) as 'and' | 'or') : (key as 'and' | 'or'), negate, value));
      continue;
    }
    if (RESERVED_PARAMS.has(key)) continue;
    if (key.includes('.')) {
      throw unsupported(`filters on embedded resources ("${key}")`);
    }
    filters.push(parseOpAndValue(checkColumnName(key, () => parseError('filter', key, 'bad column name')), value, null));
  }
  return {
    select: parseSelect(params.get('select')),
    filters,
    order: parseOrder(params.get('order')),
    limit: parseNonNegativeInt('limit', params.get('limit')),
    offset: parseNonNegativeInt('offset', params.get('offset')),
  };
}

// ---- SQL generation --------------------------------------------------------------------------

/** A quoted identifier. */
function qi(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class Params {
  readonly values: string[] = [];
  add(value: string): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function filterSql(f: Filter, alias: string, p: Params): string {
  if (f.kind === 'logic') {
    if (f.children.length === 0) throw parseError('logic tree', '()', 'empty logic tree');
    const inner = `(${f.children.map((c) => filterSql(c, alias, p)).join(f.op === 'and' ? ' AND ' : ' OR ')})`;
    return f.negate ? `NOT ${inner}` : inner;
  }
  const col = `${qi(alias)}.${qi(f.column)}`;
  let s: string;
  switch (f.op) {
    case 'eq': s = `${col} = ${p.add(f.value)}`; break;
    case 'neq': s = `${col} <> ${p.add(f.value)}`; break;
    case 'gt': s = `${col} > ${p.add(f.value)}`; break;
    case 'gte': s = `${col} >= ${p.add(f.value)}`; break;
    case 'lt': s = `${col} < ${p.add(f.value)}`; break;
    case 'lte': s = `${col} <= ${p.add(f.value)}`; break;
    case 'like': s = `${col} LIKE ${p.add(f.value.replaceAll('*', '%'))}`; break;
    case 'ilike': s = `${col} ILIKE ${p.add(f.value.replaceAll('*', '%'))}`; break;
    case 'is': {
      const v = f.value.toLowerCase();
      s = `${col} IS ${v === 'not_null' ? 'NOT NULL' : v.toUpperCase()}`;
      break;
    }
    case 'in':
      s = f.list.length === 0 ? 'FALSE' : `${col} IN (${f.list.map((v) => p.add(v)).join(', ')})`;
      break;
  }
  return f.negate ? `NOT (${s})` : s;
}

function whereSql(filters: Filter[], alias: string, p: Params): string {
  return filters.length === 0 ? '' : ` WHERE ${filters.map((f) => filterSql(f, alias, p)).join(' AND ')}`;
}

function selectSql(items: SelectItem[], alias: string): string {
  return items.map((it) => (it.star ? `${qi(alias)}.*` : `${qi(alias)}.${qi(it.column)} AS ${qi(it.alias)}`)).join(', ');
}

function orderSql(order: OrderTerm[], alias: string): string {
  if (order.length === 0) return '';
  return ` ORDER BY ${order
    .map((t) => `${qi(alias)}.${qi(t.column)}${t.direction ? ` ${t.direction}` : ''}${t.nulls ? ` NULLS ${t.nulls}` : ''}`)
    .join(', ')}`;
}

/** The requested rows, as PostgREST computes them: Range header ∩ limit/offset, capped by max-rows. */
interface RowRange {
  offset: number;
  /** Rows to return at most; null = no limit. */
  limit: number | null;
}

function computeRange(rangeHeader: string | undefined, q: ReadQuery, maxRows: number | null): RowRange {
  let lower = 0;
  let upper = Infinity;
  if (rangeHeader !== undefined) {
    const m = /^(\d+)-(\d*)$/.exec(rangeHeader.trim());
    if (m) {
      lower = Number(m[1]);
      upper = m[2] === '' || m[2] === undefined ? Infinity : Number(m[2]);
      if (upper < lower) {
        throw apiError(416, 'PGRST103', 'Requested range not satisfiable', 'The lower boundary must be lower than or equal to the upper boundary in the Range header.');
      }
    }
  }
  if (q.offset !== null) lower = Math.max(lower, q.offset);
  if (q.limit !== null) upper = Math.min(upper, (q.offset ?? 0) + q.limit - 1);
  if (maxRows !== null) upper = Math.min(upper, lower + maxRows - 1);
  return { offset: lower, limit: upper === Infinity ? null : Math.max(0, upper - lower + 1) };
}

type CountMode = 'exact' | 'planned' | 'estimated' | null;

function parsePrefer(headers: IncomingHttpHeaders): { count: CountMode } {
  const raw = headers.prefer;
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  let count: CountMode = null;
  for (const token of text.split(/[,;]/)) {
    const [k, v] = token.trim().split('=');
    if (k === 'count' && (v === 'exact' || v === 'planned' || v === 'estimated')) count = v;
  }
  return { count };
}

// ---- the server ------------------------------------------------------------------------------

/** A transaction on the server's pool (its custom `verbatim` type passes strings through). */
type Tx = postgres.TransactionSql<{ verbatim: string }>;

interface Auth {
  role: 'anon' | 'service_role';
  /** PostgREST's "authenticated": the role is not the anonymous role (42501 -> 403, else 401). */
  authenticated: boolean;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

/** Where rows come from: a table, or a function call (with its argument CTE as prefix). */
interface RowSource {
  /** Leading `WITH ...` of every statement; may add parameters to `p`. */
  prefix: (p: Params) => string;
  /** FROM item, aliased as `alias`. */
  from: string;
  alias: string;
}

interface RoutineArg {
  name: string;
  type: string;
}

interface RoutineInfo {
  retset: boolean;
  typtype: string;
  rettype: string;
  nargdefaults: number;
  args: RoutineArg[];
}

const JSON_CT = 'application/json; charset=utf-8';

export async function startPostgrestServer(options: PostgrestServerOptions): Promise<PostgrestServer> {
  const maxRows = options.maxRows === undefined ? 1000 : options.maxRows;
  if (maxRows !== null && (!Number.isInteger(maxRows) || maxRows < 1)) throw new Error('maxRows must be a positive integer or null');
  const schemas = options.schemas ?? ['public'];
  const defaultSchema = schemas[0] ?? 'public';
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

  const faults: Fault[] = [];
  const faultState = new Map<Fault, { seen: number; fired: number }>();
  const requests: RequestLogEntry[] = [];
  const sockets = new Set<Socket>();
  let closedSocketBytes = 0;
  let bytesBaseline = 0;
  let closing = false;

  function keyRole(key: string): Auth['role'] | null {
    if (key === options.serviceRoleKey) return 'service_role';
    if (options.anonKey !== undefined && key === options.anonKey) return 'anon';
    return null;
  }

  function authenticate(req: IncomingMessage, searchParams: URLSearchParams): Auth {
    const header = req.headers.apikey;
    const apikey = (Array.isArray(header) ? header[0] : header) ?? searchParams.get('apikey');
    if (!apikey) {
      throw apiError(401, 'PGRST302', 'No API key found in request', null, 'No `apikey` request header or url param was found.');
    }
    if (keyRole(apikey) === null) {
      throw apiError(401, 'PGRST301', 'Invalid API key', null, 'Double check your Supabase `anon` or `service_role` API key.');
    }
    const authz = req.headers.authorization;
    const bearer = authz ? /^Bearer\s+(.+)$/i.exec(authz)?.[1]?.trim() : undefined;
    const token = bearer ?? apikey;
    const role = keyRole(token);
    if (role === null) {
      throw apiError(401, 'PGRST301', 'Invalid JWT', null, null, {
        'WWW-Authenticate': 'Bearer error="invalid_token", error_description="Invalid JWT"',
      });
    }
    return { role, authenticated: role !== 'anon' };
  }

  function pickSchema(req: IncomingMessage, write: boolean): string {
    const h = req.headers[write ? 'content-profile' : 'accept-profile'];
    const schema = (Array.isArray(h) ? h[0] : h) ?? defaultSchema;
    if (!schemas.includes(schema)) {
      throw apiError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${schemas.join(', ')}`);
    }
    return schema;
  }

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

  /** Shared by table reads and set-returning RPC: the page, its count, headers and status. */
  async function readRows(tx: Tx, src: RowSource, q: ReadQuery, range: RowRange, countMode: CountMode, accept: string, head: boolean): Promise<Reply> {
    const { from, alias } = src;
    const p = new Params();
    const prefix = src.prefix(p);
    const where = whereSql(q.filters, alias, p);
    const page = `SELECT ${selectSql(q.select, alias)} FROM ${from}${where}${orderSql(q.order, alias)}` +
      `${range.limit !== null ? ` LIMIT ${p.add(String(range.limit))}` : ''}${range.offset > 0 ? ` OFFSET ${p.add(String(range.offset))}` : ''}`;
    const exact = countMode === 'exact' ? `, (SELECT count(*) FROM ${from}${where}) AS total` : '';
    const rows = await tx.unsafe(
      `${prefix}SELECT ${head ? "''" : "coalesce(json_agg(_pgrst_t), '[]')::text"} AS body, count(*) AS n${exact} FROM (${page}) _pgrst_t`,
      p.values,
    );
    const row = rows[0] as { body: string; n: string | number; total?: string | number } | undefined;
    const n = Number(row?.n ?? 0);
    let total: number | null = row?.total !== undefined ? Number(row.total) : null;
    if (countMode === 'planned' || countMode === 'estimated') {
      const countParams = new Params();
      const countPrefix = src.prefix(countParams);
      const countWhere = whereSql(q.filters, alias, countParams);
      if (countMode === 'estimated' && maxRows !== null) {
        const capped = await tx.unsafe(
          `${countPrefix}SELECT count(*) AS c FROM (SELECT 1 FROM ${from}${countWhere} LIMIT ${maxRows + 1}) _pgrst_c`,
          countParams.values,
        );
        const c = Number((capped[0] as { c: string | number } | undefined)?.c ?? 0);
        if (c <= maxRows) total = c;
      }
      if (total === null) {
        const plan = await tx.unsafe(`EXPLAIN (FORMAT JSON) ${countPrefix}SELECT 1 FROM ${from}${countWhere}`, countParams.values);
        const text = String(Object.values(plan[0] ?? {})[0] ?? '[]');
        const parsed = JSON.parse(text) as Array<{ Plan?: { 'Plan Rows'?: number } }>;
        total = Math.round(parsed[0]?.Plan?.['Plan Rows'] ?? 0);
      }
    }

    const lower = range.offset;
    const upper = lower + n - 1;
    const rangeText = n > 0 && total !== 0 ? `${lower}-${upper}` : '*';
    const headers: Record<string, string> = { 'Content-Range': `${rangeText}/${total ?? '*'}` };
    let status = 200;
    if (total !== null) {
      if (lower > total) {
        throw apiError(416, 'PGRST103', 'Requested range not satisfiable', `An offset of ${lower} was requested, but there are only ${total} rows.`, null, headers);
      }
      if (n < total) status = 206;
    }
    let body = head ? null : (row?.body ?? '[]');
    if (accept.includes('application/vnd.pgrst.object+json')) {
      if (n !== 1) {
        throw apiError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${n} rows`);
      }
      if (body !== null) body = JSON.stringify((JSON.parse(body) as unknown[])[0]);
    }
    return { status, headers: { ...headers, 'Content-Type': JSON_CT }, body };
  }

  async function handleTable(req: IncomingMessage, name: string, searchParams: URLSearchParams, auth: Auth): Promise<Reply> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      throw apiError(405, 'PGRST117', `Unsupported HTTP method: ${method}`, "perf-monitor's PostgREST test server only reads tables");
    }
    const schema = pickSchema(req, false);
    const q = parseReadQuery(searchParams);
    const range = computeRange(headerValue(req, 'range'), q, maxRows);
    const { count } = parsePrefer(req.headers);
    const from = `${qi(schema)}.${qi(name)} AS ${qi(name)}`;
    try {
      const src: RowSource = { prefix: () => '', from, alias: name };
      return await asRole(auth, true, (tx) => readRows(tx, src, q, range, count, headerValue(req, 'accept') ?? '', method === 'HEAD'));
    } catch (error) {
      if (isPgError(error) && error.code === '42P01') {
        // Current PostgREST answers from its schema cache before running SQL.
        throw apiError(404, 'PGRST205', `Could not find the table '${schema}.${name}' in the schema cache`);
      }
      throw error;
    }
  }

  async function lookupRoutines(tx: Tx, schema: string, name: string): Promise<RoutineInfo[]> {
    const rows = await tx.unsafe(
      `SELECT json_build_object(
         'retset', p.proretset,
         'typtype', t.typtype,
         'rettype', format_type(p.prorettype, NULL),
         'nargdefaults', p.pronargdefaults,
         'args', coalesce((
           SELECT json_agg(json_build_object('name', coalesce(a.name, ''), 'type', format_type(a.type, NULL)) ORDER BY a.ord)
           FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]),
                       coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[p.pronargs::int])),
                       coalesce(p.proargnames, array_fill(NULL::text, ARRAY[p.pronargs::int])))
                WITH ORDINALITY AS a(type, mode, name, ord)
           WHERE a.mode IN ('i', 'b', 'v')), '[]'::json)
       )::text AS info
       FROM pg_catalog.pg_proc p
       JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
       JOIN pg_catalog.pg_type t ON t.oid = p.prorettype
       WHERE n.nspname = $1 AND p.proname = $2 AND p.prokind = 'f'
       ORDER BY p.oid`,
      [schema, name],
    );
    return rows.map((r) => JSON.parse(String(r.info)) as RoutineInfo);
  }

  async function handleRpc(req: IncomingMessage, name: string, searchParams: URLSearchParams, auth: Auth, rawBody: string): Promise<Reply> {
    const method = req.method ?? 'POST';
    if (method !== 'POST') {
      throw apiError(405, 'PGRST101', 'Only POST is supported for functions by this test server');
    }
    const schema = pickSchema(req, true);
    let args: Record<string, unknown> = {};
    if (rawBody.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody);
      } catch (error) {
        throw apiError(400, 'PGRST102', 'Empty or invalid json', error instanceof Error ? error.message : null);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw unsupported('a function body that is not a JSON object of named arguments');
      }
      args = parsed as Record<string, unknown>;
    }
    const keys = Object.keys(args).sort();
    const q = parseReadQuery(searchParams);
    const range = computeRange(undefined, q, maxRows);
    const { count } = parsePrefer(req.headers);
    const accept = headerValue(req, 'accept') ?? '';

    return asRole(auth, false, async (tx) => {
      const routines = await lookupRoutines(tx, schema, name);
      const matches = routines.filter((r) => {
        const names = new Set(r.args.map((a) => a.name));
        const required = r.args.slice(0, r.args.length - r.nargdefaults).map((a) => a.name);
        return keys.every((k) => names.has(k)) && required.every((k) => k in args);
      });
      if (matches.length === 0) {
        const func = `${schema}.${name}`;
        const prms = keys.join(', ');
        const first = routines[0];
        throw apiError(
          404,
          'PGRST202',
          `Could not find the function ${func}${keys.length === 0 ? ' without parameters' : `(${prms})`} in the schema cache`,
          `Searched for the function ${func}${keys.length === 0 ? ' without parameters' : ` with parameter${keys.length > 1 ? 's' : ''} ${prms}`} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
          first ? `Perhaps you meant to call the function ${func}(${first.args.map((a) => a.name).sort().join(', ')})` : null,
        );
      }
      if (matches.length > 1) {
        throw apiError(300, 'PGRST203', `Could not choose the best candidate function between: ${matches.map((m) => `${schema}.${name}(${m.args.map((a) => `${a.name} => ${a.type}`).join(', ')})`).join(', ')}`, null, 'Try renaming the parameters or the function itself in the database so function overloading can be resolved');
      }
      const routine = matches[0] as RoutineInfo;
      const passed = routine.args.filter((a) => a.name in args);
      // Named arguments are converted by PostgreSQL from the JSON body to the declared types.
      const argsJson = JSON.stringify(args);
      const prefix = (p: Params): string =>
        passed.length === 0
          ? ''
          : `WITH _pgrst_args AS (SELECT * FROM json_to_record(${p.add(argsJson)}::json) AS _a(${passed.map((a) => `${qi(a.name)} ${a.type}`).join(', ')})) `;
      const call = `${qi(schema)}.${qi(name)}(${passed.map((a) => `${qi(a.name)} := (SELECT ${qi(a.name)} FROM _pgrst_args)`).join(', ')})`;
      const returnsRows = routine.retset || routine.typtype === 'c' || routine.rettype === 'record';
      if (!returnsRows) {
        if (q.filters.length > 0 || q.order.length > 0) throw unsupported('filters and order on a scalar function');
        const p = new Params();
        const pre = prefix(p);
        if (routine.rettype === 'void') {
          await tx.unsafe(`${pre}SELECT ${call}`, p.values);
          return { status: 204, headers: {}, body: null };
        }
        const rows = await tx.unsafe(`${pre}SELECT to_json(${call})::text AS body`, p.values);
        return { status: 200, headers: { 'Content-Type': JSON_CT }, body: String((rows[0] as { body: string | null } | undefined)?.body ?? 'null') };
      }
      const alias = name;
      if (!routine.retset) {
        // A single composite value: PostgREST answers with the object itself.
        const p = new Params();
        const pre = prefix(p);
        const rows = await tx.unsafe(
          `${pre}SELECT coalesce((json_agg(_pgrst_t) -> 0)::text, 'null') AS body FROM (SELECT ${selectSql(q.select, alias)} FROM ${call} AS ${qi(alias)}) _pgrst_t`,
          p.values,
        );
        return { status: 200, headers: { 'Content-Type': JSON_CT }, body: String((rows[0] as { body: string } | undefined)?.body ?? 'null') };
      }
      // Set-returning: filters, order, limits, counts and max-rows as for a table.
      return readRows(tx, { prefix, from: `${call} AS ${qi(alias)}`, alias }, q, range, count, accept, false);
    });
  }

  function headerValue(req: IncomingMessage, name: string): string | undefined {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  function takeFault(info: FaultRequest): Fault | null {
    for (const fault of faults) {
      if (fault.match && !fault.match(info)) continue;
      const state = faultState.get(fault) ?? { seen: 0, fired: 0 };
      faultState.set(fault, state);
      state.seen++;
      if (state.seen <= (fault.skip ?? 0)) continue;
      state.fired++;
      if (state.fired >= (fault.times ?? 1)) {
        faults.splice(faults.indexOf(fault), 1);
        faultState.delete(fault);
      }
      return fault;
    }
    return null;
  }

  async function route(req: IncomingMessage, url: URL, body: string, entry: RequestLogEntry): Promise<Reply> {
    const path = decodeURIComponent(url.pathname);
    const m = /^\/rest\/v1\/(?:(rpc)\/)?([^/]+)\/?$/.exec(path);
    if (!m || !m[2]) {
      return { status: 404, headers: { 'Content-Type': JSON_CT }, body: JSON.stringify({ code: null, message: `no route for ${path} in perf-monitor's PostgREST test server`, details: null, hint: null }) };
    }
    const auth = authenticate(req, url.searchParams);
    entry.role = auth.role;
    try {
      return m[1] === 'rpc' ? await handleRpc(req, m[2], url.searchParams, auth, body) : await handleTable(req, m[2], url.searchParams, auth);
    } catch (error) {
      if (isPgError(error)) {
        throw apiError(pgErrorStatus(error.code, auth.authenticated), error.code, error.message, error.detail ?? null, error.hint ?? null);
      }
      throw error;
    }
  }

  function errorReply(error: unknown): Reply {
    if (error instanceof ApiError) {
      return { status: error.status, headers: { ...error.headers, 'Content-Type': JSON_CT }, body: JSON.stringify(error.body) };
    }
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|CONNECTION_)/.test(code)) {
      return { status: 503, headers: { 'Content-Type': JSON_CT }, body: JSON.stringify({ code: 'PGRST001', message: 'Database client error. Retrying the connection.', details: message, hint: null }) };
    }
    return { status: 500, headers: { 'Content-Type': JSON_CT }, body: JSON.stringify({ code: 'PGRSTX00', message, details: null, hint: null }) };
  }

  function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > 16 * 1024 * 1024) {
          reject(apiError(413, null, 'request body too large'));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async function send(req: IncomingMessage, res: ServerResponse, reply: Reply, entry: RequestLogEntry, started: number, truncate: boolean): Promise<void> {
    let payload: Buffer = Buffer.from(reply.body ?? '', 'utf8');
    const headers: Record<string, string | number> = { ...reply.headers };
    const acceptEncoding = headerValue(req, 'accept-encoding') ?? '';
    if (compress && payload.length >= 1024 && /\bgzip\b/.test(acceptEncoding)) {
      payload = await gzipAsync(payload);
      headers['Content-Encoding'] = 'gzip';
      headers.Vary = 'Accept-Encoding';
    }
    headers['Content-Length'] = payload.length;
    const isHead = req.method === 'HEAD';
    entry.status = reply.status;
    if (closing || res.destroyed) return;
    res.writeHead(reply.status, headers);
    if (isHead || reply.body === null) {
      res.end();
      entry.bytes = 0;
    } else if (truncate) {
      const half = payload.subarray(0, Math.floor(payload.length / 2));
      entry.bytes = half.length;
      res.write(half, () => res.destroy());
      return;
    } else {
      res.end(payload);
      entry.bytes = payload.length;
    }
    entry.ms = Math.round(performance.now() - started);
  }

  const hung = new Set<ServerResponse>();

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const entry: RequestLogEntry = { method: req.method ?? 'GET', url: rawUrl, status: 0, bytes: 0, fault: null, role: null, ms: 0 };
    requests.push(entry);

    let pathname = url.pathname;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      // keep it raw
    }
    const fault = takeFault({ method: entry.method, url: rawUrl, path: pathname, searchParams: url.searchParams, headers: req.headers });
    let truncate = false;
    if (fault) {
      const action = fault.respond;
      if (action === 'hang') {
        entry.fault = 'hang';
        hung.add(res);
        res.on('close', () => hung.delete(res));
        req.resume();
        return;
      }
      if (action === 'destroy') {
        entry.fault = 'destroy';
        req.socket.destroy();
        return;
      }
      if (action === 'truncate') {
        entry.fault = 'truncate';
        truncate = true;
      } else if ('status' in action) {
        entry.fault = 'status';
        req.resume();
        if (action.delayMs) await sleep(action.delayMs);
        const body =
          action.body === undefined
            ? JSON.stringify({ code: null, message: `injected fault: HTTP ${action.status}`, details: null, hint: null })
            : typeof action.body === 'string'
              ? action.body
              : JSON.stringify(action.body);
        const headers: Record<string, string> = {
          'Content-Type': typeof action.body === 'string' ? 'text/plain; charset=utf-8' : JSON_CT,
          ...(action.headers ?? {}),
        };
        await send(req, res, { status: action.status, headers, body }, entry, started, false);
        return;
      } else {
        entry.fault = 'delay';
        await sleep(action.delayMs);
      }
    }

    let reply: Reply;
    try {
      const body = req.method === 'POST' ? await readBody(req) : (req.resume(), '');
      reply = await route(req, url, body, entry);
    } catch (error) {
      reply = errorReply(error);
    }
    await send(req, res, reply, entry, started, truncate);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        const reply = errorReply(error);
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body ?? '');
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

  let closed: Promise<void> | null = null;
  const handle: PostgrestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    faults,
    requests,
    get bytesSent(): number {
      let live = 0;
      for (const s of sockets) live += s.bytesWritten;
      return closedSocketBytes + live - bytesBaseline;
    },
    resetStats(): void {
      requests.length = 0;
      let live = 0;
      for (const s of sockets) live += s.bytesWritten;
      bytesBaseline = closedSocketBytes + live;
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
  return handle;
}
