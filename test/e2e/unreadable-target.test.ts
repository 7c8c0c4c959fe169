/**
 * A target record the mapping cannot read back stopped every run of its mapping (found by
 * `npm run fuzz -- --seed 580500173`): a PowerOffice product whose StockOnHand the shop's
 * integer `stock_quantity` cannot take (2.5 typed in PowerOffice, or 2^53 from a shop stock
 * beyond a double's exact integers) made the target pass throw MAP_COERCE_ERROR, and the
 * product mapping ended "stopped by an internal error" on every poll and reconciliation. So
 * new shop products were never linked nor failed, and stock moved by orders (seen only by
 * reconciliation) never reached PowerOffice. Now such a record fails alone, with the
 * property in its reason, when it is merged, adopted or scanned (stock is PowerOffice Go's,
 * one way to the shop, since the order-to-cash work); every other record syncs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedProject } from '../../engine/compose.ts';
import type { Connector } from '../../engine/connectors/types.ts';
import type { FailedRecord } from '../../engine/store/sync-state.ts';
import { editThrough, links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

describe('e2e: a target record the mapping cannot read fails alone', () => {
  let pair: Pair;
  let opened: OpenedProject;
  let po: Connector;
  const rest = async (method: string, path: string, body?: unknown): Promise<Rec> => {
    const basic = Buffer.from(`${pair.woo.consumerKey}:${pair.woo.consumerSecret}`).toString('base64');
    const res = await fetch(`${pair.woo.apiUrl}${path}`, {
      method,
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    expect(res.status, text).toBeLessThan(300);
    return JSON.parse(text) as Rec;
  };
  const product = (sku: string) =>
    rest('POST', '/products', {
      name: sku,
      sku,
      regular_price: '100',
      manage_stock: true,
      stock_quantity: 5,
    });
  const failed = async () =>
    new Map(
      (JSON.parse((await pair.cli(['failed', '--json'])).out) as FailedRecord[]).map((f) => [
        `${f.mapping}:${f.side}:${f.id}`,
        f,
      ]),
    );

  beforeAll(async () => {
    pair = await startPair({ shop: { count: 0, seed: 3, anchor: new Date('2026-01-15T00:00:00Z') } });
    opened = await pair.open();
    po = opened.connectors.get('poweroffice-go')!;
  }, 60_000);

  afterAll(async () => {
    await opened?.close();
    await pair?.close();
  });

  it('fails that record with the property in its reason, and syncs every other one', async () => {
    const kopp = await product('KOPP-1');
    const fat = await product('FAT-1');
    expect((await pair.sync({ mode: 'full' })).ok).toBe(true);
    const linked = new Map((await links(opened.store, 'product')).map((l) => [l.sourceId, l.targetId]));
    const fatInPo = linked.get(String(fat.id))!;
    const koppInPo = linked.get(String(kopp.id))!;
    expect(fatInPo).toBeDefined();

    // A person enters a fractional stock in PowerOffice (the shop's stock is an integer) and
    // counts KOPP-1 anew; PowerOffice also holds an unlinked product of the same kind that a
    // new shop product will match by its code.
    await editThrough(po, 'product', fatInPo, [{ op: 'replace', path: '/StockOnHand', value: 2.5 }]);
    await editThrough(po, 'product', koppInPo, [{ op: 'replace', path: '/StockOnHand', value: 7 }]);
    await po.create('product', { Code: 'LAGER-9', Name: 'Lager', IsStockItem: true, StockOnHand: 0.5 });
    const bolle = await product('BOLLE-1');
    const lager = await product('LAGER-9');

    const summary = await pair.sync({ mode: 'full' });
    const run = summary.mappings.find((m) => m.mapping === 'product')!;
    expect(run.errors).toEqual([]);

    // Stock is PowerOffice Go's, one way: KOPP-1's new count reaches the shop.
    expect((await rest('GET', `/products/${kopp.id}`)).stock_quantity).toBe(7);
    const state = await snapshot(pair);
    const poByCode = new Map(state.po.products.map((p) => [String(p.Code), p]));
    expect(poByCode.get('BOLLE-1')).toMatchObject({ Name: 'BOLLE-1' });
    const after = new Map((await links(opened.store, 'product')).map((l) => [l.sourceId, l.targetId]));
    expect(after.get(String(bolle.id))).toBe(String(poByCode.get('BOLLE-1')!.Id));

    const byKey = await failed();
    const fatFailure = byKey.get(`product:source:${fat.id}`);
    expect(fatFailure).toMatchObject({ code: 'MAP_COERCE_ERROR' });
    expect(fatFailure!.reason).toMatch(/property "StockOnHand": cannot convert a number to integer/);
    // PowerOffice's value was not written over the shop's, nor the other way round.
    expect(poByCode.get('FAT-1')!.StockOnHand).toBe(2.5);
    expect((await rest('GET', `/products/${fat.id}`)).stock_quantity).toBe(5);
    // The new shop product that matches the unreadable PowerOffice product fails the same way,
    // without a link.
    const lagerFailure = byKey.get(`product:source:${lager.id}`);
    expect(lagerFailure).toMatchObject({ code: 'MAP_COERCE_ERROR' });
    expect(after.has(String(lager.id))).toBe(false);
    expect([...byKey.keys()].filter((k) => k.startsWith('product:')).sort()).toEqual(
      [`product:source:${fat.id}`, `product:source:${lager.id}`].sort(),
    );
  }, 120_000);

  it("a PowerOffice stock beyond a double's exact integers fails the product instead of reaching the shop rounded", async () => {
    // The fuzz run's case (a stock of 9007199254740993, which JSON.parse makes ...992): a
    // whole number beyond ±(2^53 - 1) cannot be carried exactly, so it is refused by name.
    const stor = await product('STOR-1');
    await pair.sync({ mode: 'full' });
    const storInPo = new Map((await links(opened.store, 'product')).map((l) => [l.sourceId, l.targetId])).get(
      String(stor.id),
    )!;
    await editThrough(po, 'product', storInPo, [{ op: 'replace', path: '/StockOnHand', value: 2 ** 53 }]);
    await pair.sync({ mode: 'full' });
    const failure = (await failed()).get(`product:source:${stor.id}`);
    expect(failure).toMatchObject({ code: 'MAP_COERCE_ERROR' });
    expect(failure!.reason).toMatch(
      /"StockOnHand": out of range: whole numbers must lie within ±9007199254740991/,
    );
    expect((await rest('GET', `/products/${stor.id}`)).stock_quantity).toBe(5);
  }, 120_000);
});
