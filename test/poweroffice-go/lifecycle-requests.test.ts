/**
 * What the order-to-cash operations send (issue 12): on the normal path — one pass of the
 * engine over the order's actions — an invoice, its payment, a credit note and its refund
 * payment read nothing the invoice action's stored result or the connector's own writes
 * already say (facts.ts): no outgoing invoice, no customer, no original order. A payment
 * in a later pass (retried, after a restart) or resumed reads the invoice — so an invoice
 * settled by hand meanwhile is never paid twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityRecord, OperationResult } from '../../engine/connectors/types.ts';
import { type Fixture, raw, start } from './helpers.ts';

type Json = EntityRecord;
let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const apiRequests = (f: Fixture, from: number) =>
  f.sb.log
    .list(from)
    .filter((r) => !/oauth/i.test(r.path))
    .map((r) => `${r.method} ${r.path.replace(/^.*\/v2\//i, '').replace(/[0-9a-f-]{36}|\d+$/gi, ':id')}`);

type Connector = ReturnType<Fixture['connect']>;

const perform = (
  c: Connector,
  operation: string,
  id: string,
  value?: unknown,
  { resume = false, pass = 'pass-1' }: { resume?: boolean; pass?: string } = {},
) =>
  c.operations.perform({
    operation,
    entity: 'salesorder',
    id,
    options:
      operation === 'invoice' || operation === 'credit-note'
        ? { delivery_type: 'PdfPrintForDownload', max_wait_seconds: 60 }
        : {},
    ...(value !== undefined ? { value } : {}),
    resume,
    pass,
  });

const payment = (ref: string, invoice: OperationResult['result']) => ({
  ExternalImportReference: `woo-pay-${ref}`,
  InvoiceNo: invoice.InvoiceNo,
  Invoice: invoice,
  PaymentMethod: 'vipps',
  Amount: '500.00',
  PaymentDate: '2026-12-04',
});

/** A customer and a 500 NOK order written through the connector (as a sync does). */
async function draft(c: Connector, ref: string): Promise<string> {
  const customer = await c.create('customer', { Name: `Kunde ${ref}`, EmailAddress: `${ref}@k.no` });
  const order = await c.create('salesorder', {
    CustomerId: customer.Id,
    CurrencyCode: 'NOK',
    ExternalImportReference: ref,
    SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: 2, ProductUnitPrice: 200 }],
  });
  return String(order.Id);
}

const balance = async (f: Fixture, id: string) =>
  ((await raw(f.sb, 'GET', `OutgoingInvoices/${id}`)).json as Json).Balance;

describe('poweroffice-go: order to cash without reads the stored results make redundant', () => {
  it('invoice, payment, credit note, refund payment: only the writes and the sentState polls', async () => {
    fx = await start({ rateLimit: false });
    const c = fx.connect();
    await c.paymentAccounts.problems(); // the accounts and VAT code 0, read once per connector
    const id = await draft(c, '2001');
    let mark = fx.sb.log.mark();
    const invoice = (await perform(c, 'invoice', id)).result;
    expect(invoice).toMatchObject({
      InvoiceNo: expect.any(Number),
      CustomerId: expect.any(Number),
      CurrencyCode: 'NOK',
    });
    expect(apiRequests(fx, mark)).toEqual([
      'POST SalesOrders/:id/createAndSendInvoice',
      'GET SalesOrders/sentState',
      'GET SalesOrders/sentState',
    ]);
    mark = fx.sb.log.mark();
    const paid = (await perform(c, 'register-payment', id, payment('2001', invoice))).result;
    expect(paid).toMatchObject({ InvoiceNo: invoice.InvoiceNo, SettledBy: 'mapsync', AccountNo: 1903 });
    expect(apiRequests(fx, mark)).toEqual(['POST Vouchers/BankJournals']);
    expect(await balance(fx, id)).toBe(0);

    mark = fx.sb.log.mark();
    const credit = (
      await perform(c, 'credit-note', id, {
        ExternalImportReference: 'refund-1',
        RelatedInvoiceNo: invoice.InvoiceNo,
        Invoice: invoice,
        SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: -1, ProductUnitPrice: 200 }],
      })
    ).result;
    expect(credit).toMatchObject({ CustomerId: invoice.CustomerId, CurrencyCode: 'NOK' });
    expect(apiRequests(fx, mark)).toEqual([
      'POST SalesOrders/Complete',
      'POST SalesOrders/:id/createAndSendInvoice',
      'GET SalesOrders/sentState',
      'GET SalesOrders/sentState',
    ]);
    mark = fx.sb.log.mark();
    const back = (
      await perform(c, 'refund-payment', id, {
        ExternalImportReference: 'woo-refpay-1',
        CreditNoteId: credit.CreditNoteId,
        CreditNote: credit,
        PaymentMethod: 'vipps',
        Amount: '250.00',
        PaymentDate: '2026-12-05',
      })
    ).result;
    expect(back).toMatchObject({ InvoiceNo: credit.CreditNoteNo, SettledBy: 'mapsync' });
    expect(apiRequests(fx, mark)).toEqual(['POST Vouchers/BankJournals']);
    expect(await balance(fx, String(credit.CreditNoteId))).toBe(0);
  });

  it('after a restart the order and the customer are read once; a resumed payment or one of a later pass reads the invoice', async () => {
    fx = await start({ rateLimit: false });
    const id = await draft(fx.connect(), '2002');
    const c = fx.connect(); // a new process: knows nothing of the order or its customer
    await c.paymentAccounts.problems();
    let mark = fx.sb.log.mark();
    const invoice = (await perform(c, 'invoice', id)).result;
    expect(apiRequests(fx, mark)).toEqual([
      'POST SalesOrders/:id/createAndSendInvoice',
      'GET SalesOrders/sentState',
      'GET SalesOrders/sentState',
      'GET SalesOrders/:id',
    ]);
    // Resumed (a crash after the intent): the invoice is read; it is not settled: one voucher.
    mark = fx.sb.log.mark();
    await perform(c, 'register-payment', id, payment('2002', invoice), { resume: true });
    expect(apiRequests(fx, mark)).toEqual([
      'GET OutgoingInvoices/:id',
      'GET Customers/:id',
      'POST Vouchers/BankJournals',
    ]);
    // Again in a later pass (a retry): read, found settled by our voucher.
    mark = fx.sb.log.mark();
    const again = (await perform(c, 'register-payment', id, payment('2002', invoice), { pass: 'p2' })).result;
    expect(again).toMatchObject({ SettledBy: 'mapsync' });
    expect(apiRequests(fx, mark)).toEqual([
      'GET OutgoingInvoices/:id',
      'GET Customerledger/EntriesByMatchId',
    ]);
    expect(fx.sb.log.list(0).filter((r) => /bankjournals/i.test(r.path) && r.status === 201)).toHaveLength(1);
  });

  it('an invoice settled by hand before a payment of a later pass: read, nothing posted', async () => {
    fx = await start({ rateLimit: false });
    const c = fx.connect();
    const id = await draft(c, '2004');
    const invoice = (await perform(c, 'invoice', id)).result;
    // The first payment attempt never reached the connector; an accountant settles the
    // invoice in PowerOffice Go; the retry is a later pass of the engine.
    await perform(c, 'register-payment', id, {
      ...payment('2004', invoice),
      ExternalImportReference: 'manual-1',
    });
    const mark = fx.sb.log.mark();
    const retried = (await perform(c, 'register-payment', id, payment('2004', invoice), { pass: 'p2' }))
      .result;
    expect(retried).toMatchObject({ SettledBy: 'PowerOffice Go' });
    expect(apiRequests(fx, mark)).toEqual([
      'GET OutgoingInvoices/:id',
      'GET Customerledger/EntriesByMatchId',
    ]);
  });

  it('a fresh stored result whose invoice number is not the value’s is not trusted: the invoice is read', async () => {
    fx = await start({ rateLimit: false });
    const c = fx.connect();
    const id = await draft(c, '2003');
    const invoice = (await perform(c, 'invoice', id)).result;
    const mark = fx.sb.log.mark();
    await expect(
      perform(c, 'register-payment', id, { ...payment('2003', invoice), InvoiceNo: 99999 }),
    ).rejects.toThrow(/not the invoice of sales order/);
    expect(apiRequests(fx, mark)).toEqual(['GET OutgoingInvoices/:id']);
  });
});
