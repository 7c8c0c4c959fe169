/**
 * An order's refunds in full, read into the order record so that mappings can credit them
 * (credit notes): the order itself shows only `refunds[] {id, reason, total}`, the refunded
 * lines are under `GET /orders/<id>/refunds` (one request per order that has refunds).
 *
 * Added to every order record the connector reads:
 * - `refund_details[]`, oldest first: `{id, date_created_gmt, amount, reason,
 *   refunded_payment, line_items, shipping_lines, fee_lines, implied_items}`. Items are in
 *   WooCommerce's refund form — negative `quantity`, `total`, `total_tax` — with
 *   `refunded_item_id` (the order item they refund, from meta `_refunded_item_id`).
 *   A refund of an amount without items that refunded everything that was left (setting the
 *   status `refunded` makes one: `wc_order_fully_refunded`) gets those remaining items,
 *   with `implied_items: true`. A partial refund of an amount alone keeps no items: it says
 *   nothing about what was refunded (the mapping decides how to book it).
 * - `refund_remaining`: what a refund of everything not refunded yet would hold, in the same
 *   item form (`line_items`, `shipping_lines`, `fee_lines`; empty when nothing is left).
 *
 * Tolerant reading: an order whose refunds cannot be found (404) has none; unparsable
 * amounts count as 0.
 */
import { Decimal } from 'decimal.js';
import { isConnectorError } from '../errors.ts';
import type { EntityRecord } from '../types.ts';
import type { WooApi } from './api.ts';

type Rec = Record<string, unknown>;
const KINDS = ['line_items', 'shipping_lines', 'fee_lines'] as const;
type Kind = (typeof KINDS)[number];
const PER_PAGE = 100;

const dec = (v: unknown): Decimal => {
  try {
    return new Decimal(typeof v === 'number' || typeof v === 'string' ? v || 0 : 0);
  } catch {
    return new Decimal(0);
  }
};
const money = (d: Decimal) => d.toFixed(2);
const list = (v: unknown): Rec[] =>
  Array.isArray(v) ? (v as Rec[]).filter((x) => x && typeof x === 'object') : [];

/** Add `refund_details` and `refund_remaining` to each order (refunds read where there are some). */
export async function withRefundDetails(
  api: WooApi,
  orders: EntityRecord[],
  signal?: AbortSignal,
): Promise<EntityRecord[]> {
  return Promise.all(
    orders.map(async (order) => {
      const refunds = list(order.refunds).length > 0 ? await readRefunds(api, String(order.id), signal) : [];
      return { ...order, ...refundDetails(order, refunds) };
    }),
  );
}

async function readRefunds(api: WooApi, orderId: string, signal?: AbortSignal): Promise<Rec[]> {
  const out: Rec[] = [];
  for (let page = 1; ; page++) {
    let body: unknown;
    try {
      body = (
        await api.request<unknown>('GET', `orders/${encodeURIComponent(orderId)}/refunds`, {
          query: { per_page: PER_PAGE, page },
          ...(signal ? { signal } : {}),
        })
      ).body;
    } catch (error) {
      if (isConnectorError(error, 'not-found')) return out;
      throw error;
    }
    const records = list(body);
    out.push(...records);
    if (records.length < PER_PAGE) return out;
  }
}

/** The two fields from the order and its refunds as `GET /orders/<id>/refunds` gives them. */
export function refundDetails(order: EntityRecord, refunds: readonly Rec[]): Rec {
  const remaining = new Map<string, Rec>();
  for (const kind of KINDS)
    for (const item of list(order[kind]))
      remaining.set(`${kind}:${String(item.id)}`, asRefundItem(kind, item));
  let left = dec(order.total);
  const details: Rec[] = [];
  for (const refund of [...refunds].sort((a, b) => Number(a.id) - Number(b.id))) {
    const items: Record<Kind, Rec[]> = { line_items: [], shipping_lines: [], fee_lines: [] };
    for (const kind of KINDS) {
      for (const raw of list(refund[kind])) {
        const item = refundItem(kind, raw);
        items[kind].push(item);
        const key = `${kind}:${String(item.refunded_item_id)}`;
        const rest = remaining.get(key);
        if (rest) remaining.set(key, minus(rest, item));
      }
    }
    const amount = dec(refund.amount);
    const empty = KINDS.every((k) => items[k].length === 0);
    const implied = empty && amount.gt(0) && amount.eq(left);
    if (implied) {
      for (const [key, rest] of remaining) {
        const kind = key.slice(0, key.indexOf(':')) as Kind;
        if (!isEmpty(rest)) items[kind].push(negate(rest));
        remaining.set(key, zero(rest));
      }
    }
    left = left.minus(amount);
    details.push({
      id: refund.id,
      date_created_gmt: refund.date_created_gmt ?? null,
      amount: money(amount),
      reason: typeof refund.reason === 'string' ? refund.reason : '',
      refunded_payment: refund.refunded_payment === true,
      ...items,
      implied_items: implied,
    });
  }
  const rest: Record<Kind, Rec[]> = { line_items: [], shipping_lines: [], fee_lines: [] };
  for (const [key, item] of remaining) {
    if (!isEmpty(item)) rest[key.slice(0, key.indexOf(':')) as Kind].push(negate(item));
  }
  return { refund_details: details, refund_remaining: rest };
}

/** An order item as a (positive) amount still to refund. */
function asRefundItem(kind: Kind, item: Rec): Rec {
  return {
    refunded_item_id: Number(item.id),
    ...describe(kind, item),
    quantity: kind === 'line_items' ? Number(item.quantity) || 0 : 1,
    total: money(dec(item.total)),
    total_tax: money(dec(item.total_tax)),
  };
}

/** A refund's item (negative amounts) in the normalised form. */
function refundItem(kind: Kind, item: Rec): Rec {
  const meta = list(item.meta_data).find((m) => m.key === '_refunded_item_id');
  return {
    refunded_item_id: Number(meta?.value ?? item.refunded_item_id ?? 0),
    ...describe(kind, item),
    quantity: kind === 'line_items' ? Number(item.quantity) || 0 : -1,
    total: money(dec(item.total)),
    total_tax: money(dec(item.total_tax)),
  };
}

function describe(kind: Kind, item: Rec): Rec {
  if (kind === 'line_items')
    return {
      product_id: item.product_id ?? 0,
      variation_id: item.variation_id ?? 0,
      name: item.name ?? '',
      sku: item.sku ?? '',
    };
  if (kind === 'shipping_lines')
    return { method_id: item.method_id ?? '', method_title: item.method_title ?? '' };
  return { name: item.name ?? '' };
}

/** What is left of `rest` (positive) after the refund item `item` (negative). */
function minus(rest: Rec, item: Rec): Rec {
  const total = dec(rest.total).plus(dec(item.total));
  const product = 'product_id' in rest;
  return {
    ...rest,
    // Shipping and fees have no quantity: 1 while some of their amount is left.
    quantity: product ? Number(rest.quantity) + Number(item.quantity) : total.isZero() ? 0 : 1,
    total: money(total),
    total_tax: money(dec(rest.total_tax).plus(dec(item.total_tax))),
  };
}

const isEmpty = (item: Rec) =>
  Number(item.quantity) === 0 && dec(item.total).isZero() && dec(item.total_tax).isZero();

const zero = (item: Rec): Rec => ({ ...item, quantity: 0, total: '0.00', total_tax: '0.00' });

const negate = (item: Rec): Rec => ({
  ...item,
  quantity: -Number(item.quantity),
  total: money(dec(item.total).neg()),
  total_tax: money(dec(item.total_tax).neg()),
});
