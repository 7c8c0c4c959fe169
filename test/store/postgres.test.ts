/**
 * PostgreSQL specifics beyond the shared contract: connection pooling, stores side by side in
 * one process, a server that drops connections, a server that is not there, and the
 * description (logs, `mapsync links`) without credentials.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../engine/errors.ts';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { NAMESPACE_CACHE, parsePostgresUri } from '../../engine/store/postgres-backend.ts';
import { postgresExec, postgresMissing, postgresStoreUri, uniqueName } from '../services.ts';

const missing = await postgresMissing();
const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const drop of drops) await drop();
});

function open(extra: Record<string, string> = {}): { store: StoreBackend; schema: string } {
  const location = postgresStoreUri();
  drops.push(location.drop);
  const url = new URL(location.uri);
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  return { store: openStore(url.toString()), schema: location.schema };
}

describe('postgresql store URIs', () => {
  it('describes the store without credentials and keeps our parameters from node-postgres', () => {
    const parsed = parsePostgresUri(
      'postgresql://app:s3cret@db.internal:6432/prod?schema=fleet&pool_max=4&sslmode=require',
    );
    expect(parsed.description).toBe('postgresql db.internal:6432/prod fleet.keyv');
    expect(parsed.description).not.toContain('s3cret');
    expect(parsed.poolMax).toBe(4);
    expect(parsed.connectionString).toBe('postgresql://app:s3cret@db.internal:6432/prod?sslmode=require');
  });
});

describe.skipIf(missing !== undefined)('postgresql store', () => {
  it('runs every namespace of a store on one pool of at most pool_max connections', async () => {
    const app = uniqueName('pooltest');
    const { store } = open({ pool_max: '3', application_name: app });
    try {
      const spaces = Array.from({ length: 12 }, (_, i) => store.namespace<number>(`mapsync.v1.m${i}.links`));
      await Promise.all(
        spaces.flatMap((ns, i) => Array.from({ length: 20 }, (_, k) => ns.set(String(k), i * k))),
      );
      const counts = await Promise.all([
        Promise.all(spaces.map((ns) => ns.getMany(['1', '19']))),
        postgresExec('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [app]),
      ]);
      expect(counts[0][5]).toEqual([5, 95]);
      expect(counts[1].rows[0].n).toBeLessThanOrEqual(3);
      expect(counts[1].rows[0].n).toBeGreaterThanOrEqual(1);
    } finally {
      await store.close();
    }
  });

  it('keeps a bounded number of namespace views: a worker serving many tenants does not grow with them', async () => {
    const { store } = open();
    try {
      const first = store.namespace<string>('tenant.t0.mapsync.v1.customer.links');
      await first.set('1', 'kept');
      expect(store.namespace('tenant.t0.mapsync.v1.customer.links')).toBe(first);
      for (let i = 1; i <= NAMESPACE_CACHE; i++) store.namespace(`tenant.t${i}.mapsync.v1.customer.links`);
      // Dropped from the cache (least recently used): a new view, over the same rows.
      const again = store.namespace<string>('tenant.t0.mapsync.v1.customer.links');
      expect(again).not.toBe(first);
      expect(await again.get('1')).toBe('kept');
      // The view just named is the most recently used: naming one more keeps it.
      store.namespace('tenant.other.mapsync.v1.customer.links');
      expect(store.namespace('tenant.t0.mapsync.v1.customer.links')).toBe(again);
    } finally {
      await store.close();
    }
  });

  it('closing one store leaves another store of the same process working', async () => {
    // @keyv/postgres alone keeps one pool per process and ends the newest on any disconnect.
    const a = open();
    const b = open();
    await a.store.namespace<string>('mapsync.v1.x.links').set('1', 'a');
    await b.store.namespace<string>('mapsync.v1.x.links').set('1', 'b');
    await a.store.close();
    try {
      expect(await b.store.namespace<string>('mapsync.v1.x.links').get('1')).toBe('b');
    } finally {
      await b.store.close();
    }
  });

  it('connections dropped by the server: calls fail loudly or succeed, never read as "no link"; then it recovers', async () => {
    const app = uniqueName('droptest');
    const { store } = open({ application_name: app });
    const links = store.namespace<string>('mapsync.v1.x.links');
    try {
      await links.set('1', 'linked');
      await postgresExec(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [app],
      );
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => links.get('1')));
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') expect(outcome.value).toBe('linked');
        else expect(outcome.reason).toBeInstanceOf(StoreError);
      }
      expect(await links.get('1')).toBe('linked');
    } finally {
      await store.close();
    }
  });

  it('a listing whose table vanished fails with StoreError instead of ending as if empty', async () => {
    const { store, schema } = open();
    const links = store.namespace<string>('mapsync.v1.x.links');
    try {
      await links.set('1', 'linked');
      await postgresExec(`DROP TABLE "${schema}".keyv`);
      const listing = async () => {
        for await (const _ of links.entries()) void _;
      };
      await expect(listing()).rejects.toBeInstanceOf(StoreError);
      await expect(links.get('1')).rejects.toBeInstanceOf(StoreError);
    } finally {
      await store.close();
    }
  });
});

describe('postgresql store without a server', () => {
  it('fails with StoreError (not "no link") and recovers nothing by guessing', async () => {
    const store = openStore('postgresql://postgres@127.0.0.1:1/test?schema=nowhere');
    try {
      await expect(store.namespace('mapsync.v1.x.links').get('1')).rejects.toBeInstanceOf(StoreError);
      await expect(
        store.writeMany([{ namespace: 'mapsync.v1.x.links', key: '1', value: 1 }]),
      ).rejects.toBeInstanceOf(StoreError);
    } finally {
      await store.close();
    }
  });
});
