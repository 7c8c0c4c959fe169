/**
 * JSONata returns its internal "sequences" (arrays with extra flags, sometimes the very
 * arrays of the input) and may return functions. Everything leaving an expression is turned
 * into plain JSON-like data here, so callers can compare, hash, store and mutate results
 * without surprises and without aliasing the input record.
 */
export function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) {
    const items = value.map(toPlain).filter((item) => item !== undefined);
    return items;
  }
  if (typeof value === 'function') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'object') {
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const plain = toPlain(item);
      if (plain !== undefined) out[key] = plain;
    }
    return out;
  }
  return value;
}
