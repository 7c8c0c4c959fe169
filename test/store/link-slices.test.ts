/**
 * Links are read in slices with a turn of the event loop between them (MappingState.getLinks):
 * found by `npm run fuzz`, where the links of a listing page of 1,000 records with snapshots
 * of hundreds of kB were parsed in one go and the service answered nothing for seconds.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../engine/store/open-store.ts';
import {
  LINK_SLICE,
  type LinkRecord,
  MappingState,
  type StateBackend,
} from '../../engine/store/sync-state.ts';

describe('reading many links', () => {
  it('reads them a slice at a time, letting queued I/O run between slices, and returns them in order', async () => {
    const store = openStore('memory://');
    const reads: number[] = [];
    let turns = 0;
    // The store as the engine sees it, counting how many links each read asks for and
    // noting how many event-loop turns had passed by then.
    const counting: StateBackend = {
      ...store,
      namespace<V>(name: string) {
        const ns = store.namespace<V>(name);
        return {
          ...ns,
          get: ns.get.bind(ns),
          set: ns.set.bind(ns),
          delete: ns.delete.bind(ns),
          entries: ns.entries.bind(ns),
          getMany: (keys: readonly string[]) => {
            reads.push(turns);
            expect(keys.length).toBeLessThanOrEqual(LINK_SLICE);
            return ns.getMany(keys);
          },
        } as typeof ns;
      },
    } as StateBackend;
    const state = new MappingState('customer', counting);
    const ids = Array.from({ length: 250 }, (_, i) => String(i + 1));
    for (const id of ids) {
      const link: LinkRecord = {
        v: 1,
        sourceId: id,
        targetId: `T${id}`,
        base: {},
        origin: 'created',
        linkedAt: '2026-01-01T00:00:00Z',
        syncedAt: '2026-01-01T00:00:00Z',
      } as unknown as LinkRecord;
      await state.putLink(link);
    }
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const links = await state.getLinks([...ids, 'missing']);
    running = false;
    expect(links.map((l) => l?.targetId)).toEqual([...ids.map((id) => `T${id}`), undefined]);
    // 25 at a time: 251 keys are 11 reads.
    expect(LINK_SLICE).toBe(25);
    expect(reads).toHaveLength(Math.ceil(251 / LINK_SLICE));
    // The loop turned between the slices.
    expect(new Set(reads).size).toBe(reads.length);
    await store.close();
  });
});
