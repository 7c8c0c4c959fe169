/**
 * Coupons (`shop_coupon`): the records `coupon_lines` refer to by code, as the REST API
 * shows them (`/coupons`), and their validation when an order applies one
 * (`WC_Discounts::is_coupon_valid`: it must exist and must not have expired; the error is
 * `woocommerce_rest_invalid_coupon`). Codes are stored and matched in lower case
 * (`wc_format_coupon_code`). Product/category restrictions, usage limits and minimum
 * amounts are not modelled: a coupon applies to every line (docs/woocommerce.md).
 */
import type { CouponLike, DiscountType } from './discounts.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { WpError } from './wp-error.ts';

export const DISCOUNT_TYPES: readonly DiscountType[] = ['percent', 'fixed_cart', 'fixed_product'];

export function formatCouponCode(code: unknown): string {
  return String(code ?? '')
    .trim()
    .toLowerCase();
}

export function couponByCode(shop: Shop, code: string): Rec | undefined {
  const wanted = formatCouponCode(code);
  return shop.data.coupons.find((c) => c.code === wanted && c.status !== 'trash');
}

export function asCouponLike(coupon: Rec): CouponLike {
  return {
    id: coupon.id as number,
    code: String(coupon.code),
    discount_type: coupon.discount_type as DiscountType,
    amount: String(coupon.amount),
    limit_usage_to_x_items: (coupon.limit_usage_to_x_items as number | null) ?? null,
  };
}

/** A complete coupon record (admin, seed, `POST /coupons`). */
export function buildCoupon(shop: Shop, input: Rec): Rec {
  const code = formatCouponCode(input.code);
  if (code === '')
    throw new WpError('woocommerce_rest_empty_coupon_code', 'The coupon code cannot be empty.', 400);
  if (couponByCode(shop, code) && input.id === undefined) {
    throw new WpError('woocommerce_rest_coupon_code_already_exists', 'The coupon code already exists', 400);
  }
  const type = input.discount_type ?? 'fixed_cart';
  if (!DISCOUNT_TYPES.includes(type as DiscountType)) {
    throw new WpError('rest_invalid_param', 'Invalid parameter(s): discount_type', 400, {
      params: { discount_type: `discount_type is not one of ${DISCOUNT_TYPES.join(', ')}.` },
    });
  }
  const id = typeof input.id === 'number' ? input.id : shop.nextId('coupon');
  const now = shop.now();
  return {
    id,
    code,
    amount: String(input.amount ?? '0'),
    status: 'publish',
    ...shop.dates('date_created', now),
    ...shop.dates('date_modified', now),
    discount_type: type,
    description: String(input.description ?? ''),
    ...shop.dates('date_expires', null),
    ...(typeof input.date_expires_gmt === 'string'
      ? { date_expires_gmt: input.date_expires_gmt, date_expires: input.date_expires_gmt }
      : {}),
    usage_count: 0,
    individual_use: false,
    product_ids: [],
    excluded_product_ids: [],
    usage_limit: null,
    usage_limit_per_user: null,
    limit_usage_to_x_items:
      typeof input.limit_usage_to_x_items === 'number' ? input.limit_usage_to_x_items : null,
    free_shipping: false,
    product_categories: [],
    excluded_product_categories: [],
    exclude_sale_items: false,
    minimum_amount: '0.00',
    maximum_amount: '0.00',
    email_restrictions: [],
    used_by: [],
    meta_data: [],
  };
}

/** The coupon a code names, valid now, or the error WooCommerce answers with. */
export function validCoupon(shop: Shop, code: string): Rec {
  const coupon = couponByCode(shop, code);
  if (!coupon) {
    throw new WpError(
      'woocommerce_rest_invalid_coupon',
      `Coupon "${formatCouponCode(code)}" does not exist!`,
      400,
    );
  }
  const expires = coupon.date_expires_gmt as string | null;
  if (expires && expires < String(shop.dates('x', shop.now()).x_gmt)) {
    throw new WpError('woocommerce_rest_invalid_coupon', 'This coupon has expired.', 400);
  }
  return coupon;
}

/** A coupon line for an order (discounts filled in by the totals). */
export function couponLine(shop: Shop, coupon: Rec): Rec {
  return {
    id: shop.nextId('item'),
    code: coupon.code,
    discount: '0',
    discount_tax: '0',
    discount_type: coupon.discount_type,
    nominal_amount: Number(coupon.amount),
    free_shipping: coupon.free_shipping === true,
    meta_data: [],
  };
}
