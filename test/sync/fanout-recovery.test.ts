/**
 * A sales order linked outside its own source pass — recovered by its identity guard after a
 * crash (phase 0), or matched/recovered while a failed record is retried (phase 6) — already
 * has its lines in the target. The line mapping must adopt them by their guard at once: its
 * own pass will not see the order again (its cursor is past it).
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/connectors/errors.ts';
import type { MemoryConnector } from '../../engine/connectors/memory/index.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { customerMapping, makeEngine, orderMappings, productMapping } from './helpers/setup.ts';

type Rec = Record<string, unknown>;

const alice = { id: '1', email: 'alice@example.com', first_name: 'Alice', last_name: 'A', billing: {} };
const products = [
  { id: '10', sku: 'MUG', name: 'Mug', price: '99.00' },
  { id: '11', sku: 'CAP', name: 'Cap', price: '149.50' },
];
const order = {
  id: '5001',
  status: 'processing',
  customer_id: 1,
  note: 'first',
  billing: { email: 'alice@example.com', first_name: 'Alice' },
  line_items: [
    { id: 1, product_id: 10, quantity: 2, price: '99.00' },
    { id: 2, product_id: 11, quantity: 1, price: '149.50' },
  ],
};

function setup() {
  const store = openStore('memory://');
  const made = makeEngine([customerMapping(), productMapping(), ...orderMappings()], { store });
  return { ...made, store };
}

/** The order and its lines as PowerOffice holds them after a create that landed. */
function landOrder(erp: MemoryConnector): string {
  const productId = (sku: string) => Number(erp.system.all('product').find((p) => p.Code === sku)!.Id);
  const [created] = erp.system.seed('salesorder', [
    {
      ExternalImportReference: '5001',
      CustomerId: Number(erp.system.all('customer')[0]!.Id),
      CustomerReference: 'first',
    },
  ]);
  const parentId = String(created!.Id);
  erp.system.seed('salesorderline', [
    {
      ExternalImportReference: '1',
      ProductId: productId('MUG'),
      Quantity: 2,
      ProductUnitPrice: 99,
      _parent: parentId,
    },
    {
      ExternalImportReference: '2',
      ProductId: productId('CAP'),
      Quantity: 1,
      ProductUnitPrice: 149.5,
      _parent: parentId,
    },
  ]);
  return parentId;
}

const refused = () =>
  new ConnectorError('refused', { system: 'erp', kind: 'validation', method: 'POST', path: '/salesorder' });

async function expectLinesAdopted(
  store: ReturnType<typeof openStore>,
  erp: MemoryConnector,
  parentId: string,
) {
  const lineLink = await new MappingState('salesorderline', store).getLink('5001');
  expect(lineLink?.targetId).toBe(parentId);
  expect(Object.keys(lineLink!.children ?? {}).sort()).toEqual(['1', '2']);
  expect(erp.system.all('salesorder')).toHaveLength(1);
  expect(erp.system.all('salesorderline')).toHaveLength(2);
  expect(erp.system.writes.filter((w) => w.entity === 'salesorderline')).toEqual([]);
}

describe('fan-out children of a parent linked outside the source pass', () => {
  it('phase 0: an order recovered from a crash intent gets its lines linked', async () => {
    const { engine, shop, erp, store } = setup();
    shop.system.seed('customer', [alice]);
    shop.system.seed('product', products);
    shop.system.seed('order', [order]);
    // Run 1: the order is refused; the line pass lists it (parent not linked: skipped) and
    // moves its cursor past it.
    erp.system.failNext('createWithChildren', 'salesorder', refused);
    const first = await engine.run();
    expect(first.ok).toBe(false);
    // A later attempt landed but the process died before the link was stored.
    const parentId = landOrder(erp);
    await new MappingState('salesorder', store).setIntent('source', '5001', {
      guard: { field: 'ExternalImportReference', value: '5001' },
      side: 'target',
      at: new Date(Date.UTC(2025, 5, 1)).toISOString(),
      payloadHash: 'x',
    });
    const second = await engine.run();
    expect(await new MappingState('salesorder', store).getLink('5001')).toMatchObject({
      targetId: parentId,
      origin: 'recovered',
    });
    await expectLinesAdopted(store, erp, parentId);
    // The obsolete failure of the now linked order is gone.
    expect(await new MappingState('salesorder', store).getFailed('source', '5001')).toBeUndefined();
    expect(second.mappings.find((m) => m.mapping === 'salesorderline')!.counts.failed).toBe(0);
  });

  it('phase 6: an order whose retried create has an unknown outcome, found by its guard, gets its lines linked', async () => {
    const { engine, shop, erp, store } = setup();
    shop.system.seed('customer', [alice]);
    shop.system.seed('product', products);
    shop.system.seed('order', [order]);
    erp.system.failNext('createWithChildren', 'salesorder', refused);
    await engine.run();
    let parentId = '';
    // The retried create lands, but its answer is lost.
    erp.system.failNext('createWithChildren', 'salesorder', () => {
      parentId = landOrder(erp);
      return new ConnectorError('timeout', {
        system: 'erp',
        kind: 'ambiguous',
        method: 'POST',
        path: '/salesorder',
      });
    });
    const retried = await engine.run({ retryAllNow: true });
    expect(retried.ok).toBe(true);
    expect(await new MappingState('salesorder', store).getLink('5001')).toMatchObject({
      targetId: parentId,
      origin: 'recovered',
    });
    await expectLinesAdopted(store, erp, parentId);
  });

  it('phase 6: a retried order that matches an existing order by its guard gets its lines linked', async () => {
    const { engine, shop, erp, store } = setup();
    shop.system.seed('customer', [alice]);
    shop.system.seed('product', products);
    shop.system.seed('order', [order]);
    erp.system.failNext('createWithChildren', 'salesorder', refused);
    await engine.run();
    // Meanwhile the order reached PowerOffice some other way (an earlier attempt that landed).
    const parentId = landOrder(erp);
    const retried = await engine.run({ retryAllNow: true });
    expect(retried.ok).toBe(true);
    expect(await new MappingState('salesorder', store).getLink('5001')).toMatchObject({
      targetId: parentId,
      origin: 'matched',
    });
    await expectLinesAdopted(store, erp, parentId);
    // Nothing left to do: a further run writes nothing.
    const writes = erp.system.writes.length;
    expect((await engine.run()).ok).toBe(true);
    expect(erp.system.writes.length).toBe(writes);
    expect((erp.system.all('salesorder')[0] as Rec).ExternalImportReference).toBe('5001');
  });
});
