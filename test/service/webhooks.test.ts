import { afterEach, describe, expect, it } from 'vitest';
import {
  buildService,
  delivery,
  FakeEngine,
  mapping,
  type TestService,
  WEBHOOK_SECRET,
  waitFor,
} from './fakes.ts';

const running: TestService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function setup(options: Parameters<typeof buildService>[1] = {}) {
  const engine = new FakeEngine([
    mapping('customers'),
    mapping('orders', {
      source: { system: 'shop', entity: 'order' },
      target: { system: 'accounting', entity: 'salesorder' },
      direction: 'one-way',
    }),
    mapping('products', {
      source: { system: 'accounting', entity: 'product' },
      target: { system: 'shop', entity: 'product' },
      direction: 'two-way',
    }),
  ]);
  const built = await buildService(engine, options);
  running.push(built);
  return built;
}

describe('POST /webhooks/:system', () => {
  it('answers the unsigned webhook_id ping with exactly 200 and queues nothing', async () => {
    const { service, engine } = await setup({ start: false });
    const response = await service.app.inject({
      method: 'POST',
      url: '/webhooks/woocommerce',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'webhook_id=7',
    });
    expect(response.statusCode).toBe(200);
    expect(service.queue.size()).toBe(0);
    expect(engine.items).toHaveLength(0);
  });

  it('rejects unsigned and wrongly signed deliveries with 401 and queues nothing', async () => {
    const { service, engine, logs } = await setup({ start: false });
    const signed = delivery('customer.updated', { id: 5, email: 'a@example.com' });
    const { 'x-wc-webhook-signature': _sig, ...unsigned } = signed.headers;
    const forged = delivery('customer.updated', { id: 5 }, 'not-the-secret');
    const tampered = { ...signed, payload: signed.payload.replace('a@example', 'b@example') };
    for (const attempt of [
      { headers: unsigned, payload: signed.payload },
      { headers: forged.headers, payload: forged.payload },
      { headers: signed.headers, payload: tampered.payload },
      { headers: { ...signed.headers, 'x-wc-webhook-signature': '' }, payload: signed.payload },
    ]) {
      const response = await service.app.inject({
        method: 'POST',
        url: '/webhooks/woocommerce',
        headers: attempt.headers,
        payload: attempt.payload,
      });
      expect(response.statusCode).toBe(401);
    }
    // A ping-looking body with WooCommerce headers is not a ping.
    const fakePing = await service.app.inject({
      method: 'POST',
      url: '/webhooks/shop',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-wc-webhook-topic': 'customer.updated',
      },
      payload: 'webhook_id=1',
    });
    expect(fakePing.statusCode).toBe(401);
    expect(service.queue.size()).toBe(0);
    expect(engine.items).toHaveLength(0);
    expect(logs.join('')).not.toContain(WEBHOOK_SECRET);
  });

  it('accepts a signed delivery, answers at once and syncs that one record in every mapping it feeds', async () => {
    const { service, engine } = await setup();
    // The record's sync takes a minute (longer than a test may run): the answer cannot have
    // waited for it.
    engine.itemDelayMs = 60_000;
    const { headers, payload } = delivery('customer.updated', { id: 42, email: 'x@example.com' });
    const response = await service.app.inject({
      method: 'POST',
      url: '/webhooks/woocommerce',
      headers,
      payload,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ queued: 1 });
    await waitFor(() => engine.items.length === 1, undefined, 'the record sync');
    expect(engine.items[0]).toEqual({
      mapping: 'customers',
      side: 'source',
      id: '42',
      reason: 'webhook',
      event: 'updated',
    });
  });

  it('routes a change of a two-way target to the target side', async () => {
    const { service, engine } = await setup();
    const { headers, payload } = delivery('product.updated', { id: 9, sku: 'MUG' });
    const response = await service.app.inject({ method: 'POST', url: '/webhooks/shop', headers, payload });
    expect(response.json()).toMatchObject({ queued: 1 });
    await waitFor(() => engine.items.length === 1);
    expect(engine.items[0]).toMatchObject({ mapping: 'products', side: 'target', id: '9' });
  });

  it('hands a deleted event to the engine as a delete of that record', async () => {
    const { service, engine } = await setup();
    const { headers, payload } = delivery('customer.deleted', { id: 13 });
    expect(
      (await service.app.inject({ method: 'POST', url: '/webhooks/woocommerce', headers, payload }))
        .statusCode,
    ).toBe(200);
    await waitFor(() => engine.items.length === 1);
    expect(engine.items[0]).toMatchObject({
      mapping: 'customers',
      side: 'source',
      id: '13',
      event: 'deleted',
    });
  });

  it('coalesces repeated deliveries for the same record while it waits', async () => {
    const { service, engine } = await setup({ start: false });
    for (let i = 0; i < 5; i++) {
      const { headers, payload } = delivery('customer.updated', {
        id: 1,
        email: 'a@example.no',
        first_name: `v${i}`,
      });
      await service.app.inject({ method: 'POST', url: '/webhooks/woocommerce', headers, payload });
    }
    const other = delivery('customer.updated', { id: 2, email: 'b@example.no' });
    await service.app.inject({
      method: 'POST',
      url: '/webhooks/woocommerce',
      headers: other.headers,
      payload: other.payload,
    });
    const deleted = delivery('customer.deleted', { id: 1 });
    await service.app.inject({
      method: 'POST',
      url: '/webhooks/woocommerce',
      headers: deleted.headers,
      payload: deleted.payload,
    });
    expect(service.queue.size('customers')).toBe(2);
    service.scheduler.start();
    await waitFor(() => engine.items.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(engine.items.map((i) => [i.id, i.event])).toEqual([
      ['1', 'deleted'],
      ['2', 'updated'],
    ]);
    const metrics = await service.context.metrics.text();
    expect(metrics).toMatch(/mapsync_webhooks_total\{system="shop",result="coalesced"\} 5/);
  });

  it('queues a delivery again when it arrives while the same record is being synced', async () => {
    const { service, engine } = await setup();
    engine.itemDelayMs = 150;
    const first = delivery('customer.updated', { id: 3, email: 'c@example.no' });
    await service.app.inject({
      method: 'POST',
      url: '/webhooks/woocommerce',
      headers: first.headers,
      payload: first.payload,
    });
    await waitFor(() => engine.items.length === 1);
    const second = delivery('customer.updated', { id: 3, email: 'c@example.no', last_name: 'changed' });
    const response = await service.app.inject({
      method: 'POST',
      url: '/webhooks/woocommerce',
      headers: second.headers,
      payload: second.payload,
    });
    expect(response.json()).toMatchObject({ queued: 1 });
    await waitFor(() => engine.items.length === 2);
  });

  it('refuses bodies over the limit with 413 before verifying anything', async () => {
    const { service, engine } = await setup({ settings: { webhookBodyLimit: 1024 } });
    const { headers, payload } = delivery('customer.updated', {
      id: 1,
      email: 'a@example.no',
      note: 'x'.repeat(2000),
    });
    const response = await service.app.inject({
      method: 'POST',
      url: '/webhooks/woocommerce',
      headers,
      payload,
    });
    expect(response.statusCode).toBe(413);
    expect(service.queue.size()).toBe(0);
    expect(engine.items).toHaveLength(0);
    expect(await service.context.metrics.text()).toMatch(
      /mapsync_webhooks_total\{system="shop",result="too_large"\} 1/,
    );
  });

  it('answers 200 without queueing for a signed topic nobody maps, 404 for an unknown system', async () => {
    const { service } = await setup({ start: false });
    const coupon = delivery('coupon.updated', { id: 1 });
    const response = await service.app.inject({
      method: 'POST',
      url: '/webhooks/woocommerce',
      headers: coupon.headers,
      payload: coupon.payload,
    });
    expect(response.statusCode).toBe(200);
    expect(service.queue.size()).toBe(0);
    const unknown = await service.app.inject({
      method: 'POST',
      url: '/webhooks/nope',
      payload: 'webhook_id=1',
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('answers 503 while shutting down', async () => {
    const { service } = await setup();
    const stopping = service.stop('test');
    const { headers, payload } = delivery('customer.updated', { id: 1, email: 'a@example.no' });
    const response = await service.app.inject({
      method: 'POST',
      url: '/webhooks/woocommerce',
      headers,
      payload,
    });
    expect(response.statusCode).toBe(503);
    await stopping;
  });
});
