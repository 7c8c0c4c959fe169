/**
 * `/orders`. Totals are recomputed (totals.ts) on create, and on update only when billing,
 * shipping or any line list is sent, as WooCommerce does. Line items: `id` updates a line,
 * `{id, quantity: 0}` (or `product_id: null`) removes it, a line without `id` is added and
 * needs `product_id`/`variation_id`/`sku` (400 `woocommerce_rest_required_product_reference`);
 * a new line's `subtotal` and `total` each default to the product's price × quantity.
 * `customer_id` must be 0 or an existing user (400 `woocommerce_rest_invalid_customer_id`).
 * Unknown (plugin) statuses are accepted. `delete` without force moves to the trash.
 */
import { randomBytes } from 'node:crypto';
import { first, list, type ParamErrors, type Query } from './collection.ts';
import { ADDRESS_KEYS, assignScalars, emptyAddress, mergeAddress, upsertMeta } from './common-fields.ts';
import { crudList } from './crud-list.ts';
import type { Shop } from './shop.ts';
import { WC_VERSION } from './shop.ts';
import { clone, publicView, type Rec } from './state.ts';
import { computeTotals, dec, money } from './totals.ts';
import { WpError } from './wp-error.ts';

export const CORE_STATUSES = [
  'pending',
  'processing',
  'on-hold',
  'completed',
  'cancelled',
  'refunded',
  'failed',
];
const PAID = ['processing', 'completed'];
const EDITABLE = ['pending', 'on-hold', 'auto-draft', 'checkout-draft'];
const TOTALS_TRIGGERS = ['billing', 'shipping', 'line_items', 'shipping_lines', 'fee_lines', 'coupon_lines'];

const missing = () => new WpError('woocommerce_rest_shop_order_invalid_id', 'Invalid ID.', 404);

export function getOrder(shop: Shop, id: number): Rec {
  const record = shop.find('order', id);
  if (!record) throw missing();
  return record;
}

function productFor(shop: Shop, line: Rec): Rec | undefined {
  if (typeof line.product_id === 'number' && line.product_id > 0)
    return shop.find('product', line.product_id);
  if (typeof line.sku === 'string' && line.sku !== '') {
    return shop.data.products.find((p) => p.sku === line.sku && p.status !== 'trash');
  }
  return undefined;
}

function applyLineItems(shop: Shop, order: Rec, items: unknown): void {
  if (!Array.isArray(items)) return;
  const lines = order.line_items as Rec[];
  for (const item of items as Rec[]) {
    if (item.id !== undefined && item.id !== null) {
      const index = lines.findIndex((l) => l.id === item.id);
      if (index < 0) {
        throw new WpError(
          'woocommerce_rest_invalid_item_id',
          'Order item ID provided is not associated with order.',
          400,
        );
      }
      if (item.quantity === 0 || item.product_id === null) {
        lines.splice(index, 1);
        continue;
      }
      const line = lines[index]!;
      if (typeof item.product_id === 'number' && item.product_id !== line.product_id) {
        const product = shop.find('product', item.product_id);
        if (!product) throw new WpError('woocommerce_rest_invalid_product_id', 'Invalid product ID.', 400);
        line.product_id = product.id;
        if (item.name === undefined) line.name = product.name;
      }
      assignScalars(line, item, ['name', 'variation_id', 'quantity', 'tax_class', 'subtotal', 'total']);
      upsertMeta(shop, line.meta_data as Rec[], item.meta_data);
      continue;
    }
    const hasRef =
      (typeof item.product_id === 'number' && item.product_id > 0) ||
      (typeof item.variation_id === 'number' && item.variation_id > 0) ||
      (typeof item.sku === 'string' && item.sku !== '');
    if (!hasRef) {
      throw new WpError('woocommerce_rest_required_product_reference', 'Product ID or SKU is required.', 400);
    }
    const product = productFor(shop, item);
    if (!product) throw new WpError('woocommerce_rest_invalid_product_id', 'Invalid product ID.', 400);
    const quantity = typeof item.quantity === 'number' ? item.quantity : 1;
    const catalogue = money(dec(product.price).mul(quantity));
    const line: Rec = {
      id: shop.nextId('item'),
      name: typeof item.name === 'string' ? item.name : product.name,
      product_id: product.id,
      variation_id: typeof item.variation_id === 'number' ? item.variation_id : 0,
      quantity,
      tax_class: typeof item.tax_class === 'string' ? item.tax_class : '',
      subtotal: typeof item.subtotal === 'string' ? item.subtotal : catalogue,
      subtotal_tax: '0.00',
      total: typeof item.total === 'string' ? item.total : catalogue,
      total_tax: '0.00',
      taxes: [],
      meta_data: [] as Rec[],
      sku: product.sku,
      price: 0,
      image: { id: '', src: '' },
      parent_name: null,
    };
    upsertMeta(shop, line.meta_data as Rec[], item.meta_data);
    lines.push(line);
  }
}

function applyItemList(
  shop: Shop,
  order: Rec,
  field: 'shipping_lines' | 'fee_lines',
  items: unknown,
  fields: readonly string[],
): void {
  if (!Array.isArray(items)) return;
  const lines = order[field] as Rec[];
  for (const item of items as Rec[]) {
    if (item.id !== undefined && item.id !== null) {
      const index = lines.findIndex((l) => l.id === item.id);
      if (index < 0) {
        const code =
          field === 'fee_lines'
            ? 'woocommerce_rest_invalid_fee_item'
            : 'woocommerce_rest_invalid_shipping_item';
        throw new WpError(code, 'Order item ID provided is not associated with order.', 400);
      }
      const removing = field === 'fee_lines' ? item.name === null : item.method_id === null;
      if (removing) {
        lines.splice(index, 1);
        continue;
      }
      assignScalars(lines[index]!, item, fields);
      upsertMeta(shop, lines[index]!.meta_data as Rec[], item.meta_data);
      continue;
    }
    if (field === 'shipping_lines' && (typeof item.method_id !== 'string' || item.method_id === '')) {
      throw new WpError('woocommerce_rest_invalid_shipping_item', 'Shipping method ID is required.', 400);
    }
    if (field === 'fee_lines' && (typeof item.name !== 'string' || item.name === '')) {
      throw new WpError('woocommerce_rest_invalid_fee_item', 'Fee name is required.', 400);
    }
    const line: Rec =
      field === 'shipping_lines'
        ? {
            id: shop.nextId('item'),
            method_title: '',
            method_id: '',
            instance_id: '',
            total: '0',
            total_tax: '0.00',
            taxes: [],
            meta_data: [],
          }
        : {
            id: shop.nextId('item'),
            name: '',
            tax_class: '',
            tax_status: 'taxable',
            total: '0',
            total_tax: '0.00',
            taxes: [],
            meta_data: [],
          };
    assignScalars(line, item, fields);
    upsertMeta(shop, line.meta_data as Rec[], item.meta_data);
    lines.push(line);
  }
}

function applyStatus(shop: Shop, order: Rec, status: string): void {
  if (status === order.status) return;
  order.status = status;
  const now = shop.now();
  if (PAID.includes(status) && order.date_paid === null) Object.assign(order, shop.dates('date_paid', now));
  if (status === 'completed') Object.assign(order, shop.dates('date_completed', now));
  if (PAID.includes(status) && typeof order.customer_id === 'number' && order.customer_id > 0) {
    const customer = shop.find('customer', order.customer_id);
    if (customer) customer.is_paying_customer = true;
  }
}

function refreshFlags(shop: Shop, order: Rec): void {
  order.is_editable = EDITABLE.includes(String(order.status));
  order.needs_payment = ['pending', 'failed'].includes(String(order.status)) && dec(order.total).gt(0);
  order.needs_processing = (order.line_items as Rec[]).some((l) => {
    const p = shop.find('product', l.product_id as number);
    return p?.virtual !== true;
  });
  order.payment_url = `${shop.settings.siteUrl}/checkout/order-pay/${order.id}/?pay_for_order=true&key=${order.order_key}`;
}

function recompute(shop: Shop, order: Rec): void {
  computeTotals(
    order,
    (line) => productFor(shop, { product_id: line.product_id })?.tax_status !== 'none',
    () => shop.nextId('item'),
  );
}

function applyOrderFields(shop: Shop, order: Rec, body: Rec, creating: boolean): void {
  if (
    body.customer_id !== undefined &&
    body.customer_id !== 0 &&
    !shop.find('customer', body.customer_id as number)
  ) {
    throw new WpError('woocommerce_rest_invalid_customer_id', 'Customer ID is invalid.', 400);
  }
  if (Array.isArray(body.coupon_lines) && body.coupon_lines.length > 0) {
    const code = String((body.coupon_lines[0] as Rec).code ?? '');
    throw new WpError('woocommerce_rest_invalid_coupon', `Coupon "${code}" does not exist!`, 400);
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
    'total',
  ]);
  applyItemList(shop, order, 'fee_lines', body.fee_lines, ['name', 'tax_class', 'tax_status', 'total']);
  if (typeof body.status === 'string') applyStatus(shop, order, body.status);
  if (body.set_paid === true && ['pending', 'failed', 'on-hold'].includes(String(order.status))) {
    applyStatus(shop, order, 'processing');
  }
}

/** A complete order record from raw input (API create, seed and admin inserts). */
export function buildOrder(shop: Shop, input: Rec, created: Date = shop.now()): Rec {
  const id = typeof input.id === 'number' ? input.id : shop.nextId('order');
  if (id > shop.data.seq.order) shop.data.seq.order = id;
  const order: Rec = {
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
    discount_total: '0.00',
    discount_tax: '0.00',
    shipping_total: '0.00',
    shipping_tax: '0.00',
    cart_tax: '0.00',
    total: '0.00',
    total_tax: '0.00',
    prices_include_tax: false,
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
    refunds: [] as Rec[],
    payment_url: '',
    is_editable: true,
    needs_payment: false,
    needs_processing: false,
  };
  if (typeof input.order_key === 'string') order.order_key = input.order_key;
  applyOrderFields(shop, order, input, true);
  recompute(shop, order);
  for (const key of [
    'date_created',
    'date_created_gmt',
    'date_modified',
    'date_modified_gmt',
    'date_paid',
    'date_paid_gmt',
    'date_completed',
    'date_completed_gmt',
  ] as const) {
    if (input[key] !== undefined) order[key] = input[key];
  }
  refreshFlags(shop, order);
  return order;
}

export function createOrder(shop: Shop, body: Rec): Rec {
  if (body.id !== undefined)
    throw new WpError('woocommerce_rest_shop_order_exists', 'Cannot create existing shop_order.', 400);
  shop.validator.check('order', body);
  const record = buildOrder(shop, body);
  shop.data.orders.push(record);
  shop.changed('order', 'created', record);
  return renderOrder(shop, record);
}

export function updateOrder(shop: Shop, id: number, body: Rec): Rec {
  const order = shop.find('order', id);
  if (!order) throw new WpError('woocommerce_rest_shop_order_invalid_id', 'Invalid ID.', 400);
  shop.validator.check('order', body);
  const before = JSON.stringify(order);
  const working = clone(order);
  applyOrderFields(shop, working, body, false);
  if (TOTALS_TRIGGERS.some((k) => body[k] !== undefined)) recompute(shop, working);
  refreshFlags(shop, working);
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

/** The API view: line `sku` comes from the product as it is now (null once deleted). */
export function renderOrder(shop: Shop, order: Rec): Rec {
  const out = publicView(clone(order));
  out.line_items = (out.line_items as Rec[]).map((line) => {
    const product = shop.find('product', line.product_id as number);
    return { ...line, sku: product ? product.sku : null };
  });
  return out;
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
