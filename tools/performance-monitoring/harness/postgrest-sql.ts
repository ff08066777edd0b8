// Test support: the SQL a parsed PostgREST request runs, as PostgREST would build it: a table page
// as one json_agg, its planned count from EXPLAIN, and an RPC call with named arguments (the
// function PostgREST would pick among overloads, or PGRST202/203 as it answers).
import { apiError, unsupported } from './postgrest-errors.js';
import type { Filter, OrderTerm, ReadQuery, RowRange } from './postgrest-request.js';

/** A quoted identifier. */
export function qi(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Positional parameters, passed as text: PostgreSQL casts them to the column's type. */
export class Params {
  readonly values: string[] = [];
  add(value: string): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface Statement {
  text: string;
  values: string[];
}

const COMPARISON = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function filterSql(f: Filter, alias: string, p: Params): string {
  if (f.kind === 'logic') return `(${f.children.map((c) => filterSql(c, alias, p)).join(f.op === 'and' ? ' AND ' : ' OR ')})`;
  const col = `${qi(alias)}.${qi(f.column)}`;
  let s: string;
  if (f.op === 'is') {
    const v = f.value.toLowerCase();
    s = `${col} IS ${v === 'not_null' ? 'NOT NULL' : v.toUpperCase()}`;
  } else if (f.op === 'in') {
    s = f.list.length === 0 ? 'FALSE' : `${col} IN (${f.list.map((v) => p.add(v)).join(', ')})`;
  } else {
    s = `${col} ${COMPARISON[f.op]} ${p.add(f.value)}`;
  }
  return f.negate ? `NOT (${s})` : s;
}

function whereSql(filters: Filter[], alias: string, p: Params): string {
  return filters.length === 0 ? '' : ` WHERE ${filters.map((f) => filterSql(f, alias, p)).join(' AND ')}`;
}

function selectSql(columns: string[], alias: string): string {
  const item = (c: string) => {
    const [column = '', cast] = c.split('::');
    return cast ? `CAST(${qi(alias)}.${qi(column)} AS ${cast}) AS ${qi(column)}` : `${qi(alias)}.${qi(column)}`;
  };
  return columns.length === 0 ? `${qi(alias)}.*` : columns.map(item).join(', ');
}

function orderSql(order: OrderTerm[], alias: string): string {
  if (order.length === 0) return '';
  return ` ORDER BY ${order.map((t) => `${qi(alias)}.${qi(t.column)}${t.direction ? ` ${t.direction}` : ''}`).join(', ')}`;
}

const fromSql = (table: string) => `"public".${qi(table)} AS ${qi(table)}`;

/** One row: `body` (the page as a JSON array) and `n` (its rows). */
export function pageStatement(table: string, q: ReadQuery, range: RowRange): Statement {
  const p = new Params();
  const where = whereSql(q.filters, table, p);
  const page =
    `SELECT ${selectSql(q.select, table)} FROM ${fromSql(table)}${where}${orderSql(q.order, table)}` +
    `${range.limit !== null ? ` LIMIT ${p.add(String(range.limit))}` : ''}${range.offset > 0 ? ` OFFSET ${p.add(String(range.offset))}` : ''}`;
  return { text: `SELECT coalesce(json_agg(_pgrst_t), '[]')::text AS body, count(*) AS n FROM (${page}) _pgrst_t`, values: p.values };
}

/** `Prefer: count=planned`: the planner's row estimate for the filters, without limits. */
export function plannedCountStatement(table: string, q: ReadQuery): Statement {
  const p = new Params();
  return { text: `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${fromSql(table)}${whereSql(q.filters, table, p)}`, values: p.values };
}

export function planRows(plan: readonly Record<string, unknown>[]): number {
  const text = String(Object.values(plan[0] ?? {})[0] ?? '[]');
  const parsed = JSON.parse(text) as Array<{ Plan?: { 'Plan Rows'?: number } }>;
  return Math.round(parsed[0]?.Plan?.['Plan Rows'] ?? 0);
}

// ---- functions -------------------------------------------------------------------------------

export interface RoutineInfo {
  retset: boolean;
  typtype: string;
  rettype: string;
  nargdefaults: number;
  /** Input arguments in declaration order, with their types. */
  args: Array<{ name: string; type: string }>;
  /** The function's SET settings PostgREST hoists into the call's transaction, as [name, value]. */
  hoisted: Array<[string, string]>;
}

/** PostgREST's default db-hoisted-tx-settings, in its comma-separated form (12.2+; 12.0 hoisted
 *  statement_timeout alone). */
export const HOISTED_TX_SETTINGS = 'statement_timeout,plan_filter.statement_cost_limit,default_transaction_isolation';

/** One row per function `public.<$1>`, column `info`: a RoutineInfo as JSON text; `$2` is the
 *  hoisted settings' allow-list, matched against proconfig as PostgREST's schema cache does
 *  (`setting ~ ANY(...)`, src/library/PostgREST/SchemaCache.hs). */
export const ROUTINES_SQL = `SELECT json_build_object(
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
      WHERE a.mode IN ('i', 'b', 'v')), '[]'::json),
    'hoisted', coalesce((
      SELECT json_agg(json_build_array(substr(setting, 1, strpos(setting, '=') - 1), substr(setting, strpos(setting, '=') + 1)))
      FROM unnest(p.proconfig) setting
      WHERE setting ~ ANY(string_to_array($2, ','))), '[]'::json)
  )::text AS info
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_type t ON t.oid = p.prorettype
  WHERE n.nspname = 'public' AND p.proname = $1 AND p.prokind = 'f'
  ORDER BY p.oid`;

/** The function PostgREST calls for these named arguments (all required ones given, none unknown). */
export function chooseRoutine(name: string, routines: RoutineInfo[], args: Record<string, unknown>): RoutineInfo {
  const keys = Object.keys(args).sort();
  const matches = routines.filter((r) => {
    const names = new Set(r.args.map((a) => a.name));
    const required = r.args.slice(0, r.args.length - r.nargdefaults).map((a) => a.name);
    return keys.every((k) => names.has(k)) && required.every((k) => k in args);
  });
  const func = `public.${name}`;
  if (matches.length === 0) {
    const prms = keys.join(', ');
    const first = routines[0];
    throw apiError(
      404,
      'PGRST202',
      `Could not find the function ${func}${keys.length === 0 ? ' without parameters' : `(${prms})`} in the schema cache`,
      `Searched for the function ${func}${keys.length === 0 ? ' without parameters' : ` with parameter${keys.length > 1 ? 's' : ''} ${prms}`} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
      first
        ? `Perhaps you meant to call the function ${func}(${first.args
            .map((a) => a.name)
            .sort()
            .join(', ')})`
        : null,
    );
  }
  if (matches.length > 1) {
    throw apiError(
      300,
      'PGRST203',
      `Could not choose the best candidate function between: ${matches.map((m) => `${func}(${m.args.map((a) => `${a.name} => ${a.type}`).join(', ')})`).join(', ')}`,
      null,
      'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    );
  }
  const routine = matches[0] as RoutineInfo;
  if (routine.retset || routine.typtype === 'c' || routine.rettype === 'record' || routine.rettype === 'void') {
    throw unsupported('functions returning rows, records or void');
  }
  return routine;
}

/** The function's hoisted settings as transaction-scoped settings, run before the call as
 *  PostgREST does: so a function's statement_timeout bounds the call itself (PostgreSQL applies
 *  a function's own SET only inside it, after the statement's timer has started). */
export function hoistStatement(routine: RoutineInfo): Statement | null {
  if (routine.hoisted.length === 0) return null;
  const p = new Params();
  return {
    text: `SELECT ${routine.hoisted.map(([name, value]) => `set_config(${p.add(name)}, ${p.add(value)}, true)`).join(', ')}`,
    values: p.values,
  };
}

/** One row, column `body`: the function's value as JSON text. Arguments are converted by
 *  PostgreSQL from the JSON body to the declared types, as PostgREST does. */
export function callStatement(name: string, routine: RoutineInfo, args: Record<string, unknown>): Statement {
  const passed = routine.args.filter((a) => a.name in args);
  const call = `"public".${qi(name)}(${passed.map((a) => `${qi(a.name)} := (SELECT ${qi(a.name)} FROM _pgrst_args)`).join(', ')})`;
  if (passed.length === 0) return { text: `SELECT to_json(${call})::text AS body`, values: [] };
  const record = passed.map((a) => `${qi(a.name)} ${a.type}`).join(', ');
  return {
    text: `WITH _pgrst_args AS (SELECT * FROM json_to_record($1::json) AS _a(${record})) SELECT to_json(${call})::text AS body`,
    values: [JSON.stringify(args)],
  };
}
