/**
 * Sales orders (invoice drafts). Orders are created with their lines in one call
 * (`POST /SalesOrders/Complete`); afterwards header and lines are separate resources
 * (sales-order-lines.ts). Computed: Id (uuid), SalesOrderNo, timestamps, CustomerNo,
 * NetAmount/TotalAmount/LineCount (sums of the lines' rounded amounts). Any line change
 * moves the order's LastChangedDateTimeOffset (its totals changed).
 *
 * Currency: CurrencyCode defaults to the customer's, else NOK, and must be a currency Go
 * knows; CurrencyExchangeRate is 1 for NOK and as sent (or null) for other currencies.
 * CustomerReferenceContactPersonId must be a contact person of the order's customer and
 * sets CustomerReference to that person's name. RelatedInvoiceNo may only be set on a
 * credit note draft (lines summing to less than zero), must name an invoice of the
 * same customer and may credit at most what is left of it (credit-notes.ts).
 *
 * Locking: a Confirmed order refuses every change except setting SalesOrderStatus back to
 * Draft; an order being invoiced or invoiced refuses every change (400 naming the lock —
 * the vendor's exact answers are unverified, the sandbox takes the strict reading).
 */
import { randomUUID } from 'node:crypto';
import { sum } from './amounts.ts';
import { CLIENT_CURRENCY } from './client-setup.ts';
import { checkCreditLimit, invoiceByNo } from './credit-notes.ts';
import { checkCurrency } from './currencies.ts';
import { after } from './customers.ts';
import {
  ensureUnique,
  invalid,
  isNumber,
  keepingSequences,
  renderDto,
  stampInsert,
  validUuid,
} from './domain.ts';
import { ensureNotInvoiced, lockedProblem, ORDER_TITLE, orderOf } from './order-locks.ts';
import { applyJsonPatch } from './patch.ts';
import { notFound, Problem } from './problem.ts';
import { numberFilter, type Query } from './query.ts';
import { prepareLine, renderLine } from './sales-order-lines.ts';
import { bind, rawProperty, SCHEMAS, validate } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const orderProps = SCHEMAS.salesorder.properties;
const TITLE = ORDER_TITLE;

function resolveCustomer(state: PowerOfficeState, values: Rec): Rec {
  if (values.CustomerId !== undefined && values.CustomerId !== null) {
    const c = state.customers.get(String(values.CustomerId));
    if (!c) throw notFound('Customer', 'id', values.CustomerId as number);
    return c;
  }
  if (values.CustomerNo !== undefined && values.CustomerNo !== null) {
    const c = [...state.customers.values()].find((x) => x.Number === values.CustomerNo);
    if (!c) throw notFound('Customer', 'number', values.CustomerNo as number);
    return c;
  }
  throw invalid('salesorder', 'A customer is required: set CustomerId or CustomerNo.');
}

/** Currency code and rate: 1 for the client currency, as given (or null) otherwise. */
function applyCurrency(state: PowerOfficeState, order: Rec, rateGiven: boolean): void {
  order.CurrencyCode = checkCurrency(state, order.CurrencyCode ?? CLIENT_CURRENCY, TITLE);
  if (order.CurrencyCode === CLIENT_CURRENCY) order.CurrencyExchangeRate = 1;
  else if (!rateGiven) order.CurrencyExchangeRate = null;
  const rate = order.CurrencyExchangeRate;
  if (rate !== null && rate !== undefined && !(isNumber(rate) && rate > 0)) {
    throw invalid('salesorder', `CurrencyExchangeRate must be a positive number (got ${String(rate)}).`);
  }
}

/** The contact person named as the buyer's reference: one of the customer's. */
function applyContactPerson(state: PowerOfficeState, order: Rec): void {
  const id = order.CustomerReferenceContactPersonId;
  if (id === null || id === undefined) return;
  const person = state.contactPersons.get(String(id));
  if (!person || String(person.ContactId) !== String(order.CustomerId)) {
    throw notFound('Contact person', 'id', id as number);
  }
  order.CustomerReference = [person.FirstName, person.LastName].filter(Boolean).join(' ');
}

/** The sum of the order's lines (credit note drafts sum to less than zero). */
export function orderTotal(
  state: PowerOfficeState,
  order: Rec,
  lines = state.linesOf(String(order.Id)),
): number {
  return sum(lines.map((l) => renderLine(state, l, order).TotalAmount as number));
}

/** RelatedInvoiceNo only on credit note drafts, naming an invoice of the same customer. */
export function checkRelatedInvoice(state: PowerOfficeState, order: Rec, lines?: Rec[]): void {
  const no = order.RelatedInvoiceNo;
  if (no === null || no === undefined) return;
  const total = orderTotal(state, order, lines);
  if (total >= 0) {
    throw invalid(
      'salesorder',
      'RelatedInvoiceNo can only be set on credit note drafts (lines summing to less than zero).',
    );
  }
  const invoice = invoiceByNo(state, no);
  if (invoice?.VoucherType !== 'OutgoingInvoice' || String(invoice.CustomerId) !== String(order.CustomerId)) {
    throw invalid(
      'salesorder',
      `RelatedInvoiceNo ${String(no)} is not an invoice of customer ${String(order.CustomerId)}.`,
    );
  }
  checkCreditLimit(state, invoice, total);
}

export function createOrder(state: PowerOfficeState, input: unknown, options: { admin?: boolean } = {}): Rec {
  return keepingSequences(state, () => insertOrder(state, input, options));
}

function insertOrder(state: PowerOfficeState, input: unknown, options: { admin?: boolean }): Rec {
  const admin = options.admin === true;
  const rawLines = rawProperty(input, 'SalesOrderLines');
  const values = bind(orderProps, input, admin);
  delete values.SalesOrderLines;
  validate('salesorder', orderProps, values);
  if (rawLines !== undefined && rawLines !== null && !Array.isArray(rawLines)) {
    throw new Problem(400, 'One or more validation errors occurred.', undefined, {
      '$.SalesOrderLines': ['The JSON value could not be converted to a list of sales order lines.'],
    });
  }
  const customer = resolveCustomer(state, values);
  delete values.CustomerNo;
  const order: Rec = {
    SalesOrderStatus: 'Draft',
    ...values,
    CurrencyCode: values.CurrencyCode ?? customer.CurrencyCode ?? CLIENT_CURRENCY,
    CustomerId: customer.Id,
  };
  applyCurrency(state, order, isNumber(values.CurrencyExchangeRate));
  applyContactPerson(state, order);
  order.Id = admin && typeof values.Id === 'string' && validUuid(values.Id) ? values.Id : randomUUID();
  if (state.orders.has(String(order.Id))) throw new Problem(400, 'Invalid record', 'Id is taken.');
  ensureUnique('salesorder', state.orders, 'ExternalImportReference', order.ExternalImportReference);
  const lines = ((rawLines as unknown[] | undefined) ?? []).map((l, i) =>
    prepareLine(state, order, l, i, admin),
  );
  lines.forEach((l, i) => {
    ensureUnique('salesorderline', lines.slice(0, i), 'ExternalImportReference', l.ExternalImportReference);
  });
  checkRelatedInvoice(state, order, lines);
  if (admin && isNumber(values.SalesOrderNo))
    state.seq.salesOrderNo = Math.max(state.seq.salesOrderNo, values.SalesOrderNo);
  else order.SalesOrderNo = state.nextId('salesOrderNo');
  order.IsCreatedByCurrentIntegration = admin ? values.IsCreatedByCurrentIntegration === true : true;
  stampInsert(state, order, ['LastChangedDateTimeOffset', 'CreatedDateTimeOffset']);
  state.orders.set(String(order.Id), order);
  for (const l of lines) state.lines.set(String(l.Id), l);
  state.changed();
  return order;
}

/** Everything but `SalesOrderStatus → Draft` is refused on a Confirmed order. */
function onlyUnlocks(body: unknown): boolean {
  if (!Array.isArray(body) || body.length === 0) return false;
  return body.every((op) => {
    const o = op as Record<string, unknown>;
    const name = typeof o?.op === 'string' ? o.op.toLowerCase() : '';
    if (name === 'test') return true;
    return (
      (name === 'replace' || name === 'add') &&
      typeof o.path === 'string' &&
      o.path.toLowerCase() === '/salesorderstatus' &&
      typeof o.value === 'string' &&
      o.value.toLowerCase() === 'draft'
    );
  });
}

export function patchOrder(state: PowerOfficeState, id: string, body: unknown): Rec {
  const current = orderOf(state, id);
  ensureNotInvoiced(current);
  if (current.SalesOrderStatus === 'Confirmed' && !onlyUnlocks(body)) throw lockedProblem(id);
  const { values, changed } = applyJsonPatch('salesorder', current, body, state.rules);
  if (changed.length === 0) return current;
  validate('salesorder', orderProps, values);
  const next: Rec = { ...current, ...values };
  delete next.CustomerNo;
  if (changed.includes('CustomerId'))
    next.CustomerId = resolveCustomer(state, { CustomerId: values.CustomerId }).Id;
  if (changed.includes('CurrencyCode') || changed.includes('CurrencyExchangeRate'))
    applyCurrency(state, next, changed.includes('CurrencyExchangeRate'));
  if (changed.includes('CustomerReferenceContactPersonId') || changed.includes('CustomerId'))
    applyContactPerson(state, next);
  if (changed.includes('RelatedInvoiceNo') || changed.includes('CustomerId'))
    checkRelatedInvoice(state, next);
  ensureUnique('salesorder', state.orders, 'ExternalImportReference', next.ExternalImportReference, id);
  next.LastChangedDateTimeOffset = state.clock.next();
  state.orders.set(id, next);
  state.changed();
  return next;
}

export function deleteOrder(state: PowerOfficeState, id: string): void {
  const order = orderOf(state, id);
  ensureNotInvoiced(order);
  if (order.SalesOrderStatus === 'Confirmed') throw lockedProblem(id);
  for (const line of state.linesOf(id)) state.lines.delete(String(line.Id));
  state.orders.delete(id);
  state.changed();
}

export function renderOrder(state: PowerOfficeState, order: Rec, complete = false): Rec {
  const out = renderDto(orderProps, order, complete ? [] : ['SalesOrderLines']);
  const lines = state.linesOf(String(order.Id)).map((l) => renderLine(state, l, order));
  out.CustomerNo = state.customers.get(String(order.CustomerId))?.Number ?? null;
  out.NetAmount = sum(lines.map((l) => l.NetAmount as number));
  out.TotalAmount = sum(lines.map((l) => l.TotalAmount as number));
  out.LineCount = lines.length;
  if (complete) out.SalesOrderLines = lines;
  return out;
}

export function filterOrders(state: PowerOfficeState, q: Query): Rec[] {
  const status = q.oneOf('orderStatus', ['Draft', 'Confirmed'] as const);
  const changedAfter = q.timestamp('lastChangedDateTimeOffsetGreaterThan');
  const nos = q.list('customerNos');
  const byNo = nos ? numberFilter(nos, 'customerNos') : undefined;
  const onlyOurs = q.bool('onlyCreatedByCurrentIntegration');
  return [...state.orders.values()].filter((o) => {
    if (status && o.SalesOrderStatus !== status) return false;
    if (changedAfter !== undefined && !after(o.LastChangedDateTimeOffset, changedAfter)) return false;
    if (byNo && !byNo(state.customers.get(String(o.CustomerId))?.Number)) return false;
    if (onlyOurs === true && o.IsCreatedByCurrentIntegration !== true) return false;
    return true;
  });
}
