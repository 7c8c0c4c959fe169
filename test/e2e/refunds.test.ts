/**
 * Refunds and cancellations (issue 12, order to cash) through the shipped salesorder
 * mapping's `credit-note` and `delete-draft` actions, on both real sandboxes:
 * - a partial refund of an invoiced order (a line, then its shipping) becomes a credit note
 *   of the invoice per refund — negative quantities, RelatedInvoiceNo, the credited amount to
 *   the cent equal to the refund's amount — and the invoice's Balance goes down by it;
 * - a full refund by status (an amount alone) credits everything left: Balance 0;
 * - a refund made before the order was invoiced is credited once it is;
 * - a cancelled order still a draft in PowerOffice Go: the draft is deleted; a cancelled
 *   invoiced order: a credit note of what is left;
 * - a credit note cut off after it reached PowerOffice Go is resumed, never made twice;
 * - a second run writes nothing;
 * - an `each` whose keys repeat fails the record (MAP_ACTION_EACH), crediting nothing.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../engine/connectors/registry.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { snapshot } from './helpers/checks.ts';
import { cutOff, cuttable } from './helpers/cut-off.ts';
import { type Pair, REPO, startPair } from './helpers/pair.ts';
import { wooApi } from './helpers/woo-api.ts';

type Rec = Record<string, unknown>;

const cents = (v: unknown) => new Decimal(String(v)).toFixed(2);

describe('e2e: refunds become credit notes, cancellations delete drafts or credit invoices', () => {
  let pair: Pair;

  const api = async (method: string, route: string, body?: Rec) =>
    (await wooApi(pair, method, route, body)) as Rec;
  const link = async (orderId: string) => {
    const opened = await pair.open();
    try {
      return (await new MappingState('salesorder', opened.store).getLink(orderId))!;
    } finally {
      await opened.close();
    }
  };
  const outgoing = async () => (await snapshot(pair)).po.outgoinginvoices as Rec[];
  const invoiceOf = async (orderId: string) =>
    (await outgoing()).find(
      (i) => i.ExternalImportReference === orderId && i.VoucherType === 'OutgoingInvoice',
    );
  const creditNotes = async (invoiceNo: unknown) =>
    (await outgoing()).filter(
      (i) => i.VoucherType === 'OutgoingCreditNote' && i.RelatedInvoiceNo === invoiceNo,
    );
  const creditNotesTotal = (notes: Rec[]) =>
    notes.reduce((s, n) => s.plus(String(n.TotalAmount)), new Decimal(0)).toFixed(2);
  const creditNoteRequests = () =>
    pair.requests().po.filter((r) => r.method === 'POST' && /SalesOrders\/Complete/i.test(r.path));
  const synced = async () => {
    const summary = await pair.sync();
    if (!summary.ok) expect.fail((await pair.cli(['failed'])).out);
  };
  /** A refund of `quantity` units of the order's first line (net, and VAT as the order has it). */
  const refundUnits = async (order: Rec, quantity: number, extra: Rec = {}) => {
    const line = (order.line_items as Rec[])[0]!;
    const perUnit = (v: unknown) =>
      new Decimal(String(v)).dividedBy(Number(line.quantity)).times(quantity).toDecimalPlaces(2).toFixed(2);
    return api('POST', `orders/${String(order.id)}/refunds`, {
      reason: 'Feil størrelse',
      api_refund: false,
      line_items: [
        {
          id: line.id,
          quantity,
          refund_total: perUnit(line.total),
          refund_tax: (line.taxes as Rec[]).map((t) => ({ id: t.id, refund_total: perUnit(t.total) })),
        },
      ],
      ...extra,
    });
  };
  /** Paid (processing) orders placed at the checkout: 3 lamps and shipping, synced as drafts. */
  const candidates: Rec[] = [];
  const take = () => {
    const order = candidates.shift();
    expect(order, 'enough orders placed in beforeAll').toBeDefined();
    return order!;
  };

  beforeAll(async () => {
    const registry = new ConnectorRegistry().add(cuttable('woocommerce')).add(cuttable('poweroffice-go'));
    pair = await startPair({
      shop: { count: 8, seed: 12, anchor: new Date('2026-01-15T00:00:00Z') },
      registry,
      // Balances here are the credit notes' alone; payments have their own e2e (payments.test.ts).
      payments: false,
    });
    const lamp = await api('POST', 'products', { name: 'Lampe', sku: 'LAMPE-12', regular_price: '79.90' });
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${pair.woo.url}/__admin/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          billing: {
            first_name: 'Kari',
            last_name: `Refund${i}`,
            country: 'NO',
            email: `kari${i}@example.no`,
          },
          items: [{ product_id: lamp.id, quantity: 3 }],
          shipping_line: { method_id: 'flat_rate', cost: '49.00' },
          payment_method: 'vipps',
          payment_method_title: 'Vipps',
          set_paid: true,
          transaction_id: `tx-${i}`,
        }),
      });
      expect(res.status).toBeLessThan(300);
      candidates.push((await res.json()) as Rec);
    }
    expect(candidates.map((o) => o.status)).toEqual(Array(6).fill('processing'));
    await synced();
  }, 180_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('partial refunds of an invoiced order: one credit note per refund, to the cent, lowering the balance', async () => {
    let order = take();
    const id = String(order.id);
    await api('PUT', `orders/${id}`, { status: 'completed' });
    await synced();
    const invoice = await invoiceOf(id);
    // Same VAT model on both sides: the invoice is the shop order's total.
    expect(cents(invoice!.TotalAmount)).toBe(cents(order.total));
    order = await api('GET', `orders/${id}`);
    const lineRefund = await refundUnits(order, 1);
    // plan shows the credit note a sync would make, and sends nothing.
    const mark = pair.mark();
    const plan = await pair.cli(['plan']);
    expect(plan.code, plan.out).toBe(0);
    expect(plan.out).toContain(`! action credit-note:refund-${String(lineRefund.id)} source ${id}`);
    expect(plan.out).toContain('1 action(s) to run (credit-note 1)');
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
    await synced();
    let notes = await creditNotes(invoice!.InvoiceNo);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      ExternalImportReference: `refund-${String(lineRefund.id)}`,
      RelatedInvoiceNo: invoice!.InvoiceNo,
    });
    expect(cents(notes[0]!.TotalAmount)).toBe(cents(new Decimal(String(lineRefund.amount)).neg()));

    // Then its shipping alone.
    const shipping = (order.shipping_lines as Rec[])[0]!;
    const shippingRefund = await api('POST', `orders/${id}/refunds`, {
      api_refund: false,
      reason: 'Frakt refundert',
      line_items: [
        {
          id: shipping.id,
          refund_total: shipping.total,
          refund_tax: (shipping.taxes as Rec[]).map((t) => ({ id: t.id, refund_total: t.total })),
        },
      ],
    });
    await synced();
    notes = await creditNotes(invoice!.InvoiceNo);
    expect(notes.map((n) => n.ExternalImportReference).sort()).toEqual(
      [`refund-${String(lineRefund.id)}`, `refund-${String(shippingRefund.id)}`].sort(),
    );
    const refunded = new Decimal(String(lineRefund.amount)).plus(String(shippingRefund.amount));
    expect(creditNotesTotal(notes)).toBe(refunded.neg().toFixed(2));
    const now = await invoiceOf(id);
    expect(cents(now!.Balance)).toBe(new Decimal(String(invoice!.TotalAmount)).minus(refunded).toFixed(2));
    const notesInShop = (await api('GET', `orders/${id}/notes`)) as unknown as Rec[];
    expect(notesInShop.filter((n) => String(n.note).startsWith('Credited in PowerOffice Go'))).toHaveLength(
      2,
    );

    // The rest by setting the status: an amount-only refund that credits everything left.
    await api('PUT', `orders/${id}`, { status: 'refunded' });
    await synced();
    notes = await creditNotes(invoice!.InvoiceNo);
    expect(notes).toHaveLength(3);
    expect(creditNotesTotal(notes)).toBe(new Decimal(String(invoice!.TotalAmount)).neg().toFixed(2));
    expect((await invoiceOf(id))!.Balance).toBe(0);
  }, 240_000);

  it('a refund made before invoicing is credited once the order is invoiced', async () => {
    const order = take();
    const id = String(order.id);
    const refund = await refundUnits(order, 1);
    await api('PUT', `orders/${id}`, { status: 'completed' });
    // The plan counts the invoice it would make as done: it lists the credit note after it.
    const mark = pair.mark();
    const plan = await pair.cli(['plan']);
    expect(plan.code, plan.out).toBe(0);
    expect(plan.out).toContain(`! action invoice source ${id}`);
    expect(plan.out).toContain(`! action credit-note:refund-${String(refund.id)} source ${id}`);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
    await synced();
    const invoice = (await invoiceOf(id))!;
    const notes = await creditNotes(invoice.InvoiceNo);
    expect(notes.map((n) => n.ExternalImportReference)).toEqual([`refund-${String(refund.id)}`]);
    expect(new Decimal(String(notes[0]!.TotalAmount)).abs().toFixed(2)).toBe(
      new Decimal(String(refund.amount)).toFixed(2),
    );
  }, 240_000);

  it('a cancelled draft is deleted; a cancelled invoiced order is credited in full', async () => {
    const draft = take();
    const draftLink = await link(String(draft.id));
    const invoiced = take();
    await api('PUT', `orders/${String(invoiced.id)}`, { status: 'completed' });
    await synced();
    const invoice = (await invoiceOf(String(invoiced.id)))!;

    await api('PUT', `orders/${String(draft.id)}`, { status: 'cancelled' });
    await api('PUT', `orders/${String(invoiced.id)}`, { status: 'cancelled' });
    await synced();
    const orders = (await snapshot(pair)).po.salesorders as Rec[];
    expect(orders.find((o) => o.Id === draftLink.targetId)).toBeUndefined();
    expect((await link(String(draft.id))).actions?.['delete-draft']?.writtenBackAt).toBeDefined();
    const deletedNote = ((await api('GET', `orders/${String(draft.id)}/notes`)) as unknown as Rec[]).filter(
      (n) => String(n.note).startsWith('Draft sales order deleted'),
    );
    expect(deletedNote).toHaveLength(1);

    const notes = await creditNotes(invoice.InvoiceNo);
    expect(notes.map((n) => n.ExternalImportReference)).toEqual([`cancel-${String(invoiced.id)}`]);
    expect(cents(notes[0]!.TotalAmount)).toBe(cents(new Decimal(String(invoice.TotalAmount)).neg()));
    expect((await invoiceOf(String(invoiced.id)))!.Balance).toBe(0);
  }, 240_000);

  it('a credit note cut off after it reached PowerOffice Go is resumed, never made twice', async () => {
    const order = take();
    const id = String(order.id);
    await api('PUT', `orders/${id}`, { status: 'completed' });
    await synced();
    const invoice = (await invoiceOf(id))!;
    const refund = await refundUnits(await api('GET', `orders/${id}`), 1);
    cutOff.operation = 'credit-note';
    expect((await pair.sync()).ok).toBe(false);
    expect(await creditNotes(invoice.InvoiceNo)).toHaveLength(1); // it did reach Go
    const creates = creditNoteRequests().length;
    await synced();
    const notes = await creditNotes(invoice.InvoiceNo);
    expect(notes.map((n) => n.ExternalImportReference)).toEqual([`refund-${String(refund.id)}`]);
    // The resumed attempt's create was answered "already in use" and that draft was taken.
    expect(creditNoteRequests().length - creates).toBe(1);
    expect(
      (await link(id)).actions?.[`credit-note:refund-${String(refund.id)}`]?.writtenBackAt,
    ).toBeDefined();
  }, 240_000);

  it('a second run writes nothing', async () => {
    await synced();
    const mark = pair.mark();
    await synced();
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  }, 240_000);
});

describe('e2e: a per-item action whose each gives no usable keys', () => {
  let pair: Pair;
  afterAll(async () => {
    await pair?.close();
  });

  it('fails the record with MAP_ACTION_EACH; the invoice before it is done, nothing is credited', async () => {
    // The shipped mappings with the credit note's key replaced by one that repeats.
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-each-'));
    cpSync(join(REPO, 'mappings'), dir, { recursive: true });
    const file = join(dir, 'salesorder.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('    key: ref\n');
    writeFileSync(file, text.replace('    key: ref\n', '    key: \'"same"\'\n'));
    pair = await startPair({ shop: { count: 4, seed: 5 }, mappingsDir: dir });
    const product = (await wooApi(pair, 'POST', 'products', {
      name: 'Lampe',
      sku: 'LAMPE-5',
      regular_price: '100.00',
    })) as Rec;
    const res = await fetch(`${pair.woo.url}/__admin/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        billing: { first_name: 'Ola', last_name: 'Each', country: 'NO', email: 'ola.each@example.no' },
        items: [{ product_id: product.id, quantity: 2 }],
        payment_method: 'vipps',
        set_paid: true,
      }),
    });
    const order = (await res.json()) as Rec;
    const line = (order.line_items as Rec[])[0]!;
    for (let i = 0; i < 2; i++)
      await wooApi(pair, 'POST', `orders/${String(order.id)}/refunds`, {
        api_refund: false,
        line_items: [
          {
            id: line.id,
            quantity: 1,
            refund_total: '100.00',
            refund_tax: [{ id: 1, refund_total: '25.00' }],
          },
        ],
      });
    await wooApi(pair, 'PUT', `orders/${String(order.id)}`, { status: 'completed' });
    expect((await pair.sync()).ok).toBe(false);
    const { out } = await pair.cli(['failed', 'salesorder']);
    expect(out).toContain('ACTION_FAILED');
    expect(out).toContain('MAP_ACTION_EACH action "credit-note": two items of `each` have the key "same"');
    const outgoing = (await snapshot(pair)).po.outgoinginvoices as Rec[];
    expect(outgoing.filter((i) => i.ExternalImportReference === String(order.id))).toHaveLength(1);
    expect(outgoing.filter((i) => i.VoucherType === 'OutgoingCreditNote')).toEqual([]);
  }, 240_000);
});
