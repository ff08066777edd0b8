// "Did you mean …?": the known name a mistyped one most likely meant, by edit distance
// (fastest-levenshtein), compared without regard to case. Used for --assert metrics and --service.
import { distance } from 'fastest-levenshtein';

/** The candidate within `maxEdits` edits of `name` (case-insensitive), the nearest first, ties by
 *  the candidates' order; null when none is that close. */
export function closestName<T extends string>(name: string, candidates: readonly T[], maxEdits = 2): T | null {
  const wanted = name.toLowerCase();
  let best: { candidate: T; edits: number } | null = null;
  for (const candidate of candidates) {
    const edits = distance(wanted, candidate.toLowerCase());
    if (edits <= maxEdits && (best === null || edits < best.edits)) best = { candidate, edits };
  }
  return best?.candidate ?? null;
}
