/**
 * Orders placed through the shop's checkout: the cart totals of `WC_Cart_Totals` (in minor
 * units, øre) stored on a new order the way `WC_Checkout::create_order` stores them. This is
 * the path of real customer orders and of the seed; orders written through the REST API use
 * `calculate_totals()` instead (tax/order-totals.ts), and the two can differ by an øre.
 *
 * 1. Each line's price × quantity; with prices entered including tax, a buyer outside the
 *    shop's base pays the base price re-taxed at their rates, a VAT-exempt buyer the price
 *    without the base tax.
 * 2. Subtotal taxes per rate (`calc_tax` in øre, 6 decimals), per line rounded to whole øre
 *    unless taxes are rounded at subtotal; gross prices have the unrounded tax taken out.
 * 3. Coupons (discounts.ts) on the line prices (gross when prices include tax), sorted
 *    fixed_product, percent, fixed_cart; the tax of each discount per coupon.
 * 4. Line totals = price − discount, taxed again the same way.
 * 5. Shipping: the method's cost is net; its tax uses the shipping tax class (`inherit`:
 *    the standard class if a shipped line uses it, else the first class found, else the
 *    standard rates) and only rates flagged for shipping; rounded per line.
 * 6. Fees (net) with their class; a negative fee's tax is spread over the classes.
 * 7. `total` = round(Σ line totals + fees + shipping + Σ taxes) to whole øre.
 *
 * The order stores line amounts and taxes unrounded, `tax_lines` per rate (items + fees,
 * and shipping), coupon discounts rounded half-down to price decimals, and meta
 * `is_vat_exempt` = `yes`/`no`.
 */

import { ADDRESS_KEYS, mergeAddress } from './common-fields.ts';
import { asCouponLike, couponLine, validCoupon } from './coupons.ts';
import { type CouponLike, type DiscountItem, Discounts } from './discounts.ts';
import { Decimal, dec, roundPhp, stored, sum } from './money.ts';
import { blankOrder, refreshFlags } from './orders.ts';
import { effectiveTaxClass, findAnyProduct, parentOf } from './product-lookup.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { calcTax, mergeTaxes, type Taxes, total as taxTotal } from './tax/calc.ts';
import {
  baseRates,
  orderTaxLocation,
  ratesFor,
  roundItemSubtotal,
  roundLineTax,
  type TaxContext,
} from './tax/context.ts';
import { setItemTaxes } from './tax/item-taxes.ts';
import { setTaxLines } from './tax/order-totals.ts';
import { findRates, type Location, type MatchedRate } from './tax/rates.ts';
import { WpError } from './wp-error.ts';

export interface CartInput {
  customer_id?: number;
  billing?: Rec;
  shipping?: Rec;
  /** `price`: the unit price the cart uses instead of the product's (e.g. a currency plugin's). */
  items: Array<{
    product_id?: number;
    variation_id?: number;
    sku?: string;
    quantity?: number;
    price?: string;
  }>;
  coupons?: string[];
  /** The chosen shipping rate; `cost` excludes tax. */
  shipping_line?: {
    method_id: string;
    method_title?: string;
    instance_id?: string;
    cost: string;
    taxable?: boolean;
  };
  /** Cart fees (`WC_Cart::add_fee`); `amount` excludes tax. */
  fees?: Array<{ name: string; amount: string; taxable?: boolean; tax_class?: string }>;
  /** A VAT-exempt customer (e.g. set by an EU VAT plugin for a valid VAT number). */
  vat_exempt?: boolean;
  currency?: string;
  payment_method?: string;
  payment_method_title?: string;
  customer_note?: string;
  meta_data?: Rec[];
}

interface CartItem {
  key: number;
  product: Rec;
  quantity: number;
  taxable: boolean;
  taxClass: string;
  rates: MatchedRate[];
  inclusive: boolean;
  needsShipping: boolean;
  price: Decimal;
  subtotal: Decimal;
  subtotalTaxes: Taxes;
  total: Decimal;
  taxes: Taxes;
}

interface Charge {
  total: Decimal;
  taxes: Taxes;
  taxClass: string;
  taxable: boolean;
}

const same = (a: MatchedRate[], b: MatchedRate[]) =>
  a.length === b.length && a.every((r, i) => r.id === b[i]!.id && r.percent.eq(b[i]!.percent));

function cartItems(
  shop: Shop,
  ctx: TaxContext,
  input: CartInput,
  location: Location,
  taxOn: boolean,
): CartItem[] {
  const scale = 10 ** ctx.dp;
  return input.items.map((wanted, index) => {
    const id = wanted.variation_id || wanted.product_id;
    const product = id
      ? findAnyProduct(shop, id)
      : shop.data.products.find((p) => p.sku === wanted.sku && p.status !== 'trash');
    const unitPrice = wanted.price ?? product?.price;
    if (!product || (product.type !== 'simple' && product.type !== 'variation') || unitPrice === '') {
      throw new WpError('woocommerce_rest_invalid_product_id', 'Invalid product ID.', 400);
    }
    const quantity = wanted.quantity ?? 1;
    const taxClass = effectiveTaxClass(shop, product);
    return {
      key: index,
      product,
      quantity,
      taxable: ctx.enabled && product.tax_status === 'taxable',
      taxClass,
      rates: taxOn ? findRates(ctx.rates, location, taxClass) : [],
      inclusive: ctx.inclusive,
      needsShipping: product.virtual !== true,
      price: roundPhp(dec(unitPrice).mul(quantity).mul(scale), ctx.precision - ctx.dp),
      subtotal: new Decimal(0),
      subtotalTaxes: new Map(),
      total: new Decimal(0),
      taxes: new Map(),
    };
  });
}

/** Prices entered with tax: re-price for buyers outside the base, or strip tax for exempt buyers. */
function adjustPrice(ctx: TaxContext, item: CartItem, exempt: boolean): void {
  if (!item.inclusive || !item.taxable) return;
  const base = baseRates(ctx, item.taxClass);
  if (exempt) {
    item.price = roundPhp(item.price.sub(taxTotal(calcTax(item.price, base, true, ctx.precision))), 0);
    item.inclusive = false;
  } else if (!same(item.rates, base)) {
    const baseTax = taxTotal(calcTax(item.price, base, true, ctx.precision));
    const net = item.price.sub(baseTax);
    item.price = net.add(taxTotal(calcTax(net, item.rates, false, ctx.precision)));
  }
}

const rounded = (ctx: TaxContext, taxes: Taxes) =>
  sum([...taxes.values()].map((t) => roundLineTax(ctx, t, true)));

function shippingRates(ctx: TaxContext, location: Location, items: CartItem[]): MatchedRate[] {
  if (ctx.shippingTaxClass !== 'inherit') return findRates(ctx.rates, location, ctx.shippingTaxClass, true);
  const classes = [
    ...new Set(
      items
        .filter((i) => i.needsShipping && ['taxable', 'shipping'].includes(String(i.product.tax_status)))
        .map((i) => i.taxClass),
    ),
  ];
  if (classes.length === 0) return [];
  let matched: MatchedRate[] = [];
  if (classes.length > 1 && !classes.includes('')) {
    const first = ctx.classSlugs.find((slug) => classes.includes(slug));
    if (first !== undefined) matched = findRates(ctx.rates, location, first, true);
  } else if (classes.length === 1) {
    matched = findRates(ctx.rates, location, classes[0]!, true);
  }
  return matched.length > 0 ? matched : findRates(ctx.rates, location, '', true);
}

function sortedCoupons(coupons: Rec[]): CouponLike[] {
  const rank = (c: CouponLike) => ({ fixed_product: 1, percent: 2, fixed_cart: 3 })[c.discount_type] ?? 0;
  return coupons.map(asCouponLike).sort((a, b) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    const la = a.limit_usage_to_x_items ?? 0;
    const lb = b.limit_usage_to_x_items ?? 0;
    if (la !== lb) return la - lb;
    if (Number(a.amount) !== Number(b.amount)) return Number(a.amount) - Number(b.amount);
    return b.id - a.id;
  });
}

/** Place an order as the checkout would; returns the new (pending) order record, not yet stored. */
export function checkoutOrder(shop: Shop, input: CartInput, created: Date = shop.now()): Rec {
  const ctx = shop.tax();
  const scale = 10 ** ctx.dp;
  const billing = { ...(input.billing ?? {}) };
  const shipping = { ...(input.shipping ?? billing) };
  const methodIds = input.shipping_line ? [input.shipping_line.method_id] : [];
  const location = orderTaxLocation(ctx, billing, shipping, methodIds);
  const exempt = input.vat_exempt === true;
  const taxOn = ctx.enabled && !exempt;
  const items = cartItems(shop, ctx, input, location, taxOn);
  if (items.length === 0) throw new WpError('woocommerce_rest_invalid_cart', 'The cart is empty.', 400);

  // Subtotals.
  for (const item of items) {
    if (item.inclusive) adjustPrice(ctx, item, exempt);
    item.subtotal = item.price;
    if (taxOn && item.taxable) {
      item.subtotalTaxes = calcTax(item.subtotal, item.rates, item.inclusive, ctx.precision);
      if (item.inclusive) item.subtotal = item.subtotal.sub(taxTotal(item.subtotalTaxes));
    }
  }

  // Coupons.
  const coupons = (input.coupons ?? []).map((code) => validCoupon(shop, code));
  const discounts = new Discounts(
    items.map((i): DiscountItem => ({ key: i.key, price: i.price, quantity: i.quantity })),
    ctx.sequentialDiscounts,
  );
  for (const coupon of sortedCoupons(coupons)) discounts.apply(coupon, scale);
  const couponAmounts = discounts.byCoupon();
  const couponTaxes = new Map<string, Decimal>();
  for (const [code, perItem] of discounts.discounts) {
    let tax = new Decimal(0);
    for (const [key, amount] of perItem) {
      const item = items[key as number]!;
      if (!(taxOn && item.taxable)) continue;
      const t = taxTotal(calcTax(amount, item.rates, item.inclusive, ctx.precision));
      tax = tax.add(t);
      if (item.inclusive) couponAmounts.set(code, couponAmounts.get(code)!.sub(t));
    }
    couponTaxes.set(code, tax);
  }
  const itemDiscounts = discounts.byItem();
  const discountSum = sum(itemDiscounts.values());
  const discountTaxSum = sum(couponTaxes.values());
  const discountTotal = ctx.inclusive ? discountSum.sub(discountTaxSum) : discountSum;

  // Line totals.
  for (const item of items) {
    item.total = item.price.sub(itemDiscounts.get(item.key) ?? 0);
    if (taxOn && item.taxable) {
      item.taxes = calcTax(item.total, item.rates, item.inclusive, ctx.precision);
      if (item.inclusive) item.total = item.total.sub(taxTotal(item.taxes));
    }
  }
  const itemsTotal = sum(items.map((i) => roundItemSubtotal(ctx, i.total)));

  // Shipping.
  const ship: Charge | undefined = input.shipping_line
    ? (() => {
        const cost = dec(input.shipping_line.cost);
        const taxable = taxOn && input.shipping_line.taxable !== false;
        const unitTaxes = taxable
          ? calcTax(cost, shippingRates(ctx, location, items), false, ctx.precision)
          : new Map();
        const taxes: Taxes = new Map(
          [...unitTaxes].map(([id, v]) => [id, roundItemSubtotal(ctx, v.mul(scale))]),
        );
        return {
          total: roundPhp(cost.mul(scale), ctx.precision - ctx.dp),
          taxes,
          taxClass: ctx.shippingTaxClass,
          taxable: true,
        };
      })()
    : undefined;
  const shippingTotal = ship?.total ?? new Decimal(0);

  // Fees.
  const fees: Charge[] = [];
  let feeRunning = new Decimal(0);
  for (const fee of input.fees ?? []) {
    let total = roundPhp(dec(fee.amount).mul(scale), ctx.precision - ctx.dp);
    if (total.lt(0)) {
      const max = roundPhp(itemsTotal.add(feeRunning).add(shippingTotal), 0).neg();
      if (total.lt(max)) total = max;
    }
    feeRunning = feeRunning.add(total);
    const charge: Charge = {
      total,
      taxes: new Map(),
      taxClass: fee.tax_class ?? '',
      taxable: fee.taxable !== false,
    };
    if (taxOn) {
      if (total.lt(0)) {
        const costs = new Map<string, Decimal>();
        const add = (cls: string, v: Decimal) => costs.set(cls, (costs.get(cls) ?? new Decimal(0)).add(v));
        const firstClass = items[0]?.taxClass ?? '';
        for (const c of [
          ...items.map((i) => ({ total: i.total, taxable: i.taxable, taxClass: i.taxClass })),
          ...fees,
          ...(ship ? [ship] : []),
        ]) {
          if (c.total.lt(0)) continue;
          if (!c.taxable) add('non-taxable', c.total);
          else add(c.taxClass === 'inherit' ? firstClass : c.taxClass, c.total);
        }
        const costSum = sum([...costs.values()]);
        if (!costSum.isZero())
          for (const [cls, cost] of costs) {
            if (cls === 'non-taxable' || cost.isZero()) continue;
            charge.taxes = mergeTaxes(
              charge.taxes,
              calcTax(total.mul(cost.div(costSum)), ratesFor(ctx, location, cls), false, ctx.precision),
            );
          }
      } else if (charge.taxable) {
        charge.taxes = calcTax(total, ratesFor(ctx, location, charge.taxClass), false, ctx.precision);
      }
    }
    fees.push(charge);
  }

  // Grand total (øre) and the order.
  const allTaxes = [...items.map((i) => i.taxes), ...fees.map((f) => f.taxes), ...(ship ? [ship.taxes] : [])];
  const total = roundPhp(
    itemsTotal
      .add(sum(fees.map((f) => f.total)))
      .add(shippingTotal)
      .add(sum(allTaxes.map((t) => rounded(ctx, t)))),
    0,
  );
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
