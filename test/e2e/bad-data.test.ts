/**
 * E2E 6 — Bad data: an invalid e-mail (caught by the target schema before sending), a
 * product PowerOffice Go rejects (400) and an order whose product does not exist become
 * failed records with their reasons while everything else syncs; after the source is
 * fixed, `mapsync retry --all` completes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedRecord } from '../../engine/store/sync-state.ts';
import { links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

describe('e2e 6: bad data becomes failed records, and retry completes them after the fix', () => {
  let pair: Pair;
  const admin = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${pair.woo.url}/__admin/records/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    return JSON.parse(text) as Rec | Rec[];
  };

  beforeAll(async () => {
    pair = await startPair({ shop: { count: 24, seed: 13, anchor: new Date('2026-01-15T00:00:00Z') } });
    await admin('POST', 'customer', {
      id: 9001,
      email: 'ola.nordmann(at)example.no',
      first_name: 'Ola',
      last_name: 'Nordmann',
    });
    // PowerOffice Go refuses a product without a name (400 "Name is required").
    await admin('POST', 'product', {
      id: 9002,
      name: ' ',
      sku: 'GIFT-500',
      regular_price: '500',
      status: 'publish',
    });
    // An order whose product was deleted from the shop afterwards.
    await admin('POST', 'product', {
      id: 9004,
      name: 'Kart over Finnmark',
      sku: 'MAP-FIN',
      regular_price: '100',
      status: 'publish',
    });
    await admin('POST', 'order', {
      id: 9003,
      status: 'processing',
      customer_id: 0,
      billing: {
        first_name: 'Gro',
        last_name: 'Harlem',
        email: 'gro@example.no',
        address_1: 'Storgata 2',
        city: 'Alta',
        postcode: '9510',
        country: 'NO',
      },
      line_items: [
        {
          product_id: 9004,
          name: 'Kart over Finnmark',
          quantity: 2,
          subtotal: '200.00',
          total: '200.00',
          price: 100,
        },
      ],
    });
    await admin('DELETE', 'product/9004?force=true', undefined);
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('stores a failed record with a reason for each, and syncs everything else', async () => {
    const result = await pair.cli(['sync']);
    expect(result.code, result.out + result.err).toBe(1);
    const failed = JSON.parse((await pair.cli(['failed', '--json'])).out) as FailedRecord[];
    const byId = new Map(failed.map((f) => [`${f.mapping}:${f.id}`, f]));
    expect([...byId.keys()].sort()).toEqual(['customer-person:9001', 'product:9002', 'salesorder:9003']);
    expect(byId.get('customer-person:9001')).toMatchObject({ code: 'VALIDATION', kind: 'validation' });
    expect(byId.get('customer-person:9001')!.reason).toMatch(/email must match format "email"/);
    expect(byId.get('product:9002')).toMatchObject({ code: 'CONNECTOR_VALIDATION', kind: 'validation' });
    expect(byId.get('product:9002')!.reason).toMatch(/Name/);
    expect(byId.get('product:9002')!.request).toMatchObject({
      method: 'POST',
      path: expect.stringMatching(/Products/i),
    });
    // The product was deleted in the shop: a lookup confirms it, and the reason says so.
    expect(byId.get('salesorder:9003')).toMatchObject({ code: 'DEPENDENCY_GONE', kind: 'not-found' });
    expect(byId.get('salesorder:9003')!.reason).toMatch(
      /product record 9004, which no longer exists in woocommerce/,
    );
    for (const f of failed) {
      expect(f.attempts).toBe(1);
      // Bad data and a deleted dependency wait for the backoff.
      expect(new Date(f.nextAttemptAt).getTime()).toBeGreaterThan(new Date(f.at).getTime());
    }
    // Everything else synced.
    const state = await snapshot(pair);
    const opened = await pair.open();
    try {
      const customers = (await links(opened.store, 'customer-person')).filter((l) => !l.virtual);
      expect(customers).toHaveLength(state.woo.customers.length - 1);
      expect((await links(opened.store, 'product')).length).toBe(state.woo.products.length - 1 + 0);
      const taking = state.woo.orders.filter((o) => ['processing', 'completed'].includes(String(o.status)));
      expect((await links(opened.store, 'salesorder')).length).toBe(taking.length - 1);
    } finally {
      await opened.close();
    }
    const text = (await pair.cli(['failed'])).out;
    expect(text).toMatch(/3 failed record/);
  });

  it('after fixing the source, `mapsync retry --all` completes them', async () => {
    await admin('PATCH', 'customer/9001', { email: 'ola.nordmann@example.no' });
    await admin('PATCH', 'product/9002', { name: 'Gavekort 500' });
    // The product is back in the shop.
    await admin('POST', 'product', {
      id: 9004,
      name: 'Kart over Finnmark',
      sku: 'MAP-FIN',
      regular_price: '100',
      status: 'publish',
    });
    const result = await pair.cli(['retry', '--all']);
    expect(result.code, result.out + result.err).toBe(0);
    expect(result.out).toMatch(/retried 3, synced 3, still failing 0/);
    expect(JSON.parse((await pair.cli(['failed', '--json'])).out)).toEqual([]);
    const state = await snapshot(pair);
    expect(state.po.customers.some((c) => c.EmailAddress === 'ola.nordmann@example.no')).toBe(true);
    expect(state.po.products.some((p) => p.Code === 'GIFT-500')).toBe(true);
    expect(state.po.salesorders.some((o) => o.ExternalImportReference === '9003')).toBe(true);
  });
});
