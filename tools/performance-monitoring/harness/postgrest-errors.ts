// Test support: PostgREST's error bodies {code, message, details, hint} and its HTTP statuses for
// PostgreSQL errors (https://docs.postgrest.org/en/stable/references/errors.html).

export interface PgrstErrorBody {
  code: string | null;
  message: string;
  details: string | null;
  hint: string | null;
}

/** An answer the server sends instead of rows: status, body and extra headers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: PgrstErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

export function apiError(
  status: number,
  code: string | null,
  message: string,
  details: string | null = null,
  hint: string | null = null,
  headers: Record<string, string> = {},
): ApiError {
  return new ApiError(status, { code, message, details, hint }, headers);
}

/** PGRST100, as PostgREST words a query string it cannot parse. */
export function parseError(what: string, value: string, details: string): ApiError {
  return apiError(400, 'PGRST100', `"failed to parse ${what} (${value})" (line 1, column 1)`, details);
}

/** A PostgREST feature the tool does not use, so this server does not implement it. */
export function unsupported(feature: string): ApiError {
  return apiError(
    400,
    'PGRST100',
    `${feature} is not supported by perf-monitor's PostgREST test server`,
    null,
    'See tools/performance-monitoring/harness/postgrest-server.ts',
  );
}

/** PostgreSQL SQLSTATE -> HTTP status, per PostgREST's table (errors.html#http-status-codes). */
export function pgErrorStatus(code: string, authenticated: boolean): number {
  const exact: Record<string, number> = {
    '23503': 409,
    '23505': 409,
    '25006': 405,
    '53400': 500,
    P0001: 400,
    '42883': 404,
    '42P01': 404,
    '42P17': 500,
  };
  const e = exact[code];
  if (e !== undefined) return e;
  if (code === '42501') return authenticated ? 403 : 401;
  const byClass: Record<string, number> = {
    '08': 503,
    '09': 500,
    '0L': 403,
    '0P': 403,
    '25': 500,
    '28': 403,
    '2D': 500,
    '38': 500,
    '39': 500,
    '3B': 500,
    '40': 500,
    '53': 503,
    '54': 500,
    '55': 500,
    '57': 500,
    '58': 500,
    F0: 500,
    HV: 500,
    P0: 500,
    XX: 500,
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

/** A PostgreSQL error as PostgREST reports it; anything else unchanged. */
export function fromPgError(error: unknown, authenticated: boolean): unknown {
  if (!isPgError(error)) return error;
  return apiError(pgErrorStatus(error.code, authenticated), error.code, error.message, error.detail ?? null, error.hint ?? null);
}

export function pgErrorCode(error: unknown): string | null {
  return isPgError(error) ? error.code : null;
}

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_CT = 'application/json; charset=utf-8';

/** The HTTP answer for any error: an ApiError as is, a lost database as 503, the rest as 500. */
export function errorReply(error: unknown): ErrorReply {
  if (error instanceof ApiError) {
    return { status: error.status, headers: { ...error.headers, 'Content-Type': JSON_CT }, body: JSON.stringify(error.body) };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|CONNECTION_)/.test(code)) {
    return {
      status: 503,
      headers: { 'Content-Type': JSON_CT },
      body: JSON.stringify({ code: 'PGRST001', message: 'Database client error. Retrying the connection.', details: message, hint: null }),
    };
  }
  return {
    status: 500,
    headers: { 'Content-Type': JSON_CT },
    body: JSON.stringify({ code: 'PGRSTX00', message, details: null, hint: null }),
  };
}
