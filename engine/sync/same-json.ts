/**
 * `JSON.stringify(a) === JSON.stringify(b)`, answered without building either text: the
 * engine asks it of a link before and after a merge (is there anything to store?) for every
 * record, and nearly always the two are the same objects or copies of them.
 *
 * The same rules as JSON.stringify: object keys in their own order (an object with the same
 * entries in another order is another text), undefined, functions and symbols left out of
 * objects and written as null in arrays, a number that is not finite written as null, -0 as
 * 0. Anything else than plain objects, arrays and primitives (a Date, a boxed value, a
 * bigint, an object with toJSON) is compared through JSON.stringify itself, and the same
 * object on both sides is the same text without looking inside it.
 */

type Json = Record<string, unknown>;

const omitted = (value: unknown): boolean =>
  value === undefined || typeof value === 'function' || typeof value === 'symbol';

const hasToJson = (value: object): boolean => typeof (value as Json).toJSON === 'function';

const plainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !hasToJson(value);
};

export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b && typeof a !== 'number' && typeof a !== 'bigint') return true;
  if (typeof a === 'number' && typeof b === 'number') {
    return Number.isFinite(a) ? a === b : !Number.isFinite(b);
  }
  // Two different texts or booleans are two different JSON texts.
  const ta = typeof a;
  if (ta === typeof b && (ta === 'string' || ta === 'boolean')) return false;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    if (Array.isArray(a) && Array.isArray(b) && !hasToJson(a) && !hasToJson(b)) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (!sameItem(a[i], b[i])) return false;
      return true;
    }
    if (!Array.isArray(a) && !Array.isArray(b) && plainObject(a) && plainObject(b)) {
      const ka = Object.keys(a).filter((k) => !omitted((a as Json)[k]));
      const kb = Object.keys(b).filter((k) => !omitted((b as Json)[k]));
      if (ka.length !== kb.length) return false;
      for (let i = 0; i < ka.length; i++) {
        if (ka[i] !== kb[i] || !sameJson((a as Json)[ka[i]!], (b as Json)[kb[i]!])) return false;
      }
      return true;
    }
  }
  // Mixed kinds (null against a non-finite number), and anything unusual: as JSON says.
  return JSON.stringify(a) === JSON.stringify(b);
}

/** An array item: what JSON leaves out of an object is null here. */
function sameItem(a: unknown, b: unknown): boolean {
  return sameJson(omitted(a) ? null : a, omitted(b) ? null : b);
}
