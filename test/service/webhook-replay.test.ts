/**
 * Webhook details (issue 9 item 8). The topic headers are not signed: a captured delivery
 * replayed with another topic used to be accepted as that topic. Now the signed body decides
 * what it can prove (a whole record is not a delete, and shows which resource it is), and a
 * delivery id seen in the last minutes is not done twice — in bounded time and memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isConnectorError } from '../../engine/connectors/errors.ts';
import { signBody, webhookReceiver } from '../../engine/connectors/woocommerce/webhooks.ts';
import { RecentDeliveries } from '../../engine/service/recent-deliveries.ts';
import { buildService, delivery, FakeEngine, mapping, type TestService, WEBHOOK_SECRET } from './fakes.ts';

const receiver = webhookReceiver(WEBHOOK_SECRET);

function parse(topic: string, body: Record<string, unknown>) {
  const raw = JSON.stringify(body);
  const [resource, event] = topic.split('.');
  return receiver.parse(
    {
      'x-wc-webhook-topic': topic,
      'x-wc-webhook-resource': resource!,
      'x-wc-webhook-event': event!,
      'x-wc-webhook-signature': signBody(raw, WEBHOOK_SECRET),
    },
    Buffer.from(raw),
  );
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isConnectorError(error, 'validation')) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

const product = { id: 5, name: 'Kopp', sku: 'KOPP-1', type: 'simple', regular_price: '10' };
const order = { id: 5, order_key: 'wc_order_x', status: 'processing', line_items: [] };
const customer = { id: 5, email: 'kari@example.no', username: 'kari', role: 'customer' };

describe('the topic header is trusted only as far as the signed body bears it out', () => {
  it('a whole record replayed under another resource’s topic is refused', () => {
    expect(refusal(() => parse('customer.updated', product))).toBe(
      'woocommerce: the topic header names a customer but the signed body is a product (a delivery replayed with another topic?)',
    );
    expect(refusal(() => parse('product.created', order))).toMatch(
      /names a product but the signed body is a order/,
    );
    expect(refusal(() => parse('order.updated', customer))).toMatch(/signed body is a customer/);
    expect(refusal(() => parse('customer.updated', { id: 5, name: 'x' }))).toMatch(
      /the signed body does not show that it is a customer/,
    );
    expect(parse('product.updated', product)).toMatchObject({ entity: 'product', event: 'updated', id: '5' });
    expect(parse('order.created', order)).toMatchObject({ entity: 'order', event: 'created' });
    expect(parse('customer.restored', customer)).toMatchObject({ entity: 'customer', event: 'restored' });
  });

  it('the body decides whether it is a delete: a whole record never is, {"id": N} always is', () => {
    expect(parse('product.deleted', product)).toEqual({
      type: 'change',
      entity: 'product',
      event: 'updated',
      id: '5',
      record: product,
    });
    expect(parse('product.updated', { id: 5 })).toEqual({
      type: 'change',
      entity: 'product',
      event: 'deleted',
      id: '5',
    });
  });
});

describe('deliveries de-duplicated by X-WC-Webhook-Delivery-ID', () => {
  const running: TestService[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });

  it('the same delivery twice is done once; another id is done again', async () => {
    const engine = new FakeEngine([mapping('customers')]);
    engine.itemDelayMs = 1000;
    const built = await buildService(engine);
    running.push(built);
    const post = (d: ReturnType<typeof delivery>) =>
      built.service.app.inject({
        method: 'POST',
        url: '/webhooks/shop',
        headers: d.headers,
        payload: d.payload,
      });
    const first = delivery('customer.updated', customer);
    expect((await post(first)).json()).toMatchObject({ queued: 1 });
    const again = await post(first);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ok: true, queued: 0, duplicate: true });
    const other = delivery('customer.updated', { ...customer, email: 'kari@example.com' });
    expect((await post(other)).json()).not.toHaveProperty('duplicate');
    const metrics = await built.service.context.metrics.text();
    expect(metrics).toMatch(/mapsync_webhooks_total\{system="shop",result="duplicate"\} 1/);
  });

  it('remembers ids for a bounded time and a bounded number of ids', () => {
    let now = 0;
    const recent = new RecentDeliveries(1000, 3, () => now);
    expect(recent.seenBefore('a')).toBe(false);
    expect(recent.seenBefore('a')).toBe(true);
    now = 999;
    expect(recent.seenBefore('a')).toBe(true);
    now = 1000;
    expect(recent.seenBefore('a')).toBe(false); // the window passed
    for (const id of ['b', 'c', 'd']) recent.seenBefore(id);
    expect(recent.size).toBe(3);
    expect(recent.seenBefore('a')).toBe(false); // the oldest went first
    expect(recent.seenBefore('d')).toBe(true);
  });
});
