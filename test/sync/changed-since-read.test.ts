/**
 * Shop writes are batched, and a record may be edited in the shop between the moment the
 * engine read it (its page of the listing) and the moment its batch is sent. Right before
 * a batch is sent its records are read again in one request: a record whose modification
 * time moved is dropped from the batch and merged again with the fresh values, so the newer
 * edit is never overwritten. (PowerOffice writes: see target-reread.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { MemoryConnector } from '../../engine/connectors/memory/index.ts';
import type { Connector, EntityRecord, ListOptions, Page } from '../../engine/connectors/types.ts';
import type { ConflictDecision } from '../../engine/sync/events.ts';
import { customerMapping, makeEngine } from './helpers/setup.ts';

const alice = { id: '1', email: 'alice@example.com', first_name: 'Alice', last_name: 'A', billing: {} };
const bob = { id: '2', email: 'bob@example.com', first_name: 'Bob', last_name: 'B', billing: {} };

/** After each customer page is read (before the engine works on it), `edit` runs once. */
function editAfterRead(shop: MemoryConnector, edit: () => void): void {
  const list = shop.list.bind(shop);
  let done = false;
  shop.list = async function* (entity: string, options?: ListOptions): AsyncIterable<Page> {
    for await (const page of list(entity, options)) {
      if (entity === 'customer' && !done) {
        done = true;
        edit();
      }
      yield page;
    }
  } as Connector['list'];
}

describe('a shop record edited while its write waits', () => {
  it('is dropped from the batch and merged again: the newer shop edit wins the conflict in both systems', async () => {
    const decisions: ConflictDecision[] = [];
    const { engine, shop, erp } = makeEngine([customerMapping()], {
      events: { conflictDecided: (d) => decisions.push(d) },
    });
    shop.system.seed('customer', [alice, bob]);
    expect((await engine.run()).ok).toBe(true);
    const erpId = erp.system.all('customer').find((c) => c.ExternalImportReference === '1')!.Id as string;
    // PowerOffice first; then, while the run is going on, the shop (newer).
    erp.system.edit('customer', erpId, (r) => {
      r.FirstName = 'FromErp';
    });
    editAfterRead(shop, () =>
      shop.system.edit('customer', '1', (r) => {
        r.first_name = 'FromShop';
      }),
    );
    const summary = await engine.run();
    expect(summary.ok).toBe(true);
    expect(shop.system.all('customer').find((c) => c.id === '1')!.first_name).toBe('FromShop');
    expect(erp.system.all('customer').find((c) => c.Id === erpId)!.FirstName).toBe('FromShop');
    // The batch was checked with one read and not sent (nothing else to write).
    expect(shop.system.reads.filter((r) => r.method === 'getMany')).toEqual([
      { method: 'getMany', entity: 'customer', id: '1' },
    ]);
    expect(shop.system.writes.filter((w) => w.method === 'batch')).toEqual([]);
    expect(decisions).toEqual([
      expect.objectContaining({
        sourceId: '1',
        property: 'FirstName',
        winner: 'source',
        policy: 'newest-wins',
      }),
    ]);
    // Settled: a further run writes nothing.
    const writes = shop.system.writes.length + erp.system.writes.length;
    expect((await engine.run()).ok).toBe(true);
    expect(shop.system.writes.length + erp.system.writes.length).toBe(writes);
  });

  it('a record not edited meanwhile is written as decided, after one re-read of the batch', async () => {
    const { engine, shop, erp } = makeEngine([customerMapping()]);
    shop.system.seed('customer', [alice, bob]);
    await engine.run();
    for (const c of erp.system.all('customer')) {
      erp.system.edit('customer', c.Id as string, (r) => {
        r.LastName = `${r.LastName as string}-erp`;
      });
    }
    const reads = shop.system.reads.length;
    expect((await engine.run()).ok).toBe(true);
    expect(shop.system.all('customer').map((c) => c.last_name)).toEqual(['A-erp', 'B-erp']);
    const batches = shop.system.writes.filter((w) => w.method === 'batch');
    expect(batches).toHaveLength(1);
    expect((batches[0]!.body as EntityRecord[]).map((i) => i.id)).toEqual(['1', '2']);
    expect(shop.system.reads.slice(reads).filter((r) => r.method === 'getMany')).toHaveLength(1);
    expect(erp.system.reads.filter((r) => r.method === 'get')).toEqual([]);
  });
});
