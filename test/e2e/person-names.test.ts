/**
 * One-word names: PowerOffice Go requires FirstName AND LastName for a person (the sandbox
 * refuses one without, as the real API does). The customer mapping fills the missing half
 * with "-" — for shop customers and for guest buyers alike — and reads "-" back as empty,
 * so the placeholder never reaches the shop and a second run writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

describe('e2e: customers with a one-word name become PowerOffice persons', () => {
  let pair: Pair;
  const admin = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${pair.woo.url}/__admin/records/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    return JSON.parse(text) as Rec;
  };

  beforeAll(async () => {
    pair = await startPair({ shop: { count: 4, seed: 31, anchor: new Date('2026-02-01T00:00:00Z') } });
    await admin('POST', 'customer', { id: 9101, email: 'madonna@example.no', first_name: 'Madonna' });
    await admin('POST', 'customer', { id: 9102, email: 'prince@example.no', last_name: 'Prince' });
    await admin('POST', 'product', {
      id: 9103,
      name: 'Vinylplate',
      sku: 'LP-1',
      regular_price: '300',
      status: 'publish',
    });
    await admin('POST', 'order', {
      id: 9104,
      status: 'processing',
      customer_id: 0,
      billing: {
        first_name: 'Cher',
        last_name: '',
        email: 'cher@example.no',
        address_1: 'Strandveien 1',
        city: 'Bodø',
        postcode: '8006',
        country: 'NO',
      },
      line_items: [
        {
          product_id: 9103,
          name: 'Vinylplate',
          quantity: 1,
          subtotal: '300.00',
          total: '300.00',
          price: 300,
        },
      ],
    });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('fills the missing half with "-", links the guest order, and a second run writes nothing', async () => {
    const first = await pair.cli(['sync']);
    expect(first.code, first.out + first.err).toBe(0);
    const { po } = await snapshot(pair);
    const byEmail = (email: string) => po.customers.find((c) => c.EmailAddress === email);
    expect(byEmail('madonna@example.no')).toMatchObject({
      IsPerson: true,
      FirstName: 'Madonna',
      LastName: '-',
    });
    expect(byEmail('prince@example.no')).toMatchObject({
      IsPerson: true,
      FirstName: '-',
      LastName: 'Prince',
    });
    const cher = byEmail('cher@example.no');
    expect(cher).toMatchObject({ IsPerson: true, FirstName: 'Cher', LastName: '-' });
    const order = po.salesorders.find((o) => o.ExternalImportReference === '9104');
    expect(order?.CustomerId).toBe(cher?.Id);

    const mark = pair.mark();
    const second = await pair.cli(['sync']);
    expect(second.code, second.out + second.err).toBe(0);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
    // The placeholder never travels back into the shop.
    const { woo } = await snapshot(pair);
    expect(woo.customers.find((c) => c.id === 9101)).toMatchObject({ first_name: 'Madonna', last_name: '' });
  });

  it('a last name added in PowerOffice Go reaches the shop', async () => {
    const { po } = await snapshot(pair);
    const madonna = po.customers.find((c) => c.EmailAddress === 'madonna@example.no')!;
    const opened = await pair.open();
    try {
      const po = opened.connectors.get('poweroffice-go')!;
      await po.update('customer', String(madonna.Id), [
        { op: 'replace', path: '/LastName', value: 'Ciccone' },
      ]);
    } finally {
      await opened.close();
    }
    const run = await pair.cli(['sync']);
    expect(run.code, run.out + run.err).toBe(0);
    const { woo } = await snapshot(pair);
    expect(woo.customers.find((c) => c.id === 9101)).toMatchObject({
      first_name: 'Madonna',
      last_name: 'Ciccone',
    });
  });
});
