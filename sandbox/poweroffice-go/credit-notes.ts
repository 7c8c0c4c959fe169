/**
 * Credit notes related to an invoice (`RelatedInvoiceNo`), read strictly (docs/poweroffice-go.md):
 *
 * - a credit note may credit at most what is left of its invoice: the invoice's
 *   `TotalAmount` less the credit notes already posted against it (in the invoice currency).
 *   A draft that would credit more is refused when it is created, changed or sent (400,
 *   "…exceeds what is left to credit on invoice N…"); the vendor's exact answer is
 *   unverified;
 * - once posted, the credit note is applied to its invoice in the customer ledger: the
 *   invoice's open `Balance` goes down by the credited amount (at most to 0) and the credit
 *   note's entry by the same amount; what cannot be applied (the invoice was paid already)
 *   stays open on the credit note, as money owed to the customer, until a refund payment
 *   settles it. A credit note matched by `CustomMatchingReference` at posting is left as is.
 */
import { Decimal } from 'decimal.js';
import { isNumber } from './domain.ts';
import { settlePair } from './ledger.ts';
import { ORDER_TITLE } from './order-locks.ts';
import { Problem } from './problem.ts';
import type { PowerOfficeState, Rec } from './state.ts';

/** The posted invoice numbered `no`, if any. */
export function invoiceByNo(state: PowerOfficeState, no: unknown): Rec | undefined {
  const id = state.invoices.holders('InvoiceNo', no)[0];
  return id === undefined ? undefined : state.invoices.get(id);
}

/** What is left to credit on an invoice (invoice currency): total less posted credit notes. */
export function leftToCredit(state: PowerOfficeState, invoice: Rec): Decimal {
  let left = new Decimal(invoice.TotalAmount as number);
  for (const note of state.invoices.values()) {
    if (note.VoucherType !== 'OutgoingCreditNote') continue;
    if (String(note.RelatedInvoiceNo) !== String(invoice.InvoiceNo)) continue;
    left = left.plus(note.TotalAmount as number);
  }
  return left;
}

/** Refuse a credit note draft (lines summing to `total` < 0) that credits more than is left. */
export function checkCreditLimit(state: PowerOfficeState, invoice: Rec, total: number): void {
  const left = leftToCredit(state, invoice);
  if (new Decimal(total).neg().gt(left)) {
    throw new Problem(
      400,
      ORDER_TITLE,
      `The credit note amount ${new Decimal(total).neg().toFixed(2)} exceeds what is left to credit on invoice ${String(invoice.InvoiceNo)} (${left.toFixed(2)}).`,
    );
  }
}

/** Apply a posted credit note's ledger entry to its related invoice's entry. */
export function applyCreditNote(state: PowerOfficeState, creditNote: Rec): void {
  const related = creditNote.RelatedInvoiceNo;
  if (creditNote.VoucherType !== 'OutgoingCreditNote' || related === null || related === undefined) return;
  const credit = state.ledger.get(String(creditNote._ledgerEntryId));
  const invoice = invoiceByNo(state, related);
  const entry = invoice ? state.ledger.get(String(invoice._ledgerEntryId)) : undefined;
  if (!credit || !entry || !isNumber(credit.Balance) || !isNumber(entry.Balance)) return;
  const owed = new Decimal(entry.Balance);
  const credited = new Decimal(credit.Balance).neg();
  if (!owed.gt(0) || !credited.gt(0)) return;
  if (owed.eq(credited)) {
    settlePair(state, entry, credit, String(credit.PostingDate));
    return;
  }
  const applied = Decimal.min(owed, credited);
  const now = state.clock.next();
  state.ledger.set(String(entry.Id), {
    ...entry,
    Balance: owed.minus(applied).toNumber(),
    LastChangedDateTimeOffset: now,
  });
  state.ledger.set(String(credit.Id), {
    ...credit,
    Balance: credited.minus(applied).neg().toNumber(),
    LastChangedDateTimeOffset: now,
  });
  state.changed();
}
