/**
 * `WC_Discounts`: how coupons take money off lines, in minor units (øre). Used by the cart
 * (checkout.ts) and by orders (order-coupons.ts) the way WooCommerce uses it for both.
 *
 * - Lines are sorted by `price × quantity`, highest first (`sort_by_price`; `price` is
 *   already the line price, WooCommerce multiplies again), stable.
 * - percent: each line gets `floor(line price × pct / 100)`; then the øre still missing to
 *   `round_half_down(Σ line prices × pct / 100)` are added one øre per unit, line by line
 *   (`apply_coupon_remainder`).
 * - fixed_product: the amount per unit, at most the line's remaining price.
 * - fixed_cart: `floor(amount / units)` per unit, repeated on what is left, then the
 *   remainder one øre per unit.
 * - With `woocommerce_calc_discounts_sequentially` a percent coupon works on the price left
 *   after earlier coupons, else on the full price.
 *
 * The `floor`/`round` of a percentage is done in IEEE doubles exactly as PHP does it
 * (`floor(6980 * (10 / 100))`), so a coupon gives the same øre as in a real shop even where
 * float noise decides (e.g. `floor(100 * 0.29)` is 28, not 29).
 */
import { Decimal, roundPhp } from './money.ts';

export type DiscountType = 'percent' | 'fixed_cart' | 'fixed_product';

export interface CouponLike {
  id: number;
  code: string;
  discount_type: DiscountType;
  amount: string;
  limit_usage_to_x_items: number | null;
}

export interface DiscountItem {
  key: number | string;
  /** Line price in minor units (unit price × quantity), gross when prices include tax. */
  price: Decimal;
  quantity: number;
}

/** PHP `round()` of a double: pre-rounded to 15 significant digits, then decimal rounding. */
function roundDouble(value: number, places: number, mode: 'half-up' | 'half-down'): Decimal {
  return roundPhp(new Decimal(value.toPrecision(15)), places, mode);
}

export class Discounts {
  readonly items: DiscountItem[];
  /** coupon code → item key → discount (minor units). */
  readonly discounts = new Map<string, Map<number | string, Decimal>>();

  constructor(
    items: readonly DiscountItem[],
    private readonly sequential = false,
  ) {
    // Array.prototype.sort is stable, like PHP 8's uasort.
    this.items = [...items].sort((a, b) => {
      const pa = a.price.mul(a.quantity);
      const pb = b.price.mul(b.quantity);
      return pa.eq(pb) ? 0 : pa.lt(pb) ? 1 : -1;
    });
  }

  /** Discount of one item so far (all coupons), minor units. */
  discountOf(key: number | string): Decimal {
    let total = new Decimal(0);
    for (const perItem of this.discounts.values()) total = total.add(perItem.get(key) ?? 0);
    return total;
  }

  /** `get_discounted_price_in_cents`: `absint(round(price − discount))`. */
  discountedPrice(item: DiscountItem): Decimal {
    return roundPhp(item.price.sub(this.discountOf(item.key)), 0).abs();
  }

  byItem(): Map<number | string, Decimal> {
    const out = new Map<number | string, Decimal>();
    for (const item of this.items) out.set(item.key, this.discountOf(item.key));
    return out;
  }

  byCoupon(): Map<string, Decimal> {
    const out = new Map<string, Decimal>();
    for (const [code, perItem] of this.discounts) {
      let total = new Decimal(0);
      for (const v of perItem.values()) total = total.add(v);
      out.set(code, total);
    }
    return out;
  }

  apply(coupon: CouponLike, scale: number): void {
    if (!this.discounts.has(coupon.code)) {
      this.discounts.set(coupon.code, new Map(this.items.map((i) => [i.key, new Decimal(0)])));
    }
    const toApply = this.items.filter((i) => !this.discountedPrice(i).isZero() && i.quantity > 0);
    if (coupon.discount_type === 'percent') this.percent(coupon, toApply);
    else if (coupon.discount_type === 'fixed_product') this.fixedProduct(coupon, toApply, undefined, scale);
    else this.fixedCart(coupon, toApply, undefined, scale);
  }

  private add(code: string, key: number | string, amount: Decimal): void {
    const perItem = this.discounts.get(code)!;
    perItem.set(key, (perItem.get(key) ?? new Decimal(0)).add(amount));
  }

  private percent(coupon: CouponLike, items: DiscountItem[]): void {
    const pct = Number(coupon.amount) / 100;
    const limit = coupon.limit_usage_to_x_items ?? 0;
    let totalDiscount = new Decimal(0);
    let cartTotal = 0;
    let applied = 0;
    for (const item of items) {
      const discounted = this.discountedPrice(item);
      const base = this.sequential ? discounted : roundPhp(item.price, 0);
      const quantity = limit && limit - applied < item.quantity ? limit - applied : item.quantity;
      const priceToDiscount = (base.toNumber() / item.quantity) * quantity;
      const raw = new Decimal(Math.floor(priceToDiscount * pct));
      const discount = roundPhp(Decimal.min(discounted, raw), 0, 'half-down');
      cartTotal += priceToDiscount;
      totalDiscount = totalDiscount.add(discount);
      applied += quantity;
      this.add(coupon.code, item.key, discount);
    }
    const cartDiscount = roundDouble(cartTotal * pct, 0, 'half-down');
    if (totalDiscount.lt(cartDiscount)) this.remainder(coupon, items, cartDiscount.sub(totalDiscount));
  }

  private fixedProduct(
    coupon: CouponLike,
    items: DiscountItem[],
    amountIn: Decimal | undefined,
    scale: number,
  ) {
    const amount =
      amountIn && !amountIn.isZero() ? amountIn : roundPhp(new Decimal(coupon.amount || 0).mul(scale), 4);
    const limit = coupon.limit_usage_to_x_items ?? 0;
    let total = new Decimal(0);
    let applied = 0;
    for (const item of items) {
      const discounted = this.discountedPrice(item);
      let discount: Decimal;
      let quantity: number;
      if (limit) {
        quantity = Math.min(limit - applied, item.quantity);
        discount = Decimal.min(amount, item.price.div(item.quantity)).mul(quantity);
      } else {
        quantity = item.quantity;
        discount = amount.mul(quantity);
      }
      discount = Decimal.min(discounted, discount);
      total = total.add(discount);
      applied += quantity;
      this.add(coupon.code, item.key, discount);
    }
    return total;
  }

  private fixedCart(
    coupon: CouponLike,
    itemsIn: DiscountItem[],
    amountIn: Decimal | undefined,
    scale: number,
  ) {
    const amount =
      amountIn && !amountIn.isZero() ? amountIn : roundPhp(new Decimal(coupon.amount || 0).mul(scale), 4);
    const items = itemsIn.filter((i) => this.discountedPrice(i).gt(0));
    const count = items.reduce((s, i) => s + i.quantity, 0);
    let total = new Decimal(0);
    if (count === 0) return total;
    if (amount.isZero()) return this.fixedProduct(coupon, items, new Decimal(0), scale);
    const perItem = amount.div(count).floor();
    if (perItem.gt(0)) {
      total = this.fixedProduct(coupon, items, perItem, scale);
      if (total.gt(0) && total.lt(amount))
        total = total.add(this.fixedCart(coupon, items, amount.sub(total), scale));
    } else if (amount.gt(0)) {
      total = total.add(this.remainder(coupon, items, amount));
    }
    return total;
  }

  /** One øre per unit, line by line, until `amount` is reached. */
  private remainder(coupon: CouponLike, items: DiscountItem[], amount: Decimal): Decimal {
    let total = new Decimal(0);
    for (const item of items) {
      for (let i = 0; i < item.quantity; i++) {
        const discount = Decimal.min(this.discountedPrice(item), 1);
        total = total.add(discount);
        this.add(coupon.code, item.key, discount);
        if (total.gte(amount)) return total;
      }
    }
    return total;
  }
}
