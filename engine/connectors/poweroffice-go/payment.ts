/**
 * Payments on a sales order's invoice — money in and money back — as bank journal vouchers
 * (`POST /Vouchers/BankJournals`, docs/poweroffice-go.md#payments):
 *
 * `register-payment`: the shop was paid for the order. What it needs of the invoice — its
 * number, customer, currency and whether it is settled already — it reads
 * (`GET /OutgoingInvoices/{sales order id}`: the invoice of a sales order has the order's id),
 * then the customer's sub-ledger account (`GET /Customers/{id}`), then posts the voucher:
 * debit the payment method's account (payment-accounts.ts), credit the customer's sub-ledger
 * account with `InvoiceNo` = the invoice's number, so Go matches the payment with the invoice
 * and its `Balance` goes to 0. The accounts and VAT code 0 are read once and kept (two
 * requests).
 *
 * One request on the normal path (issue 12): the value's `Invoice` is the invoice action's
 * stored result (`CreditNote`: the credit-note action's), which carries the number, customer
 * and currency. A document this connector sent and saw posted in the same pass of the engine
 * (OperationRequest.pass: the invoice, then at once its payment, nothing in between, no
 * earlier attempt) is not read: nobody can have settled it in the meantime. The sub-ledger
 * account is read once per customer and kept (facts.ts; a customer the connector made or
 * listed is known already). A document of an earlier pass (a payment retried, payments
 * turned on later, a restart), a resumed attempt or a result without these facts is read as
 * before.
 *
 * `refund-payment`: money went back to the buyer through the payment method for a credit
 * note (the value names it: `CreditNoteId`). The same voucher the other way round: credit
 * the payment account, debit the customer with `InvoiceNo` = the credit note's number.
 *
 * Never twice: the voucher's `ExternalImportReference` is the identity guard (`woo-pay-<order
 * id>`, `woo-refpay-<refund id>`); Go takes a reference once per client, and a second post
 * is answered "already in use … Id = <voucher id>": that voucher, posted by an earlier
 * attempt, is the result. A document whose Balance is 0 already is not paid again: settled by
 * our voucher (the matched entries carry our reference) or by someone in PowerOffice Go
 * (`SettledBy: "PowerOffice Go"`, written to the shop as a note).
 *
 * Refusals (nothing posted): the order is not invoiced (`PAYMENT_NOT_INVOICED`, after waiting
 * 1 s and 2 s for a read replica that lags behind the invoice just posted), the payment
 * method has no account, or its account is missing or inactive (`PAYMENT_ACCOUNT_INVALID`),
 * a value that is not a payment. Unverified against the real API: the duplicate reference's
 * answer text and the sign convention (debit positive), see the reference notes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Decimal } from 'decimal.js';
import { ConnectorError, isConnectorError } from '../errors.ts';
import type { OperationDeclaration } from '../spec.ts';
import type { EntityRecord, OperationResult, WriteOptions } from '../types.ts';
import type { PowerOfficeApi } from './api.ts';
import { SYSTEM } from './errors.ts';
import { type OrderFacts, orderFacts, type RecordFacts } from './facts.ts';
import { PAYMENT_ACCOUNT_INVALID, type PaymentAccounts } from './payment-accounts.ts';

export const PAYMENT_NOT_INVOICED = 'PAYMENT_NOT_INVOICED';
export const PAYMENT_INVALID = 'PAYMENT_INVALID';

const RESULT = ['VoucherId', 'VoucherNo', 'InvoiceNo', 'AccountNo', 'Amount', 'SettledBy'] as const;

export const registerPaymentOperation: OperationDeclaration = {
  entity: 'salesorder',
  description:
    "register the shop's payment of the sales order's invoice: a bank voucher (value: {ExternalImportReference, PaymentMethod, Amount, PaymentDate, Description?}) on the payment method's account that settles the invoice",
  options: { type: 'object', properties: {} },
  value: 'required',
  result: RESULT,
};

export const refundPaymentOperation: OperationDeclaration = {
  entity: 'salesorder',
  description:
    'register money paid back to the buyer for a credit note of the order: a bank voucher (value: {ExternalImportReference, CreditNoteId, PaymentMethod, Amount, PaymentDate, Description?}) that settles the credit note',
  options: { type: 'object', properties: {} },
  value: 'required',
  result: RESULT,
};

interface Payment {
  ref: string;
  method: string;
  amount: Decimal;
  date: string;
  description: string | undefined;
  invoiceNo: number | undefined;
  creditNoteId: string | undefined;
  /** What the invoice (credit-note) action stored of the document, when complete. */
  known: { no: number; facts: OrderFacts } | undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function refused(code: string, message: string, path: string): ConnectorError {
  return new ConnectorError(`${SYSTEM}: ${code} ${message}`, { system: SYSTEM, kind: 'validation', path });
}

function paymentOf(value: unknown, id: string, refund: boolean): Payment {
  const v = (value && typeof value === 'object' ? value : {}) as EntityRecord;
  const bad = (what: string) =>
    refused(PAYMENT_INVALID, `payment for sales order ${id}: ${what}`, 'Vouchers/BankJournals');
  const text = (x: unknown) => (typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined);
  const ref = text(v.ExternalImportReference);
  if (!ref) throw bad('the value needs an ExternalImportReference');
  const method = text(v.PaymentMethod);
  if (!method) throw bad(`${ref} names no PaymentMethod`);
  let amount: Decimal;
  try {
    amount = new Decimal(
      typeof v.Amount === 'number' || typeof v.Amount === 'string' ? v.Amount : Number.NaN,
    );
  } catch {
    throw bad(`${ref}: Amount ${JSON.stringify(v.Amount)} is not an amount`);
  }
  if (!amount.isFinite() || amount.lte(0) || amount.decimalPlaces() > 2)
    throw bad(`${ref}: Amount ${JSON.stringify(v.Amount)} must be more than 0, to the cent`);
  const date = text(v.PaymentDate);
  if (!date || !DATE.test(date)) throw bad(`${ref}: PaymentDate must be a date (YYYY-MM-DD)`);
  const creditNoteId = text(v.CreditNoteId);
  if (refund && !(creditNoteId && UUID.test(creditNoteId)))
    throw bad(`${ref}: CreditNoteId must name the credit note (its id) the money was paid back for`);
  const invoiceNo =
    typeof v.InvoiceNo === 'number' && Number.isInteger(v.InvoiceNo) ? v.InvoiceNo : undefined;
  const stored = refund ? v.CreditNote : v.Invoice;
  return {
    known:
      stored && typeof stored === 'object'
        ? knownDocument(stored as EntityRecord, refund, creditNoteId)
        : undefined,
    ref,
    method,
    amount,
    date,
    description: text(v.Description)?.slice(0, 255),
    invoiceNo,
    creditNoteId,
  };
}

/** The stored result of the invoice (credit-note) action, when it says all a payment needs. */
function knownDocument(
  stored: EntityRecord,
  refund: boolean,
  creditNoteId: string | undefined,
): Payment['known'] {
  const no = refund ? stored.CreditNoteNo : stored.InvoiceNo;
  const facts = orderFacts(stored);
  if (typeof no !== 'number' || !Number.isInteger(no) || !facts) return undefined;
  if (refund && String(stored.CreditNoteId ?? '').toLowerCase() !== creditNoteId?.toLowerCase())
    return undefined;
  return { no, facts };
}

/** `register-payment` (refund: false) and `refund-payment` (refund: true). */
export async function registerPayment(
  api: PowerOfficeApi,
  accounts: PaymentAccounts,
  facts: RecordFacts,
  id: string,
  request: { value?: unknown; refund: boolean; resume: boolean; pass?: string | undefined },
  options: WriteOptions = {},
): Promise<OperationResult> {
  const signal = options.signal ? { signal: options.signal } : {};
  const pay = paymentOf(request.value, id, request.refund);
  const docId = request.refund ? pay.creditNoteId! : id;
  const what = request.refund ? 'credit note' : 'invoice';
  const known = pay.known;
  const fresh =
    known !== undefined &&
    !request.resume &&
    facts.postedIn(docId, request.pass) &&
    (pay.invoiceNo === undefined || pay.invoiceNo === known.no);
  // Fresh: what the action stored is what a read would say (Balance unknown, not 0).
  const doc = fresh
    ? {
        ...known.facts,
        InvoiceNo: known.no,
        VoucherType: request.refund ? 'OutgoingCreditNote' : 'OutgoingInvoice',
        Balance: null,
      }
    : await readPatiently(api, `OutgoingInvoices/${encodeURIComponent(docId)}`, options.signal);
  if (!doc)
    throw refused(
      PAYMENT_NOT_INVOICED,
      request.refund
        ? `credit note ${docId} of sales order ${id} does not exist: there is nothing to pay back`
        : `sales order ${id} is not invoiced: there is no invoice to pay`,
      'OutgoingInvoices',
    );
  const docNo = doc.InvoiceNo as number;
  const expected = request.refund ? 'OutgoingCreditNote' : 'OutgoingInvoice';
  if (doc.VoucherType !== expected || (pay.invoiceNo !== undefined && pay.invoiceNo !== docNo))
    throw refused(
      PAYMENT_INVALID,
      `${pay.ref}: ${String(doc.VoucherType)} ${String(docNo)} is not the ${what} of sales order ${id}${pay.invoiceNo !== undefined ? ` (${pay.invoiceNo} expected)` : ''}`,
      'OutgoingInvoices',
    );
  const result = (fields: Partial<Record<(typeof RESULT)[number], unknown>>) => ({
    VoucherId: null,
    VoucherNo: null,
    InvoiceNo: docNo,
    AccountNo: null,
    Amount: pay.amount.toNumber(),
    ...fields,
  });
  if (doc.Balance === 0) {
    // Settled already: by our voucher (an earlier attempt), or in PowerOffice Go.
    const ours = await ourMatchedEntry(api, doc.MatchId, pay.ref, options.signal);
    return {
      result: result({
        VoucherNo: ours?.VoucherNo ?? null,
        SettledBy: ours ? 'mapsync' : 'PowerOffice Go',
      }),
      summary: `${what} ${docNo} of sales order ${id} is settled already${ours ? ` by ${pay.ref}` : ' (in PowerOffice Go)'}`,
    };
  }
  const found = await accounts.accountFor(pay.method, options.signal);
  if ('problem' in found)
    throw refused(PAYMENT_ACCOUNT_INVALID, `${pay.ref}: ${found.problem}`, 'Vouchers/BankJournals');
  const subledger = facts.subledgerOf(String(doc.CustomerId));
  const customer =
    subledger !== undefined
      ? { SubledgerAccountId: subledger }
      : await readPatiently(api, `Customers/${encodeURIComponent(String(doc.CustomerId))}`, options.signal);
  facts.note('customer', customer ? { Id: doc.CustomerId, ...customer } : undefined);
  if (!customer)
    throw refused(
      PAYMENT_INVALID,
      `${pay.ref}: customer ${String(doc.CustomerId)} of ${what} ${docNo} not found`,
      'Customers',
    );
  const sign = request.refund ? -1 : 1;
  const rate =
    typeof doc.CurrencyExchangeRate === 'number' && doc.CurrencyCode !== 'NOK'
      ? { CurrencyExchangeRate: doc.CurrencyExchangeRate }
      : {};
  const amount = pay.amount.toNumber();
  const line = { PostingDate: pay.date, ...rate };
  const voucher = {
    CurrencyCode: doc.CurrencyCode,
    VoucherDate: pay.date,
    ...(pay.description ? { Description: pay.description } : {}),
    ExternalImportReference: pay.ref,
    VoucherLines: [
      { ...line, AccountId: found.account.Id, VatId: found.bankVatId, CurrencyAmount: sign * amount },
      {
        ...line,
        AccountId: customer.SubledgerAccountId,
        VatId: found.customerVatId,
        CurrencyAmount: -sign * amount,
        InvoiceNo: String(docNo),
        ...(pay.description ? { Description: pay.description } : {}),
      },
    ],
  };
  let posted: EntityRecord;
  try {
    posted = (await api.call('POST', 'Vouchers/BankJournals', { json: voucher, ...signal }))
      .body as EntityRecord;
  } catch (error) {
    // Posted by an earlier attempt (the reference is taken): that voucher is the payment.
    if (!(isConnectorError(error, 'conflict') && error.existingId)) throw error;
    posted = (await api.call('GET', `Vouchers/BankJournals/${encodeURIComponent(error.existingId)}`, signal))
      .body as EntityRecord;
  }
  return {
    result: result({
      VoucherId: posted.Id ?? null,
      VoucherNo: posted.VoucherNo ?? null,
      AccountNo: found.account.AccountNo,
      SettledBy: 'mapsync',
    }),
    summary: `${pay.ref}: ${pay.amount.toFixed(2)} ${String(doc.CurrencyCode)} ${request.refund ? 'paid back from' : 'received on'} account ${found.account.AccountNo} for ${what} ${docNo} (voucher ${String(posted.VoucherNo)})`,
  };
}

/**
 * Waits before reading again a record not found: Go answers reads from a replica that lags
 * behind writes (the vendor asks for 1–2 s), and a payment follows its invoice (and a new
 * guest customer) at once.
 */
const NOT_YET_MS = [1000, 2000];

/** The record at `path`, or undefined when it does not exist (after waiting). */
async function readPatiently(
  api: PowerOfficeApi,
  path: string,
  signal: AbortSignal | undefined,
): Promise<EntityRecord | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await api.call('GET', path, signal ? { signal } : {});
      return response.body as EntityRecord;
    } catch (error) {
      if (!isConnectorError(error, 'not-found')) throw error;
      const wait = NOT_YET_MS[attempt];
      if (wait === undefined) return undefined;
      await sleep(wait, undefined, signal ? { signal } : {});
    }
  }
}

/** The matched entry carrying our reference, when the document's match has one. */
async function ourMatchedEntry(
  api: PowerOfficeApi,
  matchId: unknown,
  ref: string,
  signal: AbortSignal | undefined,
): Promise<EntityRecord | undefined> {
  if (typeof matchId !== 'number') return undefined;
  const response = await api.call('GET', 'Customerledger/EntriesByMatchId', {
    searchParams: { matchId },
    ...(signal ? { signal } : {}),
  });
  const entries = (Array.isArray(response.body) ? response.body : []) as EntityRecord[];
  return entries.find(
    (e) =>
      typeof e.ExternalImportReference === 'string' &&
      e.ExternalImportReference.toLowerCase() === ref.toLowerCase(),
  );
}
