/**
 * The connector's `register-payment` and `refund-payment` operations against the sandbox: a
 * bank voucher on the payment method's account settles the invoice (three requests once the
 * accounts are known); never twice (resumed, duplicate reference, settled by hand); refused
 * with nothing posted when the order is not invoiced or the account is missing or inactive;
 * money paid back settles a credit note; `checkSetup` names accounts that will not work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorError } from '../../engine/connectors/errors.ts';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { accountIdOf } from '../../sandbox/poweroffice-go/client-setup.ts';
import { type Fixture, raw, start } from './helpers.ts';

type Json = EntityRecord;
let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const settle = (f: Fixture) => fetch(`${f.sb.adminUrl}/invoicing/settle`, { method: 'POST' });

/** A sales order of 500 NOK for a new customer; invoiced unless `draft`. */
async function order(f: Fixture, ref: string, draft = false): Promise<{ id: string; invoiceNo?: number }> {
  const customer = (
    await raw(f.sb, 'POST', 'Customers', { Name: `Kunde ${ref}`, EmailAddress: `${ref}@k.no` })
  ).json as Json;
  const o = (
    await raw(f.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: customer.Id,
      ExternalImportReference: ref,
      SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: 2, ProductUnitPrice: 200 }],
    })
  ).json as Json;
  const id = String(o.Id);
  if (draft) return { id };
  await raw(f.sb, 'POST', `SalesOrders/${id}/createAndSendInvoice`, { DeliveryType: 'PdfPrintForDownload' });
  await settle(f);
  return { id, invoiceNo: (await invoice(f, id)).InvoiceNo as number };
}

const invoice = async (f: Fixture, id: string) =>
  (await raw(f.sb, 'GET', `OutgoingInvoices/${id}`)).json as Json;

const value = (ref: string, extra: Json = {}) => ({
  ExternalImportReference: `woo-pay-${ref}`,
  PaymentMethod: 'vipps',
  Amount: '500.00',
  PaymentDate: '2026-12-04',
  Description: `Woo #${ref} Vipps`,
  ...extra,
});

const pay = (
  f: Fixture,
  id: string,
  v: unknown,
  opts: { resume?: boolean; refund?: boolean; config?: Json } = {},
) =>
  f.connect(opts.config).operations.perform({
    operation: opts.refund ? 'refund-payment' : 'register-payment',
    entity: 'salesorder',
    id,
    options: {},
    value: v,
    resume: opts.resume ?? false,
  });

const apiRequests = (f: Fixture, from: number) =>
  f.sb.log
    .list(from)
    .filter((r) => !/oauth/i.test(r.path))
    .map((r) => `${r.method} ${r.path.replace(/^.*\/v2\//i, '').replace(/[0-9a-f-]{36}|\d+$/gi, ':id')}`);
const vouchers = (f: Fixture) =>
  f.sb.log
    .list(0)
    .filter((r) => r.method === 'POST' && /vouchers\/bankjournals/i.test(r.path) && r.status === 201);

describe('poweroffice-go connector: register-payment and refund-payment', () => {
  it('posts one voucher on the method account that settles the invoice; three requests once accounts are known', async () => {
    fx = await start({ rateLimit: false });
    const a = await order(fx, '1042');
    const b = await order(fx, '1043');
    const connector = fx.connect();
    const run = (id: string, ref: string) =>
      connector.operations.perform({
        operation: 'register-payment',
        entity: 'salesorder',
        id,
        options: {},
        value: value(ref),
        resume: false,
      });
    const first = await run(a.id, '1042');
    expect(first.result).toMatchObject({
      InvoiceNo: a.invoiceNo,
      AccountNo: 1903,
      Amount: 500,
      SettledBy: 'mapsync',
    });
    expect((await invoice(fx, a.id)).Balance).toBe(0);
    const mark = fx.sb.log.list(0).length;
    await run(b.id, '1043');
    expect(apiRequests(fx, mark)).toEqual([
      'GET OutgoingInvoices/:id',
      'GET Customers/:id',
      'POST Vouchers/BankJournals',
    ]);
    expect((await invoice(fx, b.id)).Balance).toBe(0);
    const posted = vouchers(fx)[0]!.body as Json;
    expect(posted).toMatchObject({
      CurrencyCode: 'NOK',
      VoucherDate: '2026-12-04',
      ExternalImportReference: 'woo-pay-1042',
    });
    expect(
      (posted.VoucherLines as Json[]).map((l) => [l.AccountId === accountIdOf(1903), l.CurrencyAmount]),
    ).toEqual([
      [true, 500],
      [false, -500],
    ]);
  });

  it('resumed after the voucher was posted: the invoice is settled by our reference, nothing is posted again', async () => {
    fx = await start({ rateLimit: false });
    const a = await order(fx, '1042');
    const first = await pay(fx, a.id, value('1042'));
    const again = await pay(fx, a.id, value('1042'), { resume: true });
    expect(again.result).toMatchObject({ SettledBy: 'mapsync', VoucherNo: first.result.VoucherNo });
    expect(vouchers(fx)).toHaveLength(1);
  });

  it('a voucher posted by an earlier attempt that did not settle (amount differs) is taken, not posted twice', async () => {
    fx = await start({ rateLimit: false });
    const a = await order(fx, '1042');
    const first = await pay(fx, a.id, value('1042', { Amount: '450.00' }));
    expect((await invoice(fx, a.id)).Balance).toBe(500); // partial: open for manual matching
    const again = await pay(fx, a.id, value('1042', { Amount: '450.00' }), { resume: true });
    expect(again.result.VoucherId).toBe(first.result.VoucherId);
    expect(vouchers(fx)).toHaveLength(1);
  });

  it('an invoice settled by hand in PowerOffice Go counts as done: nothing is posted', async () => {
    fx = await start({ rateLimit: false });
    const a = await order(fx, '1042');
    await pay(fx, a.id, value('1042', { ExternalImportReference: 'manual-1' }));
    const done = await pay(fx, a.id, value('1042'));
    expect(done.result).toMatchObject({
      SettledBy: 'PowerOffice Go',
      VoucherId: null,
      InvoiceNo: a.invoiceNo,
    });
    expect(vouchers(fx)).toHaveLength(1);
  });

  it('refuses an order that is not invoiced (PAYMENT_NOT_INVOICED) and a value that is no payment', async () => {
    fx = await start({ rateLimit: false });
    const draft = await order(fx, '1042', true);
    const error = (await pay(fx, draft.id, value('1042')).catch((e) => e)) as ConnectorError;
    expect(error.kind).toBe('validation');
    expect(error.message).toMatch(/PAYMENT_NOT_INVOICED sales order [0-9a-f-]{36} is not invoiced/);
    const a = await order(fx, '1043');
    const zero = (await pay(fx, a.id, value('1043', { Amount: '0.00' })).catch((e) => e)) as ConnectorError;
    expect([zero.kind, zero.message]).toEqual([
      'validation',
      expect.stringMatching(/PAYMENT_INVALID .*more than 0/),
    ]);
    const noDate = (await pay(fx, a.id, value('1043', { PaymentDate: 'today' })).catch(
      (e) => e,
    )) as ConnectorError;
    expect(noDate.message).toMatch(/PaymentDate must be a date/);
    expect(vouchers(fx)).toHaveLength(0);
  });

  it('refuses a method without an account and an inactive account (PAYMENT_ACCOUNT_INVALID), posting nothing', async () => {
    fx = await start({ rateLimit: false });
    await fetch(`${fx.sb.adminUrl}/records/generalledgeraccount`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Id: accountIdOf(1905),
        AccountNo: 1905,
        Name: 'Gammel Vipps-konto',
        GeneralLedgerAccountType: 'Asset',
        VatCodeId: 10,
        IsActive: false,
      }),
    });
    const a = await order(fx, '1042');
    const unknown = (await pay(fx, a.id, value('1042', { PaymentMethod: 'bitcoin' })).catch(
      (e) => e,
    )) as ConnectorError;
    expect([unknown.kind, unknown.message]).toEqual([
      'validation',
      expect.stringMatching(
        /PAYMENT_ACCOUNT_INVALID woo-pay-1042: payment method "bitcoin" has no account in payment_accounts/,
      ),
    ]);
    const inactive = (await pay(fx, a.id, value('1042'), {
      config: { payment_accounts: { vipps: 1905 } },
    }).catch((e) => e)) as ConnectorError;
    expect(inactive.message).toMatch(
      /PAYMENT_ACCOUNT_INVALID .*account 1905 of payment method "vipps" is inactive/,
    );
    const missing = (await pay(fx, a.id, value('1042'), {
      config: { payment_accounts: { vipps: 1999 } },
    }).catch((e) => e)) as ConnectorError;
    expect(missing.message).toMatch(/account 1999 of payment method "vipps" does not exist/);
    expect(vouchers(fx)).toHaveLength(0);
    expect((await invoice(fx, a.id)).Balance).toBe(500);
  });

  it('refund-payment: money paid back through the method settles the credit note of a paid invoice', async () => {
    fx = await start({ rateLimit: false });
    const a = await order(fx, '1042');
    await pay(fx, a.id, value('1042'));
    const original = (await raw(fx.sb, 'GET', `SalesOrders/${a.id}`)).json as Json;
    const draft = (
      await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
        CustomerId: original.CustomerId,
        ExternalImportReference: 'refund-812',
        RelatedInvoiceNo: a.invoiceNo,
        SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: -1, ProductUnitPrice: 200 }],
      })
    ).json as Json;
    await raw(fx.sb, 'POST', `SalesOrders/${String(draft.Id)}/createAndSendInvoice`, {
      DeliveryType: 'PdfPrintForDownload',
    });
    await settle(fx);
    const credit = await invoice(fx, String(draft.Id));
    expect(credit.Balance).toBe(-250);
    const refund = { ...value('1042'), ExternalImportReference: 'woo-refpay-812', Amount: '250.00' };
    const noNote = (await pay(fx, a.id, refund, { refund: true }).catch((e) => e)) as ConnectorError;
    expect(noNote.message).toMatch(/CreditNoteId must name the credit note/);
    const done = await pay(fx, a.id, { ...refund, CreditNoteId: draft.Id }, { refund: true });
    expect(done.result).toMatchObject({ InvoiceNo: credit.InvoiceNo, AccountNo: 1903, Amount: 250 });
    expect((await invoice(fx, String(draft.Id))).Balance).toBe(0);
    const lines = (vouchers(fx)[1]!.body as Json).VoucherLines as Json[];
    expect(lines.map((l) => l.CurrencyAmount)).toEqual([-250, 250]);
    expect(lines[1]!.InvoiceNo).toBe(String(credit.InvoiceNo));
  });

  it('a foreign-currency invoice is settled at its own rate (the NOK amounts offset)', async () => {
    fx = await start({ rateLimit: false });
    const customer = (await raw(fx.sb, 'POST', 'Customers', { Name: 'Kunde EU', EmailAddress: 'eu@k.no' }))
      .json as Json;
    const o = (
      await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
        CustomerId: customer.Id,
        CurrencyCode: 'EUR',
        CurrencyExchangeRate: 11.53,
        ExternalImportReference: '2001',
        SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: 1, ProductUnitPrice: 39.99 }],
      })
    ).json as Json;
    const id = String(o.Id);
    await raw(fx.sb, 'POST', `SalesOrders/${id}/createAndSendInvoice`, {
      DeliveryType: 'PdfPrintForDownload',
    });
    await settle(fx);
    const before = await invoice(fx, id);
    expect(before.CurrencyCode).toBe('EUR');
    const done = await pay(
      fx,
      id,
      value('2001', { PaymentMethod: 'stripe', Amount: String(before.TotalAmount) }),
    );
    expect(done.result).toMatchObject({ AccountNo: 1902, SettledBy: 'mapsync' });
    expect((await invoice(fx, id)).Balance).toBe(0);
    const posted = vouchers(fx)[0]!.body as Json;
    expect(posted.CurrencyCode).toBe('EUR');
    expect((posted.VoucherLines as Json[]).map((l) => l.CurrencyExchangeRate)).toEqual([11.53, 11.53]);
  });

  it('reads that lag behind the invoice just posted (Go reads from a replica) are waited for', async () => {
    fx = await start({ rateLimit: false, replicaLagMs: 1500 });
    const a = await order(fx, '3001'); // customer, order and invoice written just now
    const mark = fx.sb.log.list(0).length;
    const done = await pay(fx, a.id, value('3001'));
    expect(done.result).toMatchObject({ SettledBy: 'mapsync', AccountNo: 1903 });
    const notYet = fx.sb.log.list(mark).filter((r) => r.method === 'GET' && r.status === 404);
    expect(notYet.length).toBeGreaterThan(0); // the first read did not see the invoice yet
    expect(vouchers(fx)).toHaveLength(1);
    await fetch(`${fx.sb.adminUrl}/replica/catch-up`, { method: 'POST' });
    expect((await invoice(fx, a.id)).Balance).toBe(0);
  });

  it('checkSetup warns about payment accounts missing or inactive in PowerOffice Go', async () => {
    fx = await start({ rateLimit: false });
    expect(await fx.connect().checkSetup()).toEqual([]);
    const warnings = await fx
      .connect({ payment_accounts: { vipps: 1903, klarna_payments: 1999 } })
      .checkSetup();
    expect(warnings).toEqual([
      'PAYMENT_ACCOUNT_INVALID: account 1999 of payment method "klarna_payments" does not exist in PowerOffice Go',
    ]);
  });
});
