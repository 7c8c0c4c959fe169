/**
 * The connector's `product` entity holds the variations of variable products: listed per
 * parent through `/products/<pid>/variations` (incrementally, with the parent's own rename
 * covered), read, re-read in bulk, updated one by one and in batches on their parent's
 * routes, found by SKU, and never written through `/products/<variation id>`.
 */
import { describe, expect, it } from 'vitest';
import type { Connector } from '../../engine/connectors/types.ts';
import { splitProductCursor } from '../../engine/connectors/woocommerce/cursor.ts';
import type { WooSandbox } from '../../sandbox/woocommerce/index.ts';
import { api, collect, sandboxes } from './helpers.ts';

type Json = Record<string, unknown>;
const { pair } = sandboxes();

async function shop(s: WooSandbox) {
  const simple = (await api(s, 'POST', 'products', { name: 'Kopp', sku: 'KOPP', regular_price: '99' })).body;
  const parent = (
    await api(s, 'POST', 'products', {
      name: 'Genser',
      type: 'variable',
      tax_class: 'reduced-rate',
      attributes: [{ id: 0, name: 'Str', variation: true, options: ['S', 'M', 'L'] }],
    })
  ).body;
  const sizes = [];
  for (const size of ['S', 'M', 'L']) {
    sizes.push(
      (
        await api(s, 'POST', `products/${parent.id}/variations`, {
          sku: `GENSER-${size}`,
          regular_price: '400.00',
          manage_stock: true,
          stock_quantity: 3,
          attributes: [{ id: 0, name: 'Str', option: size }],
        })
      ).body,
    );
  }
  return { simple, parent, sizes };
}

const skus = (pages: Array<{ records: Json[] }>) =>
  pages.flatMap((p) => p.records.map((r) => String(r.sku))).sort();
const writes = (s: WooSandbox, mark: number) =>
  s.log
    .list(mark)
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path}`);

async function productIds(connector: Connector) {
  return (await collect(connector.list('product'))).flatMap((p) => p.records);
}

describe('variations as products (connector)', () => {
  it('a complete listing has products, parents and variations (name, parent_id, tax class filled in)', async () => {
    const { sandbox, connector } = await pair();
    const { parent, sizes } = await shop(sandbox);
    const pages = await collect(connector.list('product'));
    expect(skus(pages)).toEqual(['', 'GENSER-L', 'GENSER-M', 'GENSER-S', 'KOPP']);
    const s = pages.flatMap((p) => p.records).find((r) => r.sku === 'GENSER-S')!;
    expect(s).toMatchObject({
      id: sizes[0]!.id,
      type: 'variation',
      parent_id: parent.id,
      name: 'Genser - S',
      tax_class: 'reduced-rate',
      regular_price: '400.00',
    });
    // Only the last page carries the cursor of the variations part.
    const [, variations] = splitProductCursor(pages.at(-1)!.cursor);
    expect(variations).toMatch(/^v1;/);
    const paths = sandbox.log.list().map((r) => r.path);
    expect(paths).toContain(`/wp-json/wc/v3/products/${parent.id}/variations`);
  });

  it('incremental: only changed variations come again; a renamed parent brings all of its variations', async () => {
    let clock = Date.now();
    const { sandbox, connector } = await pair({ now: () => new Date(clock) }, { overlap_seconds: 0 });
    const { parent, sizes } = await shop(sandbox);
    const first = await collect(connector.list('product'));
    const cursor = first.at(-1)!.cursor!;
    // Nothing changed since (overlap 0, strict modified_after): nothing is listed.
    clock += 5_000;
    expect(skus(await collect(connector.list('product', { since: cursor })))).toEqual([]);
    await api(sandbox, 'PUT', `products/${parent.id}/variations/${sizes[1]!.id}`, {
      regular_price: '450.00',
    });
    const again = await collect(connector.list('product', { since: cursor }));
    expect(skus(again)).toEqual(['GENSER-M']);
    clock += 5_000;
    await api(sandbox, 'PUT', `products/${parent.id}`, { name: 'Strikkegenser' });
    const renamed = await collect(connector.list('product', { since: again.at(-1)!.cursor! }));
    expect(
      renamed
        .flatMap((p) => p.records)
        .filter((r) => r.type === 'variation')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['Strikkegenser - L', 'Strikkegenser - M', 'Strikkegenser - S']);
  });

  it('reads, bulk reads, updates and batch updates go to the variation routes; SKU look-ups find variations', async () => {
    const { sandbox, connector } = await pair();
    const { simple, parent, sizes } = await shop(sandbox);
    const [s, m, l] = sizes.map((v) => String(v.id));
    // A fresh connector knows no parent yet: the first write learns it.
    const got = await connector.get('product', s!);
    expect(got).toMatchObject({ type: 'variation', parent_id: parent.id, name: 'Genser - S' });
    // The parent's variations[] (read by any listing) tells the connector which ids are variations.
    await collect(connector.list('product'));
    const many = await connector.getMany!('product', [String(simple.id), m!, l!, '9999']);
    expect(many.map((r) => r.sku).sort()).toEqual(['GENSER-L', 'GENSER-M', 'KOPP']);

    let mark = sandbox.log.mark();
    const updated = await connector.update('product', s!, [
      { op: 'replace', path: '/regular_price', value: '410.00' },
    ]);
    expect(updated).toMatchObject({ regular_price: '410.00', type: 'variation', name: 'Genser - S' });
    expect(writes(sandbox, mark)).toEqual([`PUT /wp-json/wc/v3/products/${parent.id}/variations/${s}`]);

    mark = sandbox.log.mark();
    const results = await connector.batch!.updateMany('product', [
      { id: String(simple.id), ops: [{ op: 'replace', path: '/regular_price', value: '109' }] },
      { id: m!, ops: [{ op: 'replace', path: '/stock_quantity', value: 7 }] },
      { id: l!, ops: [{ op: 'replace', path: '/name', value: 'Stor genser' }] },
    ]);
    expect(results.map((r) => (r.error ? 'error' : r.record!.sku))).toEqual(['KOPP', 'GENSER-M', 'error']);
    expect(String(results[2]!.error!.message)).toContain('is a variation, whose name is its parent');
    expect(writes(sandbox, mark)).toEqual([
      'PUT /wp-json/wc/v3/products/batch',
      `PUT /wp-json/wc/v3/products/${parent.id}/variations/batch`,
    ]);
    expect((await api(sandbox, 'GET', `products/${parent.id}/variations/${m}`)).body.stock_quantity).toBe(7);

    const found = await connector.findByGuard('product', { field: 'sku', value: 'GENSER-L' });
    expect(found).toMatchObject([{ id: Number(l), type: 'variation', parent_id: parent.id }]);
  });

  it('an id never seen as a variation: the refusal of /products/<id> is followed by its own route', async () => {
    const { sandbox, connector } = await pair();
    const { parent, sizes } = await shop(sandbox);
    const id = String(sizes[2]!.id);
    const mark = sandbox.log.mark();
    await connector.update('product', id, [{ op: 'replace', path: '/regular_price', value: '420.00' }]);
    expect(writes(sandbox, mark)).toEqual([
      `PUT /wp-json/wc/v3/products/${id}`,
      `PUT /wp-json/wc/v3/products/${parent.id}/variations/${id}`,
    ]);
    const batch = await connector.batch!.updateMany('product', [
      { id: String(sizes[0]!.id), ops: [{ op: 'replace', path: '/regular_price', value: '430.00' }] },
    ]);
    expect(batch[0]!.record).toMatchObject({ regular_price: '430.00' });
    await connector.remove('product', String(sizes[0]!.id), 'delete');
    expect(await connector.get('product', String(sizes[0]!.id))).toBeNull();
    expect((await productIds(connector)).map((r) => r.sku).sort()).toEqual([
      '',
      'GENSER-L',
      'GENSER-M',
      'KOPP',
    ]);
  });
});
