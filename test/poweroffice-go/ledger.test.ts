/**
 * Payments in the sandbox: bank journal vouchers that settle invoices (by invoice number
 * or matching reference, exact amounts only), what a voucher must satisfy, reversal, the
 * customer ledger reports, and the refusal to archive a customer with open entries —
 * checked against the worked examples in fixtures/payment-examples.json.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { accountIdOf } from '../../sandbox/poweroffice-go/client-setup.ts';
import { type Fixture, raw, start } from './helpers.ts';

type Json = EntityRecord;
const examples = JSON.parse(
  readFileSync(new URL('./fixtures/payment-examples.json', import.meta.url), 'utf8'),
) as {
  invoiceTotal: number;
  cases: Array<{
    name: string;
    account: number;
    amount: number;
    by: 'invoiceNo' | 'reference' | 'nothing';
    expect: { balance: number; matched: boolean; openEntries: number };
  }>;
};
const NO_VAT = 10; // id of VAT code 0
const detail = (r: { json: unknown }) => (r.json as { detail?: string }).detail;

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** A customer with one invoice of `total` NOK (25 % VAT included), reference `woo-<ref>`. */
async function invoiced(f: Fixture, total: number, ref = '1', customer?: Json) {
  const c =
    customer ??
    ((await raw(f.sb, 'POST', 'Customers', { Name: 'Kunde AS', EmailAddress: 'k@example.no' })).json as Json);
  const o = (
    await raw(f.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: c.Id,
      CustomMatchingReference: `woo-${ref}`,
      SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: 1, ProductUnitPrice: total / 1.25 }],
    })
  ).json as Json;
  await raw(f.sb, 'POST', `SalesOrders/${String(o.Id)}/createAndSendInvoice`, {
    DeliveryType: 'PdfPrintForDownload',
  });
  await fetch(`${f.sb.adminUrl}/invoicing/settle`, { method: 'POST' });
  const invoice = (await raw(f.sb, 'GET', `OutgoingInvoices/${String(o.Id)}`)).json as Json;
  return { customer: c, order: o, invoice };
}

function payment(customer: Json, account: number, amount: number, extra: Json = {}, date = '2026-12-04') {
  return {
    CurrencyCode: 'NOK',
    VoucherDate: date,
    Description: 'Woo payment',
    VoucherLines: [
      { AccountId: accountIdOf(account), PostingDate: date, VatId: NO_VAT, CurrencyAmount: amount },
      {
        AccountId: customer.SubledgerAccountId,
        PostingDate: date,
        VatId: NO_VAT,
        CurrencyAmount: -amount,
        ...extra,
      },
    ],
  };
}

describe('PowerOffice Go sandbox: payments (worked examples)', () => {
  for (const example of examples.cases) {
    it(example.name, async () => {
      fx = await start({ rateLimit: false });
      const { customer, invoice } = await invoiced(fx, examples.invoiceTotal);
      expect(invoice.Balance).toBe(examples.invoiceTotal);
      const by =
        example.by === 'invoiceNo'
          ? { InvoiceNo: String(invoice.InvoiceNo) }
          : example.by === 'reference'
            ? { CustomMatchingReference: 'woo-1' }
            : {};
      const posted = await raw(
        fx.sb,
        'POST',
        'Vouchers/BankJournals',
        payment(customer, example.account, example.amount, by),
      );
      expect(posted.status).toBe(201);
      const after = (await raw(fx.sb, 'GET', `OutgoingInvoices/${String(invoice.Id)}`)).json as Json;
      expect(after.Balance).toBe(example.expect.balance);
      expect(after.MatchId !== null).toBe(example.expect.matched);
      const open = await raw(
        fx.sb,
        'GET',
        `Customerledger/OpenItems?date=2026-12-31&customerNos=${String(customer.Number)}`,
      );
      expect(((open.json as Json[] | undefined) ?? []).length).toBe(example.expect.openEntries);
      if (example.expect.matched) {
        const matched = (
          await raw(fx.sb, 'GET', `Customerledger/EntriesByMatchId?matchId=${String(after.MatchId)}`)
        ).json as Json[];
        expect(matched.map((e) => [e.VoucherType, e.Amount, e.Balance]).sort()).toEqual([
          ['BankJournal', -examples.invoiceTotal, 0],
          ['OutgoingInvoice', examples.invoiceTotal, 0],
        ]);
      }
    });
  }
});

describe('PowerOffice Go sandbox: bank vouchers', () => {
  it('matches a payment posted before its invoice when the invoice arrives with the same reference', async () => {
    fx = await start({ rateLimit: false });
    const customer = (await raw(fx.sb, 'POST', 'Customers', { Name: 'Forskudd AS', EmailAddress: 'f@f.no' }))
      .json as Json;
    await raw(
      fx.sb,
      'POST',
      'Vouchers/BankJournals',
      payment(customer, 1904, 500, { CustomMatchingReference: 'woo-7' }),
    );
    const { invoice } = await invoiced(fx, 500, '7', customer);
    expect(invoice.Balance).toBe(0);
  });

  it('applies a partial credit note to its invoice; a payment of the rest settles it', async () => {
    fx = await start({ rateLimit: false });
    const { customer, invoice } = await invoiced(fx, 1000, '9');
    // Partial refund as a credit note with the same reference: 200 credited, 800 left.
    const credit = (
      await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
        CustomerId: customer.Id,
        CustomMatchingReference: 'woo-9',
        RelatedInvoiceNo: invoice.InvoiceNo,
        SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: -1, ProductUnitPrice: 160 }],
      })
    ).json as Json;
    await raw(fx.sb, 'POST', `SalesOrders/${String(credit.Id)}/createAndSendInvoice`, {
      DeliveryType: 'PdfPrintForDownload',
    });
    await fetch(`${fx.sb.adminUrl}/invoicing/settle`, { method: 'POST' });
    // The credit note is applied to the invoice it credits: 800 left to pay.
    expect(((await raw(fx.sb, 'GET', `OutgoingInvoices/${String(invoice.Id)}`)).json as Json).Balance).toBe(
      800,
    );
    // The customer pays the rest: the invoice is settled by the payment.
    await raw(
      fx.sb,
      'POST',
      'Vouchers/BankJournals',
      payment(customer, 1903, 800, { CustomMatchingReference: 'woo-9' }),
    );
    const all = (await raw(fx.sb, 'GET', 'OutgoingInvoices')).json as Json[];
    expect(all.map((i) => [i.VoucherType, i.Balance])).toEqual([
      ['OutgoingInvoice', 0],
      ['OutgoingCreditNote', 0],
    ]);
    expect(all[0]!.MatchId).toEqual(expect.any(Number));
  });

  it('refuses vouchers the service refuses', async () => {
    fx = await start({ rateLimit: false });
    const customer = (await raw(fx.sb, 'POST', 'Customers', { Name: 'K AS', EmailAddress: 'k@k.no' }))
      .json as Json;
    const ok = payment(customer, 1903, 100, {}, '2026-12-04');
    const post = (body: unknown) => raw(fx!.sb, 'POST', 'Vouchers/BankJournals', body);
    const { CurrencyCode: _, ...noCurrency } = ok;
    expect((await post(noCurrency)).json).toMatchObject({
      errors: { CurrencyCode: ['The CurrencyCode field is required.'] },
    });
    const unbalanced = payment(customer, 1903, 100);
    (unbalanced.VoucherLines[1] as Json).CurrencyAmount = -90;
    expect(detail(await post(unbalanced))).toBe('The voucher does not balance: its lines sum to 10.00 NOK.');
    const zero = payment(customer, 1903, 0);
    expect(detail(await post(zero))).toMatch(/CurrencyAmount must be a positive or negative amount, not 0/);
    const control = payment(customer, 1903, 100);
    (control.VoucherLines[1] as Json).AccountId = accountIdOf(1500);
    expect(detail(await post(control))).toMatch(/1500 takes no direct postings/);
    const wrongVat = payment(customer, 1903, 100);
    (wrongVat.VoucherLines[0] as Json).VatId = 20;
    expect(detail(await post(wrongVat))).toMatch(/account 1903 only takes VAT code id 10/);
    const noVat = payment(customer, 1903, 100);
    delete (noVat.VoucherLines[0] as Json).VatId;
    expect((await post(noVat)).json).toMatchObject({
      errors: { 'VoucherLines[0].VatId': ['The VatId field is required.'] },
    });
    const withRef = { ...ok, ExternalImportReference: 'woo-pay-1' };
    const first = await post(withRef);
    expect(first.status).toBe(201);
    const again = await post(withRef);
    expect(detail(again)).toMatch(
      /^ExternalImportReference is already in use\. 'woo-pay-1' is used on \(voucher\) Id = [0-9a-f-]{36}\.$/,
    );
    expect(detail(again)).toContain(String((first.json as Json).Id));
  });

  it('reads back and reverses its own vouchers: the invoice is open again and the reference free', async () => {
    fx = await start({ rateLimit: false });
    const { customer, invoice } = await invoiced(fx, 250);
    const body = {
      ...payment(customer, 1903, 250, { InvoiceNo: String(invoice.InvoiceNo) }),
      ExternalImportReference: 'pay-1',
    };
    const voucher = (await raw(fx.sb, 'POST', 'Vouchers/BankJournals', body)).json as Json;
    expect(voucher).toMatchObject({ VoucherNo: expect.any(Number), IsReversed: false, CurrencyCode: 'NOK' });
    expect(
      ((await raw(fx.sb, 'GET', `Vouchers/BankJournals/${String(voucher.Id)}`)).json as Json).VoucherLines,
    ).toHaveLength(2);
    expect(((await raw(fx.sb, 'GET', `OutgoingInvoices/${String(invoice.Id)}`)).json as Json).Balance).toBe(
      0,
    );
    expect((await raw(fx.sb, 'POST', `Vouchers/Reverse/${String(voucher.Id)}`)).status).toBe(200);
    expect(((await raw(fx.sb, 'GET', `OutgoingInvoices/${String(invoice.Id)}`)).json as Json).Balance).toBe(
      250,
    );
    expect(
      ((await raw(fx.sb, 'GET', `Vouchers/BankJournals/${String(voucher.Id)}`)).json as Json).IsReversed,
    ).toBe(true);
    expect((await raw(fx.sb, 'POST', 'Vouchers/BankJournals', body)).status).toBe(201);
    expect(((await raw(fx.sb, 'GET', `OutgoingInvoices/${String(invoice.Id)}`)).json as Json).Balance).toBe(
      0,
    );
  });

  it('converts a foreign-currency payment at the line rate', async () => {
    fx = await start({ rateLimit: false });
    const customer = (await raw(fx.sb, 'POST', 'Customers', { Name: 'K AS', EmailAddress: 'k@k.no' }))
      .json as Json;
    const eur = payment(customer, 1920, 100);
    eur.CurrencyCode = 'EUR';
    for (const line of eur.VoucherLines as Json[]) line.CurrencyExchangeRate = 11.5;
    expect((await raw(fx.sb, 'POST', 'Vouchers/BankJournals', eur)).status).toBe(201);
    const open = (await raw(fx.sb, 'GET', 'Customerledger/OpenItems?date=2026-12-31')).json as Json[];
    expect(open[0]).toMatchObject({
      Amount: -1150,
      CurrencyAmount: -100,
      CurrencyCode: 'EUR',
      Balance: -1150,
    });
  });
});

describe('PowerOffice Go sandbox: customer balances', () => {
  it('refuses to archive a customer with open ledger entries, and archives once they are settled', async () => {
    fx = await start({ rateLimit: false });
    const { customer, invoice } = await invoiced(fx, 1250);
    const archive = [{ op: 'replace', path: '/IsArchived', value: true }];
    const refused = await raw(fx.sb, 'PATCH', `Customers/${String(customer.Id)}`, archive);
    expect(refused.status).toBe(400);
    expect(detail(refused)).toBe(
      `Customer with id = ${String(customer.Id)} has ledger balances (1 open entry, balance 1250.00 NOK) and can not be archived.`,
    );
    // The connector reports it as a validation failure, not something to retry.
    const error = await fx
      .connect()
      .remove('customer', String(customer.Id), 'archive')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'validation' });
    expect((await raw(fx.sb, 'DELETE', `Customers/${String(customer.Id)}`)).status).toBe(409);
    await raw(
      fx.sb,
      'POST',
      'Vouchers/BankJournals',
      payment(customer, 1903, 1250, { InvoiceNo: String(invoice.InvoiceNo) }),
    );
    const archived = await raw(fx.sb, 'PATCH', `Customers/${String(customer.Id)}`, archive);
    expect(archived.json).toMatchObject({ IsArchived: true, IsActive: false });
  });

  it('shows open items as of a date: settled later means open then', async () => {
    fx = await start({ rateLimit: false });
    const { customer, invoice } = await invoiced(fx, 100);
    await raw(fx.sb, 'POST', 'Vouchers/BankJournals', {
      ...payment(customer, 1903, 100, { InvoiceNo: String(invoice.InvoiceNo) }, '2099-01-10'),
    });
    const before = (await raw(fx.sb, 'GET', 'Customerledger/OpenItems?date=2099-01-09')).json as Json[];
    expect(before.map((e) => [e.VoucherType, e.Balance])).toEqual([['OutgoingInvoice', 100]]);
    expect((await raw(fx.sb, 'GET', 'Customerledger/OpenItems?date=2099-01-10')).status).toBe(204);
    expect((await raw(fx.sb, 'GET', 'Customerledger/OpenItems')).json).toMatchObject({
      errors: { date: ['The date field is required.'] },
    });
  });
});
