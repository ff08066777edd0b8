// Report orderings (SPEC §3): a number descending, ties by text keys ascending, by code unit
// (plain comparison, not locale-aware, so every machine orders alike).

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
