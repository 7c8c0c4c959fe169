/**
 * The run scope of `$link` answers (EvaluationContext.linkScope): an evaluation worker keeps
 * an answer for the rest of the run only while the linked mapping's link generation stays
 * the same, so the generation must move on every link written or deleted.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { LinkCache } from '../../engine/sync/link-cache.ts';

describe('link generation', () => {
  it('moves on every link of the mapping written or deleted in the run', async () => {
    const store = openStore('memory://');
    let cache: LinkCache | undefined;
    const state = new MappingState('product', store, {
      onLinkChange: (id, link) => cache!.changed(id, link),
    });
    cache = new LinkCache(state);
    const at = new Date().toISOString();
    const link = {
      v: 1 as const,
      sourceId: '7',
      targetId: '70',
      base: { source: {}, target: {}, yields: {} },
      origin: 'created-in-target' as const,
      linkedAt: at,
      syncedAt: at,
    };
    expect(cache.generation).toBe(0);
    await state.putLink(link);
    expect(cache.generation).toBe(1);
    expect(await cache.targetOf('7')).toBe('70');
    await state.putLink({ ...link, targetId: '71' });
    expect(cache.generation).toBe(2);
    await store.close();
  });
});
