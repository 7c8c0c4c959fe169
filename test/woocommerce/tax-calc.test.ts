/**
 * `WC_Tax::calc_tax` by hand: regular and compound rates, exclusive and inclusive, rounded to
 * 6 decimals; and the PHP rounding helpers the tax model uses.
 */
import { describe, expect, it } from 'vitest';
import { Decimal, formatDp, roundPhp, stored } from '../../sandbox/woocommerce/money.ts';
import { calcTax } from '../../sandbox/woocommerce/tax/calc.ts';

const rates = [
  { id: 1, percent: new Decimal(5), compound: false },
  { id: 2, percent: new Decimal(10), compound: true },
];
const plain = (m: Map<number, Decimal>) => Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]));

describe('calc_tax', () => {
  it('exclusive: regular rates on the price, compound rates on price + taxes so far', () => {
    // 100 × 5 % = 5; (100 + 5) × 10 % = 10.5
    expect(plain(calcTax(new Decimal(100), rates, false))).toEqual({ 1: '5', 2: '10.5' });
  });

  it('inclusive: compound taken out first (backwards), then the regular rates share the rest', () => {
    // 115.5 − 115.5/1.1 = 10.5 compound; 115.5 − (0.05/1.05) × 105 = 110.5 → 5 regular
    expect(plain(calcTax(new Decimal('115.5'), rates, true))).toEqual({ 1: '5', 2: '10.5' });
  });

  it('rounds each rate to 6 decimals half-up; inclusive 25 % of 49.90', () => {
    const one = [{ id: 1, percent: new Decimal(15), compound: false }];
    expect(plain(calcTax(new Decimal('69.80'), one, true))).toEqual({ 1: '9.104348' });
    expect(plain(calcTax(new Decimal(6980), one, true))).toEqual({ 1: '910.434783' });
  });

  it('PHP rounding: half-up away from zero, half-down towards zero; stored and formatted amounts', () => {
    expect(roundPhp(new Decimal('10.695'), 2, 'half-down').toFixed(2)).toBe('10.69');
    expect(roundPhp(new Decimal('10.695'), 2, 'half-up').toFixed(2)).toBe('10.70');
    expect(roundPhp(new Decimal('-0.025'), 2, 'half-up').toFixed(2)).toBe('-0.03');
    expect(stored(new Decimal('8.9820000'))).toBe('8.982');
    expect(stored(new Decimal('0'))).toBe('0');
    expect(stored(new Decimal('60.6956521739'))).toBe('60.695652');
    expect(formatDp('44.946', 2)).toBe('44.95');
    expect(formatDp('-0.001', 2)).toBe('0.00');
  });
});
