/**
 * Variable products and variations: the variations routes (CRUD, listing, batch), the rule
 * that `/products/<id>` cannot write a variation, SKU look-ups that find variations,
 * webhooks under the `product` resource, and order lines with `variation_id`.
 */
import { describe, expect, it } from 'vitest';
import type { WooSandbox } from '../../sandbox/woocommerce/index.ts';
import { api, sandboxes, startPair } from './helpers.ts';

type Json = Record<string, unknown>;
const box = sandboxes({ webhookDelayMs: 600_000 });
const shop = () => box.start();

async function genser(s: WooSandbox) {
  const parent = (
    await api(s, 'POST', 'products', {
      name: 'Genser',
      type: 'variable',
      regular_price: '999',
      tax_class: 'reduced-rate',
      attributes: [{ id: 0, name: 'Farge', variation: true, options: ['Blå', 'Rød'] }],
    })
  ).body;
  const blue = await api(s, 'POST', `products/${parent.id}/variations`, {
    sku: 'GENSER-BLA',
    regular_price: '499.00',
    attributes: [{ id: 0, name: 'Farge', option: 'Blå' }],
    manage_stock: true,
    stock_quantity: 5,
  });
  const red = await api(s, 'POST', `products/${parent.id}/variations`, {
    sku: 'GENSER-ROD',
    regular_price: '449.00',
    tax_class: 'zero-rate',
    attributes: [{ id: 0, name: 'Farge', option: 'Rød' }],
  });
  return { parent, blue: blue.body, red: red.body, created: blue.status };
}

describe('variations', () => {
  it('CRUD, the parent view, names, SKUs unique across products and variations', async () => {
    const s = await shop();
    const { parent, blue, red, created } = await genser(s);
    expect(created).toBe(201);
    expect(parent.regular_price).toBe(''); // variable products carry no price of their own
    expect(blue).toMatchObject({
      type: 'variation',
      parent_id: parent.id,
      name: 'Genser - Blå',
      sku: 'GENSER-BLA',
      price: '499.00',
      tax_class: 'reduced-rate', // stored as "parent", shown as the parent's class
      manage_stock: true,
      stock_quantity: 5,
      stock_status: 'instock',
      attributes: [{ id: 0, name: 'Farge', option: 'Blå' }],
    });
    expect(String(blue.permalink)).toContain('?attribute_farge=');
    const p = (await api(s, 'GET', `products/${parent.id}`)).body;
    expect([p.variations, p.price]).toEqual([[blue.id, red.id], '449.00']);
    expect((await api(s, 'GET', `products/${parent.id}/variations`)).headers.get('x-wp-total')).toBe('2');
    const dup = await api(s, 'POST', `products/${parent.id}/variations`, { sku: 'GENSER-BLA' });
    expect([dup.status, dup.body.code]).toEqual([400, 'product_invalid_sku']);
    expect((await api(s, 'POST', 'products', { name: 'X', sku: 'GENSER-ROD' })).body.code).toBe(
      'product_invalid_sku',
    );
    const upd = await api(s, 'PUT', `products/${parent.id}/variations/${red.id}`, { sale_price: '399.00' });
    expect(upd.body).toMatchObject({ price: '399.00', on_sale: true });
    expect((await api(s, 'GET', `products/${parent.id}`)).body.price).toBe('399.00');
    expect((await api(s, 'GET', `products/999/variations`)).body.code).toBe(
      'woocommerce_rest_product_variation_invalid_parent',
    );
    expect((await api(s, 'GET', `products/${parent.id}/variations/${parent.id}`)).body.code).toBe(
      'woocommerce_rest_product_variation_invalid_id',
    );
    const gone = await api(s, 'DELETE', `products/${parent.id}/variations/${red.id}?force=true`);
    expect(gone.status).toBe(200);
    expect((await api(s, 'GET', `products/${parent.id}`)).body.variations).toEqual([blue.id]);
  });

  it('/products/<id> reads a variation but refuses to write or delete it; listings and SKU look-ups', async () => {
    const s = await shop();
    const { parent, blue } = await genser(s);
    const read = await api(s, 'GET', `products/${blue.id}`);
    expect([read.status, read.body.type, read.body.parent_id]).toEqual([200, 'variation', parent.id]);
    for (const [method, body] of [
      ['PUT', { name: 'x' }],
      ['DELETE', undefined],
    ] as const) {
      const refused = await api(s, method, `products/${blue.id}`, body);
      expect([refused.status, refused.body.code, refused.body.message]).toEqual([
        404,
        'woocommerce_rest_invalid_product_id',
        'To manipulate product variations you should use the /products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.',
      ]);
    }
    const batch = await api(s, 'POST', 'products/batch', { update: [{ id: blue.id, name: 'x' }] });
    expect(((batch.body.update as Json[])[0]!.error as Json).code).toBe(
      'woocommerce_rest_invalid_product_id',
    );
    // A product is never written as a variation.
    const typed = await api(s, 'POST', 'products', { name: 'x', type: 'variation' });
    expect([typed.status, typed.body.code]).toEqual([400, 'rest_invalid_param']);
    // A plain listing has no variations; a SKU look-up finds them.
    expect((await api(s, 'GET', 'products?per_page=100')).body.map((p) => p.id)).toEqual([parent.id]);
    expect((await api(s, 'GET', 'products?sku=GENSER-BLA')).body.map((p) => p.id)).toEqual([blue.id]);
    expect((await api(s, 'GET', 'products?search_sku=genser')).body).toHaveLength(2);
    // Variation batch.
    const vb = await api(s, 'POST', `products/${parent.id}/variations/batch`, {
      create: [
        { sku: 'GENSER-GRONN', regular_price: '459.00', attributes: [{ name: 'Farge', option: 'Grønn' }] },
      ],
      update: [{ id: blue.id, stock_quantity: 2 }],
    });
    expect((vb.body.create as Json[])[0]).toMatchObject({ sku: 'GENSER-GRONN', name: 'Genser - Grønn' });
    expect((vb.body.update as Json[])[0]).toMatchObject({ stock_quantity: 2 });
  });

  it('a renamed parent renames its variations without moving their date_modified', async () => {
    const s = await shop();
    const { parent, blue } = await genser(s);
    await api(s, 'PUT', `products/${parent.id}`, { name: 'Strikkegenser' });
    const after = (await api(s, 'GET', `products/${parent.id}/variations/${blue.id}`)).body;
    expect([after.name, after.date_modified_gmt]).toEqual(['Strikkegenser - Blå', blue.date_modified_gmt]);
    expect(after.tax_class).toBe('reduced-rate');
    // A variation with a class of its own keeps it; "parent" may be written back.
    const own = await api(s, 'PUT', `products/${parent.id}/variations/${blue.id}`, {
      tax_class: 'zero-rate',
    });
    expect(own.body.tax_class).toBe('zero-rate');
    const back = await api(s, 'PUT', `products/${parent.id}/variations/${blue.id}`, { tax_class: 'parent' });
    expect(back.body.tax_class).toBe('reduced-rate');
  });

  it('order lines with variation_id: parent in product_id, variation tax class and SKU, stock of the variation', async () => {
    const s = await shop();
    const { parent, blue, red } = await genser(s);
    const o = (
      await api(s, 'POST', 'orders', {
        status: 'processing',
        line_items: [
          { variation_id: blue.id, quantity: 2 },
          { sku: 'GENSER-ROD', quantity: 1 },
        ],
      })
    ).body;
    const [a, b] = o.line_items as Json[];
    expect(a).toMatchObject({
      product_id: parent.id,
      variation_id: blue.id,
      name: 'Genser - Blå',
      sku: 'GENSER-BLA',
      parent_name: 'Genser',
      tax_class: 'reduced-rate', // the variation says "parent"
      total: '998.00',
      total_tax: '149.70',
    });
    expect(a!.meta_data as Json[]).toContainEqual(expect.objectContaining({ key: 'farge', value: 'Blå' }));
    expect(b).toMatchObject({
      product_id: parent.id,
      variation_id: red.id,
      tax_class: 'zero-rate',
      total_tax: '0.00',
    });
    expect((await api(s, 'GET', `products/${parent.id}/variations/${blue.id}`)).body.stock_quantity).toBe(3);
  });

  it('variation writes fire product webhooks with the variation id; the connector parses them', async () => {
    const { sandbox, connector } = await startPair({ webhookDelayMs: 600_000 });
    box.track(() => sandbox.close());
    const seen: Array<{ topic: string; id: unknown; type: unknown }> = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        if (req.headers['x-wc-webhook-topic']) {
          const event = connector.webhooks!.parse(req.headers, raw) as {
            type: string;
            id?: string;
            record?: Json;
          };
          seen.push({
            topic: String(req.headers['x-wc-webhook-topic']),
            id: event.id,
            type: event.record?.type,
          });
        }
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    box.track(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    await api(sandbox, 'POST', 'webhooks', { topic: 'product.created', delivery_url: url });
    await api(sandbox, 'POST', 'webhooks', { topic: 'product.updated', delivery_url: url });
    await sandbox.hub.flush();
    const { parent, blue } = await genser(sandbox);
    await sandbox.hub.flush();
    expect(
      seen.filter((e) => e.topic === 'product.created' && e.type === 'variation').map((e) => e.id),
    ).toContain(String(blue.id));
    expect(seen.some((e) => e.topic === 'product.updated' && e.id === String(parent.id))).toBe(true);
    await connector.close();
  });
});
