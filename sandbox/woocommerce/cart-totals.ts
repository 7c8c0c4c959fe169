import { asCouponLike, validCoupon } from './coupons.ts';
import { type CouponLike, type DiscountItem, Discounts } from './discounts.ts';
import { Decimal, dec, roundPhp, sum } from './money.ts';
import { effectiveTaxClass, findAnyProduct } from './product-lookup.ts';
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

export interface CartItem {
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

export interface Charge {
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

export const rounded = (ctx: TaxContext, taxes: Taxes) =>
  sum([...taxes.values()].map((t) => roundLineTax(ctx, t, true)));

export function shippingRates(ctx: TaxContext, location: Location, items: CartItem[]): MatchedRate[] {
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

export interface CartTotals {
  ctx: TaxContext;
  billing: Rec;
  shipping: Rec;
  exempt: boolean;
  taxOn: boolean;
  location: Location;
  items: CartItem[];
  fees: Charge[];
  ship: Charge | undefined;
  coupons: Rec[];
  couponAmounts: Map<string, Decimal>;
  couponTaxes: Map<string, Decimal>;
  discountTotal: Decimal;
  discountTaxSum: Decimal;
  shippingTotal: Decimal;
  /** Grand total, minor units. */
  total: Decimal;
}

/** `WC_Cart_Totals` for a cart: every amount in minor units, as the checkout stores them. */
export function cartTotals(shop: Shop, input: CartInput): CartTotals {
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

  const allTaxes = [...items.map((i) => i.taxes), ...fees.map((f) => f.taxes), ...(ship ? [ship.taxes] : [])];
  const total = roundPhp(
    itemsTotal
      .add(sum(fees.map((f) => f.total)))
      .add(shippingTotal)
      .add(sum(allTaxes.map((t) => rounded(ctx, t)))),
    0,
  );
  return {
    ctx,
    billing,
    shipping,
    exempt,
    taxOn,
    location,
    items,
    fees,
    ship,
    coupons,
    couponAmounts,
    couponTaxes,
    discountTotal,
    discountTaxSum,
    shippingTotal,
    total,
  };
}
