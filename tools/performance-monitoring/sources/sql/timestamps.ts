// SQL (DuckDB) that reads created_at as docs/sources.md allows: a readable, possible time, else NULL
// (a skipped row). Shared by the file source and the Supabase fallback's row loader.
//
// DuckDB reads more than is possible: `infinity`, year 0 and 10000, `24:00` (as the next day)
// and any offset (`+99:00`); numbers are epoch milliseconds, so epoch *seconds* land in 1970.

/** Possible times: from 2000 (a number before it is epoch seconds read as ms) to year 9999. */
const FIRST = "TIMESTAMPTZ '2000-01-01 00:00:00+00'";
const END = "TIMESTAMPTZ '10000-01-01 00:00:00+00'";
const FIRST_MS = Date.UTC(2000, 0, 1);
const END_MS = 253_402_300_800_000; // 10000-01-01T00:00:00Z

/** Text DuckDB reads but no clock shows: hour 24, or an offset beyond ±14:00 after the time. */
const IMPOSSIBLE_TEXT = String.raw`'[Tt ]24:|:[0-9]{2}(\.[0-9]+)? ?[+-]((1[5-9]|[2-9][0-9])(:?[0-9]{2})?|14:?(0[1-9]|[1-5][0-9]))$'`;

export const possibleSql = (ts: string) => `(${ts} >= ${FIRST} AND ${ts} < ${END})`;

/** A parsed text time, kept only when possible; lowercase `t`/`z` (RFC 3339) read as upper case. */
export function textTimeSql(text: string): string {
  return `coalesce(TRY_CAST(${text} AS TIMESTAMPTZ), TRY_CAST(upper(${text}) AS TIMESTAMPTZ))`;
}

/** `ts` (parsed from `text`) when the time is possible, else NULL. */
export function possibleTextTimeSql(ts: string, text: string): string {
  // The text check runs only where the parse succeeded: ~0.05 s of CPU per million rows.
  return `CASE WHEN ${possibleSql(ts)} AND NOT regexp_matches(${text}, ${IMPOSSIBLE_TEXT}) THEN ${ts} END`;
}

/** Epoch milliseconds (a DOUBLE) as TIMESTAMPTZ when possible, else NULL. */
export function epochMsSql(ms: string): string {
  return `CASE WHEN ${ms} >= ${FIRST_MS} AND ${ms} < ${END_MS} THEN CAST(epoch_ms(CAST(${ms} AS BIGINT)) AS TIMESTAMPTZ) END`;
}

/** A number that is no possible epoch-ms time but would be one in epoch seconds (2000..9999). */
export function epochSecondsLikeSql(number: string): string {
  return `coalesce(${number} >= ${FIRST_MS / 1000} AND ${number} < ${END_MS / 1000}, false)`;
}

/** One text value to a possible TIMESTAMPTZ or NULL, in one expression (no subquery needed). */
export function createdAtFromTextSql(text: string): string {
  const ts = textTimeSql(text);
  return `CASE WHEN ${ts} IS NOT NULL THEN ${possibleTextTimeSql(ts, text)} ELSE ${epochMsSql(`TRY_CAST(${text} AS DOUBLE)`)} END`;
}
