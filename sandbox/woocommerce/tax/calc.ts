/**
 * `WC_Tax::calc_tax()`: the tax of one amount under a set of matched rates, per rate id,
 * each rounded to the rounding precision (6 decimals) half-up (`WC_Tax::round`).
 *
 * - exclusive (`calc_exclusive_tax`): regular rates take `price × rate`; compound rates then
 *   take `(price + taxes so far) × rate`, one after the other.
 * - inclusive (`calc_inclusive_tax`): compound rates are taken out first, working backwards,
 *   then the regular rates share what is left: `rate/(1+Σ regular) × price`.
 *
 * The cart calls it with amounts in minor units (øre), orders with amounts in major units;
 * the rounding is to 6 decimals of whichever unit it is given, as in WooCommerce.
 */
import { Decimal, roundPhp } from '../money.ts';

export interface CalcRate {
  id: number;
  /** Percent, e.g. 25. */
  percent: Decimal;
  compound: boolean;
}

export type Taxes = Map<number, Decimal>;

export function calcTax(
  price: Decimal,
  rates: readonly CalcRate[],
  inclusive: boolean,
  precision = 6,
): Taxes {
  const taxes = inclusive ? inclusiveTax(price, rates) : exclusiveTax(price, rates);
  for (const [id, amount] of taxes) taxes.set(id, roundPhp(amount, precision));
  return taxes;
}

function exclusiveTax(price: Decimal, rates: readonly CalcRate[]): Taxes {
  const taxes: Taxes = new Map();
  const add = (id: number, amount: Decimal) => taxes.set(id, (taxes.get(id) ?? new Decimal(0)).add(amount));
  for (const rate of rates) if (!rate.compound) add(rate.id, price.mul(rate.percent).div(100));
  let soFar = total(taxes);
  for (const rate of rates) {
    if (!rate.compound) continue;
    add(rate.id, price.add(soFar).mul(rate.percent).div(100));
    soFar = total(taxes);
  }
  return taxes;
}

function inclusiveTax(price: Decimal, rates: readonly CalcRate[]): Taxes {
  const taxes: Taxes = new Map();
  for (const rate of rates) taxes.set(rate.id, new Decimal(0));
  let nonCompound = price;
  for (const rate of [...rates].reverse()) {
    if (!rate.compound) continue;
    const tax = nonCompound.sub(nonCompound.div(rate.percent.div(100).add(1)));
    taxes.set(rate.id, taxes.get(rate.id)!.add(tax));
    nonCompound = nonCompound.sub(tax);
  }
  const regular = rates.filter((r) => !r.compound);
  const regularTotal = regular
    .reduce((s, r) => s.add(r.percent), new Decimal(0))
    .div(100)
    .add(1);
  for (const rate of regular) {
    const share = rate.percent.div(100).div(regularTotal);
    const net = price.sub(share.mul(nonCompound));
    taxes.set(rate.id, taxes.get(rate.id)!.add(price.sub(net)));
  }
  return taxes;
}

export function total(taxes: Taxes): Decimal {
  let sum = new Decimal(0);
  for (const v of taxes.values()) sum = sum.add(v);
  return sum;
}

/** Add `b` into `a` per rate id (`wc_array_merge_recursive_numeric`). */
export function mergeTaxes(a: Taxes, b: Taxes): Taxes {
  const out: Taxes = new Map(a);
  for (const [id, v] of b) out.set(id, (out.get(id) ?? new Decimal(0)).add(v));
  return out;
}
