/**
 * `GET /OutgoingInvoices` (headers of sent invoices and credit notes), `/{id}` and
 * `/{id}/Lines`. Balance, MatchId and BalanceLastChangedDateTimeOffset come from the
 * invoice's customer ledger entry (ledger.ts); amounts and lines were frozen when the
 * invoice was posted (posting.ts).
 */
import { after } from './customers.ts';
import { parseDate } from './dates.ts';
import { renderDto, sameText } from './domain.ts';
import { castError, notFoundById } from './problem.ts';
import { numberFilter, type Query } from './query.ts';
import { SCHEMAS } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const props = SCHEMAS.outgoinginvoice.properties;
const lineProps = SCHEMAS.outgoinginvoiceline.properties;

export function renderInvoice(state: PowerOfficeState, invoice: Rec): Rec {
  const out = renderDto(props, invoice);
  const entry = state.ledger.get(String(invoice._ledgerEntryId));
  out.CustomerNo = state.customers.get(String(invoice.CustomerId))?.Number ?? null;
  out.Balance = entry ? entry.Balance : 0;
  out.MatchId = entry?.MatchId ?? null;
  out.BalanceLastChangedDateTimeOffset =
    entry?.LastChangedDateTimeOffset ?? invoice.LastChangedDateTimeOffset;
  return out;
}

export function invoiceOf(state: PowerOfficeState, id: string): Rec {
  const invoice = state.invoices.get(id);
  if (!invoice) throw notFoundById('Outgoing invoice', id);
  return invoice;
}

export function invoiceLines(state: PowerOfficeState, id: string): Rec[] {
  const lines = (invoiceOf(state, id).Lines as Rec[] | undefined) ?? [];
  return lines.map((l) => renderDto(lineProps, l));
}

function dateFilter(q: Query, name: string): string | undefined {
  const v = q.get(name);
  if (v === undefined) return undefined;
  const d = parseDate(v);
  if (!d) throw castError(`The value '${v}' is not valid for ${name}.`);
  return d;
}

/** Every filter of the list, applied to rendered invoices. */
export function filterInvoices(state: PowerOfficeState, q: Query): Rec[] {
  const list = (name: string) => q.list(name);
  const invoiceNos = list('invoiceNos');
  const byInvoiceNo = invoiceNos ? numberFilter(invoiceNos, 'invoiceNos') : undefined;
  const voucherNos = list('voucherNos');
  const byVoucherNo = voucherNos ? numberFilter(voucherNos, 'voucherNos') : undefined;
  const customerNos = list('customerNos');
  const byCustomerNo = customerNos ? numberFilter(customerNos, 'customerNos') : undefined;
  const ids = list('invoiceIds')?.map((s) => s.toLowerCase());
  const refs = list('customMatchingReferences');
  const departments = list('departmentCodes');
  const projects = list('projectCodes');
  const from = dateFilter(q, 'fromDate');
  const to = dateFilter(q, 'toDate');
  const sentAfter = q.timestamp('sentDateTimeOffsetGreaterThan');
  const balanceAfter = q.timestamp('balanceLastChangedDateTimeOffsetGreaterThan');
  const unpaid = q.bool('onlyUnpaidInvoices');
  const ours = q.bool('onlyCreatedByCurrentIntegration');
  q.bool('includeSubProject');
  return [...state.invoices.values()]
    .map((i) => renderInvoice(state, i))
    .filter((i) => {
      if (byInvoiceNo && !byInvoiceNo(i.InvoiceNo)) return false;
      if (byVoucherNo && !byVoucherNo(i.VoucherNo)) return false;
      if (byCustomerNo && !byCustomerNo(i.CustomerNo)) return false;
      if (ids && !ids.includes(String(i.Id).toLowerCase())) return false;
      if (refs && !refs.some((r) => sameText(i.CustomMatchingReference, r))) return false;
      // No invoice carries a department or project in the sandbox ("-1" = none).
      if (departments) return false;
      if (projects && !projects.every((p) => p === '-1')) return false;
      if (from && String(i.VoucherDate) < from) return false;
      if (to && String(i.VoucherDate) > to) return false;
      if (sentAfter !== undefined && !after(i.SentDateTimeOffset, sentAfter)) return false;
      if (balanceAfter !== undefined && !after(i.BalanceLastChangedDateTimeOffset, balanceAfter))
        return false;
      if (unpaid === true && i.Balance === 0) return false;
      if (ours === true && i.IsCreatedByCurrentIntegration !== true) return false;
      return true;
    });
}
