/**
 * The connector reads an order's refunds in full (`GET /orders/<id>/refunds`) into the order
 * record: `refund_details` (oldest first, items with `refunded_item_id`, an amount-only full
 * refund given the items it implies) and `refund_remaining` (what is not refunded yet).
 */
import { describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import type { WooSandbox } from '../../sandbox/woocommerce/index.ts';
import { adminApi, api, collect, sandboxes } from './helpers.ts';

type Json = Record<string, unknown>;
const box = sandboxes();

/** A paid Vipps order: 2 × 100.00 net (25 %), shipping 50.00 net; total 312.50. */
async function paidOrder(s: WooSandbox) {
  const p = (await api(s, 'POST', 'products', { name: 'Lue', sku: 'LUE', regular_price: '100.00' })).body;
  return (
    await adminApi(s, 'checkout', {
      billing: { first_name: 'Kari', country: 'NO', email: 'kari@example.no' },
      items: [{ product_id: p.id, quantity: 2 }],
      shipping_line: { method_id: 'flat_rate', cost: '50.00' },
      payment_method: 'vipps',
      payment_method_title: 'Vipps',
      set_paid: true,
      transaction_id: 'tx-1',
    })
  ).body;
}

describe('WooCommerce connector: refund details', () => {
  it('reads refunded lines, shipping and the implied rest of a full refund into the order, on get and list', async () => {
    const { sandbox: s, connector } = await box.pair();
    const order = await paidOrder(s);
    const line = (order.line_items as Json[])[0]!;
    const shipping = (order.shipping_lines as Json[])[0]!;

    const fresh = (await connector.get('order', String(order.id)))!;
    expect(fresh.refund_details).toEqual([]);
    expect(fresh.refund_remaining).toEqual({
      line_items: [
        expect.objectContaining({
          refunded_item_id: line.id,
          product_id: line.product_id,
          quantity: -2,
          total: '-200.00',
          total_tax: '-50.00',
        }),
      ],
      shipping_lines: [
        expect.objectContaining({
          refunded_item_id: shipping.id,
          quantity: -1,
          total: '-50.00',
          total_tax: '-12.50',
        }),
      ],
      fee_lines: [],
    });

    const first = await api(s, 'POST', `orders/${order.id}/refunds`, {
      reason: 'Feil størrelse',
      line_items: [
        { id: line.id, quantity: 1, refund_total: '100.00', refund_tax: [{ id: 1, refund_total: '25.00' }] },
        { id: shipping.id, refund_total: '50.00', refund_tax: [{ id: 1, refund_total: '12.50' }] },
      ],
    });
    expect(first.status).toBe(201);
    // The rest by setting the status: a refund of the amount alone.
    expect((await api(s, 'PUT', `orders/${order.id}`, { status: 'refunded' })).body.status).toBe('refunded');

    const read = (await connector.get('order', String(order.id)))!;
    const details = read.refund_details as Json[];
    expect(details).toHaveLength(2);
    expect(details[0]).toMatchObject({
      id: first.body.id,
      amount: '187.50',
      reason: 'Feil størrelse',
      refunded_payment: true,
      implied_items: false,
      line_items: [{ refunded_item_id: line.id, quantity: -1, total: '-100.00', total_tax: '-25.00' }],
      shipping_lines: [{ refunded_item_id: shipping.id, quantity: -1, total: '-50.00', total_tax: '-12.50' }],
      fee_lines: [],
    });
    expect(details[1]).toMatchObject({
      amount: '125.00',
      reason: 'Order fully refunded.',
      refunded_payment: false,
      implied_items: true,
      line_items: [{ refunded_item_id: line.id, quantity: -1, total: '-100.00', total_tax: '-25.00' }],
      shipping_lines: [],
    });
    expect(read.refund_remaining).toEqual({ line_items: [], shipping_lines: [], fee_lines: [] });

    const listed = (await collect(connector.list('order'))).flatMap((p) => p.records) as EntityRecord[];
    expect(listed.find((o) => o.id === order.id)?.refund_details).toEqual(details);
    const many = await connector.getMany!('order', [String(order.id)]);
    expect(many[0]!.refund_details).toEqual(details);
  });

  it('keeps a partial refund of an amount alone without items, and what is left unrefunded', async () => {
    const { sandbox: s, connector } = await box.pair();
    const order = await paidOrder(s);
    expect((await api(s, 'POST', `orders/${order.id}/refunds`, { amount: '10.00' })).status).toBe(201);
    const read = (await connector.get('order', String(order.id)))!;
    expect(read.refund_details).toMatchObject([
      { amount: '10.00', implied_items: false, line_items: [], shipping_lines: [], fee_lines: [] },
    ]);
    expect((read.refund_remaining as Json).line_items).toMatchObject([{ quantity: -2, total: '-200.00' }]);
  });
});
