import { describe, expect, it } from 'vitest';
import { type ConnectorError, isConnectorError } from '../../engine/connectors/errors.ts';
import { insertRecords } from '../../sandbox/woocommerce/admin.ts';
import { sandboxes } from './helpers.ts';

const { pair } = sandboxes();

describe('writes', () => {
  it('create (201) → get round trip; get of a missing id is null', async () => {
    const { sandbox, connector } = await pair();
    const created = await connector.create('customer', {
      email: 'kari@example.no',
      first_name: 'Kari',
      billing: { city: 'Oslo', phone: '+47 400 00 000' },
    });
    expect(created.id).toBe(1);
    expect(created.role).toBe('customer');
    expect(sandbox.log.list().at(-1)!.status).toBe(201);
    expect(await connector.get('customer', '1')).toMatchObject({
      email: 'kari@example.no',
      billing: { city: 'Oslo' },
    });
    expect(await connector.get('customer', '999')).toBeNull();
    expect(await connector.get('order', '999')).toBeNull();
    expect(await connector.get('product', 'not-a-number')).toBeNull();
  });

  it('getMany: several records in one request (include=), customers of any role, gone and unknown ids left out', async () => {
    const { sandbox, connector } = await pair();
    const a = await connector.create('customer', { email: 'a@example.no', first_name: 'A' });
    const b = await connector.create('customer', { email: 'b@example.no', first_name: 'B' });
    const p = await connector.create('product', { name: 'Mug', sku: 'MUG', regular_price: '10' });
    const q = await connector.create('product', { name: 'Cap', sku: 'CAP', regular_price: '12' });
    await connector.remove('product', String(q.id), 'delete');
    const mark = sandbox.log.mark();
    const customers = await connector.getMany!('customer', [String(b.id), String(a.id), '999', 'x']);
    expect(customers.map((c) => c.email).sort()).toEqual(['a@example.no', 'b@example.no']);
    const products = await connector.getMany!('product', [String(p.id), String(q.id)]);
    expect(products.map((r) => r.sku)).toEqual(['MUG']);
    const requests = sandbox.log.list(mark);
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ method: 'GET', path: '/wp-json/wc/v3/customers' });
    expect(requests[0]!.query).toMatchObject({ include: `${b.id},${a.id},999`, role: 'all' });
    expect(await connector.getMany!('order', [])).toEqual([]);
  });

  it('update turns JSON Patch ops into a partial nested body; nested objects merge; null → ""', async () => {
    const { sandbox, connector } = await pair();
    const c = await connector.create('customer', {
      email: 'ola@example.no',
      billing: { city: 'Oslo', phone: '123', address_1: 'Storgata 1' },
    });
    const mark = sandbox.log.mark();
    const updated = await connector.update('customer', String(c.id), [
      { op: 'replace', path: '/billing/city', value: 'Bergen' },
      { op: 'replace', path: '/billing/phone', value: null },
      { op: 'add', path: '/last_name', value: 'Nordmann' },
    ]);
    const request = sandbox.log.list(mark)[0]!;
    expect(request.method).toBe('PUT');
    expect(request.body).toEqual({ billing: { city: 'Bergen', phone: '' }, last_name: 'Nordmann' });
    expect(updated.billing).toMatchObject({ city: 'Bergen', phone: '', address_1: 'Storgata 1' });
    expect(updated.last_name).toBe('Nordmann');
  });

  it('update: paths into arrays are refused before any request; a no-op update keeps date_modified', async () => {
    const { sandbox, connector } = await pair({ seed: { count: 4, seed: 2 } });
    const mark = sandbox.log.mark();
    await expect(
      connector.update('order', '1', [{ op: 'replace', path: '/line_items/0/quantity', value: 3 }]),
    ).rejects.toMatchObject({ kind: 'validation' });
    expect(sandbox.log.list(mark)).toHaveLength(0);
    const before = (await connector.get('customer', '1'))!;
    const after = await connector.update('customer', '1', [
      { op: 'replace', path: '/first_name', value: before.first_name },
    ]);
    expect(after.date_modified_gmt).toBe(before.date_modified_gmt);
  });

  it('batch.updateMany splits > 100 items and surfaces each item error as its own ConnectorError', async () => {
    const { sandbox, connector } = await pair();
    insertRecords(
      sandbox.state,
      'customer',
      Array.from({ length: 120 }, (_, i) => ({ email: `b${i}@example.no` })),
    );
    expect(connector.batch!.maxItems).toBe(100);
    const items = Array.from({ length: 120 }, (_, i) => ({
      id: String(i + 1),
      ops: [{ op: 'replace' as const, path: '/first_name', value: `N${i}` }],
    }));
    items[5] = { id: '5000', ops: [{ op: 'replace', path: '/first_name', value: 'x' }] };
    items[7] = { id: '8', ops: [{ op: 'replace', path: '/email', value: 'b0@example.no' }] };
    const mark = sandbox.log.mark();
    const results = await connector.batch!.updateMany('customer', items);
    const calls = sandbox.log.list(mark);
    expect(calls.map((c) => [c.method, c.path, c.status])).toEqual([
      ['PUT', '/wp-json/wc/v3/customers/batch', 200],
      ['PUT', '/wp-json/wc/v3/customers/batch', 200],
    ]);
    expect(results).toHaveLength(120);
    expect(results[0]).toMatchObject({ id: '1', record: { first_name: 'N0' } });
    expect(results[119]).toMatchObject({ id: '120', record: { first_name: 'N119' } });
    const missing = results[5]!.error as ConnectorError;
    expect(missing.kind).toBe('not-found');
    expect(missing.vendorCode).toBe('woocommerce_rest_invalid_id');
    const taken = results[7]!.error as ConnectorError;
    expect(taken.kind).toBe('conflict');
    expect(taken.vendorCode).toBe('woocommerce_rest_customer_invalid_email');
  });

  it('the sandbox refuses batches over 100 items with 413', async () => {
    const { sandbox } = await pair();
    const auth = `Basic ${Buffer.from(`${sandbox.consumerKey}:${sandbox.consumerSecret}`).toString('base64')}`;
    const r = await fetch(`${sandbox.apiUrl}/products/batch`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ create: Array.from({ length: 101 }, (_, i) => ({ name: `p${i}` })) }),
    });
    expect(r.status).toBe(413);
    expect(await r.json()).toMatchObject({ code: 'woocommerce_rest_request_entity_too_large' });
  });

  it('remove: customers are deleted (force=true), orders/products trashed; already gone is fine', async () => {
    const { sandbox, connector } = await pair({ seed: { count: 8, seed: 4 } });
    await connector.remove('customer', '1', 'delete');
    expect(sandbox.log.list().at(-1)!.query.force).toBe('true');
    expect(await connector.get('customer', '1')).toBeNull();
    await connector.remove('customer', '1', 'delete'); // 404 → not an error

    await connector.remove('product', '1', 'delete');
    expect(sandbox.log.list().at(-1)!.query.force).toBe('false');
    expect(sandbox.state.find('product', 1)!.status).toBe('trash');
    expect(await connector.get('product', '1')).toBeNull(); // trashed = gone (isGone)
    await connector.remove('product', '1', 'delete'); // 410 already trashed → fine
    expect(sandbox.log.list().at(-1)!.status).toBe(410);

    await connector.remove('order', '2', 'delete');
    expect(await connector.get('order', '2')).toBeNull();
    const listed = [];
    for await (const page of connector.list('order')) listed.push(...page.records.map((r) => r.id));
    expect(listed).not.toContain(2);
    await expect(connector.remove('order', '3', 'archive')).rejects.toMatchObject({ kind: 'validation' });
  });

  it('findByGuard: customers by e-mail (role=all, case-insensitive), products by SKU, orders by id', async () => {
    const { sandbox, connector } = await pair();
    insertRecords(sandbox.state, 'customer', [
      { email: 'Kari.Nordmann@Example.NO' },
      { email: 'boss@example.no', role: 'administrator' },
    ]);
    insertRecords(sandbox.state, 'product', [
      { name: 'A', sku: 'SKU-1' },
      { name: 'B', sku: 'SKU-2' },
    ]);
    insertRecords(sandbox.state, 'order', [{ billing: { email: 'guest@example.no' } }]);
    expect(
      await connector.findByGuard('customer', { field: 'email', value: ' kari.nordmann@example.no ' }),
    ).toHaveLength(1);
    expect(
      await connector.findByGuard('customer', { field: 'email', value: 'boss@example.no' }),
    ).toHaveLength(1);
    expect(await connector.findByGuard('customer', { field: 'email', value: 'nobody@example.no' })).toEqual(
      [],
    );
    expect(await connector.findByGuard('customer', { field: 'email', value: 'not an email' })).toEqual([]);
    const products = await connector.findByGuard('product', { field: 'sku', value: 'SKU-2' });
    expect(products.map((p) => p.name)).toEqual(['B']);
    expect(await connector.findByGuard('order', { field: 'id', value: '1' })).toHaveLength(1);
    expect(await connector.findByGuard('order', { field: 'id', value: '77' })).toEqual([]);
    await expect(connector.findByGuard('product', { field: 'name', value: 'A' })).rejects.toMatchObject({
      kind: 'validation',
    });
  });

  it('create conflicts: duplicate e-mail and duplicate SKU are conflicts with the vendor code', async () => {
    const { connector } = await pair();
    await connector.create('customer', { email: 'dup@example.no' });
    const dup = await connector.create('customer', { email: 'DUP@example.no' }).catch((e: unknown) => e);
    expect(isConnectorError(dup, 'conflict')).toBe(true);
    expect((dup as ConnectorError).vendorCode).toBe('registration-error-email-exists');
    await connector.create('product', { name: 'X', sku: 'X-1', regular_price: '10' });
    const sku = await connector.create('product', { name: 'Y', sku: 'X-1' }).catch((e: unknown) => e);
    expect(isConnectorError(sku, 'conflict')).toBe(true);
    expect((sku as ConnectorError).vendorCode).toBe('product_invalid_sku');
    expect((sku as ConnectorError).existingId).toBe('1');
    expect((sku as ConnectorError).requestBody).toEqual({ name: 'Y', sku: 'X-1' });
  });

  it('validation errors carry per-field messages from data.params', async () => {
    const { connector } = await pair();
    const error = (await connector
      .create('product', { name: 'Z', status: 'nonsense', stock_quantity: 'many' })
      .catch((e: unknown) => e)) as ConnectorError;
    expect(error.kind).toBe('validation');
    expect(error.vendorCode).toBe('rest_invalid_param');
    expect(Object.keys(error.fields ?? {}).sort()).toEqual(['status', 'stock_quantity']);
    const invalid = (await connector
      .create('customer', { email: 'nope' })
      .catch((e: unknown) => e)) as ConnectorError;
    expect(invalid.vendorCode).toBe('customer_invalid_email');
    expect(invalid.kind).toBe('validation');
  });
});
