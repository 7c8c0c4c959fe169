/**
 * The action pass takes a candidate's link from what the record pass read or wrote
 * (engine/sync/action-links.ts, bounded) instead of reading it back, and reads the store
 * before anything is written: a link changed by another process between the record pass and
 * the action pass never makes the engine act on what the run saw last.
 */
import { describe, expect, it } from 'vitest';
import type { LinkRecord } from '../../engine/store/sync-state.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { ActionLinks } from '../../engine/sync/action-links.ts';
import { invoicing, invoicingOrderMappings } from './helpers/invoicing.ts';
import { customerMapping, makeEngine, productMapping } from './helpers/setup.ts';

const link = (sourceId: string, extra: Partial<LinkRecord> = {}): LinkRecord => ({
  v: 1,
  sourceId,
  targetId: `t-${sourceId}`,
  base: { source: {}, target: {}, yields: {} },
  origin: 'created-in-target',
  linkedAt: '2026-01-01T00:00:00.000Z',
  syncedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe('ActionLinks', () => {
  it('keeps at most `max` links; beyond, a record is not kept (the action pass reads the store)', () => {
    const links = new ActionLinks(true, 3);
    for (const id of ['a', 'b', 'c', 'd']) links.seen(id, link(id));
    expect(links.size).toBe(3);
    expect(links.take('d')).toBeUndefined();
    // A kept link is updated by a later write even at the bound.
    links.seen('b', link('b', { targetId: 't-b2' }));
    expect(links.take('b')?.targetId).toBe('t-b2');
    // Taken once: the second ask goes to the store.
    expect(links.take('b')).toBeUndefined();
    // Room again: a new one is kept.
    links.seen('e', link('e'));
    expect(links.take('e')?.sourceId).toBe('e');
  });

  it('forgets a deleted or virtual link, keeps nothing for a mapping without actions, and clears', () => {
    const links = new ActionLinks(true);
    links.seen('a', link('a'));
    links.seen('a', undefined);
    expect(links.take('a')).toBeUndefined();
    links.seen('b', link('b'));
    links.seen('b', link('b', { virtual: true }));
    expect(links.take('b')).toBeUndefined();
    links.seen('c', link('c'));
    links.clear();
    expect(links.size).toBe(0);
    const off = new ActionLinks(false);
    off.seen('a', link('a'));
    expect(off.size).toBe(0);
  });
});

type Rec = Record<string, unknown>;

const orders: Rec[] = ['7001', '7002'].map((id, i) => ({
  id,
  status: 'completed',
  customer_id: 1 + i,
  note: `order ${id}`,
  billing: { email: 'x@example.com', first_name: 'X' },
  line_items: [{ id: Number(id) * 10, product_id: 10, quantity: 1, price: '5.00' }],
}));

/** Two completed orders, new; the engine acting on one record at a time. */
async function setup() {
  const made = makeEngine([customerMapping(), productMapping(), ...(await invoicingOrderMappings())], {
    concurrency: 1,
  });
  made.shop.system.seed(
    'customer',
    [1, 2].map((id) => ({
      id: String(id),
      email: `c${id}@example.com`,
      first_name: 'C',
      last_name: String(id),
    })),
  );
  made.shop.system.seed('product', [{ id: '10', sku: 'SKU10', name: 'P10', price: '5.00' }]);
  expect((await made.engine.run()).ok).toBe(true);
  made.shop.system.seed('order', orders);
  // Another process's view of the same store.
  const other = new MappingState('salesorder', made.store);
  /** The order whose sales order is not `targetId`. */
  const otherOrder = async (targetId: unknown) => {
    for (const o of orders) {
      const l = await other.getLink(String(o.id));
      if (l && l.targetId !== String(targetId)) return l;
    }
    throw new Error('no other linked order');
  };
  return { ...made, other, otherOrder };
}

describe('the action pass and a link changed after the record pass', () => {
  it('an order invoiced by another process meanwhile is not invoiced again', async () => {
    const { engine, erp, other, otherOrder } = await setup();
    let theirs: LinkRecord | undefined;
    const calls = invoicing(erp, async (request) => {
      if (theirs) return;
      // While the first order is invoiced, another process invoices the second one.
      const before = await otherOrder(request.id);
      const at = '2026-01-02T00:00:00.000Z';
      theirs = {
        ...before,
        actions: { invoice: { doneAt: at, result: { InvoiceNo: 99_999 }, locks: true, writtenBackAt: at } },
      };
      await other.putLink(theirs, before);
    });
    const summary = await engine.run({ mappings: ['salesorder'] });
    expect(summary.ok).toBe(true);
    // Both orders were created in this run, so the run held both links without any action.
    expect(calls).toHaveLength(1);
    const stored = await other.getLink(theirs!.sourceId);
    expect(stored?.actions?.invoice?.result).toEqual({ InvoiceNo: 99_999 });
    const mine = orders.map((o) => String(o.id)).find((id) => id !== theirs!.sourceId)!;
    expect((await other.getLink(mine))?.actions?.invoice?.result).toEqual({ InvoiceNo: 10_001 });
  });

  it('an order unlinked by another process meanwhile is not acted on', async () => {
    const { engine, erp, other, otherOrder } = await setup();
    let gone: LinkRecord | undefined;
    const calls = invoicing(erp, async (request) => {
      if (gone) return;
      gone = await otherOrder(request.id);
      await other.deleteLink(gone);
    });
    const summary = await engine.run({ mappings: ['salesorder'] });
    expect(summary.ok).toBe(true);
    expect(calls).toHaveLength(1);
    expect(await other.getLink(gone!.sourceId)).toBeUndefined();
  });

  it('without a change meanwhile each order is invoiced once, and a second run invoices nothing', async () => {
    const { engine, erp } = await setup();
    const calls = invoicing(erp);
    expect((await engine.run({ mappings: ['salesorder'] })).ok).toBe(true);
    expect(calls.map((c) => c.operation)).toEqual(['invoice', 'invoice']);
    expect((await engine.run({ mappings: ['salesorder'], mode: 'full' })).ok).toBe(true);
    expect(calls).toHaveLength(2);
  });
});
