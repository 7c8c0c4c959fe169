/**
 * E-mail addresses differing only in case are one address: WooCommerce looks addresses up
 * case-insensitively and refuses a case-only change of a customer's own address (the
 * sandbox does too), and PowerOffice Go users retype addresses as they like. The customer
 * mapping compares e-mails with `normalize: email`, so a case-only difference is no change:
 * nothing is written either way, and no refused shop update becomes a failed record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

const SHOP_EMAIL = 'Kari.Nordmann@Example.no';

describe('e2e: a case-only difference of an e-mail address is not a change', () => {
  let pair: Pair;

  beforeAll(async () => {
    pair = await startPair({
      shop: { count: 4, seed: 41, anchor: new Date('2026-02-01T00:00:00Z') },
      // The accountant typed the address in lower case before the shop was connected.
      poweroffice: {
        customers: [
          { IsPerson: true, FirstName: 'Kari', LastName: 'Nordmann', EmailAddress: SHOP_EMAIL.toLowerCase() },
        ],
      },
    });
    const res = await fetch(`${pair.woo.url}/__admin/records/customer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 9201, email: SHOP_EMAIL, first_name: 'Kari', last_name: 'Nordmann' }),
    });
    expect(res.status, await res.text()).toBe(200);
  });

  afterAll(async () => {
    await pair?.close();
  });

  const poKari = async () =>
    (await snapshot(pair)).po.customers.find(
      (c) => String(c.EmailAddress).toLowerCase() === SHOP_EMAIL.toLowerCase(),
    )!;

  it('the first link keeps each side as it is: no write of the address', async () => {
    const mark = pair.mark();
    const run = await pair.cli(['sync']);
    expect(run.code, run.out + run.err).toBe(0);
    const kari = await poKari();
    expect(kari.ExternalImportReference).toBe('9201');
    expect(kari.EmailAddress).toBe(SHOP_EMAIL.toLowerCase());
    const touched = pair
      .writes(mark)
      .po.filter((w) => JSON.stringify(w.body ?? '').includes('/EmailAddress'));
    expect(touched).toEqual([]);
  });

  it('a case-only edit in PowerOffice Go sends nothing to the shop (which would refuse it)', async () => {
    const kari = await poKari();
    const opened = await pair.open();
    try {
      const po = opened.connectors.get('poweroffice-go')!;
      await po.update('customer', String(kari.Id), [
        { op: 'replace', path: '/EmailAddress', value: SHOP_EMAIL.toUpperCase() },
      ]);
    } finally {
      await opened.close();
    }
    const mark = pair.mark();
    const run = await pair.cli(['sync']);
    expect(run.code, run.out + run.err).toBe(0);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
    expect(JSON.parse((await pair.cli(['failed', '--json'])).out)).toEqual([]);
    const { woo } = await snapshot(pair);
    expect(woo.customers.find((c: Rec) => c.id === 9201)?.email).toBe(SHOP_EMAIL);
  });

  it('a real change of the address still travels', async () => {
    const kari = await poKari();
    const opened = await pair.open();
    try {
      const po = opened.connectors.get('poweroffice-go')!;
      await po.update('customer', String(kari.Id), [
        { op: 'replace', path: '/EmailAddress', value: 'kari@nordmann.no' },
      ]);
    } finally {
      await opened.close();
    }
    const run = await pair.cli(['sync']);
    expect(run.code, run.out + run.err).toBe(0);
    const { woo } = await snapshot(pair);
    expect(woo.customers.find((c: Rec) => c.id === 9201)?.email).toBe('kari@nordmann.no');
  });
});
