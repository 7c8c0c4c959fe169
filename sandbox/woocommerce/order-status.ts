/**
 * Order status transitions and what WooCommerce hangs on them (`WC_Order::status_transition`
 * and the hooks core registers):
 *
 * - a note "Order status changed from X to Y.";
 * - `date_paid` on reaching the "payment complete" status (`processing`, or `completed` for
 *   orders that need no processing) or passing it, if still empty (`maybe_set_date_paid`);
 *   `on-hold` (bank transfer awaiting payment) leaves it null;
 * - `date_completed` on `completed`;
 * - the customer becomes a paying customer on payment or `completed` (`wc_paying_customer`);
 * - stock: reduced on `processing`/`completed`/`on-hold`, restored on `cancelled`/`pending`;
 * - `refunded` (set by hand) refunds what is left, without line items and without a gateway
 *   refund (`wc_order_fully_refunded`, "Order fully refunded.").
 *
 * `paymentComplete` is `WC_Order::payment_complete()` (REST `set_paid: true`).
 */
import { addOrderNote } from './notes.ts';
import { lineProduct } from './order-items.ts';
import { createRefund, remainingRefundAmount } from './refunds.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { maybeIncreaseStock, maybeReduceStock } from './stock.ts';

export const CORE_STATUSES = [
  'pending',
  'processing',
  'on-hold',
  'completed',
  'cancelled',
  'refunded',
  'failed',
];

const LABELS: Record<string, string> = {
  pending: 'Pending payment',
  processing: 'Processing',
  'on-hold': 'On hold',
  completed: 'Completed',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
  failed: 'Failed',
  'checkout-draft': 'Draft',
};
const label = (status: string) => LABELS[status] ?? status;

/** `needs_processing()`: any line whose product is not both virtual and downloadable. */
export function needsProcessing(shop: Shop, order: Rec): boolean {
  return (order.line_items as Rec[]).some((line) => {
    const product = lineProduct(shop, line);
    return !(product?.virtual === true && product?.downloadable === true);
  });
}

function markPaying(shop: Shop, order: Rec): void {
  if (typeof order.customer_id !== 'number' || order.customer_id <= 0) return;
  const customer = shop.find('customer', order.customer_id);
  if (customer) customer.is_paying_customer = true;
}

function maybeSetDatePaid(shop: Shop, order: Rec): void {
  if (order.date_paid_gmt) return;
  const paidStatus = needsProcessing(shop, order) ? 'processing' : 'completed';
  if (order.status === paidStatus || (paidStatus === 'processing' && order.status === 'completed')) {
    Object.assign(order, shop.dates('date_paid', shop.now()));
  }
}

export function setOrderStatus(shop: Shop, order: Rec, to: string, note = ''): void {
  const from = String(order.status);
  if (to === from) return;
  order.status = to;
  addOrderNote(
    shop,
    order,
    `${note}${note ? ' ' : ''}Order status changed from ${label(from)} to ${label(to)}.`,
  );
  maybeSetDatePaid(shop, order);
  if (to === 'completed') {
    Object.assign(order, shop.dates('date_completed', shop.now()));
    markPaying(shop, order);
  }
  if (['processing', 'completed', 'on-hold'].includes(to)) maybeReduceStock(shop, order);
  if (['cancelled', 'pending'].includes(to)) maybeIncreaseStock(shop, order);
  if (to === 'refunded') fullyRefunded(shop, order);
}

/** `wc_order_fully_refunded`: a refund of what is left, no line items, no gateway refund. */
function fullyRefunded(shop: Shop, order: Rec): void {
  const left = remainingRefundAmount(shop, order);
  if (left.lte(0)) return;
  createRefund(shop, order, {
    amount: left,
    reason: 'Order fully refunded.',
    lineItems: [],
    refundPayment: false,
  });
  addOrderNote(
    shop,
    order,
    'Order status set to refunded. To return funds to the customer you will need to issue a refund through your payment gateway.',
  );
}

/** `payment_complete($transaction_id)`: only from pending, on-hold, failed or cancelled. */
export function paymentComplete(shop: Shop, order: Rec, transactionId: unknown): void {
  if (!['on-hold', 'pending', 'failed', 'cancelled'].includes(String(order.status))) return;
  if (typeof transactionId === 'string' && transactionId !== '') order.transaction_id = transactionId;
  if (!order.date_paid_gmt) Object.assign(order, shop.dates('date_paid', shop.now()));
  setOrderStatus(shop, order, needsProcessing(shop, order) ? 'processing' : 'completed');
  markPaying(shop, order);
  maybeReduceStock(shop, order);
}
