/**
 * Order totals, computed the way a simple WooCommerce shop with one standard tax rate does:
 * prices exclude tax, 25 % tax on line totals, shipping and taxable fees, rounded half-up
 * to 2 decimals per line (WooCommerce's default "round per line"). Decimal arithmetic
 * throughout (decimal.js); amounts are rendered as strings with 2 decimals.
 *
 * - line `subtotal_tax`/`total_tax` = 25 % of `subtotal`/`total`; `taxes` per rate;
 *   `price` = total / quantity as a JSON number (float, as WooCommerce sends it).
 * - `discount_total` = Σ(subtotal − total), `discount_tax` = Σ(subtotal_tax − total_tax).
 * - `cart_tax` = tax of line items and fees (as WC_Abstract_Order::calculate_taxes sums
 *   them), `shipping_tax`, `total_tax` = both, `total` = lines + fees + shipping + taxes.
 * - `tax_lines`: one line for the rate when the order has any taxable item.
 */
import { Decimal } from 'decimal.js';
import type { Rec } from './state.ts';

export const TAX_RATE = { id: 1, percent: 25, code: 'NO-MVA-1', label: 'MVA' } as const;
const RATE = new Decimal(TAX_RATE.percent).div(100);

export const dec = (value: unknown): Decimal => {
  try {
    const s = typeof value === 'number' ? String(value) : String(value ?? '').trim();
    return new Decimal(s === '' ? 0 : s);
  } catch {
    return new Decimal(0);
  }
};
export const money = (d: Decimal): string => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
const tax = (amount: Decimal): Decimal => amount.mul(RATE).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/**
 * Recompute every derived amount of `order` in place. `taxable(line)` says whether a line
 * item's product is taxed (tax_status other than `none`).
 */
export function computeTotals(order: Rec, taxable: (line: Rec) => boolean, nextItemId: () => number): void {
  let linesTotal = new Decimal(0);
  let discount = new Decimal(0);
  let discountTax = new Decimal(0);
  let cartTax = new Decimal(0);
  let anyTaxable = false;
  for (const line of order.line_items as Rec[]) {
    const subtotal = dec(line.subtotal);
    const total = dec(line.total);
    const taxed = taxable(line);
    anyTaxable ||= taxed;
    const subtotalTax = taxed ? tax(subtotal) : new Decimal(0);
    const totalTax = taxed ? tax(total) : new Decimal(0);
    line.subtotal = money(subtotal);
    line.total = money(total);
    line.subtotal_tax = money(subtotalTax);
    line.total_tax = money(totalTax);
    line.taxes = taxed ? [{ id: TAX_RATE.id, total: money(totalTax), subtotal: money(subtotalTax) }] : [];
    const quantity = Number(line.quantity) || 0;
    line.price = quantity !== 0 ? Number(total.toString()) / quantity : 0;
    linesTotal = linesTotal.add(total);
    discount = discount.add(subtotal.sub(total));
    discountTax = discountTax.add(subtotalTax.sub(totalTax));
    cartTax = cartTax.add(totalTax);
  }
  let feesTotal = new Decimal(0);
  for (const fee of order.fee_lines as Rec[]) {
    const total = dec(fee.total);
    const taxed = fee.tax_status !== 'none';
    anyTaxable ||= taxed;
    const feeTax = taxed ? tax(total) : new Decimal(0);
    fee.total = money(total);
    fee.total_tax = money(feeTax);
    fee.taxes = taxed ? [{ id: TAX_RATE.id, total: money(feeTax), subtotal: '' }] : [];
    feesTotal = feesTotal.add(total);
    cartTax = cartTax.add(feeTax);
  }
  let shippingTotal = new Decimal(0);
  let shippingTax = new Decimal(0);
  for (const ship of order.shipping_lines as Rec[]) {
    const total = dec(ship.total);
    const shipTax = tax(total);
    anyTaxable = true;
    ship.total = money(total);
    ship.total_tax = money(shipTax);
    ship.taxes = [{ id: TAX_RATE.id, total: money(shipTax) }];
    shippingTotal = shippingTotal.add(total);
    shippingTax = shippingTax.add(shipTax);
  }
  const totalTax = cartTax.add(shippingTax);
  order.discount_total = money(discount);
  order.discount_tax = money(discountTax);
  order.shipping_total = money(shippingTotal);
  order.shipping_tax = money(shippingTax);
  order.cart_tax = money(cartTax);
  order.total_tax = money(totalTax);
  order.total = money(linesTotal.add(feesTotal).add(shippingTotal).add(totalTax));
  const existing = (order.tax_lines as Rec[] | undefined)?.[0];
  order.tax_lines = anyTaxable
    ? [
        {
          id: (existing?.id as number | undefined) ?? nextItemId(),
          rate_code: TAX_RATE.code,
          rate_id: TAX_RATE.id,
          label: TAX_RATE.label,
          compound: false,
          tax_total: money(cartTax),
          shipping_tax_total: money(shippingTax),
          rate_percent: TAX_RATE.percent,
          meta_data: [],
        },
      ]
    : [];
}
