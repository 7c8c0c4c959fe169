/**
 * Invoicing (issue 12, order to cash): the shipped salesorder mapping's `invoice` action on
 * both real sandboxes. A completed shop order's PowerOffice sales order is invoiced once
 * (createAndSendInvoice, sentState polled), the invoice number goes back to the shop order
 * (meta field + order note); an attempt cut off after the call is resumed without a second
 * invoice; a later shop edit is reported, never written; `plan` shows the invoices and sends
 * nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../engine/connectors/registry.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { snapshot } from './helpers/checks.ts';
import { cutOff, cuttable } from './helpers/cut-off.ts';
import { type Pair, startPair } from './helpers/pair.ts';
import { wooApi } from './helpers/woo-api.ts';

type Rec = Record<string, unknown>;

describe('e2e: invoicing completed orders', () => {
  let pair: Pair;

  const api = async (method: string, route: string, body?: Rec) =>
    (await wooApi(pair, method, route, body)) as unknown;
  const notesOf = async (orderId: string) =>
    ((await api('GET', `orders/${orderId}/notes`)) as Rec[]).filter((n) =>
      String(n.note).startsWith('Invoiced in PowerOffice Go'),
    );
  const metaOf = (order: Rec) =>
    (order.meta_data as Rec[]).filter((m) => m.key === 'poweroffice_invoice_no').map((m) => m.value);
  const invoicesOf = async (orderId: string) =>
    (await snapshot(pair)).po.outgoinginvoices.filter(
      (i: Rec) => i.ExternalImportReference === orderId,
    ) as Rec[];
  const sendRequests = (orderPoId?: string) =>
    pair
      .requests()
      .po.filter(
        (r) =>
          r.method === 'POST' &&
          /createandsendinvoice/i.test(r.path) &&
          (!orderPoId || r.path.toLowerCase().includes(orderPoId.toLowerCase())),
      );
  const orderLink = async (orderId: string) => {
    const opened = await pair.open();
    try {
      return await new MappingState('salesorder', opened.store).getLink(orderId);
    } finally {
      await opened.close();
    }
  };

  beforeAll(async () => {
    const registry = new ConnectorRegistry().add(cuttable('woocommerce')).add(cuttable('poweroffice-go'));
    pair = await startPair({
      shop: { count: 16, seed: 31, anchor: new Date('2026-01-15T00:00:00Z') },
      // As shipped (invoicing on); a sandbox-only cut-off wrapper around the connectors.
      registry,
    });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('plan shows the invoices a sync would create and sends nothing', async () => {
    const completed = (await snapshot(pair)).woo.orders.filter((o: Rec) => o.status === 'completed');
    expect(completed.length).toBeGreaterThan(0);
    const mark = pair.mark();
    const { code, out } = await pair.cli(['plan']);
    expect(code, out).toBe(0);
    const lines = out.split('\n').filter((l) => l.includes('! action invoice source'));
    expect(lines).toHaveLength(completed.length);
    // A planned invoice counts as done for the actions after it: paid orders' payments show too.
    const paid = completed.filter((o: Rec) => typeof o.date_paid_gmt === 'string' && o.date_paid_gmt !== '');
    expect(out).toContain(
      `${completed.length + paid.length} action(s) to run (invoice ${completed.length}${paid.length > 0 ? `, payment ${paid.length}` : ''})`,
    );
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  });

  it('a completed order is invoiced once; the number goes back as a meta field and a note', async () => {
    const summary = await pair.sync();
    expect(summary.ok, JSON.stringify(summary.mappings.map((m) => m.errors))).toBe(true);
    const state = await snapshot(pair);
    const completed = state.woo.orders.filter((o: Rec) => o.status === 'completed');
    const invoices = state.po.outgoinginvoices as Rec[];
    expect(invoices).toHaveLength(completed.length);
    expect(sendRequests()).toHaveLength(completed.length);
    for (const order of completed) {
      const id = String(order.id);
      const invoice = invoices.filter((i) => i.ExternalImportReference === id);
      expect(invoice, `order ${id}`).toHaveLength(1);
      expect(invoice[0]!.VoucherType).toBe('OutgoingInvoice');
      expect(metaOf(order)).toEqual([String(invoice[0]!.InvoiceNo)]);
      const notes = await notesOf(id);
      expect(notes.map((n) => n.note)).toEqual([
        `Invoiced in PowerOffice Go: invoice no. ${invoice[0]!.InvoiceNo}`,
      ]);
    }
    // Invoice numbers are Go's own series, one per invoice.
    expect(new Set(invoices.map((i) => i.InvoiceNo)).size).toBe(invoices.length);
    // Orders not completed stay drafts.
    const invoiced = new Set(invoices.map((i) => String(i.ExternalImportReference)));
    expect(
      state.woo.orders.filter((o: Rec) => o.status === 'processing' && invoiced.has(String(o.id))),
    ).toEqual([]);

    // Stock is PowerOffice Go's (product.yaml, one way): the shop's figures were not sent
    // there, so invoicing took nothing out of a stock figure the shop would get back. A
    // later run writes nothing but stock (there is none to write here), and the run after
    // it nothing at all.
    let mark = pair.mark();
    expect((await pair.sync()).ok).toBe(true);
    const writes = pair.writes(mark);
    expect(writes.po).toEqual([]);
    for (const w of writes.woo) {
      expect(w.path).toBe('/wp-json/wc/v3/products/batch');
      for (const item of (w.body as { update: Rec[] }).update)
        expect(Object.keys(item).sort()).toEqual(['id', 'stock_quantity']);
    }
    mark = pair.mark();
    expect((await pair.sync()).ok).toBe(true);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  }, 120_000);

  it('an invoice request cut off after it reached PowerOffice Go is resumed, never sent twice', async () => {
    const processing = (await snapshot(pair)).woo.orders.find((o: Rec) => o.status === 'processing')!;
    const id = String(processing.id);
    const link = (await orderLink(id))!;
    await api('PUT', `orders/${id}`, { status: 'completed' });

    cutOff.operation = 'invoice';
    const first = await pair.sync();
    expect(first.ok).toBe(false);
    const failed = first.mappings.find((m) => m.mapping === 'salesorder')!;
    expect(failed.counts.failed).toBe(1);
    expect(await invoicesOf(id)).toHaveLength(1); // it did reach Go
    expect(metaOf((await api('GET', `orders/${id}`)) as Rec)).toEqual([]); // but was not recorded
    const { out } = await pair.cli(['failed']);
    expect(out).toContain('ACTION_FAILED');

    const second = await pair.sync();
    expect(second.ok, JSON.stringify(second.mappings.map((m) => m.counts))).toBe(true);
    expect(sendRequests(link.targetId)).toHaveLength(1);
    const invoice = await invoicesOf(id);
    expect(invoice).toHaveLength(1);
    expect(metaOf((await api('GET', `orders/${id}`)) as Rec)).toEqual([String(invoice[0]!.InvoiceNo)]);
    expect(await notesOf(id)).toHaveLength(1);
    expect((await orderLink(id))!.actions?.invoice?.writtenBackAt).toBeDefined();
  }, 120_000);

  it('a write-back cut off after its note was added adds no second note', async () => {
    const processing = (await snapshot(pair)).woo.orders.find((o: Rec) => o.status === 'processing')!;
    const id = String(processing.id);
    await api('PUT', `orders/${id}`, { status: 'completed' });
    cutOff.operation = 'add-note';
    expect((await pair.sync()).ok).toBe(false);
    expect(await notesOf(id)).toHaveLength(1);
    expect((await orderLink(id))!.actions?.invoice?.writtenBackAt).toBeUndefined();

    expect((await pair.sync()).ok).toBe(true);
    expect(await notesOf(id)).toHaveLength(1);
    expect(await invoicesOf(id)).toHaveLength(1);
    expect((await orderLink(id))!.actions?.invoice?.writtenBackAt).toBeDefined();
  }, 120_000);

  it('a completed order synced by webhook (syncRecord) is invoiced right away, once', async () => {
    const processing = (await snapshot(pair)).woo.orders.find((o: Rec) => o.status === 'processing')!;
    const id = String(processing.id);
    await api('PUT', `orders/${id}`, { status: 'completed' });
    const opened = await pair.open();
    try {
      const item = { mapping: 'salesorder', side: 'source' as const, id, reason: 'webhook' as const };
      expect((await opened.engine.syncRecord(item)).outcome).not.toBe('failed');
      const invoice = await invoicesOf(id);
      expect(invoice).toHaveLength(1);
      expect(metaOf((await api('GET', `orders/${id}`)) as Rec)).toEqual([String(invoice[0]!.InvoiceNo)]);
      // The meta write fires order.updated: that delivery syncs the order again, to nothing.
      const mark = pair.mark();
      await opened.engine.syncRecord(item);
      expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
    } finally {
      await opened.close();
    }
    expect(await invoicesOf(id)).toHaveLength(1);
    expect(await notesOf(id)).toHaveLength(1);
  }, 120_000);

  it('a shop edit of an invoiced order is reported, never written; retries stop after 3', async () => {
    const order = (await snapshot(pair)).woo.orders.find(
      (o: Rec) => o.status === 'completed' && metaOf(o).length === 1,
    )!;
    const id = String(order.id);
    const link = (await orderLink(id))!;
    await api('PUT', `orders/${id}`, { billing: { first_name: 'Changedafter' } });
    const mark = pair.mark();
    const summary = await pair.sync();
    expect(summary.ok).toBe(false);
    expect(pair.writes(mark).po).toEqual([]);
    const { out } = await pair.cli(['failed', 'salesorder']);
    expect(out).toContain('ACTION_LOCKED');
    expect(out).toContain(`is locked: action invoice (InvoiceNo ${metaOf(order)[0]})`);
    expect(out).toContain('CustomerReference');

    for (let i = 0; i < 2; i++) await pair.sync({ retryAllNow: true });
    expect(pair.writes(mark).po).toEqual([]);
    const opened = await pair.open();
    try {
      const failed = await new MappingState('salesorder', opened.store).getFailed('source', id);
      expect(failed?.code).toBe('ACTION_LOCKED');
      expect(failed?.attempts).toBe(3);
      expect(failed?.stoppedAt).toBeDefined();
    } finally {
      await opened.close();
    }
    // Still exactly one invoice, and the sales order in Go is as it was invoiced.
    expect(await invoicesOf(id)).toHaveLength(1);
    const poOrder = (await snapshot(pair)).po.salesorders.find((o: Rec) => o.Id === link.targetId);
    expect(poOrder?.CustomerReference).not.toContain('Changedafter');
  }, 120_000);
});
