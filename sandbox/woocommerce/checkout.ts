/**
 * Orders placed through the shop's checkout: the cart totals (cart-totals.ts) stored on a
 * new order the way `WC_Checkout::create_order` stores them. This is the path of real
 * customer orders and of the seed; orders written through the REST API use
 * `calculate_totals()` instead (tax/order-totals.ts), and the two can differ by an øre.
 *
 * The order stores line amounts and taxes unrounded, `tax_lines` per rate (items + fees,
 * and shipping), coupon discounts rounded half-down to price decimals, and meta
 * `is_vat_exempt` = `yes`/`no`.
 */

import { type CartInput, cartTotals, rounded, shippingRates } from './cart-totals.ts';
import { ADDRESS_KEYS, mergeAddress } from './common-fields.ts';
import { couponLine } from './coupons.ts';
import { Decimal, dec, roundPhp, stored, sum } from './money.ts';
import { blankOrder, refreshFlags } from './orders.ts';
import { parentOf } from './product-lookup.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { calcTax, type Taxes, total as taxTotal } from './tax/calc.ts';
import { roundLineTax } from './tax/context.ts';
import { setItemTaxes } from './tax/item-taxes.ts';
import { setTaxLines } from './tax/order-totals.ts';

export type { CartInput };

/** Place an order as the checkout would; returns the new (pending) order record, not yet stored. */
export function checkoutOrder(shop: Shop, input: CartInput, created: Date = shop.now()): Rec {
  const cart = cartTotals(shop, input);
  const { ctx, billing, shipping, exempt, taxOn, location, items, fees, ship, coupons } = cart;
  const { couponAmounts, couponTaxes, discountTotal, discountTaxSum, shippingTotal, total } = cart;
  const scale = 10 ** ctx.dp;
  const order = blankOrder(shop, shop.data.seq.order + 1, created);
  order.created_via = 'checkout';
  order.prices_include_tax = ctx.inclusive;
  order.currency = input.currency ?? shop.currency;
  order.customer_id = input.customer_id ?? 0;
  order.payment_method = input.payment_method ?? '';
  order.payment_method_title = input.payment_method_title ?? '';
  order.customer_note = input.customer_note ?? '';
  mergeAddress(order.billing as Rec, billing, [...ADDRESS_KEYS, 'email', 'phone']);
  mergeAddress(order.shipping as Rec, shipping, [...ADDRESS_KEYS, 'phone']);
  (order.meta_data as Rec[]).push({
    id: shop.nextId('meta'),
    key: 'is_vat_exempt',
    value: exempt ? 'yes' : 'no',
  });
  for (const m of input.meta_data ?? [])
    (order.meta_data as Rec[]).push({ id: shop.nextId('meta'), key: m.key, value: m.value });

  const units = (v: Decimal) => v.div(scale);
  const unitTaxes = (t: Taxes): Taxes => new Map([...t].map(([id, v]) => [id, units(v)]));
  for (const item of items) {
    const parent = item.product.type === 'variation' ? parentOf(shop, item.product) : undefined;
    const line: Rec = {
      id: shop.nextId('item'),
      name: item.product.name,
      product_id: parent ? parent.id : item.product.id,
      variation_id: parent ? item.product.id : 0,
      quantity: item.quantity,
      tax_class: item.taxClass,
      subtotal: stored(units(item.subtotal)),
      subtotal_tax: '0',
      total: stored(units(item.total)),
      total_tax: '0',
      taxes: [],
      meta_data: ((item.product.attributes as Rec[]) ?? [])
        .filter(() => parent)
        .map((a) => ({
          id: shop.nextId('meta'),
          key: String(a.name).toLowerCase(),
          value: String(a.option ?? ''),
        })),
      sku: null,
      price: 0,
      image: { id: '', src: '' },
      parent_name: null,
    };
    setItemTaxes(ctx, line, 'line', {
      total: unitTaxes(item.taxes),
      subtotal: unitTaxes(item.subtotalTaxes),
    });
    (order.line_items as Rec[]).push(line);
  }
  (input.fees ?? []).forEach((fee, i) => {
    const line: Rec = {
      id: shop.nextId('item'),
      name: fee.name,
      tax_class: fees[i]!.taxable ? fees[i]!.taxClass : '0',
      tax_status: fees[i]!.taxable ? 'taxable' : 'none',
      total: stored(units(fees[i]!.total)),
      total_tax: '0',
      taxes: [],
      meta_data: [],
    };
    setItemTaxes(ctx, line, 'fee', { total: unitTaxes(fees[i]!.taxes) });
    (order.fee_lines as Rec[]).push(line);
  });
  if (ship && input.shipping_line) {
    const line: Rec = {
      id: shop.nextId('item'),
      method_title: input.shipping_line.method_title ?? input.shipping_line.method_id,
      method_id: input.shipping_line.method_id,
      instance_id: input.shipping_line.instance_id ?? '',
      total: stored(dec(input.shipping_line.cost)),
      total_tax: '0',
      taxes: [],
      meta_data: [],
    };
    // The rate's taxes as the shipping method computed them (major units, unrounded).
    const rateTaxes =
      taxOn && input.shipping_line.taxable !== false
        ? calcTax(dec(input.shipping_line.cost), shippingRates(ctx, location, items), false, ctx.precision)
        : new Map<number, Decimal>();
    setItemTaxes(ctx, line, 'shipping', { total: rateTaxes });
    (order.shipping_lines as Rec[]).push(line);
  }
  for (const coupon of coupons) {
    const line = couponLine(shop, coupon);
    line.discount = stored(
      roundPhp(units(couponAmounts.get(String(coupon.code)) ?? new Decimal(0)), ctx.dp, 'half-down'),
    );
    line.discount_tax = stored(
      roundPhp(units(couponTaxes.get(String(coupon.code)) ?? new Decimal(0)), ctx.dp, 'half-down'),
    );
    (order.coupon_lines as Rec[]).push(line);
  }

  // Cart taxes per rate: items (rounded per line or not) + fees (as computed), shipping.
  const cartTaxes: Taxes = new Map();
  const add = (m: Taxes, id: number, v: Decimal) => m.set(id, (m.get(id) ?? new Decimal(0)).add(v));
  for (const item of items)
    for (const [id, v] of item.taxes) add(cartTaxes, id, units(roundLineTax(ctx, v, true)));
  for (const fee of fees) for (const [id, v] of fee.taxes) add(cartTaxes, id, units(v));
  const shipTaxes: Taxes = new Map(
    [...(ship?.taxes ?? new Map<number, Decimal>())].map(([id, v]) => [id, units(v)]),
  );
  setTaxLines(
    { ctx, productOf: () => undefined, nextItemId: () => shop.nextId('item') },
    order,
    cartTaxes,
    shipTaxes,
  );
  const contentsTax = sum(items.map((i) => units(rounded(ctx, i.taxes))));
  const feeTax = sum(fees.map((f) => units(rounded(ctx, f.taxes))));
  order.discount_total = stored(units(discountTotal));
  order.discount_tax = stored(units(discountTaxSum));
  order.shipping_total = stored(units(shippingTotal));
  order.shipping_tax = stored(taxTotal(shipTaxes));
  order.cart_tax = stored(contentsTax.add(feeTax));
  order.total_tax = stored(roundPhp(contentsTax.add(feeTax).add(taxTotal(shipTaxes)), ctx.dp));
  order.total = stored(Decimal.max(0, units(total)));
  refreshFlags(shop, order);
  return order;
}
