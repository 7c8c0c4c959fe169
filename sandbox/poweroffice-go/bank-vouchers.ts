/**
 * `POST /Vouchers/BankJournals` (post a bank voucher straight to the ledger),
 * `GET /Vouchers/BankJournals/{id}` and `POST /Vouchers/Reverse/{id}`.
 *
 * Rules: CurrencyCode and VoucherDate required, every line needs AccountId, PostingDate
 * and VatId; amounts are gross, never 0, debit positive and credit negative, and the lines
 * must sum to zero (the sign convention is not documented; the strict reading). An account
 * is an active general ledger account (not the customer control account 1500, which takes no
 * direct postings; an inactive account is refused — the strict reading, unverified) or a
 * customer's SubledgerAccountId. A VAT-locked account takes only its own VAT
 * code. ExternalImportReference is unique among the client's vouchers until the voucher is
 * reversed. Lines on a customer become customer ledger entries and settle open invoices as
 * ledger.ts describes; amounts in another currency are converted at the line's rate or
 * Go's rate of the posting date.
 */
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { posted } from './amounts.ts';
import { CLIENT_CURRENCY, CUSTOMER_CONTROL_ACCOUNT } from './client-setup.ts';
import { checkCurrency, rateToClientCurrency } from './currencies.ts';
import { parseDate } from './dates.ts';
import { ensureUnique, invalid, isNumber, keepingSequences, renderDto, required } from './domain.ts';
import { postEntry, settlePair, unmatch } from './ledger.ts';
import { notFound, notFoundById, Problem } from './problem.ts';
import { bind, rawProperty, SCHEMAS, validate } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const props = SCHEMAS.bankvoucher.properties;
const lineProps = props.VoucherLines!.items!.properties!;
const TITLE = 'Voucher validation error(s)';

export function createBankVoucher(state: PowerOfficeState, input: unknown, admin = false): Rec {
  return keepingSequences(state, () => insertVoucher(state, input, admin));
}

function insertVoucher(state: PowerOfficeState, input: unknown, admin: boolean): Rec {
  const rawLines = rawProperty(input, 'VoucherLines');
  const values = bind(props, input);
  delete values.VoucherLines;
  validate('bankvoucher', props, values);
  if (typeof values.CurrencyCode !== 'string' || values.CurrencyCode.trim() === '')
    throw required('CurrencyCode');
  if (values.VoucherDate === null || values.VoucherDate === undefined) throw required('VoucherDate');
  const voucherDate = parseDate(values.VoucherDate)!;
  const currency = checkCurrency(state, values.CurrencyCode, TITLE);
  if (!Array.isArray(rawLines) || rawLines.length < 2) {
    throw invalid('bankvoucher', 'A voucher needs at least two lines that sum to zero.');
  }
  ensureUnique('bankvoucher', state.vouchers, 'ExternalImportReference', values.ExternalImportReference);
  const lines = rawLines.map((raw, i) => prepareLine(state, raw, i, currency));
  const balance = lines.reduce((acc, l) => acc.plus(l._posted as number), new Decimal(0));
  if (!balance.isZero()) {
    throw invalid(
      'bankvoucher',
      `The voucher does not balance: its lines sum to ${balance.toFixed(2)} ${CLIENT_CURRENCY}.`,
    );
  }
  const now = state.clock.next();
  const voucher: Rec = {
    ...values,
    CurrencyCode: currency,
    VoucherDate: voucherDate,
    Id: randomUUID(),
    VoucherNo: state.nextId('voucherNo'),
    IsReversed: false,
    CreatedDateTimeOffset: now,
    _ours: !admin,
  };
  voucher.VoucherLines = lines.map((l) => ({ ...l, Id: state.nextId('lineId'), CreatedDateTimeOffset: now }));
  state.vouchers.set(String(voucher.Id), voucher);
  for (const line of voucher.VoucherLines as Rec[]) {
    const customer = line._customer as Rec | undefined;
    if (!customer) continue;
    line._entryId = postEntry(
      state,
      {
        CustomerId: customer.Id as number,
        VoucherId: String(voucher.Id),
        VoucherNo: voucher.VoucherNo as number,
        VoucherType: 'BankJournal',
        VoucherDate: voucherDate,
        PostingDate: String(line.PostingDate),
        Amount: line._posted as number,
        CurrencyAmount: line.CurrencyAmount as number,
        CurrencyCode: String(line.CurrencyCode),
        InvoiceNo: (line.InvoiceNo as string | undefined) ?? null,
        CustomMatchingReference: (line.CustomMatchingReference as string | undefined) ?? null,
        ExternalImportReference: (values.ExternalImportReference as string | undefined) ?? null,
        IsCreatedByCurrentIntegration: !admin,
      },
      (line.InvoiceNo as string | undefined) ?? null,
    );
    delete line._customer;
  }
  state.changed();
  return voucher;
}

function prepareLine(state: PowerOfficeState, raw: unknown, index: number, currency: string): Rec {
  const values = bind(lineProps, raw);
  validate('bankvoucher', lineProps, values, 'bankvoucherline');
  const at = `VoucherLines[${index}]`;
  for (const field of ['AccountId', 'PostingDate', 'VatId']) {
    if (values[field] === null || values[field] === undefined) throw required(`${at}.${field}`);
  }
  if (!isNumber(values.CurrencyAmount) || values.CurrencyAmount === 0) {
    throw invalid('bankvoucher', `${at}: CurrencyAmount must be a positive or negative amount, not 0.`);
  }
  const vatCode = state.vatCodes.get(String(values.VatId));
  if (!vatCode) throw notFound('Vat code', 'id', values.VatId as number);
  const holder = state.customers.holders('SubledgerAccountId', values.AccountId)[0];
  const customer = holder === undefined ? undefined : state.customers.get(holder);
  if (!customer) {
    const account = state.accounts.get(String(values.AccountId));
    if (!account) throw notFound('General ledger account', 'id', values.AccountId as number);
    if (account.AccountNo === CUSTOMER_CONTROL_ACCOUNT) {
      throw invalid(
        'bankvoucher',
        `${at}: account ${CUSTOMER_CONTROL_ACCOUNT} takes no direct postings; post to the customer's sub-ledger account (SubledgerAccountId).`,
      );
    }
    // Go's GUI offers no inactive account for posting; the API is read strictly: refused.
    if (account.IsActive === false) {
      throw invalid(
        'bankvoucher',
        `${at}: account ${String(account.AccountNo)} is inactive and takes no postings.`,
      );
    }
    if (account.IsVatCodeLocked === true && account.VatCodeId !== values.VatId) {
      throw invalid(
        'bankvoucher',
        `${at}: account ${String(account.AccountNo)} only takes VAT code id ${String(account.VatCodeId)}.`,
      );
    }
  }
  const lineCurrency = values.CurrencyCode ? checkCurrency(state, values.CurrencyCode, TITLE) : currency;
  const postingDate = parseDate(values.PostingDate)!;
  const rate = isNumber(values.CurrencyExchangeRate)
    ? values.CurrencyExchangeRate
    : rateToClientCurrency(state, lineCurrency, postingDate);
  return {
    ...values,
    PostingDate: postingDate,
    CurrencyCode: lineCurrency,
    CurrencyExchangeRate: rate,
    _posted: posted(values.CurrencyAmount, rate),
    ...(customer ? { _customer: customer } : {}),
  };
}

export function renderVoucher(voucher: Rec): Rec {
  const out = renderDto(props, voucher, ['VoucherLines']);
  // A reversed voucher still shows its reference, which is free for reuse.
  if (voucher.IsReversed === true) out.ExternalImportReference = voucher._reversedReference ?? null;
  out.VoucherLines = ((voucher.VoucherLines as Rec[] | undefined) ?? []).map((l) => renderDto(lineProps, l));
  return out;
}

/** Only vouchers this integration posted can be read. */
export function getVoucher(state: PowerOfficeState, id: string): Rec {
  const voucher = state.vouchers.get(id);
  if (voucher?._ours !== true) throw notFoundById('Bank voucher', id);
  return voucher;
}

/**
 * Reverse a voucher this integration posted: its customer entries are unmatched from what
 * they settled, each is settled against a reversing entry, and its ExternalImportReference
 * is free again.
 */
export function reverseVoucher(state: PowerOfficeState, id: string): void {
  const voucher = state.vouchers.get(id);
  if (voucher?._ours !== true) throw notFoundById('Voucher', id);
  if (voucher.IsReversed === true)
    throw new Problem(400, TITLE, `Voucher with id = ${id} is already reversed.`);
  const reversalNo = state.nextId('voucherNo');
  const reversalId = randomUUID();
  for (const line of (voucher.VoucherLines as Rec[] | undefined) ?? []) {
    const entry = line._entryId ? state.ledger.get(String(line._entryId)) : undefined;
    if (!entry) continue;
    unmatch(state, entry);
    const reversalEntryId = postEntry(state, {
      CustomerId: entry.CustomerId as number,
      VoucherId: reversalId,
      VoucherNo: reversalNo,
      VoucherType: 'ReversalVoucher',
      VoucherDate: String(entry.VoucherDate),
      PostingDate: String(entry.PostingDate),
      Amount: -(entry.Amount as number),
      CurrencyAmount: -(entry.CurrencyAmount as number),
      CurrencyCode: String(entry.CurrencyCode),
      IsCreatedByCurrentIntegration: true,
    });
    settlePair(
      state,
      state.ledger.get(String(entry.Id))!,
      state.ledger.get(reversalEntryId)!,
      String(entry.PostingDate),
    );
  }
  state.vouchers.set(id, {
    ...voucher,
    IsReversed: true,
    ExternalImportReference: null,
    _reversedReference: voucher.ExternalImportReference ?? null,
  });
  state.changed();
}
