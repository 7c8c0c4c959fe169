import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isConnectorError } from '../../engine/connectors/errors.ts';
import type { WebhookEvent } from '../../engine/connectors/types.ts';
import { sandboxes } from './helpers.ts';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const { pair, track } = sandboxes();

/** A receiver on loopback answering `status()` to every delivery. */
async function receiver(status: () => number = () => 200) {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.statusCode = status();
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries };
}

const sign = (body: string, secret: string) => createHmac('sha256', secret).update(body).digest('base64');

describe('webhooks.parse', () => {
  it('accepts a correctly signed delivery and parses topic headers', async () => {
    const { connector, sandbox } = await pair();
    const body = JSON.stringify({ id: 7, email: 'a@example.no' });
    const event = connector.webhooks!.parse(
      {
        'X-WC-Webhook-Topic': 'customer.updated',
        'X-WC-Webhook-Resource': 'customer',
        'X-WC-Webhook-Event': 'updated',
        'X-WC-Webhook-Signature': sign(body, sandbox.webhookSecret),
        'X-WC-Webhook-Delivery-ID': 'abc',
      },
      Buffer.from(body),
    );
    expect(event).toEqual({
      type: 'change',
      entity: 'customer',
      event: 'updated',
      id: '7',
      record: { id: 7, email: 'a@example.no' },
      deliveryId: 'abc',
    });
  });

  it('rejects forged, tampered and unsigned deliveries as auth errors; accepts the unsigned ping', async () => {
    const { connector, sandbox } = await pair();
    const body = JSON.stringify({ id: 1 });
    const headers = { 'x-wc-webhook-topic': 'order.deleted' };
    const parse = (h: Record<string, string>, b: string) => connector.webhooks!.parse(h, Buffer.from(b));
    const expectAuth = (fn: () => unknown) => {
      let error: unknown;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      expect(isConnectorError(error, 'auth')).toBe(true);
    };
    expectAuth(() => parse({ ...headers, 'x-wc-webhook-signature': sign(body, 'not-the-secret') }, body));
    expectAuth(() =>
      parse({ ...headers, 'x-wc-webhook-signature': sign(body, sandbox.webhookSecret) }, `${body} `),
    );
    expectAuth(() => parse({ ...headers, 'x-wc-webhook-signature': 'short' }, body));
    expectAuth(() => parse(headers, body));
    expectAuth(() => parse({}, body));
    // A ping carries no X-WC headers and no signature.
    expect(parse({ 'content-type': 'application/x-www-form-urlencoded' }, 'webhook_id=12')).toEqual({
      type: 'ping',
      webhookId: '12',
    });
    // "webhook_id=…" with X-WC headers is not a ping.
    expectAuth(() => parse({ 'x-wc-webhook-topic': 'order.updated' }, 'webhook_id=12'));
    const deleted = parse({ ...headers, 'x-wc-webhook-signature': sign(body, sandbox.webhookSecret) }, body);
    expect(deleted).toEqual({ type: 'change', entity: 'order', event: 'deleted', id: '1' });
  });
});

describe('sandbox webhook delivery', () => {
  it('pings on create, delivers signed coalesced payloads the connector verifies', async () => {
    const { sandbox, connector } = await pair({ webhookDelayMs: 600_000 }); // delivered only by flush(): no timer races
    const hook = await receiver();
    const auth = `Basic ${Buffer.from(`${sandbox.consumerKey}:${sandbox.consumerSecret}`).toString('base64')}`;
    const r = await fetch(`${sandbox.apiUrl}/webhooks`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sync', topic: 'customer.updated', delivery_url: hook.url }),
    });
    expect(r.status).toBe(201);
    const created = (await r.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      status: 'active',
      topic: 'customer.updated',
      resource: 'customer',
      event: 'updated',
    });
    expect(created.failure_count).toBeUndefined();
    await sandbox.hub.flush();
    expect(hook.deliveries).toHaveLength(1);
    const ping = hook.deliveries[0]!;
    expect(ping.body.toString()).toBe(`webhook_id=${created.id}`);
    expect(Object.keys(ping.headers).some((k) => k.startsWith('x-wc-'))).toBe(false);
    expect(connector.webhooks!.parse(ping.headers, ping.body)).toEqual({
      type: 'ping',
      webhookId: String(created.id),
    });

    const customer = await connector.create('customer', { email: 'w@example.no' });
    await connector.update('customer', String(customer.id), [
      { op: 'replace', path: '/first_name', value: 'One' },
    ]);
    await connector.update('customer', String(customer.id), [
      { op: 'replace', path: '/first_name', value: 'Two' },
    ]);
    await sandbox.hub.flush();
    const changes = hook.deliveries.slice(1);
    expect(changes).toHaveLength(1); // two updates coalesced; the create topic is not subscribed
    const delivery = changes[0]!;
    expect(delivery.headers['x-wc-webhook-topic']).toBe('customer.updated');
    expect(delivery.headers['x-wc-webhook-id']).toBe(String(created.id));
    expect(delivery.headers['x-wc-webhook-source']).toBe(`${sandbox.url}/`);
    expect(delivery.headers['user-agent']).toMatch(/^WooCommerce\/[\d.]+ Hookshot \(WordPress\/[\d.]+\)$/);
    expect(delivery.headers['x-wc-webhook-delivery-id']).toMatch(/^[0-9a-f]{32}$/);
    const event = connector.webhooks!.parse(delivery.headers, delivery.body) as Extract<
      WebhookEvent,
      { type: 'change' }
    >;
    expect(event).toMatchObject({
      type: 'change',
      entity: 'customer',
      event: 'updated',
      id: String(customer.id),
    });
    expect(event.record!.first_name).toBe('Two'); // payload built at delivery time
  });

  it('deleted payload is {"id": N}; admin edits fire webhooks too', async () => {
    const { sandbox, connector } = await pair({ seed: { count: 4, seed: 1 }, webhookDelayMs: 600_000 });
    const hook = await receiver();
    const { createWebhook } = await import('../../sandbox/woocommerce/webhooks.ts');
    createWebhook(
      sandbox.state,
      sandbox.hub,
      { topic: 'product.deleted', delivery_url: hook.url },
      sandbox.webhookSecret,
    );
    createWebhook(
      sandbox.state,
      sandbox.hub,
      { topic: 'order.updated', delivery_url: hook.url },
      sandbox.webhookSecret,
    );
    await sandbox.hub.flush();
    await connector.remove('product', '1', 'delete');
    const patch = await fetch(`${sandbox.adminUrl}/records/orders/2`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'completed' }),
    });
    expect(patch.status).toBe(200);
    const flushed = await fetch(`${sandbox.adminUrl}/webhooks/flush`, { method: 'POST' });
    expect(((await flushed.json()) as { delivered: number }).delivered).toBe(2);
    const bodies = hook.deliveries
      .slice(2)
      .map((d) => [d.headers['x-wc-webhook-topic'], JSON.parse(d.body.toString())]);
    expect(bodies).toContainEqual(['product.deleted', { id: 1 }]);
    const order = bodies.find(([topic]) => topic === 'order.updated')![1] as Record<string, unknown>;
    expect(order).toMatchObject({ id: 2, status: 'completed' });
  });

  it('no retries; failure_count grows, a success resets it, and the 7th failure in a row disables the hook', async () => {
    const { sandbox, connector } = await pair({ seed: { count: 2, seed: 1 } });
    let answer = 500;
    const hook = await receiver(() => answer);
    const { createWebhook } = await import('../../sandbox/woocommerce/webhooks.ts');
    createWebhook(
      sandbox.state,
      sandbox.hub,
      { topic: 'customer.updated', delivery_url: hook.url },
      sandbox.webhookSecret,
    );
    await sandbox.hub.flush();
    const state = () => sandbox.state.data.webhooks[0]!;
    const touch = async (i: number) => {
      await connector.update('customer', '1', [{ op: 'replace', path: '/first_name', value: `v${i}` }]);
      await sandbox.hub.flush();
    };
    await touch(0);
    await touch(1);
    expect(state().failure_count).toBe(2);
    answer = 200;
    await touch(2);
    expect(state().failure_count).toBe(0);
    answer = 404;
    for (let i = 3; i < 9; i++) await touch(i);
    expect([state().status, state().failure_count]).toEqual(['active', 6]);
    await touch(9);
    expect(state().status).toBe('disabled');
    const deliveries = hook.deliveries.length;
    await touch(10);
    expect(hook.deliveries.length).toBe(deliveries); // disabled: nothing more is sent
  });
});
