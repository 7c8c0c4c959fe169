/**
 * The customer sub-ledger: one entry per invoice, credit note and payment line posted to
 * a customer, in the client currency (NOK), positive when the customer owes. An entry's
 * Balance is what is still open of it; entries settled together share a MatchId.
 *
 * Matching, as the API documents it and read strictly (docs/poweroffice-go.md):
 * - a payment line naming an `InvoiceNo` is matched with that invoice's entry of the same
 *   customer when it settles it exactly (amount = −open balance); a partial payment stays
 *   open for manual matching;
 * - an entry with a `CustomMatchingReference` is matched with the customer's open entries
 *   that carry the same reference when their open balances are exactly opposite: one entry,
 *   or else all of them together. This works both ways — a payment posted before its
 *   invoice is matched when the invoice arrives.
 * A customer with open entries cannot be archived (customers.ts).
 */
import { Decimal } from 'decimal.js';
import { isNumber } from './domain.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const isOpen = (e: Rec) => isNumber(e.Balance) && e.Balance !== 0;

/** The customer's entries that are not settled. */
export function openEntries(state: PowerOfficeState, customerId: unknown): Rec[] {
  return [...state.ledger.values()].filter((e) => String(e.CustomerId) === String(customerId) && isOpen(e));
}

export interface NewEntry {
  CustomerId: number;
  VoucherId: string;
  VoucherNo: number;
  VoucherType: string;
  VoucherDate: string;
  PostingDate: string;
  Amount: number;
  CurrencyAmount: number;
  CurrencyCode: string;
  InvoiceNo?: string | null;
  DueDate?: string | null;
  CustomMatchingReference?: string | null;
  ExternalImportReference?: string | null;
  IsCreatedByCurrentIntegration: boolean;
}

/** Post an entry and settle what it settles; returns the stored entry's id. */
export function postEntry(
  state: PowerOfficeState,
  input: NewEntry,
  settlesInvoiceNo?: string | null,
): string {
  const now = state.clock.next();
  const entry: Rec = {
    ...input,
    Id: state.nextId('ledgerEntryId'),
    Balance: input.Amount,
    MatchId: null,
    IsWriteOff: false,
    CreatedDateTimeOffset: now,
    LastChangedDateTimeOffset: now,
  };
  const id = String(entry.Id);
  state.ledger.set(id, entry);
  const partners = matchPartners(state, entry, settlesInvoiceNo);
  if (partners.length > 0) settle(state, [entry, ...partners], input.PostingDate);
  state.changed();
  return id;
}

function matchPartners(state: PowerOfficeState, entry: Rec, invoiceNo: string | null | undefined): Rec[] {
  const amount = new Decimal(entry.Amount as number);
  const others = openEntries(state, entry.CustomerId).filter((e) => e.Id !== entry.Id);
  const opposite = (list: Rec[]) =>
    list.length > 0 && list.reduce((acc, e) => acc.plus(e.Balance as number), amount).isZero();
  if (invoiceNo) {
    const invoice = others.filter(
      (e) =>
        String(e.InvoiceNo) === String(invoiceNo) &&
        (e.VoucherType === 'OutgoingInvoice' || e.VoucherType === 'OutgoingCreditNote'),
    );
    if (opposite(invoice)) return invoice;
  }
  const ref = entry.CustomMatchingReference;
  if (typeof ref !== 'string' || ref === '') return [];
  const same = others.filter((e) => e.CustomMatchingReference === ref);
  const single = same.find((e) => opposite([e]));
  if (single) return [single];
  return opposite(same) ? same : [];
}

/** Entries settled together: balance 0, one new match id. */
function settle(state: PowerOfficeState, entries: Rec[], on: string): void {
  const matchId = state.nextId('matchId');
  for (const e of entries) {
    state.ledger.set(String(e.Id), {
      ...e,
      Balance: 0,
      MatchId: matchId,
      _matchedOn: on > String(e.PostingDate) ? on : e.PostingDate,
      LastChangedDateTimeOffset: state.clock.next(),
    });
  }
}

/** Undo the match an entry is part of: every entry of it is open again. */
export function unmatch(state: PowerOfficeState, entry: Rec): void {
  if (!isNumber(entry.MatchId)) return;
  for (const e of [...state.ledger.values()].filter((x) => x.MatchId === entry.MatchId)) {
    const { _matchedOn: _, ...rest } = e;
    state.ledger.set(String(e.Id), {
      ...rest,
      Balance: e.Amount,
      MatchId: null,
      LastChangedDateTimeOffset: state.clock.next(),
    });
  }
}

/** Settle two entries against each other (a reversal and what it reverses). */
export function settlePair(state: PowerOfficeState, a: Rec, b: Rec, on: string): void {
  settle(state, [a, b], on);
}

/** Whether an entry was open at the end of `date` (posted by then, not yet settled). */
export function openOn(entry: Rec, date: string): boolean {
  if (String(entry.PostingDate) > date) return false;
  const matched = entry._matchedOn;
  return typeof matched !== 'string' || matched > date;
}
