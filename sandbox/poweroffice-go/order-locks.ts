/**
 * When a sales order may change: a Confirmed order is locked until it is set back to
 * Draft; an order that is being or has been invoiced is locked for good (its invoice is a
 * posted voucher). Shared by the header and line modules.
 */
import { notFoundById, Problem } from './problem.ts';
import type { PowerOfficeState, Rec } from './state.ts';

export const ORDER_TITLE = 'Sales order validation error(s)';
const TITLE = ORDER_TITLE;

export function lockedProblem(id: string): Problem {
  return new Problem(
    400,
    TITLE,
    `Sales order with id = ${id} is confirmed and locked for editing. Set SalesOrderStatus to Draft to unlock it.`,
  );
}

/** An order sent (or being sent) as an invoice can no longer change. */
export function invoicedProblem(order: Rec): Problem {
  const state = order._invoicing as { status: string; invoiceNo?: number } | undefined;
  const what =
    state?.status === 'invoiced' ? `has been invoiced (invoice no. ${state.invoiceNo})` : 'is being invoiced';
  return new Problem(
    400,
    TITLE,
    `Sales order with id = ${String(order.Id)} ${what} and is locked for editing.`,
  );
}

/** Refuse any change to an order that is being or has been invoiced. */
export function ensureNotInvoiced(order: Rec): void {
  if (order._invoicing !== undefined) throw invoicedProblem(order);
}

export function orderOf(state: PowerOfficeState, id: string): Rec {
  const order = state.orders.get(id);
  if (!order) throw notFoundById('Sales order', id);
  return order;
}

/** A line change moved the order's totals: a new timestamp (stored as a new record). */
export function touchOrder(state: PowerOfficeState, order: Rec): void {
  state.orders.set(String(order.Id), { ...order, LastChangedDateTimeOffset: state.clock.next() });
  state.changed();
}
