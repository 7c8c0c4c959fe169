/**
 * E2E 2 — Edits travel both ways, property by property: one property edited in the shop is
 * one PATCH with one op in PowerOffice Go; PowerOffice edits of customers and products reach
 * the shop; different properties edited on both sides are both kept; the same property
 * edited on both sides is decided by the policy (newest-wins); a further run sends nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedProject } from '../../engine/compose.ts';
import type { Connector } from '../../engine/connectors/types.ts';
import { links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('e2e 2: edits on either side', () => {
  let pair: Pair;
  let opened: OpenedProject;
  let po: Connector;
  let customer: { wooId: string; poId: string };
  let product: { wooId: string; poId: string };

  const wooEdit = async (entity: string, id: string, body: Rec) => {
    const res = await fetch(`${pair.woo.url}/__admin/records/${entity}/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  const wooRecord = async (entity: 'customers' | 'products', id: string) =>
    (await snapshot(pair)).woo[entity].find((r) => String(r.id) === id)!;
  const poRecord = async (entity: 'customers' | 'products', id: string) =>
    (await snapshot(pair)).po[entity].find((r) => String(r.Id) === id)!;

  beforeAll(async () => {
    pair = await startPair({
      shop: { count: 24, seed: 5, anchor: new Date('2026-01-15T00:00:00Z') },
    });
    expect((await pair.sync()).ok).toBe(true);
    opened = await pair.open();
    po = opened.connectors.get('poweroffice-go')!;
    const c = (await links(opened.store, 'customer-person')).find((l) => !l.virtual)!;
    customer = { wooId: c.sourceId, poId: c.targetId };
    const p = (await links(opened.store, 'product')).find((l) => l.origin === 'created-in-target')!;
    product = { wooId: p.sourceId, poId: p.targetId };
  });

  afterAll(async () => {
    await opened?.close();
    await pair?.close();
  });

  it('one property edited in WooCommerce → exactly one PATCH with exactly one op (and its precondition)', async () => {
    const city = ((await poRecord('customers', customer.poId)).MailAddress as Rec).City;
    await wooEdit('customer', customer.wooId, { billing: { city: 'Hammerfest' } });
    const mark = pair.mark();
    expect((await pair.sync()).ok).toBe(true);
    const writes = pair.writes(mark);
    expect(writes.woo).toEqual([]);
    expect(writes.po).toHaveLength(1);
    expect(writes.po[0]).toMatchObject({
      method: 'PATCH',
      path: expect.stringMatching(new RegExp(`/Customers/${customer.poId}$`, 'i')),
      // The test: the city as read, so a PowerOffice edit made since is not overwritten.
      body: [
        { op: 'test', path: '/MailAddress/City', value: city },
        { op: 'replace', path: '/MailAddress/City', value: 'Hammerfest' },
      ],
    });
    expect((await poRecord('customers', customer.poId)).MailAddress).toMatchObject({ City: 'Hammerfest' });
  });

  it('a PowerOffice edit of a customer updates the WooCommerce customer (and does not echo)', async () => {
    await po.update('customer', customer.poId, [{ op: 'replace', path: '/LastName', value: 'Fjellheim' }]);
    const mark = pair.mark();
    expect((await pair.sync()).ok).toBe(true);
    const writes = pair.writes(mark);
    expect(writes.woo).toHaveLength(1);
    expect(writes.woo[0]).toMatchObject({ method: 'PUT', path: '/wp-json/wc/v3/customers/batch' });
    expect(writes.woo[0]!.body).toEqual({ update: [{ id: Number(customer.wooId), last_name: 'Fjellheim' }] });
    expect((await wooRecord('customers', customer.wooId)).last_name).toBe('Fjellheim');
    // Name is computed from first and last name (to-target only): it follows when the shop's
    // record is read back on the next run; nothing is echoed to the shop. PowerOffice has
    // already recomputed its Name from LastName, so the engine sends one PATCH of the same
    // value (Name is to-target: no precondition, no read first).
    const next = pair.mark();
    await pair.sync();
    const after = pair.writes(next);
    expect(after.woo).toEqual([]);
    expect(after.po.length).toBeLessThanOrEqual(1);
    for (const write of after.po) {
      expect(write.body).toEqual([
        { op: 'replace', path: '/Name', value: expect.stringMatching(/Fjellheim$/) },
      ]);
    }
    expect((await poRecord('customers', customer.poId)).Name).toMatch(/Fjellheim$/);
  });

  it('a PowerOffice edit of a product updates the WooCommerce product', async () => {
    await po.update('product', product.poId, [{ op: 'replace', path: '/Name', value: 'Ullgenser deluxe' }]);
    const mark = pair.mark();
    expect((await pair.sync()).ok).toBe(true);
    expect(pair.writes(mark).po).toEqual([]);
    expect(pair.writes(mark).woo).toHaveLength(1);
    expect((await wooRecord('products', product.wooId)).name).toBe('Ullgenser deluxe');
  });

  it('different properties edited on both sides: both kept', async () => {
    await wooEdit('customer', customer.wooId, { first_name: 'Kristine' });
    await po.update('customer', customer.poId, [
      { op: 'replace', path: '/PhoneNumber', value: '+47 400 00 001' },
    ]);
    const mark = pair.mark();
    expect((await pair.sync()).ok).toBe(true);
    const woo = await wooRecord('customers', customer.wooId);
    const p = await poRecord('customers', customer.poId);
    expect(woo).toMatchObject({
      first_name: 'Kristine',
      billing: expect.objectContaining({ phone: '+47 400 00 001' }),
    });
    expect(p).toMatchObject({ FirstName: 'Kristine', PhoneNumber: '+47 400 00 001' });
    const writes = pair.writes(mark);
    // One PATCH to PowerOffice (FirstName and Name), one batch to WooCommerce (phone).
    expect(writes.po).toHaveLength(1);
    expect(writes.woo).toHaveLength(1);
  });

  it('the same property edited on both sides: newest wins, either way round', async () => {
    await wooEdit('customer', customer.wooId, { last_name: 'FromShop' });
    await sleep(1100); // WooCommerce times have whole seconds
    await po.update('customer', customer.poId, [
      { op: 'replace', path: '/LastName', value: 'FromAccounting' },
    ]);
    await pair.sync();
    expect((await wooRecord('customers', customer.wooId)).last_name).toBe('FromAccounting');
    expect((await poRecord('customers', customer.poId)).LastName).toBe('FromAccounting');

    await po.update('customer', customer.poId, [
      { op: 'replace', path: '/LastName', value: 'AccountingAgain' },
    ]);
    await sleep(1100);
    await wooEdit('customer', customer.wooId, { last_name: 'ShopLast' });
    await pair.sync();
    expect((await wooRecord('customers', customer.wooId)).last_name).toBe('ShopLast');
    expect((await poRecord('customers', customer.poId)).LastName).toBe('ShopLast');
  });

  it('then runs send nothing', async () => {
    await pair.sync(); // the computed Name follows the last edit
    const mark = pair.mark();
    expect((await pair.sync()).ok).toBe(true);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  });
});
