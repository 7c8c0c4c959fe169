/**
 * `sanitize_title`: WordPress' slug of a name (accents removed — æ, ø, å folded as
 * `remove_accents` does — lower case, runs of other characters as one hyphen).
 */
export function sanitizeTitle(value: string, fallback = 'product'): string {
  return (
    value
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/ø/g, 'o')
      .replace(/æ/g, 'ae')
      .replace(/å/g, 'a')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || fallback
  );
}
