/**
 * An order (or refund) as the REST API shows it (`WC_REST_Orders_V2_Controller::
 * get_formatted_item_data`, `get_order_item_data`): stored amounts are unrounded; the API
 * formats order totals and each item's `subtotal`, `subtotal_tax`, `total`, `total_tax`,
 * `tax_total`, `shipping_tax_total` to `dp` decimals (default: the price decimals), leaves
 * `taxes[]` and coupon `discount`/`discount_tax` as stored, adds `sku` and `parent_name`
 * from the current product, `price` = total / quantity as a float, and `refunds[]` with
 * negative totals. Hidden `_` fields of items are dropped.
 */
import { formatDp } from './money.ts';
import { lineProduct } from './order-items.ts';
import { parentOf } from './product-lookup.ts';
import { refundsOf } from './refunds.ts';
import type { Shop } from './shop.ts';
import { clone, publicView, type Rec } from './state.ts';

const ORDER_AMOUNTS = [
  'discount_total',
  'discount_tax',
  'shipping_total',
  'shipping_tax',
  'cart_tax',
  'total',
  'total_tax',
];
const ITEM_AMOUNTS = ['subtotal', 'subtotal_tax', 'total', 'total_tax', 'tax_total', 'shipping_tax_total'];

function itemView(item: Rec, dp: number): Rec {
  const out = publicView(item);
  for (const key of ITEM_AMOUNTS) if (out[key] !== undefined) out[key] = formatDp(out[key], dp);
  return out;
}

export function renderLineItem(shop: Shop, line: Rec, dp: number): Rec {
  const out = itemView(line, dp);
  const product = lineProduct(shop, line);
  const quantity = Number(line.quantity) || 0;
  out.sku = product ? product.sku : null;
  out.price = quantity ? Number(line.total) / quantity : 0;
  out.parent_name = product?.type === 'variation' ? (parentOf(shop, product)?.name ?? null) : null;
  return out;
}

function renderItems(shop: Shop, record: Rec, dp: number): void {
  record.line_items = ((record.line_items as Rec[]) ?? []).map((l) => renderLineItem(shop, l, dp));
  for (const key of ['tax_lines', 'shipping_lines', 'fee_lines', 'coupon_lines'])
    if (Array.isArray(record[key])) record[key] = (record[key] as Rec[]).map((i) => itemView(i, dp));
}

export function renderOrder(shop: Shop, order: Rec, dp = shop.tax().dp): Rec {
  const out = publicView(clone(order));
  for (const key of ORDER_AMOUNTS) out[key] = formatDp(out[key], dp);
  renderItems(shop, out, dp);
  out.refunds = refundsOf(shop, order.id as number)
    .sort((a, b) => (b.id as number) - (a.id as number))
    .map((r) => ({ id: r.id, reason: r.reason ?? '', total: `-${formatDp(r.amount, dp)}` }));
  return out;
}

/** `GET /orders/<id>/refunds[/<rid>]` (and `/refunds`, which adds `parent_id`). */
export function renderRefund(shop: Shop, refund: Rec, dp = shop.tax().dp, withParent = false): Rec {
  const r = clone(refund);
  renderItems(shop, r, dp);
  return {
    id: r.id,
    ...(withParent ? { parent_id: r.parent_id } : {}),
    date_created: r.date_created,
    date_created_gmt: r.date_created_gmt,
    amount: formatDp(r.amount, dp),
    reason: r.reason,
    refunded_by: r.refunded_by,
    refunded_payment: r.refunded_payment,
    meta_data: r.meta_data,
    line_items: r.line_items,
    shipping_lines: r.shipping_lines,
    tax_lines: r.tax_lines,
    fee_lines: r.fee_lines,
  };
}
