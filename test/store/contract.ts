/**
 * The store contract, run against every backend (memory, SQLite, PostgreSQL) by
 * backends.test.ts, like keyv's own adapter compliance suite: so that no backend is "the
 * untested one", and code tested on `memory://` meets the same behaviour as production.
 *
 * What every backend promises (docs/store-layout.md):
 * - namespaces are apart; `getMany` answers in the order asked, `undefined` where absent;
 * - values round-trip exactly and a value read back is a copy;
 * - `writeMany` is all or none (one transaction), also for entries of several namespaces,
 *   and a key written twice keeps its last value;
 * - `entries()` lists every entry once, past any page size;
 * - a failed call is a `StoreError`, never "no link" (`undefined`);
 * - a tenant's view keeps its entries apart, and its state can be dropped alone.
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../engine/errors.ts';
import type { StoreBackend } from '../../engine/store/open-store.ts';
import { dropTenantState, tenantStore } from '../../engine/store/tenant-scope.ts';

export interface ContractBackend {
  name: string;
  /** Undefined when the backend can run here, else why not (the tests are skipped). */
  missing?: string;
  /** A new, empty store. */
  open(): Promise<StoreBackend>;
  /** The same store again through a new connection (durable backends only). */
  reopen?(store: StoreBackend): StoreBackend;
  /**
   * Make the database itself refuse any row whose value contains `POISON` (a constraint or
   * trigger), to prove a multi-row write is one transaction. Backends without a database
   * leave it out.
   */
  poison?(store: StoreBackend): Promise<void>;
}

type Link = { id: string; n?: unknown };
const LINKS = 'mapsync.v1.customer.links';
const TARGETS = 'mapsync.v1.customer.targets';
const META = 'mapsync.v1.customer.meta';

async function keys(store: StoreBackend, namespace: string): Promise<string[]> {
  const seen: string[] = [];
  for await (const [key] of store.namespace(namespace).entries()) seen.push(key);
  return seen.sort();
}

export function storeContract(backend: ContractBackend): void {
  describe.skipIf(backend.missing !== undefined)(`store contract: ${backend.name}`, () => {
    it('keeps namespaces apart for get, getMany, delete and iteration', async () => {
      const store = await backend.open();
      const links = store.namespace<Link>(LINKS);
      const other = store.namespace<Link>('mapsync.v1.product.links');
      await links.set('1', { id: 'x' });
      await links.set('2', { id: 'y' });
      await other.set('1', { id: 'z' });
      expect(await links.get('1')).toEqual({ id: 'x' });
      expect(await other.get('1')).toEqual({ id: 'z' });
      expect(await links.get('3')).toBeUndefined();
      expect(await links.getMany(['2', '3', '1'])).toEqual([{ id: 'y' }, undefined, { id: 'x' }]);
      expect(await keys(store, LINKS)).toEqual(['1', '2']);
      await links.delete('1');
      await links.delete('never-there');
      expect(await links.get('1')).toBeUndefined();
      expect(await other.get('1')).toEqual({ id: 'z' });
    });

    it('round-trips values exactly, and a value read back is a copy', async () => {
      const store = await backend.open();
      const links = store.namespace<Link>(LINKS);
      const value = { id: 'æøå "quoted" \\ :colon', n: { list: [1, null, 'x', 1.5e-7], deep: { t: true } } };
      await links.set('k:with:colons', value);
      const read = (await links.get('k:with:colons'))!;
      expect(read).toEqual(value);
      (read.n as { list: unknown[] }).list.push('mutated');
      expect(await links.get('k:with:colons')).toEqual(value);
      expect(await keys(store, LINKS)).toEqual(['k:with:colons']);
    });

    it('writeMany stores entries of several namespaces together; they read back like set', async () => {
      const store = await backend.open();
      const links = store.namespace<Link>(LINKS);
      await links.set('1', { id: 'old' });
      await store.writeMany([
        { namespace: LINKS, key: '1', value: { id: 'x', n: [1, 2] } },
        { namespace: TARGETS, key: 'T1', value: '1' },
        { namespace: LINKS, key: '2', value: { id: 'y' } },
        { namespace: META, key: 'intent.source.3', value: { at: 'now' } },
      ]);
      expect(await links.getMany(['1', '2'])).toEqual([{ id: 'x', n: [1, 2] }, { id: 'y' }]);
      expect(await store.namespace(TARGETS).get('T1')).toBe('1');
      expect(await store.namespace(META).get('intent.source.3')).toEqual({ at: 'now' });
      expect(await keys(store, LINKS)).toEqual(['1', '2']);
      await links.deleteMany(['1', '2', 'missing']);
      expect(await links.getMany(['1', '2'])).toEqual([undefined, undefined]);
      expect(await store.namespace(TARGETS).get('T1')).toBe('1');
    });

    it('writeMany with a key given twice keeps the last value, as two sets would', async () => {
      const store = await backend.open();
      await store.writeMany([
        { namespace: LINKS, key: '1', value: { id: 'first' } },
        { namespace: TARGETS, key: 'T', value: '1' },
        { namespace: LINKS, key: '1', value: { id: 'last' } },
      ]);
      expect(await store.namespace(LINKS).get('1')).toEqual({ id: 'last' });
    });

    it('writeMany writes nothing when one of its values cannot be stored', async () => {
      const store = await backend.open();
      await expect(
        store.writeMany([
          { namespace: LINKS, key: 'good', value: { id: 'g' } },
          { namespace: TARGETS, key: 'bad', value: { n: 10n } },
        ]),
      ).rejects.toThrow();
      expect(await store.namespace(LINKS).get('good')).toBeUndefined();
    });

    it.skipIf(!backend.poison)(
      'writeMany is one transaction: the database refusing one row keeps all out',
      async () => {
        const store = await backend.open();
        await store.namespace(LINKS).set('existing', { id: 'before' });
        await backend.poison!(store);
        const attempt = store.writeMany([
          { namespace: LINKS, key: 'existing', value: { id: 'after' } },
          { namespace: LINKS, key: 'new', value: { id: 'n' } },
          { namespace: TARGETS, key: 'T', value: 'POISON' },
        ]);
        await expect(attempt).rejects.toBeInstanceOf(StoreError);
        expect(await store.namespace(LINKS).getMany(['existing', 'new'])).toEqual([
          { id: 'before' },
          undefined,
        ]);
      },
    );

    it('lists every entry exactly once past the page size, while other namespaces hold more', async () => {
      const store = await backend.open();
      const count = 2_345;
      for (let start = 0; start < count; start += 500) {
        const batch = Array.from({ length: Math.min(500, count - start) }, (_, i) => start + i);
        await store.writeMany(
          batch.flatMap((n) => [
            { namespace: LINKS, key: String(n), value: { id: `c${n}` } },
            { namespace: 'mapsync.v1.customer.linksx', key: String(n), value: { id: 'other' } },
          ]),
        );
      }
      const seen = new Map<string, Link>();
      for await (const [key, value] of store.namespace<Link>(LINKS).entries()) {
        expect(seen.has(key)).toBe(false);
        seen.set(key, value);
      }
      expect(seen.size).toBe(count);
      expect(seen.get('1234')).toEqual({ id: 'c1234' });
    });

    it('keeps tenants apart: same layout under a prefix; one tenant’s state is dropped alone', async () => {
      const store = await backend.open();
      const acme = tenantStore(store, 'acme');
      const other = tenantStore(store, 'acme-2');
      await acme.namespace<Link>(LINKS).set('1', { id: 'acme' });
      await other.writeMany([
        { namespace: LINKS, key: '1', value: { id: 'other' } },
        { namespace: TARGETS, key: 'T', value: '1' },
      ]);
      await store.namespace<Link>(LINKS).set('1', { id: 'single' });
      expect(await acme.namespace<Link>(LINKS).get('1')).toEqual({ id: 'acme' });
      expect(await other.namespace<Link>(LINKS).get('1')).toEqual({ id: 'other' });
      expect(await keys(acme, LINKS)).toEqual(['1']);
      expect(await dropTenantState(store, 'acme')).toBe(1);
      expect(await acme.namespace<Link>(LINKS).get('1')).toBeUndefined();
      expect(await other.namespace<Link>(LINKS).get('1')).toEqual({ id: 'other' });
      expect(await other.namespace(TARGETS).get('T')).toBe('1');
      expect(await store.namespace<Link>(LINKS).get('1')).toEqual({ id: 'single' });
      expect(() => tenantStore(store, 'a.b')).toThrow(/invalid tenant id/);
    });

    it('refuses namespaces that keyv or LIKE would misread', async () => {
      const store = await backend.open();
      expect(() => store.namespace('a:b')).toThrow(/invalid store namespace/);
      expect(() => store.namespace('a_b')).toThrow(/invalid store namespace/);
      await expect(store.dropNamespaces('a%')).rejects.toThrow(/invalid store namespace prefix/);
    });

    it('a closed store fails every call with StoreError: never "no link"', async () => {
      const store = await backend.open();
      const links = store.namespace<Link>(LINKS);
      await links.set('1', { id: 'x' });
      await store.close();
      await expect(links.get('1')).rejects.toBeInstanceOf(StoreError);
      await expect(links.get('unknown')).rejects.toBeInstanceOf(StoreError);
      await expect(links.getMany(['1', 'unknown'])).rejects.toBeInstanceOf(StoreError);
      await expect(links.set('2', { id: 'y' })).rejects.toBeInstanceOf(StoreError);
      await expect(
        store.writeMany([{ namespace: LINKS, key: '3', value: { id: 'z' } }]),
      ).rejects.toBeInstanceOf(StoreError);
      await expect(keys(store, LINKS)).rejects.toBeInstanceOf(StoreError);
    });

    it.skipIf(!backend.reopen)('keeps what was written across a new connection', async () => {
      const store = await backend.open();
      await store.writeMany([
        { namespace: LINKS, key: 'k', value: { id: 'x', n: [1] } },
        { namespace: META, key: 'cursor.source', value: '2026-01-01T00:00:00Z' },
      ]);
      const again = backend.reopen!(store);
      try {
        expect(await again.namespace<Link>(LINKS).get('k')).toEqual({ id: 'x', n: [1] });
        expect(await again.namespace(META).get('cursor.source')).toBe('2026-01-01T00:00:00Z');
      } finally {
        await again.close();
      }
    });
  });
}
