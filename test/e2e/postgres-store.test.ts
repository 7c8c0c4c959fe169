/**
 * The engine end to end on PostgreSQL: a backfill of a small shop stored in PostgreSQL
 * (MAPSYNC_STORE=postgresql://…), a second run that sends nothing, `mapsync links` reading
 * it back; then two tenants — two shop ↔ PowerOffice pairs — syncing into one shared store,
 * each on its own tenant view, without seeing each other's links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { dropTenantState, tenantStore } from '../../engine/store/tenant-scope.ts';
import { postgresMissing, postgresStoreUri } from '../services.ts';
import { links } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

const missing = await postgresMissing();

describe.skipIf(missing !== undefined)('e2e: the link store on PostgreSQL', () => {
  const location = postgresStoreUri();
  let pair: Pair;
  let other: Pair;
  let shared: StoreBackend;

  beforeAll(async () => {
    pair = await startPair({
      shop: { count: 24, seed: 5, anchor: new Date('2026-01-15T00:00:00Z') },
    });
    other = await startPair({ shop: { count: 12, seed: 9, anchor: new Date('2026-01-15T00:00:00Z') } });
    shared = openStore(location.uri);
  });

  afterAll(async () => {
    await shared?.close();
    await Promise.allSettled([pair?.close(), other?.close()]);
    await location.drop();
  });

  it('backfills into PostgreSQL, then a second run sends no write; mapsync links reads it', async () => {
    pair.env.MAPSYNC_STORE = location.uri;
    const first = await pair.sync();
    expect(first.mappings.flatMap((m) => m.errors)).toEqual([]);
    expect(first.ok).toBe(true);
    const mark = pair.mark();
    const second = await pair.sync();
    expect(second.ok).toBe(true);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
    const listed = await pair.cli(['links', 'customer-person', '--json']);
    expect(listed.code).toBe(0);
    const parsed = JSON.parse(listed.out) as {
      store: string;
      mappings: Array<{ links: Array<{ virtual?: boolean }> }>;
    };
    expect(parsed.store).toMatch(/^postgresql 127\.0\.0\.1:5432\/test mapsync_t_/);
    const real = parsed.mappings[0]!.links.filter((l) => !l.virtual);
    expect(real.length).toBe(pair.woo.state.data.customers.length);
  }, 120_000);

  it('two tenants sync into one shared store, each on its own tenant view', async () => {
    for (const [tenant, p] of [
      ['shop-a', pair],
      ['shop-b', other],
    ] as const) {
      const opened = await p.open({ backend: tenantStore(shared, tenant) });
      try {
        const summary = await opened.engine.run();
        expect(summary.ok).toBe(true);
      } finally {
        await opened.close();
      }
    }
    const real = async (store: StoreBackend) =>
      (await links(store, 'customer-person')).filter((l) => !l.virtual);
    const a = await real(tenantStore(shared, 'shop-a'));
    const b = await real(tenantStore(shared, 'shop-b'));
    expect(a.length).toBe(pair.woo.state.data.customers.length);
    expect(b.length).toBe(other.woo.state.data.customers.length);
    // The single-tenant layout written by the first test is untouched by both.
    expect((await real(shared)).map((l) => l.targetId).sort()).toEqual(a.map((l) => l.targetId).sort());
    // Removing tenant shop-a's state leaves shop-b's.
    expect(await dropTenantState(shared, 'shop-a')).toBeGreaterThan(a.length);
    expect(await links(tenantStore(shared, 'shop-a'), 'customer-person')).toEqual([]);
    expect((await real(tenantStore(shared, 'shop-b'))).length).toBe(b.length);
  }, 120_000);
});
