/**
 * JSONata returns its internal "sequences" (arrays with extra flags, sometimes the very
 * arrays of the input) and may return functions. Everything leaving an expression is turned
 * into plain JSON-like data here, so callers can compare, hash, store and mutate results
 * without surprises and without aliasing the input record.
 *
 * A number that is not finite (a money helper given "1e309" yields Infinity) has no JSON
 * form: dropping it would send the record without that field and later runs would see
 * "unchanged", so it is an error of the expression instead.
 */
export class NonFiniteNumberError extends Error {
  constructor(readonly value: number) {
    super(
      `yields ${String(value)}, which is not a finite number (numbers must lie within ±${Number.MAX_VALUE.toExponential(3)})`,
    );
  }
}

export function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  // One pass and no [key, value] pair per property (Object.entries): this runs on every value
  // an expression yields. Holes and items that are not JSON (functions) are left out, as
  // map + filter left them out.
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const plain = toPlain(value[i]);
      if (plain !== undefined) items.push(plain);
    }
    return items;
  }
  if (typeof value === 'function') return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new NonFiniteNumberError(value);
    return value;
  }
  if (typeof value === 'object') {
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const plain = toPlain((value as Record<string, unknown>)[key]);
      if (plain !== undefined) out[key] = plain;
    }
    return out;
  }
  return value;
}
