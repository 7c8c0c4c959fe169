/**
 * The run's settings cache (engine/sync/run-settings.ts): each system's `runSettings` read at
 * most once per run, both sides of a mapping asked at once, and `prefetch` (what a run calls
 * first) starting the reads of the systems its mappings read before any mapping asks.
 */
import { describe, expect, it } from 'vitest';
import type { Connector, RunSettings } from '../../engine/connectors/types.ts';
import type { CompiledMapping } from '../../engine/mapping/model.ts';
import { RunSettingsCache, SettingsUnavailable } from '../../engine/sync/run-settings.ts';

/** A connector whose settings reads wait until the test answers them. */
function system(name: string) {
  const pending: Array<{ resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }> = [];
  const runSettings: RunSettings = {
    read: () =>
      new Promise((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
  };
  return {
    connector: { kind: name, runSettings } as unknown as Connector,
    pending,
    answer: (value: Record<string, unknown>) => {
      for (const p of pending.splice(0)) p.resolve(value);
    },
    fail: (message: string) => {
      for (const p of pending.splice(0)) p.reject(new Error(message));
    },
  };
}

/** A mapping whose one property reads the given settings variables. */
const mapping = (name: string, reads: string[]) =>
  ({
    name,
    source: { system: 'shop', entity: 'product' },
    target: { system: 'books', entity: 'product' },
    properties: [{ toTarget: { reads } }],
  }) as unknown as CompiledMapping;

const setup = () => {
  const shop = system('shop');
  const books = system('books');
  const cache = new RunSettingsCache(
    new Map([
      ['shop', shop.connector],
      ['books', books.connector],
    ]),
    { mode: 'incremental' },
  );
  return { shop, books, cache };
};

describe('RunSettingsCache', () => {
  it("asks both sides' systems at once, not the target after the source's answer", async () => {
    const { shop, books, cache } = setup();
    const bindings = cache.bindingsFor(mapping('product', ['source_settings', 'target_settings']));
    await Promise.resolve();
    expect(shop.pending).toHaveLength(1);
    expect(books.pending).toHaveLength(1);
    books.answer({ accounts: 1 });
    shop.answer({ taxes: 2 });
    expect(await bindings).toEqual({ source_settings: { taxes: 2 }, target_settings: { accounts: 1 } });
  });

  it('prefetch starts the reads of the systems the mappings read, once each, and the mappings get them', async () => {
    const { shop, books, cache } = setup();
    const plain = mapping('customer', []);
    const product = mapping('product', ['source_settings', 'target_settings']);
    const order = mapping('order', ['target_settings']);
    cache.prefetch([plain, product, order]);
    expect(shop.pending).toHaveLength(1);
    expect(books.pending).toHaveLength(1);
    const forOrder = cache.bindingsFor(order);
    const forProduct = cache.bindingsFor(product);
    expect(await cache.bindingsFor(plain)).toEqual({});
    shop.answer({ taxes: 2 });
    books.answer({ accounts: 1 });
    expect(await forOrder).toEqual({ target_settings: { accounts: 1 } });
    expect(await forProduct).toEqual({ source_settings: { taxes: 2 }, target_settings: { accounts: 1 } });
    // Nothing read twice.
    expect(shop.pending).toHaveLength(0);
    expect(books.pending).toHaveLength(0);
  });

  it('reads nothing for mappings that read no settings', () => {
    const { shop, books, cache } = setup();
    cache.prefetch([mapping('customer', ['parent'])]);
    expect(shop.pending).toHaveLength(0);
    expect(books.pending).toHaveLength(0);
  });

  it('a prefetched read that fails stops the mappings that read it, naming the system and the cause', async () => {
    const { shop, books, cache } = setup();
    const order = mapping('order', ['target_settings']);
    cache.prefetch([order]);
    books.fail('503 from the gateway');
    // The prefetch itself leaves no unhandled rejection (vitest fails the file on one).
    await new Promise((resolve) => setImmediate(resolve));
    const error = await cache.bindingsFor(order).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SettingsUnavailable);
    expect((error as Error).message).toMatch(
      /^books: its settings \(\$target_settings\).*503 from the gateway; mapping order stopped/,
    );
    expect(shop.pending).toHaveLength(0);
    expect(books.pending).toHaveLength(0); // not read again in the same run
  });
});
