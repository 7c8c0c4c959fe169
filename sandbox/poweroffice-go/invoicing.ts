/**
 * `POST /SalesOrders/{id}/createAndSendInvoice` and `GET /SalesOrders/sentState?id=`.
 *
 * A request is checked at once (what can be known then: privilege, the order, an amount to
 * invoice, credit note rules, exchange rate, an e-mail address to deliver to) and answered
 * 202 with a `Location` header pointing at the status endpoint; the order is locked from
 * then on. It completes after `invoicing.pollsUntilDone` status polls or
 * `invoicing.processingMs`, whichever comes first: the invoice is posted (posting.ts) and
 * delivered — `SentDateTimeOffset` is set for e-mail/electronic delivery and stays null for
 * `PdfPrintForDownload`, which delivers nothing. With `invoicing.deliveryFailure` set the
 * request fails instead: `LastErrorMessage`, nothing posted, the order unlocked again.
 */
import { CLIENT_CURRENCY } from './client-setup.ts';
import { rateToClientCurrency } from './currencies.ts';
import { osloToday, parseDate } from './dates.ts';
import { invalid, renderDto } from './domain.ts';
import { invoicedProblem, ORDER_TITLE, orderOf } from './order-locks.ts';
import { postInvoice } from './posting.ts';
import { notFoundById, Problem } from './problem.ts';
import { checkRelatedInvoice, orderTotal } from './sales-orders.ts';
import { bind, SCHEMAS, validate } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const requestProps = SCHEMAS.sendinvoicerequest.properties;
const ELECTRONIC = new Set(['EHF', 'Efaktura', 'AvtaleGiro']);

export interface SendResult {
  body: Rec;
  /** Path of the status endpoint (below the API base). */
  location: string;
}

export function createAndSendInvoice(state: PowerOfficeState, orderId: string, input: unknown): SendResult {
  if (!state.rules.invoiceSendingPrivilege) throw new Problem(403, 'Forbidden');
  const order = orderOf(state, orderId);
  if (order._invoicing !== undefined) throw invoicedProblem(order);
  const values = bind(requestProps, input ?? {});
  validate('sendinvoicerequest', requestProps, values);
  const deliveryType = String(values.DeliveryType ?? 'Auto');
  const voucherDate =
    values.VoucherDate === null || values.VoucherDate === undefined
      ? osloToday()
      : parseDate(values.VoucherDate);
  const dueDate =
    values.OverrideDueDate === null || values.OverrideDueDate === undefined
      ? undefined
      : parseDate(values.OverrideDueDate);
  if (!voucherDate || (values.OverrideDueDate && !dueDate))
    throw invalid('sendinvoicerequest', 'VoucherDate and OverrideDueDate must be dates (YYYY-MM-DD).');
  if (dueDate && dueDate < voucherDate)
    throw invalid('sendinvoicerequest', 'OverrideDueDate can not be before the invoice date.');

  if (state.linesOf(orderId).length === 0 || orderTotal(state, order) === 0) {
    throw new Problem(400, ORDER_TITLE, `Sales order with id = ${orderId} has no amount to invoice.`);
  }
  checkRelatedInvoice(state, order);
  const rate = exchangeRate(state, order, voucherDate);
  const customer = state.customers.get(String(order.CustomerId))!;
  let delivered = 'Print';
  let email: string | null = null;
  if (deliveryType !== 'PdfPrintForDownload') {
    const electronic = deliveryType === 'Auto' && ELECTRONIC.has(String(customer.InvoiceDeliveryType));
    email = firstText(values.EmailAddress, customer.InvoiceEmailAddress, customer.EmailAddress);
    if (!electronic && !email) {
      throw new Problem(
        400,
        ORDER_TITLE,
        `No e-mail address to deliver the invoice for sales order ${orderId} to: set EmailAddress in the request or the customer's InvoiceEmailAddress.`,
      );
    }
    delivered = electronic ? String(customer.InvoiceDeliveryType) : 'PdfByEmail';
  }
  state.orders.set(orderId, { ...order, _invoicing: { status: 'processing' } });
  const job: Rec = {
    Id: orderId,
    requestedAt: Date.now(),
    polls: 0,
    deliveryType,
    delivered,
    voucherDate,
    dueDate: dueDate ?? null,
    rate,
    InvoiceNo: null,
    SentDateTimeOffset: null,
    IsInvoiceBeingProcessed: true,
    LastErrorMessage: null,
    DueDate: null,
    InvoiceDeliveryType: delivered,
  };
  state.sendJobs.set(orderId, job);
  state.pendingSends.add(orderId);
  state.changed();
  return {
    body: {
      Id: orderId,
      DeliveryType: deliveryType,
      EmailAddress: email,
      VoucherDate: voucherDate,
      OverrideDueDate: dueDate ?? null,
    },
    location: `SalesOrders/sentState?id=${orderId}`,
  };
}

function firstText(...values: unknown[]): string | null {
  for (const v of values) if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return null;
}

/** The order's rate to NOK: its own, or (rule off) Go's rate of the invoice date. */
function exchangeRate(state: PowerOfficeState, order: Rec, voucherDate: string): number {
  if (order.CurrencyCode === CLIENT_CURRENCY) return 1;
  if (typeof order.CurrencyExchangeRate === 'number') return order.CurrencyExchangeRate;
  if (state.rules.requireExchangeRate) {
    throw new Problem(
      400,
      ORDER_TITLE,
      `CurrencyExchangeRate is required to invoice sales order ${String(order.Id)} in ${String(order.CurrencyCode)}.`,
    );
  }
  return rateToClientCurrency(state, String(order.CurrencyCode), voucherDate);
}

/** Complete the requests that are due (every API request calls this first). */
export function settleInvoicing(state: PowerOfficeState, now = Date.now(), all = false): void {
  if (state.pendingSends.size === 0) return;
  for (const id of [...state.pendingSends]) {
    const job = state.sendJobs.get(id);
    if (job?.IsInvoiceBeingProcessed !== true) {
      state.pendingSends.delete(id);
      continue;
    }
    const due =
      all ||
      Number(job.polls) >= state.invoicing.pollsUntilDone ||
      now - Number(job.requestedAt) >= state.invoicing.processingMs;
    if (due) complete(state, job);
  }
}

function complete(state: PowerOfficeState, job: Rec): void {
  const id = String(job.Id);
  state.pendingSends.delete(id);
  const order = state.orders.get(id);
  const failure = state.invoicing.deliveryFailure;
  if (!order || failure) {
    if (order) {
      const { _invoicing: _, ...unlocked } = order;
      state.orders.set(id, unlocked);
    }
    state.sendJobs.set(id, {
      ...job,
      IsInvoiceBeingProcessed: false,
      LastErrorMessage: failure ?? 'The sales order no longer exists.',
    });
    state.changed();
    return;
  }
  const sentAt = job.deliveryType === 'PdfPrintForDownload' ? null : state.clock.next();
  const invoice = postInvoice(state, id, {
    voucherDate: String(job.voucherDate),
    dueDate: (job.dueDate as string | null) ?? undefined,
    deliveryType: String(job.delivered),
    sentAt,
    exchangeRate: Number(job.rate),
  });
  state.sendJobs.set(id, {
    ...job,
    IsInvoiceBeingProcessed: false,
    InvoiceNo: invoice.InvoiceNo,
    SentDateTimeOffset: sentAt,
    DueDate: invoice.DueDate,
  });
  state.changed();
}

/** `GET /SalesOrders/sentState`: every request (no id) or the one of an order. */
export function sentStates(state: PowerOfficeState, id: string | undefined): Rec[] {
  if (id === undefined) return [...state.sendJobs.values()].map(renderSentState);
  if (!state.orders.has(id) && !state.sendJobs.has(id)) throw notFoundById('Sales order', id);
  const job = state.sendJobs.get(id);
  if (!job) return [];
  if (job.IsInvoiceBeingProcessed === true) {
    state.sendJobs.set(id, { ...job, polls: Number(job.polls) + 1 });
    settleInvoicing(state);
  }
  return [renderSentState(state.sendJobs.get(id)!)];
}

function renderSentState(job: Rec): Rec {
  return renderDto(SCHEMAS.invoicesentstate.properties, job);
}
