/**
 * Refunds (`shop_order_refund`), as `wc_create_refund()` makes them:
 *
 * - `amount` (positive) may not be negative or more than what is left to refund
 *   (`total − Σ refunds`, rounded to price decimals);
 * - each refunded item (a product, fee or shipping line of the order, by its item id) is a
 *   copy with negative `quantity`, `total`, `subtotal` and taxes and meta
 *   `_refunded_item_id`; items not on the order are skipped;
 * - `refund_payment` (REST `api_refund`, default true) asks the order's gateway to pay the
 *   money back: a gateway that is missing or cannot refund deletes the refund again and the
 *   error is returned; `refunded_payment` is true only when it went through;
 * - `restock_items` (REST `api_restock`, default true) puts refunded quantities back in stock;
 * - a refund that leaves nothing to refund sets the order `refunded`; otherwise the status
 *   stays; the order is saved with a new `date_modified` and `order.updated` fires.
 */
import { Decimal, dec, roundPhp, stored, sum } from './money.ts';
import { gatewayRefundError } from './payments.ts';
import type { Shop } from './shop.ts';
import { clone, type Rec } from './state.ts';
import { restockRefundedItems } from './stock.ts';
import type { Taxes } from './tax/calc.ts';
import { type ItemKind, setItemTaxes } from './tax/item-taxes.ts';
import { setTaxLines } from './tax/order-totals.ts';

export interface RefundLineInput {
  /** The order item (line, fee or shipping) being refunded. */
  id: number;
  qty: number;
  /** Net amount refunded (positive). */
  refundTotal: Decimal;
  /** Tax refunded per rate id (positive). */
  refundTax: Taxes;
}

export interface RefundInput {
  amount: Decimal;
  reason?: string | null;
  lineItems: RefundLineInput[];
  refundPayment: boolean;
  restockItems?: boolean;
  meta?: Rec[];
}

export class RefundError extends Error {}

export function refundsOf(shop: Shop, orderId: number): Rec[] {
  return shop.data.refunds.filter((r) => r.parent_id === orderId);
}

export function totalRefunded(shop: Shop, orderId: number): Decimal {
  return sum(refundsOf(shop, orderId).map((r) => dec(r.amount)));
}

/** `get_remaining_refund_amount`. */
export function remainingRefundAmount(shop: Shop, order: Rec): Decimal {
  return roundPhp(dec(order.total).sub(totalRefunded(shop, order.id as number)), shop.tax().dp);
}

const KINDS: Array<[field: 'line_items' | 'fee_lines' | 'shipping_lines', kind: ItemKind]> = [
  ['line_items', 'line'],
  ['fee_lines', 'fee'],
  ['shipping_lines', 'shipping'],
];

function refundItems(shop: Shop, order: Rec, input: RefundInput, refund: Rec): number {
  const ctx = shop.tax();
  let count = 0;
  for (const [field, kind] of KINDS) {
    for (const item of order[field] as Rec[]) {
      const wanted = input.lineItems.find((l) => l.id === item.id);
      if (!wanted) continue;
      if (wanted.qty === 0 && wanted.refundTotal.isZero() && wanted.refundTax.size === 0) continue;
      const copy = clone(item) as Rec;
      delete copy._reduced_stock;
      copy.id = shop.nextId('item');
      copy.meta_data = [
        ...((copy.meta_data as Rec[]) ?? []).filter((m) => m.key !== '_refunded_item_id'),
        { id: shop.nextId('meta'), key: '_refunded_item_id', value: String(item.id) },
      ];
      copy.total = stored(wanted.refundTotal.neg());
      const negTaxes: Taxes = new Map([...wanted.refundTax].map(([id, v]) => [id, v.neg()]));
      if (kind === 'line') {
        copy.subtotal = copy.total;
        copy.quantity = -wanted.qty;
      }
      setItemTaxes(ctx, copy, kind, { total: negTaxes, subtotal: negTaxes });
      (refund[field] as Rec[]).push(copy);
      count += wanted.qty;
    }
  }
  return count;
}

/**
 * Create a refund of `order`; returns it, or throws `RefundError` with WooCommerce's message
 * (the caller decides the HTTP answer).
 */
export function createRefund(shop: Shop, order: Rec, input: RefundInput): Rec {
  const remaining = remainingRefundAmount(shop, order);
  if (input.amount.lt(0) || input.amount.gt(remaining)) throw new RefundError('Invalid refund amount.');
  const now = shop.now();
  const refund: Rec = {
    id: shop.nextId('refund'),
    parent_id: order.id,
    ...shop.dates('date_created', now),
    amount: stored(input.amount),
    reason: input.reason ?? '',
    refunded_by: 1,
    refunded_payment: false,
    currency: order.currency,
    prices_include_tax: order.prices_include_tax,
    meta_data: [] as Rec[],
    line_items: [] as Rec[],
    shipping_lines: [] as Rec[],
    tax_lines: [] as Rec[],
    fee_lines: [] as Rec[],
  };
  for (const m of input.meta ?? []) {
    if (typeof m.key === 'string')
      (refund.meta_data as Rec[]).push({ id: shop.nextId('meta'), key: m.key, value: m.value ?? '' });
  }
  refundItems(shop, order, input, refund);
  refundTaxLines(shop, refund);
  if (input.refundPayment) {
    const problem = gatewayRefundError(order.payment_method);
    if (problem) throw new RefundError(problem);
    refund.refunded_payment = true;
  }
  shop.data.refunds.push(refund);
  if (input.restockItems) restockRefundedItems(shop, order, input.lineItems);
  return refund;
}

/**
 * After a refund: is the order fully refunded? (`wc_create_refund`: nothing left to refund,
 * and — for orders with a free item — no units left unrefunded.)
 */
export function isFullyRefunded(shop: Shop, order: Rec): boolean {
  if (remainingRefundAmount(shop, order).gt(0)) return false;
  const lines = order.line_items as Rec[];
  if (!lines.some((l) => dec(l.total).isZero() && Number(l.quantity) > 0)) return true;
  const units = lines.reduce((s, l) => s + (Number(l.quantity) || 0), 0);
  const refunded = refundsOf(shop, order.id as number).reduce((s, r) => s + refundedUnits(r), 0);
  return units - refunded <= 0;
}

/** Units refunded by a refund record. */
export function refundedUnits(refund: Rec): number {
  return (refund.line_items as Rec[]).reduce((q, l) => q + Math.abs(Number(l.quantity) || 0), 0);
}

function refundTaxLines(shop: Shop, refund: Rec): void {
  const cart: Taxes = new Map();
  const shipping: Taxes = new Map();
  const add = (m: Taxes, id: number, v: Decimal) => m.set(id, (m.get(id) ?? new Decimal(0)).add(v));
  for (const item of [...(refund.line_items as Rec[]), ...(refund.fee_lines as Rec[])])
    for (const t of item.taxes as Rec[]) add(cart, Number(t.id), dec(t.total));
  for (const item of refund.shipping_lines as Rec[])
    for (const t of item.taxes as Rec[]) add(shipping, Number(t.id), dec(t.total));
  setTaxLines(
    { ctx: shop.tax(), productOf: () => undefined, nextItemId: () => shop.nextId('item') },
    refund,
    cart,
    shipping,
  );
}
