// Test support: parses the PostgREST requests perf-monitor sends: the key and its role, the query
// string (supabase-js `select().gte().lt().eq().or().order().limit()`, the bench baseline's
// `offset=`) and an `rpc()` body, per
// https://docs.postgrest.org/en/stable/references/api/tables_views.html#horizontal-filtering and
// url_grammar.html#reserved-characters. Anything else is a clear PGRST100, never a guess.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { type ApiError, apiError, parseError, unsupported } from './postgrest-errors.js';

export type Operator = 'eq' | 'gt' | 'gte' | 'lt' | 'lte' | 'is' | 'in';
const OPERATORS: ReadonlySet<string> = new Set<Operator>(['eq', 'gt', 'gte', 'lt', 'lte', 'is', 'in']);

export type Filter =
  | { kind: 'cond'; column: string; op: Operator; negate: boolean; value: string; list: string[] }
  | { kind: 'logic'; op: 'and' | 'or'; children: Filter[] };

export interface OrderTerm {
  column: string;
  direction: 'ASC' | 'DESC' | null;
}

export interface ReadQuery {
  /** Column names, each maybe with a cast (`name::type`); empty for `*`. */
  select: string[];
  filters: Filter[];
  order: OrderTerm[];
  limit: number | null;
  offset: number | null;
}

const RESERVED_PARAMS: ReadonlySet<string> = new Set(['select', 'order', 'limit', 'offset', 'or', 'and', 'columns', 'apikey']);

/** A cursor over a string, for the small recursive-descent parsers below. */
class Cursor {
  i = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.i >= this.s.length;
  }
  peek(): string {
    return this.s[this.i] ?? '';
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
  /** A quoted or bare word. */
  word(stops: string, fail: () => ApiError): string {
    return this.peek() === '"' ? this.quoted(fail) : this.until(stops);
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
    items.push(c.word(',)', fail));
    if (c.peek() !== ',') break;
    c.i++;
  }
  c.expect(')', fail);
  return items;
}

function checkColumnName(name: string, fail: () => ApiError): string {
  if (name === '') throw fail();
  if (name.includes('->') || name.includes('::')) throw unsupported('JSON paths and casts');
  return name;
}

/** `[not.]op.value`, of a parameter `col=...` (`tree` null) or of a condition in a logic tree. */
function parseOpAndValue(column: string, raw: string, tree: Cursor | null): Filter {
  const fail = () => parseError('filter', raw, 'expected "[not.]operator.value" with operator one of eq, gt, gte, lt, lte, is, in');
  const c = tree ?? new Cursor(raw);
  let negate = false;
  let op = c.until('.(,)');
  if (op === 'not') {
    negate = true;
    c.expect('.', fail);
    op = c.until('.(,)');
  }
  if (!OPERATORS.has(op)) throw fail();
  c.expect('.', fail);
  const operator = op as Operator;
  if (operator === 'in') {
    const list = parseList(c, fail);
    if (!tree && !c.done) throw fail();
    return { kind: 'cond', column, op: operator, negate, value: '', list };
  }
  let value: string;
  if (tree) {
    value = c.word(',)', fail);
  } else {
    value = raw.slice(c.i); // a plain parameter's value is taken verbatim
    c.i = raw.length;
  }
  if (operator === 'is' && !['null', 'not_null', 'true', 'false', 'unknown'].includes(value.toLowerCase())) throw fail();
  return { kind: 'cond', column, op: operator, negate, value, list: [] };
}

/** `(cond,and(...),or(...),...)`; the cursor is on `(`. */
function parseLogicChildren(c: Cursor, op: 'and' | 'or', fail: () => ApiError): Filter {
  c.expect('(', fail);
  const children: Filter[] = [];
  for (;;) {
    children.push(parseLogicItem(c, fail));
    if (c.peek() !== ',') break;
    c.i++;
  }
  c.expect(')', fail);
  return { kind: 'logic', op, children };
}

function parseLogicItem(c: Cursor, fail: () => ApiError): Filter {
  for (const op of ['and', 'or'] as const) {
    if (c.s.startsWith(`${op}(`, c.i)) {
      c.i += op.length;
      return parseLogicChildren(c, op, fail);
    }
  }
  const column = checkColumnName(c.word('.,()', fail), fail);
  c.expect('.', fail);
  return parseOpAndValue(column, c.s, c);
}

/** `or=(...)` / `and=(...)`. */
function parseLogicTree(op: 'and' | 'or', raw: string): Filter {
  const fail = () =>
    parseError('logic tree', raw, 'expected "(cond,cond,...)" with cond "column.[not.]operator.value", "and(...)" or "or(...)"');
  const c = new Cursor(raw);
  const tree = parseLogicChildren(c, op, fail);
  if (!c.done) throw fail();
  return tree;
}

function parseSelect(raw: string | null): string[] {
  if (raw === null || raw === '' || raw === '*') return [];
  const fail = () => parseError('select', raw, 'expected a comma-separated list of columns or "*"');
  const c = new Cursor(raw);
  const columns: string[] = [];
  for (;;) {
    const column = checkColumnName(c.word(':,()!', fail), fail);
    // `column::type` (PostgREST's cast; the value keeps the column's name), e.g. numeric as text.
    let cast = '';
    if (c.s.startsWith('::', c.i)) {
      c.i += 2;
      cast = c.until(',');
      if (!/^[a-z][a-z0-9_]*$/.test(cast)) throw parseError('select', raw, 'expected "column::type" with a type name');
    }
    if (!c.done && c.peek() !== ',') throw unsupported('aliases, resource embedding and aggregates in select');
    columns.push(cast ? `${column}::${cast}` : column);
    if (c.done) return columns;
    c.i++;
  }
}

/** `asc`/`desc` (already checked) as SQL; none given is the default order. */
function sqlDirection(direction: string | undefined): OrderTerm['direction'] {
  if (direction === undefined) return null;
  return direction === 'asc' ? 'ASC' : 'DESC';
}

function parseOrder(raw: string | null): OrderTerm[] {
  if (raw === null || raw === '') return [];
  const fail = () => parseError('order', raw, 'expected "column[.asc|.desc],..."');
  return raw.split(',').map((term) => {
    const [column = '', direction, ...rest] = term.split('.');
    if (rest.length > 0 || (direction !== undefined && direction !== 'asc' && direction !== 'desc')) throw fail();
    return { column: checkColumnName(column, fail), direction: sqlDirection(direction) };
  });
}

function parseNonNegativeInt(name: string, raw: string | null): number | null {
  if (raw === null) return null;
  if (!/^\d+$/.test(raw)) throw parseError(`${name} parameter`, raw, 'expected a non-negative integer');
  return Number(raw);
}

export function parseReadQuery(params: URLSearchParams): ReadQuery {
  const filters: Filter[] = [];
  for (const [key, value] of params) {
    if (key === 'or' || key === 'and') filters.push(parseLogicTree(key, value));
    else if (key.includes('.')) throw unsupported(`the parameter "${key}"`);
    else if (!RESERVED_PARAMS.has(key))
      filters.push(
        parseOpAndValue(
          checkColumnName(key, () => parseError('filter', key, 'bad column name')),
          value,
          null,
        ),
      );
  }
  return {
    select: parseSelect(params.get('select')),
    filters,
    order: parseOrder(params.get('order')),
    limit: parseNonNegativeInt('limit', params.get('limit')),
    offset: parseNonNegativeInt('offset', params.get('offset')),
  };
}

/** Rows to skip and to return at most: limit/offset, capped by db-max-rows (Supabase: 1,000). */
export interface RowRange {
  offset: number;
  /** null = no limit. */
  limit: number | null;
}

export function rowRange(q: ReadQuery, maxRows: number | null): RowRange {
  const lower = q.offset ?? 0;
  let upper = Infinity;
  if (q.limit !== null) upper = lower + q.limit - 1;
  if (maxRows !== null) upper = Math.min(upper, lower + maxRows - 1);
  return { offset: lower, limit: upper === Infinity ? null : Math.max(0, upper - lower + 1) };
}

/** `Prefer: count=planned` (the tool's first page of each slice); other counts are not served. */
export function wantsPlannedCount(headers: IncomingHttpHeaders): boolean {
  const raw = headers.prefer;
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  const counts = text
    .split(/[,;]/)
    .map((t) => t.trim())
    .filter((t) => t.startsWith('count='));
  if (counts.some((t) => t !== 'count=planned')) throw unsupported(`Prefer: ${counts.join(', ')} (only count=planned)`);
  return counts.length > 0;
}

/** The named arguments of an RPC call: a JSON object, or nothing. */
export function parseRpcArgs(rawBody: string): Record<string, unknown> {
  if (rawBody.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch (error) {
    throw apiError(400, 'PGRST102', 'Empty or invalid json', error instanceof Error ? error.message : null);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw unsupported('a function body that is not a JSON object of named arguments');
  }
  return parsed as Record<string, unknown>;
}

// ---- who is asking, and the body -----------------------------------------------------------

export interface Auth {
  role: 'anon' | 'service_role';
  /** PostgREST's "authenticated": the role is not the anonymous role (42501 -> 403, else 401). */
  authenticated: boolean;
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Supabase's gateway checks `apikey`; PostgREST takes the role from the bearer token. */
export function authenticate(req: IncomingMessage, keyRole: (key: string) => Auth['role'] | null): Auth {
  const apikey = headerValue(req, 'apikey');
  if (!apikey) {
    throw apiError(401, 'PGRST302', 'No API key found in request', null, 'No `apikey` request header or url param was found.');
  }
  if (keyRole(apikey) === null) {
    throw apiError(401, 'PGRST301', 'Invalid API key', null, 'Double check your Supabase `anon` or `service_role` API key.');
  }
  const authz = req.headers.authorization;
  const bearer = authz ? /^Bearer\s+(.+)$/i.exec(authz)?.[1]?.trim() : undefined;
  const role = keyRole(bearer ?? apikey);
  if (role === null) {
    throw apiError(401, 'PGRST301', 'Invalid JWT', null, null, {
      'WWW-Authenticate': 'Bearer error="invalid_token", error_description="Invalid JWT"',
    });
  }
  return { role, authenticated: role !== 'anon' };
}

export function readBody(req: IncomingMessage): Promise<string> {
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
