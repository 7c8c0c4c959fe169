/**
 * values.ts answers the common cases of `sameValue` and `coerce` without decimal.js (two
 * numbers compared as doubles, a safe integer or a short whole-number text read as is, a
 * decimal text of at most 15 digits known to be exact). Each must give what the decimal
 * comparison gives: checked here against that comparison, written out as it was before.
 */

import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coerce, sameValue } from '../../engine/mapping/values.ts';

const RUNS = 5_000;

/** Any finite double, with the awkward ones (−0, tiny, huge, integers past 2^53) likely. */
const double = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 100),
  fc.constantFrom(0, -0, 0.1, 0.2, 0.30000000000000004, 2 ** 53, 2 ** 53 + 2, 1e21, -1e-7, 5e-324),
);

/** The decimal comparison sameValue made for every pair of numeric values. */
const decimalSame = (a: number | string, b: number | string) =>
  new Decimal(String(a).trim()).eq(new Decimal(String(b).trim()));

/** What coerce(value, 'integer') gave through decimal.js. */
function decimalInteger(text: string): number | 'fails' {
  const d = new Decimal(text);
  if (!d.isInteger() || !Number.isSafeInteger(d.toNumber())) return 'fails';
  return d.toNumber();
}

const outcome = (fn: () => unknown): unknown => {
  try {
    return fn();
  } catch {
    return 'fails';
  }
};

/** A plain decimal text: sign, digits, maybe a point, maybe leading or trailing zeros. */
const decimalText = fc
  .tuple(
    fc.constantFrom('', '-', '+'),
    fc.stringMatching(/^[0-9]{0,12}$/),
    fc.constantFrom('', '.'),
    fc.stringMatching(/^[0-9]{0,10}$/),
  )
  .map(([sign, whole, point, fraction]) => `${sign}${whole}${point}${fraction}`)
  .filter((t) => /[0-9]/.test(t));

describe('values.ts without decimal.js where it is not needed', () => {
  it('sameValue of two numbers is the decimal comparison', () => {
    fc.assert(
      fc.property(double, double, (a, b) => {
        for (const type of ['decimal', 'number', 'integer']) {
          expect(sameValue(a, b, type)).toBe(decimalSame(a, b));
          expect(sameValue(a, a, type)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('sameValue of numeric texts and numbers is the decimal comparison', () => {
    fc.assert(
      fc.property(decimalText, fc.oneof(decimalText, double), (a, b) => {
        expect(sameValue(a, b, 'decimal')).toBe(decimalSame(a, b));
        expect(sameValue(b, a, 'decimal')).toBe(decimalSame(a, b));
      }),
      { numRuns: RUNS },
    );
    expect(sameValue('19.90', '19.9', 'decimal')).toBe(true);
    expect(sameValue(' 5 ', 5, 'integer')).toBe(true);
  });

  it('coerce to integer is what decimal.js read', () => {
    const integerText = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^[0-9]{1,18}$/))
      .map(([sign, digits]) => `${sign}${digits}`);
    fc.assert(
      fc.property(fc.oneof(integerText, decimalText), (text) => {
        const got = outcome(() => coerce(text, 'integer'));
        const want = decimalInteger(text);
        expect(Object.is(got, want) || got === want).toBe(true);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(double, (n) => {
        const got = outcome(() => coerce(n, 'integer'));
        const want = decimalInteger(String(n));
        expect(Object.is(got, want)).toBe(true);
      }),
      { numRuns: RUNS },
    );
    expect(Object.is(coerce(-0, 'integer'), 0)).toBe(true);
    expect(Object.is(coerce('-0', 'integer'), -0)).toBe(true);
  });

  it('coerce to decimal refuses exactly the texts a double does not hold (and integers past 2^53)', () => {
    const longText = fc
      .tuple(fc.constantFrom('', '-'), fc.stringMatching(/^[1-9][0-9]{10,20}$/), fc.nat({ max: 21 }))
      .map(([sign, digits, point]) => `${sign}${digits.slice(0, point)}.${digits.slice(point)}`);
    fc.assert(
      fc.property(fc.oneof(decimalText, longText), (text) => {
        const n = Number(text);
        const exact =
          (String(n) === text || new Decimal(text).eq(new Decimal(n))) &&
          !(Number.isInteger(n) && !Number.isSafeInteger(n));
        const got = outcome(() => coerce(text, 'decimal'));
        if (exact) expect(got).toBe(n);
        else expect(got).toBe('fails');
      }),
      { numRuns: RUNS },
    );
  });
});
