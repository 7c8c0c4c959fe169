/**
 * A first-time match checks the store's reverse index before it links: the match index may
 * not know that a target record is another record's partner (here: an index built from a
 * reverse index that did not show the link yet), and linking it anyway would make two
 * source records write over one target record.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState, type NamespaceStore, type StateBackend } from '../../engine/store/sync-state.ts';
import { emptyLink } from '../../engine/sync/empty-link.ts';
import { customerMapping, makeEngine } from './helpers/setup.ts';

/** A store whose reverse index reads in bulk (what the match index is built from) find nothing. */
function staleBulkReverse(inner: StateBackend): StateBackend {
  return {
    description: 'stale-bulk-reverse',
    namespace<V>(name: string): NamespaceStore<V> {
      const ns = inner.namespace<V>(name);
      if (!name.endsWith('.targets')) return ns;
      return {
        get: (key) => ns.get(key),
        getMany: async (keys) => keys.map(() => undefined),
        set: (key, value) => ns.set(key, value),
        delete: (key) => ns.delete(key),
        entries: () => ns.entries(),
      };
    },
    ...(inner.writeMany ? { writeMany: (w) => inner.writeMany!(w) } : {}),
  };
}

describe('one-to-one links: first-time match', () => {
  it('a match whose target the store knows to be linked fails with LINK_TAKEN naming both', async () => {
    const memory = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store: staleBulkReverse(memory) });
    shop.system.seed('customer', [
      { id: '1', email: 'kari@example.no', first_name: 'Kari', last_name: 'N', billing: {} },
      { id: '2', email: 'Kari@Example.no', first_name: 'Kari', last_name: 'Other', billing: {} },
    ]);
    const [existing] = erp.system.seed('customer', [
      { IsPerson: true, EmailAddress: 'kari@example.no', FirstName: 'Kari', LastName: 'N', Name: 'Kari N' },
    ]);
    const targetId = String(existing!.Id);
    // Customer 1 is linked to it already.
    await new MappingState('customer', memory).putLink(emptyLink('1', targetId, 'matched', new Date()));
    const summary = await engine.run();
    const failed = await new MappingState('customer', memory).getFailed('source', '2');
    expect(failed).toMatchObject({ code: 'LINK_TAKEN', kind: 'conflict', candidates: ['1', '2'] });
    expect(failed!.reason).toContain(`shop customer 2 would be linked to erp customer ${targetId}`);
    expect(failed!.reason).toContain('already linked to shop customer 1');
    expect(failed!.reason).not.toContain('kari@');
    expect(await new MappingState('customer', memory).getLink('2')).toBeUndefined();
    // Nothing of customer 2 was written over customer 1's partner.
    expect(erp.system.writes.filter((w) => w.id === targetId && /Other/.test(JSON.stringify(w)))).toEqual([]);
    expect(summary.mappings[0]!.counts.failed).toBe(1);
  });
});
