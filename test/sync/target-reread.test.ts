/**
 * A target update is decided from the run's target listing. PowerOffice Go takes no
 * precondition on a PATCH, so when that listing is older than TARGET_REREAD_AFTER_MS the
 * engine reads the record once more before writing: an edit made there since the listing
 * is merged (and may win the conflict) instead of being overwritten.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryConnector } from '../../engine/connectors/memory/index.ts';
import type { Connector, ListOptions, Page } from '../../engine/connectors/types.ts';
import type { ConflictDecision } from '../../engine/sync/events.ts';
import { customerMapping, makeEngine } from './helpers/setup.ts';

const alice = { id: '1', email: 'alice@example.com', first_name: 'Alice', last_name: 'A', billing: {} };

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
    const { engine, shop, erp } = makeEngine([customerMapping()], {
      events: { conflictDecided: (d) => decisions.push(d) },
      skew,
    });
    shop.system.seed('customer', [alice]);
    expect((await engine.run()).ok).toBe(true);
    const erpId = erp.system.all('customer')[0]!.Id as string;
    shop.system.edit('customer', '1', (r) => {
      r.first_name = 'FromShop';
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

  // Known limitation (docs/sync-engine.md, "The window in which a concurrent edit can still be
  // overwritten"): a PowerOffice edit made after the listing, overwritten by an update decided
  // within TARGET_REREAD_AFTER_MS of it, is lost — PATCH takes no precondition, and a GET
  // before every update would double the requests of "one property edited". `it.fails`: when
  // this starts to pass, the window is closed; make it an `it`.
  it.fails('an edit made just after the listing, overwritten by an update decided soon after it, is kept', async () => {
    const { engine, shop, erp } = makeEngine([customerMapping()]);
    shop.system.seed('customer', [alice]);
    expect((await engine.run()).ok).toBe(true);
    const erpId = erp.system.all('customer')[0]!.Id as string;
    shop.system.edit('customer', '1', (r) => {
      r.first_name = 'FromShop';
    });
    afterListing(erp, () => {
      erp.system.edit('customer', erpId, (r) => {
        r.FirstName = 'FromErp';
      });
    });
    expect((await engine.run()).ok).toBe(true);
    expect(erp.system.all('customer')[0]!.FirstName).toBe('FromErp');
  });

  it('an unchanged target is written as decided, after the one read', async () => {
    const skew = { ms: 0 };
    const { engine, shop, erp } = makeEngine([customerMapping()], { skew });
    shop.system.seed('customer', [alice]);
    await engine.run();
    shop.system.edit('customer', '1', (r) => {
      r.first_name = 'FromShop';
    });
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
    const { engine, shop, erp } = makeEngine([customerMapping()]);
    shop.system.seed('customer', [alice]);
    await engine.run();
    shop.system.edit('customer', '1', (r) => {
      r.first_name = 'FromShop';
    });
    const reads = erp.system.reads.length;
    expect((await engine.run()).ok).toBe(true);
    expect(erp.system.all('customer')[0]!.FirstName).toBe('FromShop');
    expect(erp.system.reads.slice(reads).filter((r) => r.method === 'get')).toEqual([]);
  });
});
