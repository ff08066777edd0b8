// A CSV file's column names, read by Node, for when DuckDB's sniffer fails on the file's first
// lines (a field over its 2 MB line limit there makes it blame "Line: 1" and refuse the file).
import { readHead } from './input-stream.js';

const MAX_HEADER_BYTES = 1 << 20;

/** The header's names (comma-separated, `"` quoting, BOM dropped); null when there is none to read. */
export async function csvHeader(path: string): Promise<string[] | null> {
  const head = await readHead(path, MAX_HEADER_BYTES);
  if (!head) return null;
  const text = head.toString('utf8').replace(/^\ufeff/, '');
  const names: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      names.push(field);
      field = '';
    } else if (!quoted && (c === '\n' || c === '\r')) {
      return [...names, field];
    } else {
      field += c;
    }
  }
  return null; // no end of line within the first MiB: not a header this reader trusts
}

/** DuckDB wants distinct names: a repeated one gets a suffix, as its sniffer does (`a`, `a_1`). */
export function distinctNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let unique = name || 'column';
    for (let n = 1; seen.has(unique); n++) unique = `${name || 'column'}_${n}`;
    seen.add(unique);
    return unique;
  });
}
