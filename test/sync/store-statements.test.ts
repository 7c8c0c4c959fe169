/**
 * The store costs a statement per call (about 0.1–0.2 ms with SQLite), so the engine
 * makes few: links of a page are read in one getMany per namespace and slice of LINK_SLICE
 * links (25: a turn of the event loop between slices, see MappingState.getLinks), `$link` answers are
 * cached for the run, an order's link and its lines' link are written together right after
 * the create, intents are deleted per page, and a record that did not change writes nothing.
 * The crash-safety order holds: intent stored before the create, link right after it,
 * before the record counts as done.
 */
import { describe, expect, it } from 'vitest';
import { CountingStore, type StoreOp } from '../../engine/store/counting-store.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { LINK_SLICE, MappingState } from '../../engine/store/sync-state.ts';
import { invoicing, invoicingOrderMappings } from './helpers/invoicing.ts';
import { customerMapping, makeEngine, orderMappings, productMapping } from './helpers/setup.ts';

type Rec = Record<string, unknown>;
const N = 30;
/**
 * Statements besides the per-order writes: 17, and the page's three link reads (orders, and
 * in the lines' pass lines and orders) once per slice of LINK_SLICE links.
 */
const READS = 17 + 3 * Math.ceil(N / LINK_SLICE);

const orders = Array.from({ length: N }, (_, i) => ({
  id: String(5000 + i),
  status: 'processing',
  customer_id: 1 + (i % 3),
  note: `order ${i}`,
  billing: { email: 'x@example.com', first_name: 'X' },
  line_items: [
    { id: 10 * i + 1, product_id: 10, quantity: 2, price: '99.00' },
    { id: 10 * i + 2, product_id: 11, quantity: 1, price: '149.50' },
    { id: 10 * i + 3, product_id: 12, quantity: 3, price: '10.00' },
  ],
}));

function setup(order = orderMappings()) {
  const timeline: string[] = [];
  const store = new CountingStore(openStore('memory://'), (op) =>
    timeline.push(`store ${op.op} ${op.keys.join(' ')}`),
  );
  const made = makeEngine([customerMapping(), productMapping(), ...order], {
    store,
    events: { recordProcessed: (e) => timeline.push(`done ${e.mapping} ${e.id} ${e.outcome}`) },
  });
  const create = made.erp.withChildren!.createWithChildren.bind(made.erp.withChildren);
  made.erp.withChildren!.createWithChildren = async (entity, data, ...rest) => {
    timeline.push(`send ${entity} ${(data as Rec).ExternalImportReference}`);
    return create(entity, data, ...rest);
  };
  made.shop.system.seed(
    'customer',
    [1, 2, 3].map((id) => ({
      id: String(id),
      email: `c${id}@example.com`,
      first_name: 'C',
      last_name: String(id),
      billing: {},
    })),
  );
  made.shop.system.seed(
    'product',
    [10, 11, 12].map((id) => ({ id: String(id), sku: `SKU${id}`, name: `P${id}`, price: '1.00' })),
  );
  return { ...made, store, timeline };
}

/** Operations on records (not the cursors, read and stored once per run and page). */
const recordOps = (ops: StoreOp[]) => ops.filter((o) => !o.keys.some((k) => k.includes('.meta:cursor.')));
const perRecordWrites = (ops: StoreOp[]) =>
  recordOps(ops).filter((o) => o.op === 'set' || o.op === 'writeMany').length;

describe('store statements per order', () => {
  it(`create: ${N} orders with 3 lines each cost 2 writes per order and reads per slice of links, not per order`, async () => {
    const { engine, shop, store } = setup();
    expect((await engine.run()).ok).toBe(true);
    shop.system.seed('order', orders);
    const mark = store.journal.length;
    const summary = await engine.run({ mappings: ['salesorder'] });
    expect(summary.ok).toBe(true);
    const ops = store.since(mark);
    // Per order: the intent, then the order's and its lines' links in one writeMany.
    expect(ops.filter((o) => o.op === 'writeMany')).toHaveLength(N);
    expect(ops.filter((o) => o.op === 'set' && o.keys[0]!.includes('.meta:intent.'))).toHaveLength(N);
    expect(recordOps(ops).filter((o) => o.op === 'get')).toEqual([]);
    expect(ops.filter((o) => o.op === 'delete')).toEqual([]);
    expect(ops.length).toBeLessThanOrEqual(2 * N + READS);
  });

  it('unchanged: a run over the same orders reads per page, writes nothing', async () => {
    const { engine, shop, store } = setup();
    await engine.run();
    shop.system.seed('order', orders);
    await engine.run({ mappings: ['salesorder'] });
    const mark = store.journal.length;
    const summary = await engine.run({ mappings: ['salesorder'], mode: 'full' });
    expect(summary.mappings.find((m) => m.mapping === 'salesorder')!.counts.unchanged).toBe(N);
    const ops = store.since(mark);
    expect(perRecordWrites(ops)).toBe(0);
    expect(ops.length).toBeLessThanOrEqual(20);
  });

  it('update: a changed line and note cost one write for the order and one for its lines', async () => {
    const { engine, shop, store } = setup();
    await engine.run();
    shop.system.seed('order', orders);
    await engine.run({ mappings: ['salesorder'] });
    for (const o of orders) {
      shop.system.edit('order', o.id, (r) => {
        r.note = `${r.note as string} (changed)`;
        (r.line_items as Rec[])[0]!.quantity = 5;
      });
    }
    const mark = store.journal.length;
    const summary = await engine.run({ mappings: ['salesorder'] });
    expect(summary.mappings.find((m) => m.mapping === 'salesorder')!.counts.updated).toBe(N);
    const ops = store.since(mark);
    // The order's link (its reverse entry is unchanged, not rewritten) and the lines' link.
    expect(perRecordWrites(ops)).toBe(2 * N);
    expect(recordOps(ops).filter((o) => o.op === 'get')).toEqual([]);
    expect(ops.length).toBeLessThanOrEqual(2 * N + READS);
  });

  it("update: a line added to each order stores the lines' link once, right after the line is created", async () => {
    const { engine, shop, store } = setup();
    await engine.run();
    shop.system.seed('order', orders);
    await engine.run({ mappings: ['salesorder'] });
    for (const o of orders) {
      shop.system.edit('order', o.id, (r) => {
        (r.line_items as Rec[]).push({
          id: Number(o.id) * 10 + 9,
          product_id: 11,
          quantity: 1,
          price: '149.50',
        });
      });
    }
    const mark = store.journal.length;
    const summary = await engine.run({ mappings: ['salesorder'] });
    expect(summary.mappings.find((m) => m.mapping === 'salesorderline')!.counts.updated).toBe(N);
    const writes = recordOps(store.since(mark)).filter((o) => o.op === 'set' || o.op === 'writeMany');
    expect(writes.map((o) => o.keys[0]).sort()).toEqual(
      orders.map((o) => `mapsync.v1.salesorderline.links:${o.id}`).sort(),
    );
  });

  it('actions: the action pass reads no link the record pass had; an order it acts on is read once, before the operation', async () => {
    const { engine, shop, erp, store } = setup(await invoicingOrderMappings());
    const calls = invoicing(erp);
    await engine.run();
    shop.system.seed('order', orders);
    const linkReads = (mark: number) =>
      recordOps(store.since(mark)).filter(
        (o) =>
          (o.op === 'get' || o.op === 'getMany') &&
          o.keys.some((k) => k.startsWith('mapsync.v1.salesorder.links:')),
      );
    // Created: the links were written by the run, nothing to invoice (processing).
    let mark = store.journal.length;
    expect((await engine.run({ mappings: ['salesorder'] })).ok).toBe(true);
    expect(recordOps(store.since(mark)).filter((o) => o.op === 'get')).toEqual([]);
    // Unchanged: the links read with the page, once.
    mark = store.journal.length;
    expect((await engine.run({ mappings: ['salesorder'], mode: 'full' })).ok).toBe(true);
    expect(recordOps(store.since(mark)).filter((o) => o.op === 'get')).toEqual([]);
    // (the page's reads ahead, per slice of links: the orders', the lines' pass's, the scan's)
    expect(linkReads(mark).length).toBeLessThanOrEqual(3 * Math.ceil(N / LINK_SLICE));
    expect(calls).toEqual([]);
    // Completed: each order's link is read from the store once, under its lock, before its invoice.
    for (const o of orders) shop.system.edit('order', o.id, (r) => (r.status = 'completed'));
    mark = store.journal.length;
    expect((await engine.run({ mappings: ['salesorder'] })).ok).toBe(true);
    expect(calls).toHaveLength(N);
    const gets = recordOps(store.since(mark)).filter((o) => o.op === 'get');
    expect(gets.map((o) => o.keys[0]).sort()).toEqual(
      orders.map((o) => `mapsync.v1.salesorder.links:${o.id}`).sort(),
    );
  });

  it('crash safety: each intent is stored before its create, the links right after it, before the record is done', async () => {
    const { engine, shop, timeline } = setup();
    await engine.run();
    shop.system.seed('order', orders.slice(0, 5));
    timeline.length = 0;
    await engine.run({ mappings: ['salesorder'] });
    for (const o of orders.slice(0, 5)) {
      const intent = timeline.findIndex(
        (l) => l.startsWith('store set') && l.endsWith(`.meta:intent.source.${o.id}`),
      );
      const send = timeline.indexOf(`send salesorder ${o.id}`);
      const link = timeline.findIndex(
        (l) =>
          l.startsWith('store writeMany') &&
          l.includes(`mapsync.v1.salesorder.links:${o.id} `) &&
          l.includes(`mapsync.v1.salesorderline.links:${o.id}`),
      );
      const done = timeline.indexOf(`done salesorder ${o.id} created`);
      expect(intent).toBeGreaterThanOrEqual(0);
      expect(send).toBeGreaterThan(intent);
      expect(link).toBeGreaterThan(send);
      expect(done).toBeGreaterThan(link);
    }
    // The intents are deleted together once the page's links are stored.
    const deletes = timeline.filter((l) => l.startsWith('store deleteMany') && l.includes('intent.'));
    expect(deletes).toHaveLength(1);
  });

  it('an intent left behind although its record is linked is dropped without a guard look-up', async () => {
    const { engine, shop, erp, store } = setup();
    await engine.run();
    shop.system.seed('order', [orders[0]!]);
    await engine.run({ mappings: ['salesorder'] });
    const state = new MappingState('salesorder', store);
    await state.setIntent('source', orders[0]!.id, {
      guard: { field: 'ExternalImportReference', value: orders[0]!.id },
      side: 'target',
      at: new Date().toISOString(),
      payloadHash: 'x',
    });
    const lookups = erp.system.reads.filter((r) => r.method === 'findByGuard').length;
    expect((await engine.run({ mappings: ['salesorder'] })).ok).toBe(true);
    expect(erp.system.reads.filter((r) => r.method === 'findByGuard').length).toBe(lookups);
    expect(await state.getIntent('source', orders[0]!.id)).toBeUndefined();
  });
});
