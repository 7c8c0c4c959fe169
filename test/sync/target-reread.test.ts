/**
 * A target update is decided from the run's target listing. PowerOffice Go takes no
 * precondition on a PATCH, so when that listing is older than TARGET_REREAD_AFTER_MS the
 * engine reads the record once more before writing: an edit made there since the listing
 * is merged (and may win the conflict) instead of being overwritten.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryConnector } from '../../engine/connectors/memory/index.ts';
import type { Connector, ListOptions, Page } from '../../engine/connectors/types.ts';
import type { CompiledMapping } from '../../engine/mapping/model.ts';
import type { ConflictDecision } from '../../engine/sync/events.ts';
import { MAX_STALE_WRITES } from '../../engine/sync/live-target.ts';
import { customerMapping, makeEngine } from './helpers/setup.ts';

const alice = { id: '1', email: 'alice@example.com', first_name: 'Alice', last_name: 'A', billing: {} };

/** Alice synced once (linked), then her first name edited in the shop: where each case starts. */
async function aliceEditedInShop(mapping: CompiledMapping, options: Parameters<typeof makeEngine>[1] = {}) {
  const made = makeEngine([mapping], options);
  made.shop.system.seed('customer', [alice]);
  expect((await made.engine.run()).ok).toBe(true);
  const erpId = made.erp.system.all('customer')[0]!.Id as string;
  made.shop.system.edit('customer', '1', (r) => {
    r.first_name = 'FromShop';
  });
  return { ...made, erpId };
}

/** Once the target's customer listing has been read to its end, `after` runs once. */
function afterListing(erp: MemoryConnector, after: () => void): void {
  const list = erp.list.bind(erp);
  let done = false;
  erp.list = async function* (entity: string, options?: ListOptions): AsyncIterable<Page> {
    yield* list(entity, options);
    if (entity === 'customer' && !done) {
      done = true;
      after();
    }
  } as Connector['list'];
}

describe('a target record edited after the listing, before its update is sent', () => {
  it('is read again and merged: the newer target edit wins, nothing is overwritten', async () => {
    const decisions: ConflictDecision[] = [];
    const skew = { ms: 0 };
    const { engine, shop, erp, erpId } = await aliceEditedInShop(customerMapping(), {
      events: { conflictDecided: (d) => decisions.push(d) },
      skew,
    });
    afterListing(erp, () => {
      erp.system.edit('customer', erpId, (r) => {
        r.FirstName = 'FromErp';
      });
      skew.ms += 10_000; // the source pass reaches the record long after the listing
    });
    const reads = erp.system.reads.length;
    expect((await engine.run()).ok).toBe(true);
    expect(erp.system.all('customer')[0]!.FirstName).toBe('FromErp');
    expect(shop.system.all('customer')[0]!.first_name).toBe('FromErp');
    expect(erp.system.reads.slice(reads).filter((r) => r.method === 'get')).toEqual([
      { method: 'get', entity: 'customer', id: erpId },
    ]);
    // FirstName is never written over in PowerOffice (Name, computed from the shop, still is).
    const erpOps = erp.system.writes.filter((w) => w.method === 'update').flatMap((w) => w.ops ?? []);
    expect(erpOps.map((o) => o.path)).not.toContain('/FirstName');
    expect(decisions).toEqual([
      expect.objectContaining({
        sourceId: '1',
        property: 'FirstName',
        winner: 'target',
        policy: 'newest-wins',
      }),
    ]);
    // The next run carries the shop's new first name into the computed Name; then it is settled.
    expect((await engine.run()).ok).toBe(true);
    expect(erp.system.all('customer')[0]!.Name).toBe('FromErp A');
    const writes = shop.system.writes.length + erp.system.writes.length;
    expect((await engine.run()).ok).toBe(true);
    expect(shop.system.writes.length + erp.system.writes.length).toBe(writes);
  });

  it('without preconditions, an edit made just after the listing is overwritten by an update decided soon after it', async () => {
    // The window that preconditions close (next describe): a system whose PATCH takes no
    // `test` op and a listing read less than TARGET_REREAD_AFTER_MS ago: last write wins.
    const { engine, erp, erpId } = await aliceEditedInShop(customerMapping());
    afterListing(erp, () => {
      erp.system.edit('customer', erpId, (r) => {
        r.FirstName = 'FromErp';
      });
    });
    expect((await engine.run()).ok).toBe(true);
    expect(erp.system.all('customer')[0]!.FirstName).toBe('FromShop');
  });

  it('an unchanged target is written as decided, after the one read', async () => {
    const skew = { ms: 0 };
    const { engine, erp } = await aliceEditedInShop(customerMapping(), { skew });
    afterListing(erp, () => {
      skew.ms += 10_000;
    });
    const reads = erp.system.reads.length;
    expect((await engine.run()).ok).toBe(true);
    expect(erp.system.all('customer')[0]!.FirstName).toBe('FromShop');
    expect(erp.system.reads.slice(reads).filter((r) => r.method === 'get')).toHaveLength(1);
    expect(erp.system.writes.filter((w) => w.method === 'update')).toHaveLength(1);
  });

  it('a write decided soon after the listing is sent without a read', async () => {
    const { engine, erp } = await aliceEditedInShop(customerMapping());
    const reads = erp.system.reads.length;
    expect((await engine.run()).ok).toBe(true);
    expect(erp.system.all('customer')[0]!.FirstName).toBe('FromShop');
    expect(erp.system.reads.slice(reads).filter((r) => r.method === 'get')).toEqual([]);
  });
});

describe('a target whose updates honour preconditions (RFC 6902 `test`)', () => {
  it('an edit made just after the listing, overwritten by an update decided soon after it, is kept', async () => {
    const decisions: ConflictDecision[] = [];
    const { engine, shop, erp, erpId } = await aliceEditedInShop(customerMapping(), {
      preconditions: true,
      events: { conflictDecided: (d) => decisions.push(d) },
    });
    afterListing(erp, () => {
      erp.system.edit('customer', erpId, (r) => {
        r.FirstName = 'FromErp';
      });
    });
    const reads = erp.system.reads.length;
    const writes = erp.system.writes.length;
    const requests = erp.system.requests.length;
    expect((await engine.run()).ok).toBe(true);
    expect(erp.system.all('customer')[0]!.FirstName).toBe('FromErp');
    expect(shop.system.all('customer')[0]!.first_name).toBe('FromErp');
    // The first update carried its precondition and was refused; one read, one merge again.
    const updates = erp.system.writes.slice(writes).filter((w) => w.method === 'update');
    // A test only for the two-way FirstName; Name (to-target) is the shop's whatever PowerOffice holds.
    expect(updates[0]!.ops![0]).toEqual({ op: 'test', path: '/FirstName', value: 'Alice' });
    expect(updates[0]!.ops!.slice(1)).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/FirstName', value: 'FromShop' },
        expect.objectContaining({ op: 'replace', path: '/Name' }),
      ]),
    );
    expect(updates[0]!.ops).toHaveLength(3);
    expect(erp.system.requests.slice(requests).find((r) => r.method === 'PATCH')!.status).toBe(412);
    expect(
      updates
        .slice(1)
        .flatMap((w) => w.ops ?? [])
        .map((o) => o.path),
    ).not.toContain('/FirstName');
    expect(erp.system.reads.slice(reads).filter((r) => r.method === 'get')).toEqual([
      { method: 'get', entity: 'customer', id: erpId },
    ]);
    expect(decisions).toEqual([
      expect.objectContaining({ property: 'FirstName', winner: 'target', policy: 'newest-wins' }),
    ]);
  });

  it('an update decided from a listing read long ago is sent with its precondition, without a read first', async () => {
    const skew = { ms: 0 };
    const { engine, erp } = await aliceEditedInShop(customerMapping(), { preconditions: true, skew });
    afterListing(erp, () => {
      skew.ms += 10_000;
    });
    const reads = erp.system.reads.length;
    expect((await engine.run()).ok).toBe(true);
    expect(erp.system.all('customer')[0]!.FirstName).toBe('FromShop');
    expect(erp.system.reads.slice(reads).filter((r) => r.method === 'get')).toEqual([]);
    expect(erp.system.writes.filter((w) => w.method === 'update')).toHaveLength(1);
  });

  it('a conflict merged again after a refused update is reported once, as the write that was sent decided it', async () => {
    const decisions: ConflictDecision[] = [];
    const { engine, erp, erpId } = await aliceEditedInShop(customerMapping({ conflict: 'source-wins' }), {
      preconditions: true,
      events: { conflictDecided: (d) => decisions.push(d) },
    });
    // Both sides edited before the run: the first plan already holds the conflict.
    erp.system.edit('customer', erpId, (r) => {
      r.FirstName = 'FromErp';
    });
    // Edited once more right before the update arrives: refused, read again, merged again.
    erp.system.failNext('update', 'customer', () => {
      erp.system.edit('customer', erpId, (r) => {
        r.FirstName = 'FromErpAgain';
      });
      return undefined;
    });
    const requests = erp.system.requests.length;
    expect((await engine.run()).ok).toBe(true);
    const patches = erp.system.requests.slice(requests).filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.status)).toEqual([412, 200]);
    expect(erp.system.all('customer')[0]!.FirstName).toBe('FromShop');
    expect(decisions).toEqual([
      expect.objectContaining({ property: 'FirstName', winner: 'source', policy: 'source-wins' }),
    ]);
  });

  it('a record edited again before each of its updates fails after MAX_STALE_WRITES refusals, with the reason', async () => {
    // source-wins: every merge again decides for the shop, so every update needs sending.
    const decisions: ConflictDecision[] = [];
    const { engine, erp, events, erpId } = await aliceEditedInShop(
      customerMapping({ conflict: 'source-wins' }),
      {
        preconditions: true,
        events: { conflictDecided: (d) => decisions.push(d) },
      },
    );
    // Someone edits the PowerOffice first name right before each update arrives.
    let n = 0;
    for (let i = 0; i < MAX_STALE_WRITES + 1; i++) {
      erp.system.failNext('update', 'customer', () => {
        erp.system.edit('customer', erpId, (r) => {
          r.FirstName = `Edited${++n}`;
        });
        return undefined;
      });
    }
    const requests = erp.system.requests.length;
    expect((await engine.run()).ok).toBe(false);
    expect(n).toBe(MAX_STALE_WRITES);
    expect(erp.system.all('customer')[0]!.FirstName).toBe(`Edited${MAX_STALE_WRITES}`);
    const patches = erp.system.requests.slice(requests).filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.status)).toEqual(Array(MAX_STALE_WRITES).fill(412));
    const failed = events.filter((e) => e.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed[0])).toContain(`changed again each of the ${MAX_STALE_WRITES} times`);
    // No update was sent, so no decision was carried out: none is reported.
    expect(decisions).toEqual([]);
  });
});
