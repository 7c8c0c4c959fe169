/**
 * Credit notes in the sandbox: a credit-note draft (negative quantities, RelatedInvoiceNo)
 * invoiced like an order lowers its invoice's Balance by what it credits; credit notes of
 * one invoice add up; crediting more than is left is refused at creation and at sending;
 * a credit note on a paid invoice stays open as money owed to the customer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { accountIdOf } from '../../sandbox/poweroffice-go/client-setup.ts';
import { type Fixture, raw, start } from './helpers.ts';

type Json = EntityRecord;
const detail = (r: { json: unknown }) => (r.json as { detail?: string }).detail;
const NO_VAT = 10; // id of VAT code 0

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function send(f: Fixture, id: unknown) {
  const r = await raw(f.sb, 'POST', `SalesOrders/${String(id)}/createAndSendInvoice`, {
    DeliveryType: 'PdfPrintForDownload',
  });
  await fetch(`${f.sb.adminUrl}/invoicing/settle`, { method: 'POST' });
  return r;
}

const invoiceOf = async (f: Fixture, id: unknown) =>
  (await raw(f.sb, 'GET', `OutgoingInvoices/${String(id)}`)).json as Json;

/** A customer, a 25 % product at 80.00 net, and an invoice of 3 of them (300.00 incl. VAT). */
async function invoiced(f: Fixture) {
  const customer = (await raw(f.sb, 'POST', 'Customers', { Name: 'Kunde AS', EmailAddress: 'k@example.no' }))
    .json as Json;
  const product = (await raw(f.sb, 'POST', 'Products', { Code: 'LAMPE', Name: 'Lampe', UnitPrice: 80 }))
    .json as Json;
  const order = (
    await raw(f.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: customer.Id,
      SalesOrderLines: [{ ProductId: product.Id, Quantity: 3, ExternalImportReference: '11' }],
    })
  ).json as Json;
  expect((await send(f, order.Id)).status).toBe(202);
  return { customer, product, invoice: await invoiceOf(f, order.Id) };
}

function creditDraft(customer: Json, product: Json, invoiceNo: unknown, quantity: number, ref: string) {
  return {
    CustomerId: customer.Id,
    RelatedInvoiceNo: invoiceNo,
    ExternalImportReference: ref,
    SalesOrderLines: [{ ProductId: product.Id, Quantity: -quantity, ExternalImportReference: '11' }],
  };
}

describe('PowerOffice Go sandbox: credit notes', () => {
  it('lowers the invoice balance by each credit note, down to 0, and refuses crediting more than is left', async () => {
    fx = await start({ rateLimit: false, invoicing: { pollsUntilDone: 0 } });
    const { customer, product, invoice } = await invoiced(fx);
    expect(invoice).toMatchObject({ TotalAmount: 300, Balance: 300 });

    const one = (
      await raw(
        fx.sb,
        'POST',
        'SalesOrders/Complete',
        creditDraft(customer, product, invoice.InvoiceNo, 1, 'refund-1'),
      )
    ).json as Json;
    expect(one).toMatchObject({ TotalAmount: -100 });
    await send(fx, one.Id);
    expect(await invoiceOf(fx, invoice.Id)).toMatchObject({ Balance: 200, MatchId: null });
    expect(await invoiceOf(fx, one.Id)).toMatchObject({
      VoucherType: 'OutgoingCreditNote',
      RelatedInvoiceNo: invoice.InvoiceNo,
      ExternalImportReference: 'refund-1',
      TotalAmount: -100,
      Balance: 0,
    });

    // Three more would credit 300 of the 200 left: refused when created…
    const tooMuch = await raw(
      fx.sb,
      'POST',
      'SalesOrders/Complete',
      creditDraft(customer, product, invoice.InvoiceNo, 3, 'refund-2'),
    );
    expect(tooMuch.status).toBe(400);
    expect(detail(tooMuch)).toBe(
      `The credit note amount 300.00 exceeds what is left to credit on invoice ${String(invoice.InvoiceNo)} (200.00).`,
    );
    // …and when sent, if the room went meanwhile.
    const a = (
      await raw(
        fx.sb,
        'POST',
        'SalesOrders/Complete',
        creditDraft(customer, product, invoice.InvoiceNo, 2, 'refund-3'),
      )
    ).json as Json;
    const b = (
      await raw(
        fx.sb,
        'POST',
        'SalesOrders/Complete',
        creditDraft(customer, product, invoice.InvoiceNo, 1, 'refund-4'),
      )
    ).json as Json;
    expect((await send(fx, a.Id)).status).toBe(202);
    const late = await send(fx, b.Id);
    expect(late.status).toBe(400);
    expect(detail(late)).toMatch(/exceeds what is left to credit on invoice \d+ \(0\.00\)/);

    // Fully credited: the last credit note and the invoice are matched together.
    const settled = await invoiceOf(fx, invoice.Id);
    expect(settled.Balance).toBe(0);
    expect(settled.MatchId).toEqual(expect.any(Number));
    expect((await invoiceOf(fx, a.Id)).MatchId).toBe(settled.MatchId);
  });

  it('leaves a credit note on a paid invoice open as money owed to the customer', async () => {
    fx = await start({ rateLimit: false, invoicing: { pollsUntilDone: 0 } });
    const { customer, product, invoice } = await invoiced(fx);
    const paid = await raw(fx.sb, 'POST', 'Vouchers/BankJournals', {
      CurrencyCode: 'NOK',
      VoucherDate: '2026-12-04',
      VoucherLines: [
        { AccountId: accountIdOf(1903), PostingDate: '2026-12-04', VatId: NO_VAT, CurrencyAmount: 300 },
        {
          AccountId: customer.SubledgerAccountId,
          PostingDate: '2026-12-04',
          VatId: NO_VAT,
          CurrencyAmount: -300,
          InvoiceNo: String(invoice.InvoiceNo),
        },
      ],
    });
    expect(paid.status).toBe(201);
    expect((await invoiceOf(fx, invoice.Id)).Balance).toBe(0);
    const credit = (
      await raw(
        fx.sb,
        'POST',
        'SalesOrders/Complete',
        creditDraft(customer, product, invoice.InvoiceNo, 1, 'refund-9'),
      )
    ).json as Json;
    await send(fx, credit.Id);
    expect(await invoiceOf(fx, invoice.Id)).toMatchObject({ Balance: 0 });
    expect(await invoiceOf(fx, credit.Id)).toMatchObject({ TotalAmount: -100, Balance: -100 });
  });
});

describe('poweroffice-go connector: credit-note and delete-draft', () => {
  const perform = (f: Fixture, operation: string, id: string, value?: unknown, resume = false) =>
    f.connect().operations.perform({
      operation,
      entity: 'salesorder',
      id,
      options:
        operation === 'credit-note' ? { delivery_type: 'PdfPrintForDownload', max_wait_seconds: 60 } : {},
      ...(value !== undefined ? { value } : {}),
      resume,
    });
  const creates = (f: Fixture) =>
    f.sb.log.list(0).filter((r) => r.method === 'POST' && /SalesOrders\/Complete/i.test(r.path));

  it('credits the invoice once: a resumed or repeated call takes the draft made before', async () => {
    fx = await start({ rateLimit: false, invoicing: { pollsUntilDone: 1 } });
    const { product, invoice } = await invoiced(fx);
    const value = {
      ExternalImportReference: 'refund-77',
      SalesOrderLines: [
        { ProductId: product.Id, Quantity: -1, ProductUnitPrice: 80, ExternalImportReference: '11' },
      ],
    };
    const before = creates(fx).length;
    const done = await perform(fx, 'credit-note', String(invoice.Id), value);
    expect(done.result).toMatchObject({
      CreditNoteNo: expect.any(Number),
      RelatedInvoiceNo: invoice.InvoiceNo,
      TotalAmount: -100,
    });
    const again = await perform(fx, 'credit-note', String(invoice.Id), value, true);
    expect(again.result).toEqual(done.result);
    expect(creates(fx).length - before).toBe(2); // the second answered "already in use"
    const notes = ((await raw(fx.sb, 'GET', 'OutgoingInvoices')).json as Json[]).filter(
      (i) => i.VoucherType === 'OutgoingCreditNote',
    );
    expect(notes).toHaveLength(1);
    expect((await invoiceOf(fx, invoice.Id)).Balance).toBe(200);
  });

  it('with the invoice number in the value: 1 read, 1 create, 1 invoice call, then sentState polls', async () => {
    fx = await start({ rateLimit: false, invoicing: { pollsUntilDone: 1 } });
    const { product, invoice } = await invoiced(fx);
    const mark = fx.sb.log.list(0).length;
    await perform(fx, 'credit-note', String(invoice.Id), {
      ExternalImportReference: 'refund-78',
      RelatedInvoiceNo: invoice.InvoiceNo,
      SalesOrderLines: [{ ProductId: product.Id, Quantity: -1, ProductUnitPrice: 80 }],
    });
    const calls = fx.sb.log
      .list(0)
      .slice(mark)
      .filter((r) => !/token/i.test(r.path))
      .map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/gi, '<id>').replace(/^\/v2/, '')}`);
    expect(calls).toEqual([
      'GET /SalesOrders/<id>',
      'POST /SalesOrders/Complete',
      'POST /SalesOrders/<id>/createAndSendInvoice',
      expect.stringMatching(/^GET \/SalesOrders\/sentState/),
    ]);
  });

  it('refuses to credit an order that is not invoiced; deletes a draft, and a gone draft counts as deleted', async () => {
    fx = await start({ rateLimit: false });
    const customer = (await raw(fx.sb, 'POST', 'Customers', { Name: 'K AS', EmailAddress: 'k@k.no' }))
      .json as Json;
    const draft = (
      await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
        CustomerId: customer.Id,
        SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: 1, ProductUnitPrice: 10 }],
      })
    ).json as Json;
    const id = String(draft.Id);
    await expect(
      perform(fx, 'credit-note', id, {
        ExternalImportReference: 'refund-1',
        SalesOrderLines: [{ Quantity: -1 }],
      }),
    ).rejects.toMatchObject({ kind: 'validation', message: expect.stringMatching(/is not invoiced/) });
    expect((await perform(fx, 'delete-draft', id)).result).toEqual({ SalesOrderId: id });
    expect((await raw(fx.sb, 'GET', `SalesOrders/${id}`)).status).toBe(404);
    expect((await perform(fx, 'delete-draft', id, undefined, true)).result).toEqual({ SalesOrderId: id });
  });

  it('refuses to delete an invoiced order (locked)', async () => {
    fx = await start({ rateLimit: false, invoicing: { pollsUntilDone: 0 } });
    const { invoice } = await invoiced(fx);
    await expect(perform(fx, 'delete-draft', String(invoice.Id))).rejects.toMatchObject({ kind: 'locked' });
  });
});
