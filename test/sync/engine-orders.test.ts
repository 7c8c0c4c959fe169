import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/connectors/errors.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { customerMapping, makeEngine, orderMappings, productMapping } from './helpers/setup.ts';

const alice = {
  id: '1',
  email: 'alice@example.com',
  first_name: 'Alice',
  last_name: 'A',
  billing: { city: 'Oslo' },
};
const products = [
  { id: '10', sku: 'MUG', name: 'Mug', price: '99.00' },
  { id: '11', sku: 'CAP', name: 'Cap', price: '149.50' },
];
const order = (over: Record<string, unknown> = {}) => ({
  id: '5001',
  status: 'processing',
  customer_id: 1,
  note: 'first',
  billing: { email: 'alice@example.com', first_name: 'Alice' },
  line_items: [
    { id: 1, product_id: 10, quantity: 2, price: '99.00' },
    { id: 2, product_id: 11, quantity: 1, price: '149.50' },
  ],
  ...over,
});

function setup(options?: Parameters<typeof orderMappings>[0]) {
  const store = openStore('memory://');
  const made = makeEngine([customerMapping(), productMapping(), ...orderMappings(options)], { store });
  return { ...made, store };
}

describe('orders with lines (fan-out)', () => {
  it('creates order + lines in one call, links each line by its guard, and a second run writes nothing', async () => {
    const { engine, shop, erp, store } = setup();
    shop.system.seed('customer', [alice]);
    shop.system.seed('product', products);
    shop.system.seed('order', [order()]);
    const summary = await engine.run();
    expect(summary.ok).toBe(true);
    const calls = erp.system.writes.filter((w) => w.entity.startsWith('salesorder'));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'createWithChildren' });
    const body = calls[0]!.body as { data: Record<string, unknown>; kids: unknown[] };
    expect(body.data).toMatchObject({ ExternalImportReference: '5001', CustomerReference: 'first' });
    expect(body.data.CustomerId).toBe(Number(erp.system.all('customer')[0]!.Id));
    expect(body.kids).toEqual([
      expect.objectContaining({ ExternalImportReference: '1', Quantity: 2, ProductUnitPrice: 99 }),
      expect.objectContaining({ ExternalImportReference: '2', Quantity: 1, ProductUnitPrice: 149.5 }),
    ]);
    const lineLink = await new MappingState('salesorderline', store).getLink('5001');
    expect(Object.keys(lineLink!.children!)).toEqual(['1', '2']);
    const writes = erp.system.writes.length;
    const again = await engine.run();
    expect(again.ok).toBe(true);
    expect(erp.system.writes.length).toBe(writes);
  });

  it('Draft: quantity change → PATCH, added line → POST, removed line → DELETE; Confirmed → reported, not written', async () => {
    const { engine, shop, erp, store } = setup();
    shop.system.seed('customer', [alice]);
    shop.system.seed('product', products);
    shop.system.seed('order', [order()]);
    await engine.run();
    const orderId = erp.system.all('salesorder')[0]!.Id as string;
    const before = erp.system.writes.length;
    shop.system.edit('order', '5001', (o) => {
      const items = o.line_items as Array<Record<string, unknown>>;
      items[0]!.quantity = 3;
      items.splice(1, 1);
      items.push({ id: 3, product_id: 11, quantity: 4, price: '149.50' });
    });
    const summary = await engine.run();
    expect(summary.ok).toBe(true);
    const writes = erp.system.writes.slice(before);
    expect(writes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          method: 'update',
          entity: 'salesorderline',
          parentId: orderId,
          ops: [{ op: 'replace', path: '/Quantity', value: 3 }],
        }),
        expect.objectContaining({ method: 'create', entity: 'salesorderline', parentId: orderId }),
        expect.objectContaining({ method: 'remove', entity: 'salesorderline', parentId: orderId }),
      ]),
    );
    expect(writes).toHaveLength(3);

    // The order gets confirmed in the ERP; then a change in the shop is reported, not written.
    erp.system.edit('salesorder', orderId, (o) => {
      o.SalesOrderStatus = 'Confirmed';
    });
    await engine.run();
    const confirmedAt = erp.system.writes.length;
    shop.system.edit('order', '5001', (o) => {
      (o.line_items as Array<Record<string, unknown>>)[0]!.quantity = 9;
      o.note = 'changed';
    });
    const locked = await engine.run();
    expect(erp.system.writes.length).toBe(confirmedAt);
    expect(locked.ok).toBe(false);
    const lineFailure = await new MappingState('salesorderline', store).getFailed('source', '5001');
    expect(lineFailure).toMatchObject({ code: 'LOCKED' });
    // The reason names the property; the values (3 → 9) are in the details only.
    expect(lineFailure!.reason).toMatch(/not written: \[1\]\.Quantity \(the values are in the details\)/);
    expect(lineFailure!.details).toEqual({ diffs: [{ path: '[1].Quantity', from: 3, to: 9 }] });
    const orderFailure = await new MappingState('salesorder', store).getFailed('source', '5001');
    expect(orderFailure).toMatchObject({ code: 'LOCKED' });
  });

  it('an order that leaves the `when` filter is not resent', async () => {
    const { engine, shop, erp } = setup();
    shop.system.seed('customer', [alice]);
    shop.system.seed('product', products);
    shop.system.seed('order', [order()]);
    await engine.run();
    const writes = erp.system.writes.length;
    shop.system.edit('order', '5001', (o) => {
      o.status = 'cancelled';
      o.note = 'cancelled';
    });
    const summary = await engine.run();
    expect(erp.system.writes.length).toBe(writes);
    expect(summary.mappings.find((m) => m.mapping === 'salesorder')!.counts.skipped).toBe(1);
  });

  it('a guest order matches or creates a customer from its billing data (virtual link, created once per e-mail)', async () => {
    const { engine, shop, erp, store } = setup();
    shop.system.seed('product', products);
    shop.system.seed('order', [
      order({ id: '6001', customer_id: 0, billing: { email: 'guest@example.com', first_name: 'Gus' } }),
      order({ id: '6002', customer_id: 0, billing: { email: 'GUEST@example.com', first_name: 'Gus' } }),
    ]);
    const summary = await engine.run();
    expect(summary.ok).toBe(true);
    expect(erp.system.all('customer')).toHaveLength(1);
    const state = new MappingState('customer', store);
    const a = await state.getLink('guest-6001');
    const b = await state.getLink('guest-6002');
    expect(a).toMatchObject({ virtual: true });
    expect(b).toMatchObject({ virtual: true, targetId: a!.targetId });
    const orders = erp.system.all('salesorder');
    expect(orders.map((o) => o.CustomerId)).toEqual([Number(a!.targetId), Number(a!.targetId)]);
    // Virtual links are never scanned or written back: a second run is silent.
    const writes = erp.system.writes.length;
    await engine.run();
    expect(erp.system.writes.length).toBe(writes);
    expect(shop.system.writes).toHaveLength(0);
  });

  it('a product not linked yet (policy wait) fails the order with MISSING_DEPENDENCY; retry after the fix completes it', async () => {
    const { engine, shop, erp, store } = setup();
    shop.system.seed('customer', [alice]);
    shop.system.seed('product', products);
    shop.system.seed('order', [order()]);
    // Product 11 exists in the shop, but its create in the ERP is refused this time.
    const refuse11 = (data: unknown) =>
      (data as Record<string, unknown>).Code === products[1]!.sku
        ? new ConnectorError('refused', { system: 'erp', kind: 'validation' })
        : undefined;
    for (const _ of products) erp.system.failNext('create', 'product', refuse11);
    const summary = await engine.run();
    expect(summary.ok).toBe(false);
    const failure = await new MappingState('salesorder', store).getFailed('source', '5001');
    expect(failure).toMatchObject({ code: 'MISSING_DEPENDENCY' });
    expect(failure!.reason).toMatch(/product record 11, which is not linked yet/);
    expect(erp.system.all('salesorder')).toHaveLength(0);
    const retried = await engine.run({ retryAllNow: true });
    expect(retried.ok).toBe(true);
    expect(erp.system.all('salesorder')).toHaveLength(1);
    expect(erp.system.all('salesorderline')).toHaveLength(2);
    expect(await new MappingState('salesorder', store).getFailed('source', '5001')).toBeUndefined();
  });

  it('a crash after the order create: the parent is recovered by guard and its lines adopted, never created twice', async () => {
    const { engine, shop, erp, store } = setup();
    shop.system.seed('customer', [alice]);
    shop.system.seed('product', products);
    await engine.run();
    shop.system.seed('order', [order()]);
    // The create landed but the process died before the link was written.
    const customerId = Number(erp.system.all('customer')[0]!.Id);
    const [created] = erp.system.seed('salesorder', [
      { ExternalImportReference: '5001', CustomerId: customerId, CustomerReference: 'first' },
    ]);
    const parentId = String(created!.Id);
    erp.system.seed('salesorderline', [
      {
        ExternalImportReference: '1',
        ProductId: Number(erp.system.all('product')[0]!.Id),
        Quantity: 2,
        ProductUnitPrice: 99,
        _parent: parentId,
      },
      {
        ExternalImportReference: '2',
        ProductId: Number(erp.system.all('product')[1]!.Id),
        Quantity: 1,
        ProductUnitPrice: 149.5,
        _parent: parentId,
      },
    ]);
    await new MappingState('salesorder', store).setIntent('source', '5001', {
      guard: { field: 'ExternalImportReference', value: '5001' },
      side: 'target',
      at: new Date(Date.UTC(2025, 5, 1)).toISOString(),
      payloadHash: 'x',
    });
    const before = erp.system.writes.length;
    const summary = await engine.run();
    expect(summary.ok).toBe(true);
    expect(erp.system.writes.length).toBe(before);
    expect(erp.system.all('salesorder')).toHaveLength(1);
    expect(erp.system.all('salesorderline')).toHaveLength(2);
  });
});

describe('virtual links and single records', () => {
  it('a real customer registering later with a guest’s e-mail takes the customer over (no second customer)', async () => {
    const { engine, shop, erp, store } = setup();
    shop.system.seed('product', products);
    shop.system.seed('order', [
      order({ id: '7001', customer_id: 0, billing: { email: 'nina@example.com', first_name: 'Nina' } }),
    ]);
    await engine.run();
    expect(erp.system.all('customer')).toHaveLength(1);
    const guestTarget = (await new MappingState('customer', store).getLink('guest-7001'))!.targetId;
    shop.system.seed('customer', [
      { id: '55', email: 'Nina@Example.com', first_name: 'Nina', last_name: 'N', billing: { city: 'Oslo' } },
    ]);
    await engine.run();
    expect(erp.system.all('customer')).toHaveLength(1);
    const state = new MappingState('customer', store);
    expect(await state.getLink('55')).toMatchObject({ targetId: guestTarget, origin: 'matched' });
    expect(await state.reverse(guestTarget)).toEqual({ sourceId: '55', virtual: false });
    // The real customer's values won the first link; the guest link still points there.
    expect(erp.system.all('customer')[0]).toMatchObject({ ExternalImportReference: '55', LastName: 'N' });
    expect(await state.getLink('guest-7001')).toMatchObject({ virtual: true, targetId: guestTarget });
  });

  it('syncRecord: one record now (a webhook), both sides read live; a delete is confirmed first', async () => {
    const mapping = customerMapping({ delete: { toTarget: 'archive', toSource: 'ignore' } });
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([mapping], { store });
    shop.system.seed('customer', [alice]);
    const created = await engine.syncRecord({
      mapping: 'customer',
      side: 'source',
      id: '1',
      reason: 'webhook',
    });
    expect(created).toMatchObject({ outcome: 'created' });
    shop.system.edit('customer', '1', (r) => {
      r.first_name = 'Alicia';
    });
    const updated = await engine.syncRecord({
      mapping: 'customer',
      side: 'source',
      id: '1',
      reason: 'webhook',
    });
    expect(updated).toMatchObject({ outcome: 'updated', properties: ['FirstName', 'Name'] });
    // A delete webhook for a record that still exists changes nothing.
    const still = await engine.syncRecord({
      mapping: 'customer',
      side: 'source',
      id: '1',
      reason: 'webhook',
      deleted: true,
    });
    expect(still.outcome).not.toBe('archived');
    shop.system.drop('customer', '1');
    const gone = await engine.syncRecord({
      mapping: 'customer',
      side: 'source',
      id: '1',
      reason: 'webhook',
      deleted: true,
    });
    expect(gone).toMatchObject({ outcome: 'archived' });
    expect(erp.system.writes.at(-1)).toMatchObject({ method: 'remove', body: 'archive' });
    expect(await new MappingState('customer', store).getLink('1')).toBeUndefined();
  });
});
