/**
 * engine/mapping/plain.ts's toPlain against the way it was written before (map + filter over
 * arrays, Object.entries over objects): the same plain value (deep-equal, keys in the same
 * order) for JSON-like values with what JSONata may hand back besides — functions, undefined,
 * holes, sequences (arrays carrying a `sequence` flag), Dates, objects with inherited
 * properties — and the same error for a number that is not finite.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NonFiniteNumberError, toPlain } from '../../engine/mapping/plain.ts';

function reference(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map(reference).filter((item) => item !== undefined);
  if (typeof value === 'function') return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new NonFiniteNumberError(value);
    return value;
  }
  if (typeof value === 'object') {
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const plain = reference(item);
      if (plain !== undefined) out[key] = plain;
    }
    return out;
  }
  return value;
}

const leaf = fc.oneof(
  fc.string(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(() => 1),
  fc.date({ noInvalidDate: true }),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object'), tie('odd')),
  array: fc.array(tie('value'), { maxLength: 6 }),
  object: fc.dictionary(
    fc.oneof(fc.string(), fc.constantFrom('0', '10', '2', 'a', 'sequence')),
    tie('value'),
    {
      maxKeys: 6,
    },
  ),
  // What JSONata's results may look like besides plain data.
  odd: fc.oneof(
    fc.array(tie('value'), { maxLength: 4 }).map((items) => Object.assign(items, { sequence: true })),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => {
      const holey = [...items];
      holey.length += 2;
      return holey;
    }),
    fc
      .dictionary(fc.string(), tie('value'), { maxKeys: 3 })
      .map((own) => Object.assign(Object.create({ inherited: 1 }), own)),
  ),
})).value;

describe('toPlain', () => {
  it('gives what map + filter and Object.entries gave', () => {
    fc.assert(
      fc.property(value, (v) => {
        const expected = reference(v);
        const got = toPlain(v);
        expect(got).toStrictEqual(expected);
        expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a number that is not finite, wherever it is', () => {
    for (const bad of [Infinity, -Infinity, Number.NaN]) {
      expect(() => toPlain({ a: [1, { b: bad }] })).toThrow(NonFiniteNumberError);
      expect(() => toPlain([bad])).toThrow(NonFiniteNumberError);
    }
  });
});
