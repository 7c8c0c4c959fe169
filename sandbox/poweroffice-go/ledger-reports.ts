/**
 * Reading the customer sub-ledger: `GET /Customerledger/OpenItems?date=` (entries open at
 * the end of a date, with their balance as of then) and
 * `GET /Customerledger/EntriesByMatchId?matchId=` (everything settled together).
 */
import { after } from './customers.ts';
import { parseDate } from './dates.ts';
import { renderDto, sameText } from './domain.ts';
import { openOn } from './ledger.ts';
import { Problem } from './problem.ts';
import { numberFilter, type Query } from './query.ts';
import { SCHEMAS } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const props = SCHEMAS.customerledgerentry.properties;

export function renderEntry(state: PowerOfficeState, entry: Rec): Rec {
  const out = renderDto(props, entry);
  const customer = state.customers.get(String(entry.CustomerId));
  out.CustomerAccountNo = customer?.Number ?? null;
  out.CustomerExternalNo = customer?.ExternalNumber ?? null;
  out.CustomerName = customer?.Name ?? null;
  return out;
}

const requiredQuery = (name: string) =>
  new Problem(400, 'One or more validation errors occurred.', undefined, {
    [name]: [`The ${name} field is required.`],
  });

export function openItems(state: PowerOfficeState, q: Query): Rec[] {
  const raw = q.get('date');
  if (raw === undefined) throw requiredQuery('date');
  const date = parseDate(raw);
  if (!date) throw new Problem(400, 'Unable to cast object(s)', `The value '${raw}' is not valid for date.`);
  const customerNos = q.list('customerNos');
  const byCustomerNo = customerNos ? numberFilter(customerNos, 'customerNos') : undefined;
  const refs = q.list('customMatchingReferences');
  const invoiceNos = q.list('invoiceNos');
  const types = q.list('voucherTypes')?.map((t) => t.toLowerCase());
  const changedAfter = q.timestamp('lastChangedDateTimeOffsetGreaterThan');
  const createdAfter = q.timestamp('createdDateTimeOffsetGreaterThan');
  const ours = q.bool('onlyCreatedByCurrentIntegration');
  return [...state.ledger.values()]
    .filter((e) => openOn(e, date))
    .map((e): Rec => ({ ...renderEntry(state, e), Balance: e.Amount }))
    .filter((e) => {
      if (byCustomerNo && !byCustomerNo(e.CustomerAccountNo)) return false;
      if (refs && !refs.some((r) => sameText(e.CustomMatchingReference, r))) return false;
      if (invoiceNos && !invoiceNos.includes(String(e.InvoiceNo))) return false;
      if (types && !types.includes(String(e.VoucherType).toLowerCase())) return false;
      if (changedAfter !== undefined && !after(e.LastChangedDateTimeOffset, changedAfter)) return false;
      if (createdAfter !== undefined && !after(e.CreatedDateTimeOffset, createdAfter)) return false;
      if (ours === true && e.IsCreatedByCurrentIntegration !== true) return false;
      return true;
    });
}

export function entriesByMatchId(state: PowerOfficeState, q: Query): Rec[] {
  const matchId = q.int('matchId');
  if (matchId === undefined) throw requiredQuery('matchId');
  return [...state.ledger.values()].filter((e) => e.MatchId === matchId).map((e) => renderEntry(state, e));
}
