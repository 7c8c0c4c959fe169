/**
 * `/orders`. Totals are computed as WooCommerce's REST API computes them
 * (`calculate_totals()`, tax/order-totals.ts) on create, and on update only when billing,
 * shipping or any line list is sent; `coupon_lines` re-applies the order's coupons
 * (order-coupons.ts). Items: order-items.ts. A new order takes `prices_include_tax` and
 * `currency` from the shop's settings. Status changes run WooCommerce's transitions
 * (order-status.ts: notes, paid/completed dates, stock, full refunds); `set_paid: true` runs
 * `payment_complete()`. `customer_id` must be 0 or an existing user (400
 * `woocommerce_rest_invalid_customer_id`). Unknown (plugin) statuses are accepted.
 * `delete` without force moves to the trash.
 */
import { randomBytes } from 'node:crypto';
import { first, list, type ParamErrors, type Query } from './collection.ts';
import { ADDRESS_KEYS, assignScalars, emptyAddress, mergeAddress, upsertMeta } from './common-fields.ts';
import { asCouponLike, couponByCode, couponLine, validCoupon } from './coupons.ts';
import { crudList } from './crud-list.ts';
import { dec } from './money.ts';
import { recalculateCoupons } from './order-coupons.ts';
import { applyItemList, applyLineItems, lineProduct } from './order-items.ts';
import { renderOrder } from './order-render.ts';
import { CORE_STATUSES, needsProcessing, paymentComplete, setOrderStatus } from './order-status.ts';
import type { Shop } from './shop.ts';
import { WC_VERSION } from './shop.ts';
import { clone, type Rec } from './state.ts';
import { calculateTotals, type OrderEnv } from './tax/order-totals.ts';
import { WpError } from './wp-error.ts';

export { CORE_STATUSES, renderOrder };

const EDITABLE = ['pending', 'on-hold', 'auto-draft', 'checkout-draft'];
const TOTALS_TRIGGERS = ['billing', 'shipping', 'line_items', 'shipping_lines', 'fee_lines', 'coupon_lines'];

const missing = () => new WpError('woocommerce_rest_shop_order_invalid_id', 'Invalid ID.', 404);

export function getOrder(shop: Shop, id: number): Rec {
  const record = shop.find('order', id);
  if (!record) throw missing();
  return record;
}

export function orderEnv(shop: Shop): OrderEnv {
  return {
    ctx: shop.tax(),
    productOf: (line) => lineProduct(shop, line),
    nextItemId: () => shop.nextId('item'),
  };
}

export function refreshFlags(shop: Shop, order: Rec): void {
  order.is_editable = EDITABLE.includes(String(order.status));
  order.needs_payment = ['pending', 'failed'].includes(String(order.status)) && dec(order.total).gt(0);
  order.needs_processing = needsProcessing(shop, order);
  order.payment_url = `${shop.settings.siteUrl}/checkout/order-pay/${order.id}/?pay_for_order=true&key=${order.order_key}`;
}

/** `calculate_totals()`, then the order's coupons again when `coupon_lines` was written. */
function recompute(shop: Shop, order: Rec, coupons: boolean): void {
  const env = orderEnv(shop);
  calculateTotals(env, order);
  if (coupons && (order.coupon_lines as Rec[]).length > 0) {
    recalculateCoupons(env, order, (code) => asCouponLike(couponByCode(shop, code)!));
  }
}

/** V3 `calculate_coupons`: validate every code first, then replace all coupon lines. */
function setCoupons(shop: Shop, order: Rec, lines: unknown): void {
  if (!Array.isArray(lines)) return;
  const current = (order.coupon_lines as Rec[]).map((c) => String(c.code));
  const coupons = (lines as Rec[]).map((item) => {
    if (item.id !== undefined && item.id !== null && item.id !== 0) {
      throw new WpError('woocommerce_rest_coupon_item_id_readonly', 'Coupon item ID is readonly.', 400);
    }
    if (typeof item.code !== 'string' || item.code === '') {
      throw new WpError('woocommerce_rest_invalid_coupon', 'Coupon code is required.', 400);
    }
    const known = couponByCode(shop, item.code);
    return known && current.includes(String(known.code)) ? known : validCoupon(shop, item.code);
  });
  order.coupon_lines = coupons.map((c) => couponLine(shop, c));
  for (const line of order.line_items as Rec[]) line.total = line.subtotal;
}

function applyOrderFields(shop: Shop, order: Rec, body: Rec, creating: boolean): void {
  if (
    body.customer_id !== undefined &&
    body.customer_id !== 0 &&
    !shop.find('customer', body.customer_id as number)
  ) {
    throw new WpError('woocommerce_rest_invalid_customer_id', 'Customer ID is invalid.', 400);
  }
  assignScalars(order, body, [
    'parent_id',
    'currency',
    'customer_id',
    'customer_note',
    'payment_method',
    'payment_method_title',
    'transaction_id',
  ]);
  if (creating && typeof body.created_via === 'string') order.created_via = body.created_via;
  mergeAddress(order.billing as Rec, body.billing, [...ADDRESS_KEYS, 'email', 'phone']);
  if (body.billing && (body.billing as Rec).email === null) (order.billing as Rec).email = null;
  mergeAddress(order.shipping as Rec, body.shipping, [...ADDRESS_KEYS, 'phone']);
  upsertMeta(shop, order.meta_data as Rec[], body.meta_data);
  applyLineItems(shop, order, body.line_items);
  applyItemList(shop, order, 'shipping_lines', body.shipping_lines, [
    'method_title',
    'method_id',
    'instance_id',
  ]);
  applyItemList(shop, order, 'fee_lines', body.fee_lines, ['name', 'tax_class', 'tax_status']);
  setCoupons(shop, order, body.coupon_lines);
}

/** What a new order starts as. */
export function blankOrder(shop: Shop, id: number, created: Date): Rec {
  return {
    id,
    parent_id: 0,
    number: String(id),
    order_key: `wc_order_${randomBytes(7).toString('hex').slice(0, 13)}`,
    created_via: 'rest-api',
    version: WC_VERSION,
    status: 'pending',
    currency: shop.currency,
    ...shop.dates('date_created', created),
    ...shop.dates('date_modified', created),
    discount_total: '0',
    discount_tax: '0',
    shipping_total: '0',
    shipping_tax: '0',
    cart_tax: '0',
    total: '0',
    total_tax: '0',
    prices_include_tax: shop.tax().inclusive,
    customer_id: 0,
    customer_ip_address: '',
    customer_user_agent: '',
    customer_note: '',
    billing: emptyAddress(['email', 'phone']),
    shipping: emptyAddress(['phone']),
    payment_method: '',
    payment_method_title: '',
    transaction_id: '',
    ...shop.dates('date_paid', null),
    ...shop.dates('date_completed', null),
    cart_hash: '',
    meta_data: [] as Rec[],
    line_items: [] as Rec[],
    tax_lines: [] as Rec[],
    shipping_lines: [] as Rec[],
    fee_lines: [] as Rec[],
    coupon_lines: [] as Rec[],
    payment_url: '',
    is_editable: true,
    needs_payment: false,
    needs_processing: false,
  };
}

const DATE_FIELDS = [
  'date_created',
  'date_created_gmt',
  'date_modified',
  'date_modified_gmt',
  'date_paid',
  'date_paid_gmt',
  'date_completed',
  'date_completed_gmt',
] as const;

/**
 * A complete order record from raw input (seed and admin inserts): fields and totals as the
 * API computes them, but the status, dates, `prices_include_tax` and `created_via` are taken
 * as given — no status transition runs (no notes, stock or refunds), as for data imported
 * into a shop.
 */
export function buildOrder(shop: Shop, input: Rec, created: Date = shop.now()): Rec {
  const id = typeof input.id === 'number' ? input.id : shop.nextId('order');
  if (id > shop.data.seq.order) shop.data.seq.order = id;
  const order = blankOrder(shop, id, created);
  if (typeof input.order_key === 'string') order.order_key = input.order_key;
  if (typeof input.prices_include_tax === 'boolean') order.prices_include_tax = input.prices_include_tax;
  applyOrderFields(shop, order, input, true);
  recompute(shop, order, true);
  if (typeof input.status === 'string') order.status = input.status;
  for (const key of DATE_FIELDS) if (input[key] !== undefined) order[key] = input[key];
  refreshFlags(shop, order);
  return order;
}

export function createOrder(shop: Shop, body: Rec): Rec {
  if (body.id !== undefined)
    throw new WpError('woocommerce_rest_shop_order_exists', 'Cannot create existing shop_order.', 400);
  shop.validator.check('order', body);
  const order = blankOrder(shop, shop.data.seq.order + 1, shop.now());
  applyOrderFields(shop, order, body, true);
  recompute(shop, order, true);
  storeNewOrder(shop, order, body);
  return renderOrder(shop, order);
}

/**
 * Store a new (pending) order: then its status transition and `set_paid` (payment
 * complete), as WooCommerce saves a new order; `order.created` fires.
 */
export function storeNewOrder(
  shop: Shop,
  order: Rec,
  then: { status?: unknown; set_paid?: unknown; transaction_id?: unknown },
): void {
  shop.data.seq.order = order.id as number;
  if (typeof then.status === 'string') setOrderStatus(shop, order, then.status);
  if (then.set_paid === true) paymentComplete(shop, order, then.transaction_id);
  refreshFlags(shop, order);
  shop.data.orders.push(order);
  shop.changed('order', 'created', order);
}

export function updateOrder(shop: Shop, id: number, body: Rec): Rec {
  const order = shop.find('order', id);
  if (!order) throw new WpError('woocommerce_rest_shop_order_invalid_id', 'Invalid ID.', 400);
  shop.validator.check('order', body);
  const before = JSON.stringify(order);
  const working = clone(order);
  applyOrderFields(shop, working, body, false);
  if (TOTALS_TRIGGERS.some((k) => body[k] !== undefined))
    recompute(shop, working, body.coupon_lines !== undefined);
  if (typeof body.status === 'string') setOrderStatus(shop, working, body.status);
  refreshFlags(shop, working);
  if (body.set_paid === true && working.needs_payment === true) {
    paymentComplete(shop, working, body.transaction_id);
    refreshFlags(shop, working);
  }
  Object.assign(order, working);
  if (shop.touchIfChanged(before, order)) shop.changed('order', 'updated', order);
  return renderOrder(shop, order);
}

export function deleteOrder(shop: Shop, id: number, force: boolean): Rec {
  const order = getOrder(shop, id);
  const previous = renderOrder(shop, clone(order));
  if (force) {
    shop.remove('order', id);
  } else {
    if (order.status === 'trash') {
      throw new WpError('woocommerce_rest_already_trashed', 'The shop_order has already been deleted.', 410);
    }
    order._trash_meta_status = order.status;
    order.status = 'trash';
    Object.assign(order, shop.dates('date_modified', shop.now()));
  }
  shop.changed('order', 'deleted', order);
  return previous;
}

export function listOrders(
  shop: Shop,
  query: Query,
  url: URL,
): { items: Rec[]; headers: Record<string, string> } {
  return crudList(shop.data.orders, query, url, {
    orderbys: ['date', 'id', 'include', 'title', 'slug', 'modified'],
    render: (o) => renderOrder(shop, o),
    filter: (q: Query, errors: ParamErrors) => {
      const known = new Set([...CORE_STATUSES, 'any', 'trash', 'auto-draft', 'checkout-draft']);
      for (const o of shop.data.orders) known.add(String(o.status));
      const statuses = list(q, 'status') ?? ['any'];
      const bad = statuses.find((s) => !known.has(s));
      if (bad !== undefined) errors.add('status', `status[0] is not one of ${[...known].join(', ')}.`);
      const customerRaw = first(q, 'customer');
      const customer = customerRaw !== undefined && customerRaw !== '' ? Number(customerRaw) : undefined;
      if (customer !== undefined && !Number.isInteger(customer))
        errors.add('customer', 'customer is not of type integer.');
      const productRaw = first(q, 'product');
      const product = productRaw !== undefined && productRaw !== '' ? Number(productRaw) : undefined;
      const search = (first(q, 'search') ?? '').toLowerCase();
      return (o) => {
        const status = String(o.status);
        const any = statuses.includes('any') && !['trash', 'auto-draft', 'checkout-draft'].includes(status);
        if (!any && !statuses.includes(status)) return false;
        if (customer !== undefined && o.customer_id !== customer) return false;
        if (product !== undefined && !(o.line_items as Rec[]).some((l) => l.product_id === product))
          return false;
        if (search) {
          const b = o.billing as Rec;
          const s = o.shipping as Rec;
          const hay = [
            b.first_name,
            b.last_name,
            b.email,
            b.company,
            s.first_name,
            s.last_name,
            ...(o.line_items as Rec[]).map((l) => l.name),
          ]
            .join(' ')
            .toLowerCase();
          if (!hay.includes(search)) return false;
        }
        return true;
      };
    },
  });
}
