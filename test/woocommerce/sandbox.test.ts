import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { stateView } from '../../sandbox/woocommerce/admin.ts';
import { startWooCommerceSandbox, type WooSandbox } from '../../sandbox/woocommerce/index.ts';
import customerSchema from '../../schemas/woocommerce/customer.schema.json' with { type: 'json' };
import orderSchema from '../../schemas/woocommerce/order.schema.json' with { type: 'json' };
import productSchema from '../../schemas/woocommerce/product.schema.json' with { type: 'json' };
import { basicAuth } from './helpers.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});
async function sandbox(...args: Parameters<typeof startWooCommerceSandbox>): Promise<WooSandbox> {
  const s = await startWooCommerceSandbox(...args);
  closers.push(() => s.close());
  return s;
}

type Json = Record<string, unknown>;
async function call(s: WooSandbox, method: string, path: string, body?: unknown) {
  const r = await fetch(`${s.apiUrl}/${path}`, {
    method,
    headers: {
      authorization: basicAuth(s),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Json & Json[] };
}

const anchor = new Date('2025-06-01T00:00:00Z');

describe('sandbox data', () => {
  it('the seed is deterministic and covers the promised variety', async () => {
    const a = await sandbox({ seed: { count: 40, seed: 11, anchor } });
    const b = await sandbox({ seed: { count: 40, seed: 11, anchor } });
    const c = await sandbox({ seed: { count: 40, seed: 12, anchor } });
    const strip = (s: WooSandbox) =>
      JSON.parse(JSON.stringify(stateView(s.state)).replaceAll(s.url, 'URL')) as Record<string, Json[]>;
    expect(strip(a)).toEqual(strip(b));
    expect(strip(a)).not.toEqual(strip(c));
    const { customers, products, orders } = strip(a);
    expect([customers!.length, products!.length, orders!.length]).toEqual([40, 10, 40]);
    const names = customers!.map((x) => `${x.first_name} ${x.last_name}`).join(' ');
    expect(names).toMatch(/[æøåÆØÅöüéë]/);
    expect(customers!.some((x) => (x.billing as Json).phone === '')).toBe(true);
    expect(customers!.some((x) => (x.billing as Json).address_2 === '')).toBe(true);
    expect(products!.some((p) => p.sku === '')).toBe(true);
    expect(products!.some((p) => p.virtual === true)).toBe(true);
    expect(products!.some((p) => p.manage_stock === true)).toBe(true);
    expect(new Set(orders!.map((o) => o.status))).toEqual(
      new Set(['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed']),
    );
    expect(orders!.some((o) => o.customer_id === 0 && (o.billing as Json).email !== '')).toBe(true);
    expect(orders!.some((o) => o.discount_total !== '0.00')).toBe(true);
    expect(orders!.some((o) => (o.shipping_lines as Json[]).length > 0)).toBe(true);
    expect(orders!.every((o) => String(o.date_created_gmt) < '2025-06-01T00:00:00')).toBe(true);
  });

  it('every response is valid against our entity schemas (AJV, strict)', async () => {
    const s = await sandbox({ seed: { count: 30, seed: 5 } });
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats.default(ajv);
    const validators = {
      customers: ajv.compile(customerSchema),
      orders: ajv.compile(orderSchema),
      products: ajv.compile(productSchema),
    };
    for (const [route, validate] of Object.entries(validators)) {
      const list = await call(s, 'GET', `${route}?per_page=100${route === 'customers' ? '&role=all' : ''}`);
      expect(list.body.length).toBeGreaterThan(0);
      for (const record of list.body) {
        const id = (record as Json).id;
        if (!validate(record)) throw new Error(`${route} ${id}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    const created = await call(s, 'POST', 'orders', {
      customer_id: 0,
      billing: { email: 'guest@example.no', first_name: 'Gjest' },
      line_items: [{ product_id: 1, quantity: 2 }],
      fee_lines: [{ name: 'Gebyr', total: '10.00' }],
      shipping_lines: [{ method_id: 'flat_rate', total: '50.00' }],
    });
    expect(created.status).toBe(201);
    if (!validators.orders(created.body)) throw new Error(ajv.errorsText(validators.orders.errors));
  });
});

describe('sandbox order arithmetic', () => {
  it('computes totals with 25 % tax per line, half-up, discounts and defaults from the product price', async () => {
    const s = await sandbox();
    const product = await call(s, 'POST', 'products', { name: 'Kopp', regular_price: '99.90', sku: 'KOPP' });
    expect(product.body).toMatchObject({
      price: '99.90',
      on_sale: false,
      permalink: `${s.url}/product/kopp/`,
    });
    const order = await call(s, 'POST', 'orders', {
      line_items: [
        { product_id: product.body.id, quantity: 3 },
        { product_id: product.body.id, quantity: 1, subtotal: '10.02', total: '9.02' },
      ],
      shipping_lines: [{ method_id: 'flat_rate', method_title: 'Flat', total: '49.00' }],
      fee_lines: [
        { name: 'Gebyr', total: '0.10' },
        { name: 'Fritt', total: '5.00', tax_status: 'none' },
      ],
    });
    expect(order.status).toBe(201);
    const o = order.body;
    const lines = o.line_items as Json[];
    expect(lines[0]).toMatchObject({
      subtotal: '299.70',
      total: '299.70',
      subtotal_tax: '74.93',
      total_tax: '74.93',
      sku: 'KOPP',
    });
    // `price` is total / quantity as a float, as WooCommerce sends it (99.89999999999999).
    expect(lines[0]!.price).toBeCloseTo(99.9, 10);
    expect(lines[1]).toMatchObject({
      subtotal: '10.02',
      total: '9.02',
      subtotal_tax: '2.51',
      total_tax: '2.26',
      price: 9.02,
    });
    // taxes[] are stored unrounded (6 decimals); only the scalar fields are formatted.
    expect(lines[1]!.taxes).toEqual([{ id: 1, total: '2.255', subtotal: '2.505' }]);
    // fee tax 0.025 rounds half-up to 0.03
    expect((o.fee_lines as Json[]).map((f) => f.total_tax)).toEqual(['0.03', '0.00']);
    expect(o).toMatchObject({
      discount_total: '1.00',
      discount_tax: '0.25',
      shipping_total: '49.00',
      shipping_tax: '12.25',
      cart_tax: '77.22',
      total_tax: '89.47',
      total: '452.29',
      status: 'pending',
      number: String(o.id),
      prices_include_tax: false,
    });
    expect((o.tax_lines as Json[])[0]).toMatchObject({
      rate_id: 1,
      tax_total: '77.22',
      shipping_tax_total: '12.25',
    });
    expect(o.order_key).toMatch(/^wc_order_/);
  });

  it('line items: update by id, delete with quantity 0, add without id; sku follows the current product', async () => {
    const s = await sandbox();
    const p1 = (await call(s, 'POST', 'products', { name: 'A', regular_price: '10', sku: 'A' })).body;
    const p2 = (await call(s, 'POST', 'products', { name: 'B', regular_price: '20', sku: 'B' })).body;
    const o = (
      await call(s, 'POST', 'orders', {
        line_items: [{ product_id: p1.id }, { product_id: p2.id, quantity: 2 }],
      })
    ).body;
    const [l1, l2] = o.line_items as Json[];
    const updated = await call(s, 'PUT', `orders/${o.id}`, {
      line_items: [
        { id: l1!.id, quantity: 0 },
        { id: l2!.id, total: '30.00' },
        { product_id: p1.id, quantity: 5 },
      ],
    });
    const lines = updated.body.line_items as Json[];
    expect(lines.map((l) => [l.product_id, l.quantity, l.total])).toEqual([
      [p2.id, 2, '30.00'],
      [p1.id, 5, '50.00'],
    ]);
    expect(updated.body.total).toBe('100.00');
    await call(s, 'PUT', `products/${p2.id}`, { sku: 'B-NEW' });
    expect(((await call(s, 'GET', `orders/${o.id}`)).body.line_items as Json[])[0]!.sku).toBe('B-NEW');
    await call(s, 'DELETE', `products/${p2.id}?force=true`);
    expect(((await call(s, 'GET', `orders/${o.id}`)).body.line_items as Json[])[0]!.sku).toBeNull();
    const bad = await call(s, 'PUT', `orders/${o.id}`, { line_items: [{ id: 9999, quantity: 1 }] });
    expect(bad.body.code).toBe('woocommerce_rest_invalid_item_id');
  });

  it('product stock: manage_stock derives stock_status; sale price makes price and on_sale', async () => {
    const s = await sandbox();
    const p = (
      await call(s, 'POST', 'products', {
        name: 'S',
        regular_price: '100',
        sale_price: '80',
        manage_stock: true,
        stock_quantity: 0,
      })
    ).body;
    expect(p).toMatchObject({ price: '80', on_sale: true, stock_status: 'outofstock', stock_quantity: 0 });
    const q = (await call(s, 'PUT', `products/${p.id}`, { stock_quantity: 3, backorders: 'notify' })).body;
    expect(q).toMatchObject({ stock_status: 'instock', backorders_allowed: true });
    const r = (await call(s, 'PUT', `products/${p.id}`, { manage_stock: false, stock_status: 'onbackorder' }))
      .body;
    expect(r).toMatchObject({ stock_quantity: null, stock_status: 'onbackorder' });
    expect(String(r.date_modified_gmt) >= String(p.date_modified_gmt)).toBe(true);
  });
});

describe('sandbox errors match WooCommerce', () => {
  it('customers', async () => {
    const s = await sandbox();
    expect((await call(s, 'POST', 'customers', { first_name: 'x' })).body).toMatchObject({
      code: 'rest_missing_callback_param',
      message: 'Missing parameter(s): email',
      data: { status: 400, params: ['email'] },
    });
    expect((await call(s, 'POST', 'customers', { email: 'bad' })).body.code).toBe('customer_invalid_email');
    const c = (await call(s, 'POST', 'customers', { email: 'k@example.no' })).body;
    expect((await call(s, 'POST', 'customers', { email: 'K@Example.no' })).body.code).toBe(
      'registration-error-email-exists',
    );
    expect((await call(s, 'POST', 'customers', { id: 5, email: 'n@example.no' })).body.code).toBe(
      'woocommerce_rest_customer_exists',
    );
    const upd = await call(s, 'PUT', `customers/${c.id}`, { email: 'bad' });
    expect([upd.status, upd.body.code, (upd.body.data as Json).params]).toEqual([
      400,
      'rest_invalid_param',
      { email: 'Invalid email address.' },
    ]);
    const nullCity = await call(s, 'PUT', `customers/${c.id}`, { billing: { city: null } });
    expect((nullCity.body.data as Json).params).toEqual({ billing: 'billing[city] is not of type string.' });
    // A case-only change of one's own e-mail: the case-insensitive look-up finds it, the exact
    // comparison differs, so WooCommerce refuses it (as it refuses another user's address).
    const caseOnly = await call(s, 'PUT', `customers/${c.id}`, { email: 'K@example.no' });
    expect([caseOnly.status, caseOnly.body.code, caseOnly.body.message]).toEqual([
      400,
      'woocommerce_rest_customer_invalid_email',
      'Email address is invalid.',
    ]);
    expect((await call(s, 'GET', `customers/${c.id}`)).body.email).toBe('k@example.no');
    expect((await call(s, 'PUT', `customers/${c.id}`, { email: 'k@example.no' })).status).toBe(200);
    const other = (await call(s, 'POST', 'customers', { email: 'other@example.no' })).body;
    expect((await call(s, 'PUT', `customers/${other.id}`, { email: 'K@EXAMPLE.NO' })).body.code).toBe(
      'woocommerce_rest_customer_invalid_email',
    );
    expect((await call(s, 'PUT', `customers/${c.id}`, { username: 'other' })).body.code).toBe(
      'woocommerce_rest_customer_invalid_argument',
    );
    const noForce = await call(s, 'DELETE', `customers/${c.id}`);
    expect([noForce.status, noForce.body.code]).toEqual([501, 'woocommerce_rest_trash_not_supported']);
    const missing = await call(s, 'GET', 'customers/0');
    expect([missing.status, missing.body.code, missing.body.message]).toEqual([
      404,
      'wc_user_invalid_id',
      'Invalid user ID.',
    ]);
    expect((await call(s, 'DELETE', `customers/${c.id}?force=true`)).status).toBe(200);
  });

  it('orders and products', async () => {
    const s = await sandbox();
    expect((await call(s, 'POST', 'orders', { line_items: [{ quantity: 1 }] })).body.code).toBe(
      'woocommerce_rest_required_product_reference',
    );
    expect((await call(s, 'POST', 'orders', { customer_id: 42 })).body.code).toBe(
      'woocommerce_rest_invalid_customer_id',
    );
    expect((await call(s, 'POST', 'orders', { id: 3 })).body.code).toBe('woocommerce_rest_shop_order_exists');
    const plugin = await call(s, 'POST', 'orders', { status: 'awaiting-shipment' });
    expect([plugin.status, plugin.body.status]).toEqual([201, 'awaiting-shipment']);
    expect((await call(s, 'POST', 'orders', { status: 'Not A Status' })).status).toBe(400);
    expect((await call(s, 'GET', 'orders/999')).body.code).toBe('woocommerce_rest_shop_order_invalid_id');
    expect((await call(s, 'PUT', 'orders/999', {})).status).toBe(400);
    expect((await call(s, 'GET', 'products/999')).body.code).toBe('woocommerce_rest_product_invalid_id');
    const p = (await call(s, 'POST', 'products', { name: 'T', sku: 'T' })).body;
    const trashed = await call(s, 'DELETE', `products/${p.id}`);
    expect([trashed.status, trashed.body.status]).toEqual([200, 'publish']); // state before deletion
    expect((await call(s, 'GET', `products/${p.id}`)).body.status).toBe('trash');
    const again = await call(s, 'DELETE', `products/${p.id}`);
    expect([again.status, again.body.code]).toEqual([410, 'woocommerce_rest_already_trashed']);
    // A trashed product's SKU is free again.
    expect((await call(s, 'POST', 'products', { name: 'T2', sku: 'T' })).status).toBe(201);
    const noRoute = await call(s, 'GET', 'nothing-here');
    expect([noRoute.status, noRoute.body.code]).toEqual([404, 'rest_no_route']);
    const badJson = await fetch(`${s.apiUrl}/products`, {
      method: 'POST',
      headers: { authorization: basicAuth(s), 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect([badJson.status, ((await badJson.json()) as Json).code]).toEqual([400, 'rest_invalid_json']);
  });
});

describe('sandbox persistence and admin', () => {
  it('persists to a JSON file and loads it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'woo-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'shop.json');
    const first = await startWooCommerceSandbox({ persistFile: file, seed: { count: 3, seed: 1 } });
    await call(first, 'POST', 'customers', { email: 'kept@example.no' });
    await first.close();
    const second = await sandbox({ persistFile: file, seed: { count: 50, seed: 9 } });
    const list = await call(second, 'GET', 'customers?per_page=100&role=all');
    expect(list.body.map((c) => c.email)).toContain('kept@example.no');
    expect(list.body).toHaveLength(4);
  });

  it('admin endpoints: seed, insert raw records, state, reset', async () => {
    const s = await sandbox();
    const seeded = await fetch(`${s.adminUrl}/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 8, seed: 2 }),
    });
    expect(await seeded.json()).toEqual({ customers: 8, orders: 8, products: 2, webhooks: 0 });
    const inserted = await fetch(`${s.adminUrl}/records/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { email: 'raw@example.no', date_modified: null, date_created_gmt: '2020-01-01T10:00:00' },
      ]),
    });
    const [raw] = (await inserted.json()) as Json[];
    expect(raw).toMatchObject({
      id: 9,
      date_created: '2020-01-01T11:00:00',
      date_modified: null,
      role: 'customer',
    });
    const state = (await (await fetch(`${s.adminUrl}/state`)).json()) as Json;
    expect((state.counts as Json).customers).toBe(9);
    await fetch(`${s.adminUrl}/reset`, { method: 'POST' });
    expect(((await (await fetch(`${s.adminUrl}/state`)).json()) as Json).counts).toEqual({
      customers: 0,
      orders: 0,
      products: 0,
      webhooks: 0,
    });
  });
});
