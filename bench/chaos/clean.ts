/**
 * The reference every chaos run is compared with: the same seeded shop synced once, with no
 * fault, no kill and no rate limit, normalised (chaos/lib.ts). Cached per size and seed.
 */
import { fillShop } from '../lib/dataset.ts';
import { editCustomer, startEnv, syncOnce } from '../lib/env.ts';
import { type Both, missingIn, normalised, stateOf } from './lib.ts';

export interface ShopSize {
  customers: number;
  products: number;
  orders: number;
  seed: number;
}

const cache = new Map<string, Promise<{ normal: Record<string, unknown>; state: Both }>>();

/** A shop edit made before the clean run syncs (the fleet runs edit customers mid-run). */
export interface ShopEdit {
  customer: number;
  body: Record<string, unknown>;
}

export function cleanRun(
  size: ShopSize,
  edits: readonly ShopEdit[] = [],
): Promise<{ normal: Record<string, unknown>; state: Both }> {
  const key = JSON.stringify([size, edits]);
  let hit = cache.get(key);
  if (!hit) {
    hit = (async () => {
      const env = await startEnv({
        fill: (woo) => fillShop(woo, size),
        poRateLimit: false,
        connectorRateLimit: 1000,
      });
      try {
        for (const edit of edits) await editCustomer(env, edit.customer, edit.body);
        const summary = await syncOnce(env);
        if (!summary.ok) {
          // What made it not ok: errors, failed or conflicting records, the store, an abort.
          const why = summary.mappings
            .filter((m) => m.errors.length + m.counts.failed + m.counts.conflict > 0)
            .map((m) => ({ mapping: m.mapping, errors: m.errors, counts: m.counts }));
          const failed = await env.open().then(async (opened) => {
            try {
              return (await missingIn(await stateOf(env), opened.store)).pending;
            } finally {
              await opened.close();
            }
          });
          throw new Error(
            `the clean reference run failed: ${JSON.stringify({ why, storeError: summary.storeError, aborted: summary.aborted, failed: failed.slice(0, 5) })}`,
          );
        }
        const state = await stateOf(env);
        const opened = await env.open();
        try {
          return { normal: await normalised(state, opened.store), state };
        } finally {
          await opened.close();
        }
      } finally {
        await env.close();
      }
    })();
    cache.set(key, hit);
  }
  return hit;
}
