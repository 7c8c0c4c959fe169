/**
 * Variations (issue 12): each variation of a variable product is a PowerOffice Go product of
 * its own (code = the variation's SKU, name = the parent's name and the attribute values),
 * kept in sync both ways like products through `/products/<pid>/variations`; the variable
 * product itself is none. An order line of a variation is booked on the variation's
 * product, and a run after everything settled writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MappingState } from '../../engine/store/sync-state.ts';
import { raw } from '../poweroffice-go/helpers.ts';
import { snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';
import { wooApi } from './helpers/woo-api.ts';

type Rec = Record<string, unknown>;

describe('e2e: variations as PowerOffice Go products', () => {
  let pair: Pair;
  let parent: Rec;
  let sizes: Rec[];
  const woo = async (method: string, route: string, body?: unknown) =>
    (await wooApi(pair, method, route, body)) as Rec;
  const poProducts = async () => (await snapshot(pair)).po.products as Rec[];
  const byCode = async (code: string) => (await poProducts()).find((p) => p.Code === code);
  const sync = async () => {
    const summary = await pair.sync();
    expect(summary.ok, JSON.stringify(summary.mappings.map((m) => [m.mapping, m.errors, m.counts]))).toBe(
      true,
    );
    return summary;
  };

  beforeAll(async () => {
    // An empty shop and a PowerOffice Go client with only its service products; no listing
    // overlap, so a run shows only what changed since the previous one.
    pair = await startPair({
      shop: { count: 0, seed: 1 },
      systemOptions: { woocommerce: ['overlap_seconds: 0'], poweroffice: ['overlap_seconds: 0'] },
    });
    await woo('POST', 'products', { name: 'Kaffekopp', sku: 'KOPP', regular_price: '99.00' });
    parent = await woo('POST', 'products', {
      name: 'Genser',
      sku: 'GENSER',
      type: 'variable',
      tax_class: 'reduced-rate',
      description: '<p>Ull.</p>',
      attributes: [{ id: 0, name: 'Størrelse', variation: true, options: ['S', 'M', 'L'] }],
    });
    sizes = [];
    for (const [i, size] of ['S', 'M', 'L'].entries()) {
      sizes.push(
        await woo('POST', `products/${String(parent.id)}/variations`, {
          sku: `GENSER-${size}`,
          regular_price: `${400 + 50 * i}.00`,
          manage_stock: true,
          stock_quantity: 10,
          attributes: [{ id: 0, name: 'Størrelse', option: size }],
        }),
      );
    }
    await sync();
  }, 180_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('a variable product with 3 variations becomes 3 PowerOffice Go products (none for the parent)', async () => {
    const products = await poProducts();
    const genser = products.filter((p) => String(p.Code).startsWith('GENSER'));
    expect(genser.map((p) => [p.Code, p.Name, p.UnitPrice]).sort()).toEqual([
      ['GENSER-L', 'Genser - L', 500],
      ['GENSER-M', 'Genser - M', 450],
      ['GENSER-S', 'Genser - S', 400],
    ]);
    // The parent's tax class (15 %) decides their sales account, not the standard class's.
    const standard = (await byCode('KOPP'))!.StandardSalesAccountId;
    expect(new Set(genser.map((p) => p.StandardSalesAccountId)).size).toBe(1);
    for (const p of genser) {
      expect(p.IsStockItem).toBe(true);
      expect(p.StandardSalesAccountId).not.toBe(standard);
    }
    expect(products.some((p) => p.Code === 'KOPP')).toBe(true);
  });

  it('a price edited in PowerOffice Go reaches the variation (on its own route), and nothing else moves', async () => {
    const m = (await byCode('GENSER-M'))!;
    const patched = await raw(pair.po, 'PATCH', `Products/${String(m.Id)}`, [
      { op: 'replace', path: '/UnitPrice', value: 475 },
    ]);
    expect(patched.status, patched.text).toBeLessThan(300);
    const mark = pair.mark();
    await sync();
    const writes = pair.writes(mark);
    expect(writes.po).toEqual([]);
    expect(writes.woo.map((w) => `${w.method} ${w.path}`)).toEqual([
      `PUT /wp-json/wc/v3/products/${String(parent.id)}/variations/batch`,
    ]);
    expect((writes.woo[0]!.body as { update: Rec[] }).update).toEqual([
      { id: sizes[1]!.id, regular_price: '475.00' },
    ]);
    const variation = await woo('GET', `products/${String(parent.id)}/variations/${String(sizes[1]!.id)}`);
    expect(variation.regular_price).toBe('475.00');
  });

  it('stock set in PowerOffice Go reaches the variation (the stock scan covers variations)', async () => {
    const s = (await byCode('GENSER-S'))!;
    for (const value of [3, 7]) {
      const patched = await raw(pair.po, 'PATCH', `Products/${String(s.Id)}`, [
        { op: 'replace', path: '/StockOnHand', value },
      ]);
      expect(patched.status, patched.text).toBeLessThan(300);
      // Make the last scan old, as if its 5 minutes had passed.
      const opened = await pair.open();
      try {
        await new MappingState('product', opened.store).meta.set('scan.stock.at', '2000-01-01T00:00:00.000Z');
      } finally {
        await opened.close();
      }
      const mark = pair.mark();
      await sync();
      expect(pair.writes(mark).woo.map((w) => w.path)).toEqual([
        `/wp-json/wc/v3/products/${String(parent.id)}/variations/batch`,
      ]);
      const variation = await woo('GET', `products/${String(parent.id)}/variations/${String(sizes[0]!.id)}`);
      expect(variation.stock_quantity).toBe(value);
    }
  });

  it('a variation changed in the shop and synced by its webhook (syncRecord) reaches its product', async () => {
    await woo('PUT', `products/${String(parent.id)}/variations/${String(sizes[0]!.id)}`, {
      regular_price: '390.00',
    });
    const opened = await pair.open();
    try {
      const item = {
        mapping: 'product',
        side: 'source' as const,
        id: String(sizes[0]!.id),
        reason: 'webhook' as const,
      };
      expect((await opened.engine.syncRecord(item)).outcome).toBe('updated');
      expect((await byCode('GENSER-S'))!.UnitPrice).toBe(390);
      const mark = pair.mark();
      await opened.engine.syncRecord(item);
      expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
    } finally {
      await opened.close();
    }
  });

  it("an order with a variation line books it on the variation's product; a second run writes nothing", async () => {
    const res = await fetch(`${pair.woo.url}/__admin/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [
          { variation_id: sizes[2]!.id, quantity: 2 },
          { sku: 'KOPP', quantity: 1 },
        ],
        billing: { first_name: 'Kari', last_name: 'Nordmann', email: 'kari@example.no', country: 'NO' },
        payment_method: 'vipps',
        status: 'processing',
      }),
    });
    const text = await res.text();
    expect(res.status, text).toBeLessThan(300);
    const order = JSON.parse(text) as Rec;
    const [line] = order.line_items as Rec[];
    expect([line!.product_id, line!.variation_id]).toEqual([parent.id, sizes[2]!.id]);
    await sync();
    const state = await snapshot(pair);
    const orders = state.po.salesorders.filter(hasLines);
    expect(orders).toHaveLength(1);
    const po = orders[0]!;
    const lines = (po.SalesOrderLines as Rec[]).filter(
      (l) => l.ProductId !== undefined && l.ProductId !== null,
    );
    const ids = new Map((state.po.products as Rec[]).map((p) => [p.Id, p.Code]));
    expect(lines.map((l) => [ids.get(l.ProductId), l.Quantity]).sort()).toEqual(
      expect.arrayContaining([
        ['GENSER-L', 2],
        ['KOPP', 1],
      ]),
    );
    const mark = pair.mark();
    await sync();
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  });
});

function hasLines(order: Rec): boolean {
  return Array.isArray(order.SalesOrderLines) && order.SalesOrderLines.length > 0;
}
