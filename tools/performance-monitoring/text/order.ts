// Report orderings (docs/metrics.md): a number descending, ties by text keys ascending in plain code-point
// order (not locale-aware, so every machine orders alike; the order of PostgreSQL's "C" collation).

/** UTF-8 byte order is code-point order; JavaScript's `<` compares UTF-16 units, which puts
 *  characters beyond U+FFFF before U+E000-U+FFFF. */
export function compareText(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** UTF-16 code-unit order, JavaScript's own `<`: for keys that have always sorted that way, where
 *  switching to compareText would reorder text beyond U+FFFF. */
export function compareUnits(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

export function byNumberDescThen<T>(number: (item: T) => number, texts: (item: T) => string[]): (a: T, b: T) => number {
  return (a, b) => {
    const diff = number(b) - number(a);
    if (diff !== 0) return diff;
    const ta = texts(a);
    const tb = texts(b);
    for (let i = 0; i < ta.length; i++) {
      const c = compareText(ta[i] ?? '', tb[i] ?? '');
      if (c !== 0) return c;
    }
    return 0;
  };
}
