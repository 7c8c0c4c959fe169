/**
 * `POST /orders/<id>/refunds` (and the admin path): the request reshaped as WooCommerce's
 * `RestApiUtil::adjust_create_refund_request_parameters` does — `line_items[]` of
 * `{id, quantity, refund_total, refund_tax: [{id, refund_total}]}`, `api_refund` and
 * `api_restock` default true, `amount` computed from the lines when missing and every
 * `refund_total` (and tax) is numeric — then `wc_create_refund()` (refunds.ts). Errors:
 * negative amount 400 `woocommerce_rest_invalid_order_refund`; anything `wc_create_refund`
 * refuses (too much, gateway cannot refund) 500 `woocommerce_rest_cannot_create_order_refund`
 * with its message. A refund that leaves nothing to refund sets the order `refunded`; the
 * order gets a new `date_modified` and `order.updated` fires (there is no refund topic).
 */
import { Decimal, dec } from './money.ts';
import { setOrderStatus } from './order-status.ts';
import { createRefund, isFullyRefunded, RefundError, type RefundLineInput } from './refunds.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import type { Taxes } from './tax/calc.ts';
import { WpError } from './wp-error.ts';

const numeric = (v: unknown) =>
  (typeof v === 'number' && Number.isFinite(v)) ||
  (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()));

function parseLines(raw: unknown): { lines: RefundLineInput[]; computable: boolean; sum: Decimal } {
  const lines: RefundLineInput[] = [];
  let computable = Array.isArray(raw) && raw.length > 0;
  let sum = new Decimal(0);
  for (const item of Array.isArray(raw) ? (raw as Rec[]) : []) {
    if (typeof item !== 'object' || item === null) continue;
    const taxes: Taxes = new Map();
    for (const t of Array.isArray(item.refund_tax) ? (item.refund_tax as Rec[]) : []) {
      if (!numeric(t.refund_total)) computable = false;
      else taxes.set(Number(t.id), dec(t.refund_total));
    }
    if (!numeric(item.refund_total)) computable = false;
    const refundTotal = dec(item.refund_total);
    sum = sum.add(refundTotal);
    for (const v of taxes.values()) sum = sum.add(v);
    lines.push({
      id: Number(item.id),
      qty: Number(item.quantity ?? item.qty ?? 0) || 0,
      refundTotal,
      refundTax: taxes,
    });
  }
  return { lines, computable, sum };
}

export function refundOrder(shop: Shop, order: Rec, body: Rec): Rec {
  if (body.amount !== undefined && dec(body.amount).lt(0)) {
    throw new WpError(
      'woocommerce_rest_invalid_order_refund',
      'Refund amount must be greater than zero.',
      400,
    );
  }
  const { lines, computable, sum } = parseLines(body.line_items);
  const amount =
    body.amount !== undefined && body.amount !== null ? dec(body.amount) : computable ? sum : new Decimal(0);
  let refund: Rec;
  try {
    refund = createRefund(shop, order, {
      amount,
      reason: typeof body.reason === 'string' && body.reason !== '' ? body.reason : null,
      lineItems: lines,
      refundPayment: typeof body.api_refund === 'boolean' ? body.api_refund : true,
      restockItems: typeof body.api_restock === 'boolean' ? body.api_restock : true,
      meta: Array.isArray(body.meta_data) ? (body.meta_data as Rec[]) : [],
    });
  } catch (error) {
    if (error instanceof RefundError) {
      throw new WpError('woocommerce_rest_cannot_create_order_refund', error.message, 500);
    }
    throw error;
  }
  if (isFullyRefunded(shop, order) && order.status !== 'refunded') setOrderStatus(shop, order, 'refunded');
  Object.assign(order, shop.dates('date_modified', shop.now()));
  shop.changed('order', 'updated', order);
  return refund;
}

/** `DELETE /orders/<id>/refunds/<rid>`: gone for good; `order.updated` fires (no date change). */
export function deleteRefund(shop: Shop, order: Rec, refund: Rec, force: boolean): void {
  if (!force) {
    throw new WpError(
      'woocommerce_rest_trash_not_supported',
      'The shop_order_refund does not support trashing.',
      501,
    );
  }
  shop.data.refunds = shop.data.refunds.filter((r) => r !== refund);
  shop.changed('order', 'updated', order);
}
