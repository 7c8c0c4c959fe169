/**
 * "Did you mean …" hints for unknown keys, properties, systems, mappings and functions.
 * A typo is most often a case slip or one or two characters (`EmailAdress`), so a
 * case-insensitive exact match wins, then the closest name within a third of its length.
 */
import { distance } from 'fastest-levenshtein';

export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...new Set(candidates)].filter((c) => c !== name);
  const lower = name.toLowerCase();
  const sameCase = list.find((c) => c.toLowerCase() === lower);
  if (sameCase) return sameCase;
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of list) {
    const d = distance(lower, candidate.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `' (did you mean "x"?)'`, or `''` when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const hit = suggest(name, candidates);
  return hit === undefined ? '' : ` (did you mean "${hit}"?)`;
}
