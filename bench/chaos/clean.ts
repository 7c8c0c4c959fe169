/**
 * The reference every chaos run is compared with: the same seeded shop synced once, with no
 * fault, no kill and no rate limit, normalised (chaos/lib.ts). Cached per size and seed.
 */
import { fillShop } from '../lib/dataset.ts';
import { editCustomer, startEnv, syncOnce } from '../lib/env.ts';
import { type Both, normalised, stateOf } from './lib.ts';

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
        if (!summary.ok)
          throw new Error(
            `the clean reference run failed: ${JSON.stringify(summary.mappings.map((m) => m.errors))}`,
          );
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
