/**
 * The copy a memory system hands out or keeps (records go in and out as copies, as over a
 * wire): equal to `structuredClone`'s — same keys in the same order, same values, nothing
 * shared that could be changed — but made by hand for the plain data records are (objects,
 * arrays, scalars). structuredClone serialises the whole value and reads it back, and was
 * 8–12 % of the CPU of the engine-cost benchmark (bench/engine-cost.ts), where the memory
 * connector stands in for WooCommerce and PowerOffice and every listed, created or updated
 * record is copied two or three times. Anything else (a Date, a Map, a class instance, an
 * array with holes, a function) is left to structuredClone itself, which copies or refuses
 * it as before.
 */

/** A deep copy of `value`, equal to `structuredClone(value)` (see above). */
export function copyRecord<T>(value: T): T {
  return copy(value, 0) as T;
}

/** Nesting deeper than this (a cycle, or a hostile record) is structuredClone's to copy. */
const MAX_DEPTH = 100;

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    // structuredClone refuses functions and symbols (DataCloneError): so does this.
    return typeof value === 'function' || typeof value === 'symbol' ? structuredClone(value) : value;
  }
  if (depth > MAX_DEPTH) return structuredClone(value);
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key], depth + 1);
    return out;
  }
  if (proto === Array.prototype) {
    const array = value as unknown[];
    const out = new Array<unknown>(array.length);
    for (let i = 0; i < array.length; i++) {
      if (!(i in array)) return structuredClone(value);
      out[i] = copy(array[i], depth + 1);
    }
    // Properties beside the indexes (structuredClone keeps them): rare, left to it.
    return Object.keys(array).length === array.length ? out : structuredClone(value);
  }
  return structuredClone(value);
}
