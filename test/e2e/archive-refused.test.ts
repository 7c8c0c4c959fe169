/**
 * PowerOffice Go refuses to archive a customer with an open ledger balance (the sandbox
 * too: it keeps the customer ledger from its invoices). A shop customer deleted while its
 * PowerOffice customer still owes money becomes a failed record that says why; the engine
 * does not send the refused archive again on every run (customers are listed in full each
 * run), only when the record is due by its backoff, and the link stays until the archive
 * succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedRecord } from '../../engine/store/sync-state.ts';
import { accountIdOf } from '../../sandbox/poweroffice-go/client-setup.ts';
import { raw } from '../poweroffice-go/helpers.ts';
import { links } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;
const NO_VAT = 10; // the sandbox's id of VAT code 0

describe('e2e: archiving a customer with an open balance is refused', () => {
  let pair: Pair;
  let customer: { wooId: string; poId: string };
  let invoiceNo: string;

  beforeAll(async () => {
    pair = await startPair({ shop: { count: 8, seed: 51, anchor: new Date('2026-02-01T00:00:00Z') } });
    const first = await pair.cli(['sync']);
    expect(first.code, first.out + first.err).toBe(0);
    const opened = await pair.open();
    try {
      const link = (await links(opened.store, 'customer-person')).find((l) => !l.virtual)!;
      customer = { wooId: link.sourceId, poId: link.targetId };
    } finally {
      await opened.close();
    }
    // The accountant invoices the customer in PowerOffice Go; it is not paid yet.
    const order = await raw(pair.po, 'POST', 'SalesOrders/Complete', {
      CustomerId: Number(customer.poId),
      SalesOrderLines: [{ ProductCode: 'GEBYR', Quantity: 1, ProductUnitPrice: 400 }],
    });
    expect(order.status, JSON.stringify(order.json)).toBe(201);
    const id = String((order.json as Rec).Id);
    const sent = await raw(pair.po, 'POST', `SalesOrders/${id}/createAndSendInvoice`, {
      DeliveryType: 'PdfPrintForDownload',
    });
    expect(sent.status, JSON.stringify(sent.json)).toBe(202);
    await fetch(`${pair.po.adminUrl}/invoicing/settle`, { method: 'POST' });
    const invoice = (await raw(pair.po, 'GET', `OutgoingInvoices/${id}`)).json as Rec;
    expect(invoice.Balance).toBe(500); // 400 + 25 % VAT
    invoiceNo = String(invoice.InvoiceNo);
    // The customer deletes the shop account.
    const res = await fetch(`${pair.woo.url}/__admin/records/customer/${customer.wooId}?force=true`, {
      method: 'DELETE',
    });
    expect(res.status, await res.text()).toBe(200);
  });

  afterAll(async () => {
    await pair?.close();
  });

  const archives = (mark: { woo: number; po: number }) =>
    pair
      .writes(mark)
      .po.filter((w) => w.method === 'PATCH' && new RegExp(`/Customers/${customer.poId}$`, 'i').test(w.path));

  it('the refusal is a failed record with the reason, and the link stays', async () => {
    const mark = pair.mark();
    const run = await pair.cli(['sync']);
    expect(run.code, run.out + run.err).toBe(1);
    expect(archives(mark)).toHaveLength(1);
    const failed = JSON.parse((await pair.cli(['failed', '--json'])).out) as FailedRecord[];
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ mapping: 'customer-person', id: customer.wooId, kind: 'validation' });
    expect(failed[0]!.reason).toMatch(/ledger balances .* can not be archived/);
    const opened = await pair.open();
    try {
      const still = (await links(opened.store, 'customer-person')).find((l) => l.sourceId === customer.wooId);
      expect(still?.targetId).toBe(customer.poId);
    } finally {
      await opened.close();
    }
  });

  it('the next runs do not send the refused archive again before it is due', async () => {
    for (let i = 0; i < 2; i++) {
      const mark = pair.mark();
      await pair.cli(['sync']);
      expect(archives(mark)).toEqual([]);
    }
    const failed = JSON.parse((await pair.cli(['failed', '--json'])).out) as FailedRecord[];
    expect(failed.map((f) => [f.id, f.attempts])).toEqual([[customer.wooId, 1]]);
  });

  it('`mapsync retry` tries it again at once, and it archives once the balance is paid', async () => {
    const refused = pair.mark();
    await pair.cli(['retry', '--all']);
    expect(archives(refused)).toHaveLength(1);
    expect(JSON.parse((await pair.cli(['failed', '--json'])).out)).toHaveLength(1);

    // The customer pays the invoice (a bank voucher on the customer's sub-ledger account).
    const po = (await raw(pair.po, 'GET', `Customers/${customer.poId}`)).json as Rec;
    const date = '2026-12-04';
    const line = (AccountId: unknown, CurrencyAmount: number) => ({
      AccountId,
      PostingDate: date,
      VatId: NO_VAT,
      CurrencyAmount,
      ...(CurrencyAmount < 0 ? { InvoiceNo: invoiceNo } : {}),
    });
    const paid = await raw(pair.po, 'POST', 'Vouchers/BankJournals', {
      CurrencyCode: 'NOK',
      VoucherDate: date,
      Description: 'Payment',
      VoucherLines: [line(accountIdOf(1920), 500), line(po.SubledgerAccountId, -500)],
    });
    expect(paid.status, JSON.stringify(paid.json)).toBe(201);
    const mark = pair.mark();
    const run = await pair.cli(['retry', '--all']);
    expect(run.code, run.out + run.err).toBe(0);
    expect(archives(mark)).toHaveLength(1);
    expect((await raw(pair.po, 'GET', `Customers/${customer.poId}`)).json).toMatchObject({
      IsArchived: true,
    });
    expect(JSON.parse((await pair.cli(['failed', '--json'])).out)).toEqual([]);
    const opened = await pair.open();
    try {
      expect((await links(opened.store, 'customer-person')).some((l) => l.sourceId === customer.wooId)).toBe(
        false,
      );
    } finally {
      await opened.close();
    }
  });
});
