/**
 * Record locks with fencing, against the real Redis, and the fenced store on memory, SQLite
 * and PostgreSQL: a holder that paused past its lock's ttl (it stops renewing, as a process
 * stopped by GC or a stalled VM would) loses the lock to another worker and can no longer
 * write — neither a set, a delete, nor a link written with its reverse entry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LockBusyError, Locks } from '../../engine/fleet/locks/locks.ts';
import { WorkContext } from '../../engine/fleet/work-context.ts';
import { type FencingBackend, fencedView, StaleFenceError } from '../../engine/store/fencing.ts';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { writeAll } from '../../engine/store/sync-state.ts';
import { tenantStore } from '../../engine/store/tenant-scope.ts';
import { postgresMissing, postgresStoreUri, REDIS_URL, redisMissing, uniqueName } from '../services.ts';

const redisGone = await redisMissing();
const pgGone = await postgresMissing();

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe.skipIf(redisGone !== undefined)('locks in Redis', () => {
  const open = (options: { ttlMs?: number; renewEveryMs?: number; prefix?: string } = {}) => {
    const locks = new Locks({
      redis: REDIS_URL,
      prefix: options.prefix ?? `${uniqueName('mapsync-test')}:`,
      ...options,
    });
    cleanup.push(() => locks.close());
    return locks;
  };

  it('is held by one holder at a time; each new holder gets a higher token', async () => {
    const prefix = `${uniqueName('mapsync-test')}:`;
    const [a, b] = [open({ prefix }), open({ prefix })];
    const first = await a.acquire(['shop-1/customer/source/7']);
    await expect(b.acquire(['shop-1/customer/source/7'])).rejects.toBeInstanceOf(LockBusyError);
    // Another record, another lock.
    const other = await b.acquire(['shop-1/customer/source/8']);
    await first.release();
    const second = await b.acquire(['shop-1/customer/source/7']);
    expect(second.fences[0]!.token).toBeGreaterThan(first.fences[0]!.token);
    // All or none: one busy lock of a set leaves none of the others taken.
    await expect(a.acquire(['shop-1/customer', 'shop-1/customer/source/7'])).rejects.toBeInstanceOf(
      LockBusyError,
    );
    const free = await b.acquire(['shop-1/customer']);
    await Promise.all([second.release(), other.release(), free.release()]);
    const redis = new Redis(REDIS_URL);
    cleanup.push(() => void redis.disconnect());
    // Released: only the fence counters remain.
    expect((await redis.keys(`${prefix}lock:*`)).filter((k) => !k.endsWith(':fence'))).toEqual([]);
    await redis.del(...(await redis.keys(`${prefix}*`)));
  });

  it('renews a held lock past its ttl; says when it was lost; tokens stay higher after Redis forgot', async () => {
    const locks = open({ ttlMs: 400, renewEveryMs: 100 });
    const lease = await locks.acquire(['t/m']);
    const redis = new Redis(REDIS_URL);
    cleanup.push(() => void redis.disconnect());
    // Held for three ttls by renewal alone (waiting on Redis's own clock, not ours).
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await redis.get(locks.keyOf('t/m'))).toBe(String(lease.fences[0]!.token));
    }
    await redis.del(locks.keyOf('t/m'));
    await expect.poll(() => lease.lost.aborted, { timeout: 10_000 }).toBe(true);
    await lease.release();
    // Redis restarted empty: the counter is gone; the next token is still higher.
    await redis.del(`${locks.keyOf('t/m')}:fence`);
    const again = await locks.acquire(['t/m']);
    expect(again.fences[0]!.token).toBeGreaterThan(lease.fences[0]!.token);
    await again.release();
    await redis.del(`${locks.keyOf('t/m')}:fence`);
  });
});

const backends: Array<{ name: string; missing?: string; open(): Promise<StoreBackend> }> = [
  { name: 'memory', open: async () => openStore('memory://') },
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'mapsync-fence-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      return openStore(`sqlite://${join(dir, 'state.sqlite')}`);
    },
  },
  {
    name: 'postgresql',
    ...(pgGone ? { missing: pgGone } : {}),
    async open() {
      const location = postgresStoreUri();
      cleanup.push(() => location.drop());
      return openStore(location.uri);
    },
  },
];

describe.skipIf(redisGone !== undefined).each(backends)('fenced writes on $name', ({ missing, open }) => {
  it.skipIf(missing !== undefined)('a paused holder whose lock expired cannot write', async () => {
    const shared = await open();
    cleanup.push(() => shared.close());
    const store = tenantStore(shared, 'shop-1') as FencingBackend;
    const prefix = `${uniqueName('mapsync-test')}:`;
    // A renews far too late: it is "paused" past its ttl.
    const pausedLocks = new Locks({ redis: REDIS_URL, prefix, ttlMs: 300, renewEveryMs: 60_000 });
    const liveLocks = new Locks({ redis: REDIS_URL, prefix, ttlMs: 30_000 });
    cleanup.push(
      () => pausedLocks.close(),
      () => liveLocks.close(),
    );
    const work = new WorkContext();
    const view = fencedView(store, () => work.fences());
    const links = view.namespace<{ by: string }>('mapsync.v1.customer.links');
    const name = 'shop-1/customer/source/7';

    const a = await pausedLocks.acquire([name]);
    await work.run({ priority: 'interactive', fences: a.fences }, () => links.set('7', { by: 'a' }));
    // A pauses; its lock runs out in Redis and B takes it.
    const b = await liveLocks.acquire([name], { waitMs: 20_000 });
    expect(b.fences[0]!.token).toBeGreaterThan(a.fences[0]!.token);
    await work.run({ priority: 'interactive', fences: b.fences }, () =>
      writeAll(view, [
        { namespace: 'mapsync.v1.customer.links', key: '7', value: { by: 'b' } },
        { namespace: 'mapsync.v1.customer.targets', key: '70', value: '7' },
      ]),
    );
    // A wakes up and writes as if it still held the lock: refused, whatever the write.
    const asA = <T>(fn: () => Promise<T>) => work.run({ priority: 'interactive', fences: a.fences }, fn);
    await expect(asA(() => links.set('7', { by: 'a again' }))).rejects.toBeInstanceOf(StaleFenceError);
    await expect(asA(() => links.delete('7'))).rejects.toBeInstanceOf(StaleFenceError);
    await expect(
      asA(() =>
        writeAll(view, [
          { namespace: 'mapsync.v1.customer.links', key: '8', value: { by: 'a' } },
          { namespace: 'mapsync.v1.customer.targets', key: '80', value: '8' },
        ]),
      ),
    ).rejects.toBeInstanceOf(StaleFenceError);
    expect(await links.get('7')).toEqual({ by: 'b' });
    expect(await links.get('8')).toBeUndefined();
    expect(await view.namespace('mapsync.v1.customer.targets').get('80')).toBeUndefined();
    // B keeps writing with its token; outside any job nothing is written at all.
    await work.run({ priority: 'interactive', fences: b.fences }, () => links.delete('7'));
    expect(await links.get('7')).toBeUndefined();
    await expect(links.set('9', { by: 'nobody' })).rejects.toThrow(/no lock is held/);
    await Promise.all([a.release(), b.release()]);
  });
});

afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
