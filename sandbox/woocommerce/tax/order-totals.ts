/**
 * Order totals the way `WC_Abstract_Order::calculate_totals()` computes them — the path of
 * orders created or edited through the REST API and of "Recalculate" in wp-admin (the
 * checkout path is checkout.ts):
 *
 * 1. `calculate_taxes()`: every product line and fee is taxed from its stored **net** amount
 *    (`WC_Tax::calc_tax(total, rates, false)`, also for shops whose prices include tax);
 *    negative fees spread their tax over the classes in proportion to the other items;
 *    shipping is taxed with the shipping tax class (`inherit`: the standard class if a
 *    line uses it, else the first additional class a line uses) and only rates flagged
 *    for shipping; an order with meta `is_vat_exempt = yes` gets no taxes at all.
 * 2. `update_taxes()`: one `tax_lines` row per rate, `tax_total` = Σ line and fee taxes,
 *    `shipping_tax_total` = Σ shipping taxes, each rounded per line or summed unrounded.
 * 3. `discount_total` = round(Σ subtotals − Σ totals), `discount_tax` = wc_round_tax_total
 *    (Σ unrounded subtotal taxes − Σ unrounded total taxes), `total` = round(Σ line totals
 *    + fees + shipping + cart tax + shipping tax); line amounts are rounded to whole øre
 *    before summing unless taxes are rounded at subtotal.
 */
import { Decimal, dec, roundPhp, stored, sum } from '../money.ts';
import type { Rec } from '../state.ts';
import { calcTax, mergeTaxes, type Taxes, total as taxTotal } from './calc.ts';
import {
  orderTaxLocation,
  ratesFor,
  roundItemSubtotal,
  roundLineTax,
  roundTaxTotal,
  type TaxContext,
} from './context.ts';
import { itemTaxes, setItemTaxes } from './item-taxes.ts';
import { findRates, type Location, rateCode, rateLabel } from './rates.ts';

export interface OrderEnv {
  ctx: TaxContext;
  /** The product (or variation) of a line, if it still exists. */
  productOf(line: Rec): Rec | undefined;
  nextItemId(): number;
}

const lines = (order: Rec, key: 'line_items' | 'fee_lines' | 'shipping_lines') => (order[key] as Rec[]) ?? [];

/** `WC_Order_Item_Product::get_tax_status`: the product's, or taxable when it is gone. */
export function lineTaxStatus(env: OrderEnv, line: Rec): string {
  return String(env.productOf(line)?.tax_status ?? 'taxable');
}

/** `get_items_tax_classes`: classes of lines whose tax status is taxable or shipping. */
function itemsTaxClasses(env: OrderEnv, order: Rec): string[] {
  const found: string[] = [];
  for (const line of lines(order, 'line_items')) {
    if (!['taxable', 'shipping'].includes(lineTaxStatus(env, line))) continue;
    const cls = String(line.tax_class ?? '');
    if (!found.includes(cls)) found.push(cls);
  }
  return found;
}

export function taxLocation(env: OrderEnv, order: Rec): Location {
  return orderTaxLocation(
    env.ctx,
    (order.billing as Rec) ?? {},
    (order.shipping as Rec) ?? {},
    lines(order, 'shipping_lines').map((s) => String(s.method_id ?? '')),
  );
}

/** The shipping tax class of an order, or `false` for no shipping tax. */
function shippingClass(env: OrderEnv, order: Rec): string | false {
  const option = env.ctx.shippingTaxClass;
  if (option !== 'inherit') return option;
  const used = itemsTaxClasses(env, order);
  const found = ['', ...env.ctx.classSlugs].find((c) => used.includes(c));
  if (found !== undefined) return found;
  return lines(order, 'line_items').length === 0 ? '' : false;
}

/** Negative fee: its tax split over the classes in proportion to the items' totals. */
function negativeFeeTaxes(env: OrderEnv, order: Rec, fee: Rec, location: Location): Taxes {
  const classes = itemsTaxClasses(env, order);
  const costs = new Map<string, Decimal>(classes.map((c) => [c, new Decimal(0)]));
  costs.set('non-taxable', new Decimal(0));
  const add = (cls: string, v: Decimal) => costs.set(cls, (costs.get(cls) ?? new Decimal(0)).add(v));
  const shipClass = env.ctx.shippingTaxClass;
  const items: Array<[Rec, string, string]> = [
    ...lines(order, 'line_items').map((l): [Rec, string, string] => [
      l,
      lineTaxStatus(env, l),
      String(l.tax_class ?? ''),
    ]),
    ...lines(order, 'fee_lines').map((f): [Rec, string, string] => [
      f,
      String(f.tax_status ?? 'taxable'),
      String(f.tax_class ?? ''),
    ]),
    ...lines(order, 'shipping_lines').map((s): [Rec, string, string] => [s, 'taxable', shipClass]),
  ];
  for (const [item, status, cls] of items) {
    const amount = dec(item.total);
    if (amount.lt(0)) continue;
    if (status !== 'taxable') add('non-taxable', amount);
    else if (cls === 'inherit') add(classes[0] ?? '', amount);
    else add(cls, amount);
  }
  const nonZero = [...costs].filter(([, v]) => !v.isZero());
  const totalCost = sum(nonZero.map(([, v]) => v));
  let taxes: Taxes = new Map();
  if (totalCost.isZero()) return taxes;
  for (const [cls, cost] of nonZero) {
    if (cls === 'non-taxable') continue;
    const share = dec(fee.total).mul(cost.div(totalCost));
    taxes = mergeTaxes(taxes, calcTax(share, ratesFor(env.ctx, location, cls), false, env.ctx.precision));
  }
  return taxes;
}

export function calculateTaxes(env: OrderEnv, order: Rec): void {
  const { ctx } = env;
  const location = taxLocation(env, order);
  const shipClass = shippingClass(env, order);
  const meta = (order.meta_data as Rec[]) ?? [];
  const exempt = meta.some((m) => m.key === 'is_vat_exempt' && m.value === 'yes');
  for (const line of lines(order, 'line_items')) {
    const taxable =
      ctx.enabled && !exempt && lineTaxStatus(env, line) === 'taxable' && line.tax_class !== '0';
    if (!taxable) {
      setItemTaxes(ctx, line, 'line', false);
      continue;
    }
    const rates = findRates(ctx.rates, location, String(line.tax_class ?? ''));
    setItemTaxes(ctx, line, 'line', {
      total: calcTax(dec(line.total), rates, false, ctx.precision),
      subtotal: calcTax(dec(line.subtotal), rates, false, ctx.precision),
    });
  }
  for (const fee of lines(order, 'fee_lines')) {
    if (!ctx.enabled || exempt) {
      setItemTaxes(ctx, fee, 'fee', false);
    } else if (dec(fee.total).lt(0)) {
      setItemTaxes(ctx, fee, 'fee', { total: negativeFeeTaxes(env, order, fee, location) });
    } else if (fee.tax_status === 'taxable' && fee.tax_class !== '0') {
      const rates = findRates(ctx.rates, location, String(fee.tax_class ?? ''));
      setItemTaxes(ctx, fee, 'fee', { total: calcTax(dec(fee.total), rates, false, ctx.precision) });
    } else {
      setItemTaxes(ctx, fee, 'fee', false);
    }
  }
  for (const ship of lines(order, 'shipping_lines')) {
    if (shipClass === false || exempt || !ctx.enabled) {
      setItemTaxes(ctx, ship, 'shipping', false);
      continue;
    }
    const rates = findRates(ctx.rates, location, shipClass, true);
    setItemTaxes(ctx, ship, 'shipping', { total: calcTax(dec(ship.total), rates, false, ctx.precision) });
  }
  updateTaxes(env, order);
}

/** `update_taxes()`: rebuild `tax_lines` and the order's cart/shipping/total tax. */
export function updateTaxes(env: OrderEnv, order: Rec): void {
  const { ctx } = env;
  const cart: Taxes = new Map();
  const shipping: Taxes = new Map();
  const add = (m: Taxes, id: number, v: Decimal) => m.set(id, (m.get(id) ?? new Decimal(0)).add(v));
  for (const item of [...lines(order, 'line_items'), ...lines(order, 'fee_lines')]) {
    for (const [id, v] of itemTaxes(item)) add(cart, id, roundLineTax(ctx, v, false));
  }
  for (const item of lines(order, 'shipping_lines')) {
    for (const [id, v] of itemTaxes(item)) add(shipping, id, ctx.roundAtSubtotal ? v : roundTaxTotal(ctx, v));
  }
  setTaxLines(env, order, cart, shipping);
  order.shipping_tax = stored(taxTotal(shipping));
  order.cart_tax = stored(taxTotal(cart));
  order.total_tax = stored(roundPhp(taxTotal(cart).add(taxTotal(shipping)), ctx.dp));
}

/** Keep existing rows (and their ids) per rate, drop vanished rates, append new ones. */
export function setTaxLines(env: OrderEnv, order: Rec, cart: Taxes, shipping: Taxes): void {
  const rateIds = [...new Set([...cart.keys(), ...shipping.keys()])];
  const existing = ((order.tax_lines as Rec[]) ?? []).filter((t, i, all) => {
    const id = Number(t.rate_id);
    return rateIds.includes(id) && all.findIndex((u) => Number(u.rate_id) === id) === i;
  });
  const kept = new Set(existing.map((t) => Number(t.rate_id)));
  const rows = [
    ...existing,
    ...rateIds.filter((id) => !kept.has(id)).map((id) => ({ id: env.nextItemId(), rate_id: id }) as Rec),
  ];
  order.tax_lines = rows.map((row) => {
    const id = Number(row.rate_id);
    const rate = env.ctx.rates.find((r) => r.id === id);
    const shippingTax = shipping.get(id);
    return {
      id: row.id,
      rate_code: rate ? rateCode(rate) : '',
      rate_id: id,
      label: rateLabel(rate),
      compound: rate?.compound ?? false,
      tax_total: stored(cart.get(id) ?? new Decimal(0)),
      shipping_tax_total: stored(shippingTax && !shippingTax.isZero() ? shippingTax : new Decimal(0)),
      rate_percent: rate ? Number(rate.rate) : null,
      meta_data: (row.meta_data as Rec[] | undefined) ?? [],
    };
  });
}

export function calculateTotals(env: OrderEnv, order: Rec, andTaxes = true): void {
  const { ctx } = env;
  const scale = 10 ** ctx.dp;
  const itemSum = (field: 'subtotal' | 'total') =>
    sum(lines(order, 'line_items').map((l) => roundItemSubtotal(ctx, dec(l[field]).mul(scale)))).div(scale);
  const cartSubtotal = itemSum('subtotal');
  const cartTotal = itemSum('total');
  const shippingTotal = sum(lines(order, 'shipping_lines').map((s) => roundPhp(dec(s.total), ctx.dp)));
  order.shipping_total = stored(shippingTotal);
  let feesTotal = new Decimal(0);
  for (const fee of lines(order, 'fee_lines')) {
    const amount = dec(fee.total);
    if (amount.lt(0)) {
      const max = roundPhp(cartTotal.add(feesTotal).add(shippingTotal), ctx.dp).neg();
      if (amount.lt(max) && max.lt(0)) fee.total = stored(max);
    }
    feesTotal = feesTotal.add(dec(fee.total));
  }
  if (andTaxes) calculateTaxes(env, order);
  let cartTotalTax = new Decimal(0);
  let cartSubtotalTax = new Decimal(0);
  for (const line of lines(order, 'line_items')) {
    cartTotalTax = cartTotalTax.add(taxTotal(itemTaxes(line, 'total')));
    cartSubtotalTax = cartSubtotalTax.add(taxTotal(itemTaxes(line, 'subtotal')));
  }
  order.discount_total = stored(roundPhp(cartSubtotal.sub(cartTotal), ctx.dp));
  order.discount_tax = stored(roundTaxTotal(ctx, cartSubtotalTax.sub(cartTotalTax)));
  order.total = stored(
    roundPhp(
      cartTotal
        .add(feesTotal)
        .add(dec(order.shipping_total))
        .add(dec(order.cart_tax))
        .add(dec(order.shipping_tax)),
      ctx.dp,
    ),
  );
}

/** `wc_get_price_excluding_tax`: a line's default net amount from the product's price. */
export function priceExcludingTax(
  ctx: TaxContext,
  product: Rec,
  quantity: number,
  taxClass: string,
): Decimal {
  const line = dec(product.price).mul(Math.max(0, quantity));
  if (quantity <= 0) return new Decimal(0);
  if (product.tax_status !== 'taxable' || !ctx.enabled || !ctx.inclusive) return line;
  const rates = ratesFor(ctx, ctx.base, taxClass);
  return line.sub(taxTotal(calcTax(line, rates, true, ctx.precision)));
}
