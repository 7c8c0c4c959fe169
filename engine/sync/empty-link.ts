/**
 * A link without a merge base yet: what a match, a create or a recovered create starts
 * from. A leaf module, so the create paths (create.ts, create-children.ts,
 * create-in-source.ts, fanout.ts, intents.ts) share it without importing each other.
 */
import type { LinkOrigin, LinkRecord } from '../store/sync-state.ts';

export function emptyLink(sourceId: string, targetId: string, origin: LinkOrigin, now: Date): LinkRecord {
  const at = now.toISOString();
  return {
    v: 1,
    sourceId,
    targetId,
    base: { source: {}, target: {}, yields: {} },
    origin,
    linkedAt: at,
    syncedAt: at,
  };
}
