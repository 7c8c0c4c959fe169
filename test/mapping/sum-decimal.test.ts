/**
 * `$sumDecimal` of plain amounts skips decimal.js (engine/mapping/functions/money.ts
 * `plainAmount` for one, `plainSum` for several): checked against the decimal.js sum on
 * random values and lists of them — texts and numbers
 * with and without decimals, signs, zeros, blanks, exponents, too many digits or decimals,
 * non-numbers — and random `decimals`: the same number (−0 and 0 told apart) or the same
 * error, every time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sumDecimal, sumDecimalExact } from '../../engine/mapping/functions/money.ts';

const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));

const text = fc
  .tuple(
    fc.constantFrom('', '-', '+', ' ', ' -'),
    digits(0, 17),
    fc.option(digits(0, 14), { nil: undefined }),
    fc.constantFrom('', '', '', ' ', 'e3', 'E-2', 'x'),
  )
  .map(
    ([sign, whole, fraction, tail]) =>
      `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${tail}`,
  );

const value = fc.oneof(
  text,
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, 0.1, 0.125, 1e21, 1e-9, -1e-7, 123456789012345.6, Number.NaN, Infinity),
  fc.constantFrom(null, undefined, true, 'abc', '', '  ', [], {}),
);

const decimals = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: -1, max: 14 }),
  fc.constantFrom(2.5, '2', null),
);

function outcome(run: () => number): { value: number } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('$sumDecimal without decimal.js', () => {
  it('gives what decimal.js gives, to the sign of zero, or the same error', () => {
    fc.assert(
      fc.property(value, decimals, fc.boolean(), (v, d, wrapped) => {
        const input = wrapped ? [v] : v;
        const list = Array.isArray(input) ? input : input === undefined ? [] : [input];
        const fast = outcome(() => sumDecimal(input, d));
        const exact = outcome(() => sumDecimalExact(list, d));
        if ('value' in fast && 'value' in exact) expect(Object.is(fast.value, exact.value)).toBe(true);
        else expect(fast).toEqual(exact);
      }),
      { numRuns: 20_000 },
    );
  });

  it('of several values gives what decimal.js gives, to the sign of zero, or the same error', () => {
    // Amounts as shops write them, so that most lists take the fast path.
    const amount = fc
      .tuple(fc.constantFrom('', '-'), digits(1, 9), digits(0, 4))
      .map(([sign, whole, fraction]) => `${sign}${whole}${fraction ? `.${fraction}` : ''}`);
    const entry = fc.oneof(amount, amount, amount, value);
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), decimals, (list, d) => {
        const fast = outcome(() => sumDecimal(list, d));
        const exact = outcome(() => sumDecimalExact(list, d));
        if ('value' in fast && 'value' in exact) expect(Object.is(fast.value, exact.value)).toBe(true);
        else expect(fast).toEqual(exact);
      }),
      { numRuns: 10_000 },
    );
  });

  it('of several values: cancelling amounts, many decimals, sums near the largest safe integer', () => {
    const cases: Array<[unknown[], unknown]> = [
      [['1.50', '-1.50'], undefined],
      [['-0.00', '-0'], undefined],
      [['0.1', '0.2', '0.3'], undefined],
      [['0.000000000001', '0.000000000002'], 12],
      [['999999999999999', '1'], 0],
      [['9007199254740991', '1'], 0],
      [['4503599627370496', '4503599627370496'], 0],
      [['123456789012.34', '0.01'], undefined],
      [[25, 12.5, '0.5'], 4],
      [[' 1.25 ', null, '', undefined, '  '], undefined],
      [['1.255', '1'], undefined],
      [['1e2', '1'], undefined],
    ];
    for (const [list, d] of cases) {
      const fast = outcome(() => sumDecimal(list, d));
      const exact = outcome(() => sumDecimalExact(list, d));
      if ('value' in fast && 'value' in exact)
        expect(Object.is(fast.value, exact.value), JSON.stringify(list)).toBe(true);
      else expect(fast).toEqual(exact);
    }
  });

  it('skips decimal.js for line totals and tax rates, not for what needs rounding', () => {
    expect(sumDecimal('19.90')).toBe(19.9);
    expect(sumDecimal(['25.0000'], 4)).toBe(25);
    expect(Object.is(sumDecimal('-0.00'), 0)).toBe(true);
    expect(sumDecimal('0.125')).toBe(0.13);
    expect(sumDecimal('-0.125')).toBe(-0.13);
    expect(sumDecimal(['0.1', '0.2'])).toBe(0.3);
  });
});
