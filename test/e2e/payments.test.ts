/**
 * Payments (issue 12, order to cash) through the shipped salesorder mapping's `payment` and
 * `refund-payment` actions, on both real sandboxes:
 * - `plan` lists an order's invoice and its payment and sends nothing;
 * - a paid, completed order is invoiced and its payment becomes a bank voucher on the payment
 *   method's account (Vipps 1903, Klarna 1904, Stripe 1902) that settles the invoice:
 *   Balance 0, a note on the shop order;
 * - a bank transfer awaited (on-hold) stays out of PowerOffice Go; once paid it is booked on 1920;
 * - money paid back through the gateway settles the refund's credit note; a refund made by
 *   hand leaves the credit note open (money owed to the buyer);
 * - a payment cut off after it reached PowerOffice Go is resumed (with the value stored with
 *   its intent), never posted twice;
 * - an invoice settled by hand in PowerOffice Go first counts as done, with a note;
 * - a second run writes nothing.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../engine/connectors/registry.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { accountIdOf } from '../../sandbox/poweroffice-go/client-setup.ts';
import { snapshot } from './helpers/checks.ts';
import { cutOff, cuttable } from './helpers/cut-off.ts';
import { type Pair, startPair } from './helpers/pair.ts';
import { wooApi } from './helpers/woo-api.ts';

type Rec = Record<string, unknown>;

const cents = (v: unknown) => new Decimal(String(v)).toFixed(2);

describe('e2e: payments become bank vouchers that settle invoices', () => {
  let pair: Pair;
  let lamp: Rec;

  const api = async (method: string, route: string, body?: Rec) =>
    (await wooApi(pair, method, route, body)) as Rec;
  const po = async () => (await snapshot(pair)).po;
  const invoiceOf = async (orderId: unknown) =>
    ((await po()).outgoinginvoices as Rec[]).find(
      (i) => i.ExternalImportReference === String(orderId) && i.VoucherType === 'OutgoingInvoice',
    );
  const vouchersOf = async (ref: string) =>
    ((await po()).bankvouchers as Rec[]).filter((v) => v.ExternalImportReference === ref);
  const voucherPosts = () =>
    pair.requests().po.filter((r) => r.method === 'POST' && /vouchers\/bankjournals/i.test(r.path));
  const notes = async (orderId: unknown, start: string) =>
    ((await api('GET', `orders/${String(orderId)}/notes`)) as unknown as Rec[])
      .map((n) => String(n.note))
      .filter((n) => n.startsWith(start));
  const link = async (orderId: unknown) => {
    const opened = await pair.open();
    try {
      return (await new MappingState('salesorder', opened.store).getLink(String(orderId)))!;
    } finally {
      await opened.close();
    }
  };
  const synced = async () => {
    const summary = await pair.sync();
    if (!summary.ok) expect.fail((await pair.cli(['failed'])).out);
  };
  /** An order placed at the checkout: 2 lamps and shipping, paid unless `paid: false`. */
  const place = async (payment_method: string, title: string, paid = true, i = Math.random()) => {
    const res = await fetch(`${pair.woo.url}/__admin/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        billing: { first_name: 'Ola', last_name: `Betaler`, country: 'NO', email: `ola${i}@example.no` },
        items: [{ product_id: lamp.id, quantity: 2 }],
        shipping_line: { method_id: 'flat_rate', cost: '49.00' },
        payment_method,
        payment_method_title: title,
        ...(paid
          ? { set_paid: true, transaction_id: `tx-${payment_method}-${String(i)}` }
          : { status: 'on-hold' }),
      }),
    });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as Rec;
  };
  const complete = (order: Rec) => api('PUT', `orders/${String(order.id)}`, { status: 'completed' });

  beforeAll(async () => {
    const registry = new ConnectorRegistry().add(cuttable('woocommerce')).add(cuttable('poweroffice-go'));
    pair = await startPair({ shop: { count: 0, seed: 3 }, registry });
    lamp = await api('POST', 'products', { name: 'Lampe', sku: 'LAMPE-P', regular_price: '79.90' });
  }, 180_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('plan lists the invoice and the payment of a paid, completed order and sends nothing', async () => {
    const order = await place('vipps', 'Vipps', true, 1);
    await synced(); // the draft sales order
    await complete(order);
    const mark = pair.mark();
    const { code, out } = await pair.cli(['plan']);
    expect(code, out).toBe(0);
    expect(out).toMatch(new RegExp(`! action invoice source ${String(order.id)}\\b`));
    expect(out).toMatch(new RegExp(`! action payment source ${String(order.id)}\\b`));
    expect(out).toContain('2 action(s) to run (invoice 1, payment 1)');
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  }, 240_000);

  it('a paid, completed order: its payment on the method account settles the invoice (Balance 0)', async () => {
    const vipps = (await api('GET', 'orders?status=completed')) as unknown as Rec[];
    const klarna = await place('kco', 'Klarna', true, 2);
    const stripe = await place('stripe', 'Credit Card (Stripe)', true, 3);
    await complete(klarna);
    await complete(stripe);
    await synced();
    for (const [order, account] of [
      [vipps[0]!, 1903],
      [klarna, 1904],
      [stripe, 1902],
    ] as const) {
      const id = String(order.id);
      const invoice = (await invoiceOf(id))!;
      expect(invoice.Balance, `order ${id}`).toBe(0);
      const [voucher, ...more] = await vouchersOf(`woo-pay-${id}`);
      expect(more).toEqual([]);
      const lines = voucher!.VoucherLines as Rec[];
      expect(lines[0]!.AccountId).toBe(accountIdOf(account));
      expect(cents(lines[0]!.CurrencyAmount)).toBe(cents(order.total));
      expect(lines[1]!.InvoiceNo).toBe(String(invoice.InvoiceNo));
      expect(await notes(id, 'Payment registered')).toEqual([
        `Payment registered in PowerOffice Go: ${String(order.total)} NOK on account ${account} for invoice no. ${String(invoice.InvoiceNo)} (voucher no. ${String(voucher!.VoucherNo)})`,
      ]);
      expect((await link(id)).actions?.payment?.result).toMatchObject({
        SettledBy: 'mapsync',
        AccountNo: account,
      });
    }
  }, 240_000);

  it('a bank transfer awaited stays out of PowerOffice Go; once paid and completed it is booked on 1920', async () => {
    const order = await place('bacs', 'Direct bank transfer', false, 4);
    expect(order.status).toBe('on-hold');
    await synced();
    expect(await invoiceOf(order.id)).toBeUndefined();
    expect(await vouchersOf(`woo-pay-${String(order.id)}`)).toEqual([]);
    await api('PUT', `orders/${String(order.id)}`, { set_paid: true });
    await complete(order);
    await synced();
    expect((await invoiceOf(order.id))!.Balance).toBe(0);
    const [voucher] = await vouchersOf(`woo-pay-${String(order.id)}`);
    expect((voucher!.VoucherLines as Rec[])[0]!.AccountId).toBe(accountIdOf(1920));
  }, 240_000);

  it('money paid back through the gateway settles the credit note; a refund by hand leaves it open', async () => {
    const order = await place('vipps', 'Vipps', true, 5);
    await complete(order);
    await synced();
    const full = await api('GET', `orders/${String(order.id)}`);
    const line = (full.line_items as Rec[])[0]!;
    const refund = (viaGateway: boolean) =>
      api('POST', `orders/${String(order.id)}/refunds`, {
        reason: viaGateway ? 'Angret' : 'Kulanse',
        api_refund: viaGateway,
        line_items: [
          {
            id: line.id,
            quantity: 1,
            refund_total: cents(new Decimal(String(line.total)).dividedBy(2)),
            refund_tax: (line.taxes as Rec[]).map((t) => ({
              id: t.id,
              refund_total: cents(new Decimal(String(t.total)).dividedBy(2)),
            })),
          },
        ],
      });
    const back = await refund(true);
    expect(back.refunded_payment).toBe(true);
    const kept = await refund(false);
    expect(kept.refunded_payment).toBe(false);
    await synced();
    const invoice = (await invoiceOf(order.id))!;
    const credits = ((await po()).outgoinginvoices as Rec[]).filter(
      (i) => i.RelatedInvoiceNo === invoice.InvoiceNo,
    );
    const byRef = (ref: string) => credits.find((c) => c.ExternalImportReference === ref)!;
    expect(byRef(`refund-${String(back.id)}`).Balance).toBe(0);
    expect(cents(byRef(`refund-${String(kept.id)}`).Balance)).toBe(
      cents(new Decimal(String(kept.amount)).neg()),
    );
    expect(invoice.Balance).toBe(0);
    const [voucher] = await vouchersOf(`woo-refpay-${String(back.id)}`);
    expect((voucher!.VoucherLines as Rec[]).map((l) => cents(l.CurrencyAmount))).toEqual([
      cents(new Decimal(String(back.amount)).neg()),
      cents(back.amount),
    ]);
    expect(await vouchersOf(`woo-refpay-${String(kept.id)}`)).toEqual([]);
    expect(await notes(order.id, 'Refund payment registered')).toHaveLength(1);
  }, 240_000);

  it('a payment cut off after it reached PowerOffice Go is resumed, never posted twice', async () => {
    const order = await place('kco', 'Klarna', true, 6);
    await complete(order);
    cutOff.operation = 'register-payment';
    cutOff.how = 'cut';
    expect((await pair.sync()).ok).toBe(false);
    expect(await vouchersOf(`woo-pay-${String(order.id)}`)).toHaveLength(1); // it did reach Go
    const opened = await pair.open();
    const intent = await new MappingState('salesorder', opened.store).getActionIntent(
      'payment',
      String(order.id),
    );
    await opened.close();
    expect(intent?.value).toMatchObject({
      ExternalImportReference: `woo-pay-${String(order.id)}`,
      Amount: order.total,
    });
    const posts = voucherPosts().length;
    await synced();
    // Resumed: the invoice was settled by our voucher already; nothing posted again.
    expect(voucherPosts().length).toBe(posts);
    expect(await vouchersOf(`woo-pay-${String(order.id)}`)).toHaveLength(1);
    expect((await link(order.id)).actions?.payment?.writtenBackAt).toBeDefined();
    expect(await notes(order.id, 'Payment registered')).toHaveLength(1);
  }, 240_000);

  it('an invoice settled by hand in PowerOffice Go counts as done, with a note on the order', async () => {
    const order = await place('stripe', 'Credit Card (Stripe)', true, 7);
    await complete(order);
    cutOff.operation = 'register-payment';
    cutOff.how = 'refuse';
    expect((await pair.sync()).ok).toBe(false);
    const invoice = (await invoiceOf(order.id))!;
    expect(invoice.Balance).toBeGreaterThan(0);
    // The accountant registers the payment in PowerOffice Go.
    const customer = ((await po()).customers as Rec[]).find((c) => c.Id === invoice.CustomerId)!;
    const date = String(invoice.VoucherDate);
    const posted = await fetch(`${pair.po.adminUrl}/records/bankvoucher`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        CurrencyCode: 'NOK',
        VoucherDate: date,
        ExternalImportReference: 'manual-stripe-1',
        VoucherLines: [
          { AccountId: accountIdOf(1902), PostingDate: date, VatId: 10, CurrencyAmount: invoice.TotalAmount },
          {
            AccountId: customer.SubledgerAccountId,
            PostingDate: date,
            VatId: 10,
            CurrencyAmount: -(invoice.TotalAmount as number),
            InvoiceNo: String(invoice.InvoiceNo),
          },
        ],
      }),
    });
    expect(posted.status).toBeLessThan(300);
    expect((await invoiceOf(order.id))!.Balance).toBe(0);
    const summary = await pair.sync({ retryAllNow: true });
    expect(summary.ok).toBe(true);
    expect(await vouchersOf(`woo-pay-${String(order.id)}`)).toEqual([]);
    expect(await notes(order.id, 'Invoice no.')).toEqual([
      `Invoice no. ${String(invoice.InvoiceNo)} was settled in PowerOffice Go already: no payment registered`,
    ]);
    expect((await link(order.id)).actions?.payment?.result).toMatchObject({ SettledBy: 'PowerOffice Go' });
  }, 240_000);

  it('a second run writes nothing', async () => {
    await synced();
    const mark = pair.mark();
    await synced();
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  }, 240_000);
});

describe('e2e: payments turned off', () => {
  let pair: Pair;
  afterAll(async () => {
    await pair?.close();
  });

  it('with payments_enabled false, invoices stay open and no voucher is posted', async () => {
    pair = await startPair({ shop: { count: 0, seed: 4 }, payments: false });
    const lamp = (await wooApi(pair, 'POST', 'products', {
      name: 'Lampe',
      sku: 'LAMPE-Q',
      regular_price: '79.90',
    })) as Rec;
    const res = await fetch(`${pair.woo.url}/__admin/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        billing: { first_name: 'Kari', last_name: 'Av', country: 'NO', email: 'kari.av@example.no' },
        items: [{ product_id: lamp.id, quantity: 1 }],
        payment_method: 'vipps',
        payment_method_title: 'Vipps',
        set_paid: true,
        status: 'completed',
      }),
    });
    const order = (await res.json()) as Rec;
    expect(order.status).toBe('completed');
    expect((await pair.sync()).ok).toBe(true);
    const { po } = await snapshot(pair);
    const invoice = (po.outgoinginvoices as Rec[]).find(
      (i) => i.ExternalImportReference === String(order.id),
    )!;
    expect(cents(invoice.Balance)).toBe(cents(order.total));
    expect(po.bankvouchers).toEqual([]);
  }, 240_000);
});
