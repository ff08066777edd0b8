// aggregate.sql taken apart into its named CTEs and its final SELECT, so the SQL built from it
// (the rollup refresh, the rollup read) reuses its text rather than copying it, and can swap a
// CTE for its own (rollup-sql.ts, rollup-read-sql.ts).

export interface SqlParts {
  /** name -> `name AS [NOT MATERIALIZED ](...)`, in the SQL's order. */
  ctes: Map<string, string>;
  /** Everything after the last CTE: the final SELECT (with its UNION ALL branches). */
  final: string;
}

/** Splits `sql` (comment lines dropped): each CTE from its `name AS (` line to its `)` line. */
export function splitCtes(sql: string): SqlParts {
  const lines = sql.split('\n').filter((line) => !/^\s*--/.test(line));
  const ctes = new Map<string, string>();
  let i = 0;
  let last = -1;
  for (; i < lines.length; i++) {
    const head = /^(?:WITH )?([a-z_]+) AS (NOT MATERIALIZED )?\($/.exec(lines[i] ?? '');
    if (!head?.[1]) {
      if (last >= 0 && /^SELECT\b/.test(lines[i] ?? '')) break;
      continue;
    }
    const end = lines.findIndex((line, j) => j > i && /^\),?$/.test(line));
    if (end < 0) throw new Error(`aggregate.sql: CTE ${head[1]} has no closing line`);
    ctes.set(head[1], [`${head[1]} AS ${head[2] ?? ''}(`, ...lines.slice(i + 1, end), ')'].join('\n'));
    i = end;
    last = end;
  }
  if (last < 0) throw new Error('aggregate.sql has no CTE');
  return {
    ctes,
    final: lines
      .slice(last + 1)
      .join('\n')
      .trim(),
  };
}

/** The CTE `name` of `parts`, or an error naming the file that reads through it. */
export function cte(parts: SqlParts, name: string, reader: string): string {
  const text = parts.ctes.get(name);
  if (text === undefined) throw new Error(`aggregate.sql has no CTE ${name}, which ${reader} reads through`);
  return text;
}

/** `text` with each parameter placeholder replaced (e.g. `CAST($1 AS timestamptz)` -> `v_from`). */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  let result = text;
  for (const [parameter, value] of Object.entries(values)) result = result.split(parameter).join(value);
  return result;
}
