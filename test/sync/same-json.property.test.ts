/**
 * sameJson (engine/sync/same-json.ts) answers what comparing the two JSON.stringify texts
 * answered, which decides whether a merged link is stored: checked on random values
 * (objects, arrays, every primitive JSON has and several it has not), on a value against a
 * copy of itself with one change, and with the same entries in another key order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameJson } from '../../engine/sync/same-json.ts';

const RUNS = 5_000;
const byJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const scalar = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.double(),
  fc.constantFrom(0, -0, 1, NaN, Infinity, -Infinity, null, undefined, true, false, '', 'x'),
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
  fc.constant(new Date(0)),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', '1', '0', 'toString'), tie('value'), { maxKeys: 4 }),
  ),
}));

/** A copy of `v` (fresh objects and arrays, same leaves), with at most one leaf replaced. */
function copyWithChange(v: unknown, change: { at: number; to: unknown }, counter = { n: 0 }): unknown {
  if (Array.isArray(v)) return v.map((x) => copyWithChange(x, change, counter));
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyWithChange(x, change, counter)]));
  }
  return counter.n++ === change.at ? change.to : v;
}

describe('sameJson is JSON.stringify equality', () => {
  it('on random pairs', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameJson(a, b)).toBe(byJson(a, b));
      }),
      { numRuns: RUNS },
    );
  });

  it('on a value and a copy of it with one leaf changed (or none)', () => {
    fc.assert(
      fc.property(value, fc.nat({ max: 12 }), scalar, (a, at, to) => {
        const b = copyWithChange(a, { at, to });
        expect(sameJson(a, b)).toBe(byJson(a, b));
        expect(sameJson(b, a)).toBe(byJson(b, a));
        const same = copyWithChange(a, { at: -1, to });
        expect(sameJson(a, same)).toBe(byJson(a, same));
      }),
      { numRuns: RUNS },
    );
  });

  it('on the same entries in another order, and on JSON edge cases', () => {
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson([undefined], [null])).toBe(true);
    expect(sameJson({ x: NaN }, { x: null })).toBe(true);
    expect(sameJson({ x: -0 }, { x: 0 })).toBe(true);
    expect(sameJson({ 2: 'a', 1: 'b' }, { 1: 'b', 2: 'a' })).toBe(true);
    expect(sameJson(new Date(0), '1970-01-01T00:00:00.000Z')).toBe(true);
    expect(sameJson([1, 2], { 0: 1, 1: 2 })).toBe(false);
  });
});
