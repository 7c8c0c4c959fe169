/**
 * Coupons on an order (REST `coupon_lines`, wp-admin "Apply coupon"): WooCommerce's
 * `recalculate_coupons()` — every line's total is reset to its subtotal, the order's
 * coupons are applied again with `WC_Discounts` over the line subtotals (gross when the
 * order's prices include tax), then:
 *
 * - `set_item_discount_amounts`: each line's net total = subtotal − its discount (with tax
 *   taken out first when prices include tax);
 * - `set_coupon_discount_amounts`: each coupon line's `discount` (net) and `discount_tax`
 *   (per-line rounded unless taxes are rounded at subtotal);
 * - `calculate_totals()` (tax/order-totals.ts).
 */
import { type CouponLike, type DiscountItem, Discounts } from './discounts.ts';
import { Decimal, dec, roundPhp, stored } from './money.ts';
import type { Rec } from './state.ts';
import { calcTax, total as taxTotal } from './tax/calc.ts';
import { roundTaxTotal } from './tax/context.ts';
import { calculateTotals, lineTaxStatus, type OrderEnv, taxLocation } from './tax/order-totals.ts';
import { findRates } from './tax/rates.ts';

export function recalculateCoupons(env: OrderEnv, order: Rec, couponOf: (code: string) => CouponLike): void {
  const { ctx } = env;
  const scale = 10 ** ctx.dp;
  const inclusive = order.prices_include_tax === true;
  const lines = order.line_items as Rec[];
  for (const line of lines) {
    line.total = line.subtotal;
    line.total_tax = line.subtotal_tax;
  }
  const items: DiscountItem[] = lines.map((line) => {
    let price = roundPhp(dec(line.subtotal).mul(scale), ctx.precision - ctx.dp);
    if (inclusive) price = price.add(roundPhp(dec(line.subtotal_tax).mul(scale), ctx.precision - ctx.dp));
    return { key: line.id as number, price, quantity: Number(line.quantity) || 0 };
  });
  const discounts = new Discounts(items, ctx.sequentialDiscounts);
  for (const couponLine of order.coupon_lines as Rec[])
    discounts.apply(couponOf(String(couponLine.code)), scale);

  const location = taxLocation(env, order);
  const taxable = (line: Rec) => ctx.enabled && lineTaxStatus(env, line) === 'taxable';
  const ratesOf = (line: Rec) => findRates(ctx.rates, location, String(line.tax_class ?? ''));

  // Coupon lines: discount (net) and discount tax.
  for (const couponLine of order.coupon_lines as Rec[]) {
    const code = String(couponLine.code);
    const perItem = discounts.discounts.get(code) ?? new Map<number | string, Decimal>();
    let amount = [...perItem.values()].reduce((s, v) => s.add(v), new Decimal(0)).div(scale);
    let discountTax = new Decimal(0);
    for (const [key, cents] of perItem) {
      const line = lines.find((l) => l.id === key);
      if (!line || !taxable(line)) continue;
      let taxes = taxTotal(calcTax(cents.div(scale), ratesOf(line), inclusive, ctx.precision));
      if (!ctx.roundAtSubtotal) taxes = roundTaxTotal(ctx, taxes);
      discountTax = discountTax.add(taxes);
      if (inclusive) amount = amount.sub(taxes);
    }
    couponLine.discount = stored(amount);
    couponLine.discount_tax = stored(discountTax);
  }

  // Line totals.
  for (const [key, cents] of discounts.byItem()) {
    const line = lines.find((l) => l.id === key);
    if (!line) continue;
    let amount = cents.div(scale);
    if (inclusive && taxable(line)) {
      amount = amount.sub(taxTotal(calcTax(amount, ratesOf(line), true, ctx.precision)));
    }
    line.total = stored(Decimal.max(0, dec(line.subtotal).sub(amount)));
  }
  calculateTotals(env, order, true);
}
