/**
 * Stock is PowerOffice Go's (issue 12): the shipped product mapping carries StockOnHand to
 * the shop's stock_quantity one way, and its scan `stock` finds stock changes that move no
 * modification time: it lists PowerOffice Go's products with only the stock fields
 * (`Fields=`), reads the shop products whose figure changed there (`include=`, 100 at a
 * time) and writes only the differences (`products/batch`, 100 per call). The shop's own
 * stock never goes to PowerOffice Go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MappingState } from '../../engine/store/sync-state.ts';
import { raw } from '../poweroffice-go/helpers.ts';
import { snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';
import { wooApi } from './helpers/woo-api.ts';

type Rec = Record<string, unknown>;

describe('e2e: stock from PowerOffice Go to the shop', () => {
  let pair: Pair;
  /** The shop's stock figures before the first sync, by product id. */
  let shopStock: Map<unknown, unknown>;
  const poProducts = async () =>
    ((await snapshot(pair)).po.products as Rec[]).filter((p) => p.IsStockItem === true);
  const setPoStock = (id: unknown, value: number) =>
    raw(pair.po, 'PATCH', `Products/${String(id)}`, [{ op: 'replace', path: '/StockOnHand', value }]);
  const scanListings = (mark: { woo: number; po: number }) =>
    pair.requests(mark).po.filter((r) => r.method === 'GET' && /\/products$/i.test(r.path) && r.query.Fields);
  /** Shop products whose stock differs from their PowerOffice Go stock item's figure. */
  const shopProductsByCode = (state: Awaited<ReturnType<typeof snapshot>>) =>
    new Map((state.woo.products as Rec[]).map((p) => [p.sku ? String(p.sku) : `WOO-${String(p.id)}`, p]));
  const differences = (state: Awaited<ReturnType<typeof snapshot>>): Rec[] => {
    const shopByCode = shopProductsByCode(state);
    return (state.po.products as Rec[])
      .filter((p) => p.IsStockItem === true && typeof p.StockOnHand === 'number')
      .map((p) => ({ po: p, shop: shopByCode.get(String(p.Code))! }))
      .filter(({ po, shop }) => shop.stock_quantity !== po.StockOnHand)
      .map(({ shop }) => shop);
  };
  /** Make the last scan old, as if `every` had passed. */
  const ageScan = async () => {
    const opened = await pair.open();
    try {
      await new MappingState('product', opened.store).meta.set('scan.stock.at', '2000-01-01T00:00:00.000Z');
    } finally {
      await opened.close();
    }
  };

  beforeAll(async () => {
    // Enough products that more than 100 manage stock (their last edit long ago, so that no
    // ordinary listing shows them again).
    // No listing overlap: an incremental listing then shows only what really changed since the
    // last run, so that what a scan run writes is the scan's (no timing luck either way).
    pair = await startPair({
      shop: { count: 1600, seed: 12, anchor: new Date('2026-02-01T00:00:00Z') },
      systemOptions: { woocommerce: ['overlap_seconds: 0'], poweroffice: ['overlap_seconds: 0'] },
    });
    shopStock = new Map(((await snapshot(pair)).woo.products as Rec[]).map((p) => [p.id, p.stock_quantity]));
    const summary = await pair.sync({ mappings: ['product'] });
    expect(summary.ok, JSON.stringify(summary.mappings.map((m) => m.errors))).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('never sends the shop stock to PowerOffice Go: new stock items there have no figure, and the shop keeps its own', async () => {
    const stockItems = await poProducts();
    expect(stockItems.length).toBeGreaterThan(100);
    expect(stockItems.every((p) => p.StockOnHand === null || p.StockOnHand === undefined)).toBe(true);
    const shop = ((await snapshot(pair)).woo.products as Rec[]).filter((p) => p.manage_stock === true);
    expect(shop.length).toBeGreaterThan(100);
    for (const p of shop) expect(p.stock_quantity).toBe(shopStock.get(p.id));
    // A stock edit in the shop stays in the shop.
    const one = shop[0]!;
    await wooApi(pair, 'PUT', `products/${String(one.id)}`, { stock_quantity: 3 });
    const mark = pair.mark();
    expect((await pair.sync({ mappings: ['product'] })).ok).toBe(true);
    expect(pair.writes(mark).po).toEqual([]);
  }, 120_000);

  it('a scan carries stock changes that moved no modification time, in batches of 100, only the differences', async () => {
    const stockItems = await poProducts();
    // Go's figures: most differ from the shop's, a few equal it (nothing to write for those).
    // The sandbox's first stock PATCH of a product created through the API also fills in
    // fields it had left out (a change of the product); an ordinary run carries those. The
    // stock edits after it move no modification time: only a scan finds them.
    for (const p of stockItems) await setPoStock(p.Id, 1);
    expect((await pair.sync({ mappings: ['product'] })).ok).toBe(true);
    const shopByCode = shopProductsByCode(await snapshot(pair));
    for (const [i, p] of stockItems.entries()) {
      await setPoStock(p.Id, i % 10 === 0 ? Number(shopByCode.get(String(p.Code))!.stock_quantity) : 100 + i);
    }
    const unchanged = stockItems.filter((_, i) => i % 10 === 0).length;

    const differing = differences(await snapshot(pair));
    expect(differing.length, `${stockItems.length} stock items, ${unchanged} equal`).toBeGreaterThan(100);

    await ageScan();
    let mark = pair.mark();
    const summary = await pair.sync({ mappings: ['product'] });
    expect(summary.ok, JSON.stringify(summary.mappings.map((m) => m.errors))).toBe(true);
    const listings = scanListings(mark);
    expect(listings.length).toBeGreaterThan(0);
    expect(listings[0]!.query.Fields!.split(',').sort()).toEqual(
      ['Id', 'IsStockItem', 'LastChangedDateTimeOffset', 'StockAvailable', 'StockOnHand'].sort(),
    );
    const writes = pair.writes(mark);
    expect(writes.po).toEqual([]);
    const items = writes.woo.flatMap((w) => {
      expect(w.path).toBe('/wp-json/wc/v3/products/batch');
      const update = (w.body as { update: Rec[] }).update;
      expect(update.length).toBeLessThanOrEqual(100);
      for (const item of update) expect(Object.keys(item).sort()).toEqual(['id', 'stock_quantity']);
      return update;
    });
    // Exactly the products whose figures differed, each once, in full batches.
    expect(items.map((i) => i.id).sort()).toEqual(differing.map((p) => p.id).sort());
    // Batched: a chunk of 100 changed figures goes out in one call, less the ones already
    // equal in the shop (the ordinary pass of the run may write a few first, in small calls,
    // for products its listings show anyway).
    const sizes = writes.woo.map((w) => (w.body as { update: Rec[] }).update.length);
    expect(Math.max(...sizes), JSON.stringify(sizes)).toBeGreaterThanOrEqual(80);
    expect(writes.woo.length, JSON.stringify(sizes)).toBeLessThan(items.length / 10);
    expect(unchanged).toBeGreaterThan(0);

    expect(differences(await snapshot(pair))).toEqual([]);

    // Within `every` (5 minutes) an incremental run does not scan: a stock change waits for
    // the next scan (unless the record's ordinary listing shows it anyway).
    for (const p of stockItems.slice(0, 5)) await setPoStock(p.Id, 1000);
    mark = pair.mark();
    expect((await pair.sync({ mappings: ['product'] })).ok).toBe(true);
    expect(scanListings(mark)).toEqual([]);
    expect(pair.writes(mark).po).toEqual([]);
    await ageScan();
    expect((await pair.sync({ mappings: ['product'] })).ok).toBe(true);
    expect(differences(await snapshot(pair))).toEqual([]);

    // Nothing changed since: neither the next scan nor an ordinary run writes anything.
    await ageScan();
    mark = pair.mark();
    expect((await pair.sync({ mappings: ['product'] })).ok).toBe(true);
    expect(scanListings(mark).length).toBeGreaterThan(0);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  }, 180_000);

  it('plan lists the stock a scan would write and sends nothing', async () => {
    const item = (await poProducts())[1]!;
    await setPoStock(item.Id, 99);
    const mark = pair.mark();
    const { code, out } = await pair.cli(['plan', '-m', 'product']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/stock_quantity/);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  }, 120_000);
});
