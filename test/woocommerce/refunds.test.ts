/**
 * Refunds through the REST API and the admin path, and what they do to the order: status,
 * `refunds[]`, `date_modified`, the `order.updated` webhook, stock and gateway refunds.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { WooSandbox } from '../../sandbox/woocommerce/index.ts';
import { adminApi, api, sandboxes } from './helpers.ts';

type Json = Record<string, unknown>;

let clock = Date.parse('2026-03-01T10:00:00Z');
const box = sandboxes({ webhookDelayMs: 600_000, now: () => new Date(clock) });
const shop = () => box.start();
async function receiver(): Promise<{ url: string; topics: string[] }> {
  const topics: string[] = [];
  const server = createServer((req, res) => {
    topics.push(String(req.headers['x-wc-webhook-topic'] ?? 'ping'));
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  box.track(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, topics };
}

/** A paid order: 2 × 100.00 net (25 %) with managed stock 10, shipping 50.00. */
async function paidOrder(s: WooSandbox, paymentMethod = 'vipps') {
  const p = (
    await api(s, 'POST', 'products', {
      name: 'Lue',
      sku: 'LUE',
      regular_price: '100.00',
      manage_stock: true,
      stock_quantity: 10,
    })
  ).body;
  const order = (
    await adminApi(s, 'checkout', {
      billing: { first_name: 'Kari', country: 'NO', email: 'kari@example.no' },
      items: [{ product_id: p.id, quantity: 2 }],
      shipping_line: { method_id: 'flat_rate', cost: '50.00' },
      payment_method: paymentMethod,
      payment_method_title: paymentMethod,
      set_paid: true,
      transaction_id: 'tx-1',
    })
  ).body;
  return { product: p, order };
}

describe('refunds', () => {
  it('a partial line refund, then the rest: amounts, items, status, refunds[], stock, date_modified, webhook', async () => {
    const s = await shop();
    const hook = await receiver();
    await api(s, 'POST', 'webhooks', { topic: 'order.updated', delivery_url: hook.url });
    const { product, order } = await paidOrder(s);
    expect(order).toMatchObject({ status: 'processing', total: '312.50', transaction_id: 'tx-1' });
    expect((await api(s, 'GET', `products/${product.id}`)).body.stock_quantity).toBe(8);
    await s.hub.flush();
    hook.topics.length = 0;
    const line = (order.line_items as Json[])[0]!;

    clock += 60_000;
    const partial = await api(s, 'POST', `orders/${order.id}/refunds`, {
      reason: 'Feil størrelse',
      line_items: [
        { id: line.id, quantity: 1, refund_total: '100.00', refund_tax: [{ id: 1, refund_total: '25.00' }] },
      ],
    });
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({
      amount: '125.00', // computed from the lines: net + tax
      reason: 'Feil størrelse',
      refunded_payment: true, // Vipps refunds through its gateway
    });
    const refundLine = (partial.body.line_items as Json[])[0]!;
    expect(refundLine).toMatchObject({
      quantity: -1,
      total: '-100.00',
      total_tax: '-25.00',
      subtotal: '-100.00',
    });
    expect(refundLine.taxes).toEqual([{ id: 1, total: '-25', subtotal: '-25' }]);
    expect(refundLine.meta_data).toContainEqual(
      expect.objectContaining({ key: '_refunded_item_id', value: String(line.id) }),
    );
    expect(partial.body.tax_lines as Json[]).toMatchObject([{ rate_id: 1, tax_total: '-25.00' }]);

    let now = (await api(s, 'GET', `orders/${order.id}`)).body;
    expect(now.status).toBe('processing'); // partial: status unchanged
    expect(now.refunds).toEqual([{ id: partial.body.id, reason: 'Feil størrelse', total: '-125.00' }]);
    expect(now.date_modified_gmt).not.toBe(order.date_modified_gmt);
    expect((await api(s, 'GET', `products/${product.id}`)).body.stock_quantity).toBe(9); // restocked
    await s.hub.flush();
    expect(hook.topics).toEqual(['order.updated']);

    const tooMuch = await api(s, 'POST', `orders/${order.id}/refunds`, { amount: '187.51' });
    expect([tooMuch.status, tooMuch.body.code, tooMuch.body.message]).toEqual([
      500,
      'woocommerce_rest_cannot_create_order_refund',
      'Invalid refund amount.',
    ]);
    const negative = await api(s, 'POST', `orders/${order.id}/refunds`, { amount: '-1' });
    expect([negative.status, negative.body.code]).toEqual([400, 'woocommerce_rest_invalid_order_refund']);

    const rest = await api(s, 'POST', `orders/${order.id}/refunds`, { amount: '187.50', api_refund: false });
    expect(rest.body).toMatchObject({ amount: '187.50', refunded_payment: false, line_items: [] });
    now = (await api(s, 'GET', `orders/${order.id}`)).body;
    expect(now.status).toBe('refunded');
    expect((now.refunds as Json[]).map((r) => r.total)).toEqual(['-187.50', '-125.00']);

    const list = await api(s, 'GET', `orders/${order.id}/refunds`);
    expect(list.headers.get('x-wp-total')).toBe('2');
    expect((await api(s, 'GET', `orders/${order.id}/refunds/${rest.body.id}`)).body.amount).toBe('187.50');
    const all = (await api(s, 'GET', 'refunds')).body;
    expect(all.map((r) => r.parent_id)).toEqual([order.id, order.id]);

    expect((await api(s, 'DELETE', `orders/${order.id}/refunds/${rest.body.id}?force=false`)).status).toBe(
      501,
    );
    hook.topics.length = 0;
    const deleted = await api(s, 'DELETE', `orders/${order.id}/refunds/${rest.body.id}`);
    expect(deleted.status).toBe(200);
    expect((await api(s, 'GET', `orders/${order.id}/refunds/${rest.body.id}`)).status).toBe(404);
    expect(((await api(s, 'GET', `orders/${order.id}`)).body.refunds as Json[]).length).toBe(1);
    await s.hub.flush();
    expect(hook.topics).toEqual(['order.updated']);
  });

  it('a gateway without refunds makes api_refund fail; the admin path and a hand-set "refunded" status', async () => {
    const s = await shop();
    const { order } = await paidOrder(s, 'bacs');
    const refused = await api(s, 'POST', `orders/${order.id}/refunds`, { amount: '10.00' });
    expect([refused.status, refused.body.message]).toEqual([
      500,
      'The payment gateway for this order does not support automatic refunds.',
    ]);
    expect((await api(s, 'GET', `orders/${order.id}/refunds`)).body).toEqual([]);
    const manual = await adminApi(s, `orders/${order.id}/refunds`, {
      amount: '10.00',
      api_refund: false,
      reason: 'Rabatt',
    });
    expect(manual.body).toMatchObject({ amount: '10.00', reason: 'Rabatt', refunded_payment: false });

    await api(s, 'PUT', `orders/${order.id}`, { status: 'refunded' });
    const refunds = (await api(s, 'GET', `orders/${order.id}/refunds`)).body;
    expect(refunds[0]).toMatchObject({
      amount: '302.50',
      reason: 'Order fully refunded.',
      refunded_payment: false,
    });
    const notes = (await api(s, 'GET', `orders/${order.id}/notes`)).body.map((n) => n.note);
    expect(notes.some((n) => String(n).startsWith('Order status set to refunded.'))).toBe(true);
  });
});
