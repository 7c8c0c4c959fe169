/**
 * The sandbox's bank vouchers as mapsync's payments use them: a payment names the invoice
 * (InvoiceNo on the customer's sub-ledger line, no matching reference: mapsync's sales orders
 * carry none) and settles it when the amount is exact; a partial one stays open; a refund
 * payment settles a credit note left open because the invoice was paid; an inactive account
 * takes no postings (the strict reading) and the account list says which are inactive.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { accountIdOf } from '../../sandbox/poweroffice-go/client-setup.ts';
import { type Fixture, raw, start } from './helpers.ts';

type Json = EntityRecord;
const NO_VAT = 10; // id of VAT code 0
const DATE = '2026-12-04';
const detail = (r: { json: unknown }) => (r.json as { detail?: string }).detail;

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function send(f: Fixture, orderId: unknown): Promise<Json> {
  await raw(f.sb, 'POST', `SalesOrders/${String(orderId)}/createAndSendInvoice`, {
    DeliveryType: 'PdfPrintForDownload',
  });
  await fetch(`${f.sb.adminUrl}/invoicing/settle`, { method: 'POST' });
  return (await raw(f.sb, 'GET', `OutgoingInvoices/${String(orderId)}`)).json as Json;
}

/** A customer with an invoice of 500 NOK (400 + 25 % VAT), no matching reference. */
async function invoiced(f: Fixture) {
  const customer = (await raw(f.sb, 'POST', 'Customers', { Name: 'Kunde AS', EmailAddress: 'k@example.no' }))
    .json as Json;
  const order = (
    await raw(f.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: customer.Id,
      ExternalImportReference: '1042',
      SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: 2, ProductUnitPrice: 200 }],
    })
  ).json as Json;
  return { customer, invoice: await send(f, order.Id) };
}

/** Money in (amount > 0) or back out (< 0) on `account`, against the customer's document `no`. */
function voucher(customer: Json, account: number, amount: number, invoiceNo: unknown, ref?: string) {
  return {
    CurrencyCode: 'NOK',
    VoucherDate: DATE,
    Description: 'Woo #1042 Vipps',
    ...(ref ? { ExternalImportReference: ref } : {}),
    VoucherLines: [
      { AccountId: accountIdOf(account), PostingDate: DATE, VatId: NO_VAT, CurrencyAmount: amount },
      {
        AccountId: customer.SubledgerAccountId,
        PostingDate: DATE,
        VatId: NO_VAT,
        CurrencyAmount: -amount,
        InvoiceNo: String(invoiceNo),
      },
    ],
  };
}

const balanceOf = async (f: Fixture, id: unknown) =>
  ((await raw(f.sb, 'GET', `OutgoingInvoices/${String(id)}`)).json as Json).Balance;

describe('PowerOffice Go sandbox: payment vouchers as mapsync posts them', () => {
  it('a payment naming the invoice number settles the invoice: Balance 0, no longer unpaid', async () => {
    fx = await start({ rateLimit: false });
    const { customer, invoice } = await invoiced(fx);
    expect(invoice.Balance).toBe(500);
    const unpaid = async () =>
      ((await raw(fx!.sb, 'GET', 'OutgoingInvoices?onlyUnpaidInvoices=true')).json as Json[] | undefined) ??
      [];
    expect((await unpaid()).map((i) => i.InvoiceNo)).toEqual([invoice.InvoiceNo]);
    const posted = await raw(
      fx.sb,
      'POST',
      'Vouchers/BankJournals',
      voucher(customer, 1903, 500, invoice.InvoiceNo, 'woo-pay-1042'),
    );
    expect(posted.status).toBe(201);
    expect(await balanceOf(fx, invoice.Id)).toBe(0);
    expect(await unpaid()).toEqual([]);
  });

  it('a partial payment stays open for manual matching; the invoice keeps its balance', async () => {
    fx = await start({ rateLimit: false });
    const { customer, invoice } = await invoiced(fx);
    expect(
      (await raw(fx.sb, 'POST', 'Vouchers/BankJournals', voucher(customer, 1902, 300, invoice.InvoiceNo)))
        .status,
    ).toBe(201);
    expect(await balanceOf(fx, invoice.Id)).toBe(500);
    const open = (await raw(fx.sb, 'GET', 'Customerledger/OpenItems?date=2030-01-01')).json as Json[];
    expect(open.map((e) => [e.VoucherType, e.Balance]).sort()).toEqual([
      ['BankJournal', -300],
      ['OutgoingInvoice', 500],
    ]);
  });

  it('a refund payment settles the credit note of a paid invoice (money owed to the customer)', async () => {
    fx = await start({ rateLimit: false });
    const { customer, invoice } = await invoiced(fx);
    await raw(fx.sb, 'POST', 'Vouchers/BankJournals', voucher(customer, 1903, 500, invoice.InvoiceNo));
    const draft = (
      await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
        CustomerId: customer.Id,
        ExternalImportReference: 'refund-812',
        RelatedInvoiceNo: invoice.InvoiceNo,
        SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: -1, ProductUnitPrice: 200 }],
      })
    ).json as Json;
    const credit = await send(fx, draft.Id);
    expect([credit.VoucherType, credit.Balance]).toEqual(['OutgoingCreditNote', -250]);
    // Money back through Vipps: debit the customer, credit the Vipps account.
    const back = await raw(
      fx.sb,
      'POST',
      'Vouchers/BankJournals',
      voucher(customer, 1903, -250, credit.InvoiceNo, 'woo-refpay-812'),
    );
    expect(back.status).toBe(201);
    expect(await balanceOf(fx, credit.Id)).toBe(0);
    expect(await balanceOf(fx, invoice.Id)).toBe(0);
  });

  it('refuses a posting to an inactive account; nothing is posted and the invoice stays open', async () => {
    fx = await start({ rateLimit: false });
    const { customer, invoice } = await invoiced(fx);
    const inserted = await fetch(`${fx.sb.adminUrl}/records/generalledgeraccount`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Id: accountIdOf(1905),
        AccountNo: 1905,
        Name: 'Gammel kortinnløser',
        GeneralLedgerAccountType: 'Asset',
        VatCodeId: NO_VAT,
        IsActive: false,
      }),
    });
    expect(inserted.status).toBeLessThan(300);
    const refused = await raw(
      fx.sb,
      'POST',
      'Vouchers/BankJournals',
      voucher(customer, 1905, 500, invoice.InvoiceNo, 'woo-pay-1042'),
    );
    expect(refused.status).toBe(400);
    expect(detail(refused)).toBe('VoucherLines[0]: account 1905 is inactive and takes no postings.');
    expect(await balanceOf(fx, invoice.Id)).toBe(500);
    // The reference was not taken by the refused voucher.
    const ok = await raw(
      fx.sb,
      'POST',
      'Vouchers/BankJournals',
      voucher(customer, 1903, 500, invoice.InvoiceNo, 'woo-pay-1042'),
    );
    expect(ok.status).toBe(201);
  });

  it('lists the payment accounts with IsActive, as a setup check reads them', async () => {
    fx = await start({ rateLimit: false });
    const listed = (await raw(fx.sb, 'GET', 'GeneralLedgerAccounts?accountNos=1901-1904,1920'))
      .json as Json[];
    expect(listed.map((a) => [a.AccountNo, a.IsActive, a.VatCode])).toEqual([
      [1901, true, '0'],
      [1902, true, '0'],
      [1903, true, '0'],
      [1904, true, '0'],
      [1920, true, '0'],
    ]);
  });
});
