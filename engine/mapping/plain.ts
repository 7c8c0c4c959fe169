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
  if (Array.isArray(value)) {
    const items = value.map(toPlain).filter((item) => item !== undefined);
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
    for (const [key, item] of Object.entries(value)) {
      const plain = toPlain(item);
      if (plain !== undefined) out[key] = plain;
    }
    return out;
  }
  return value;
}
