/**
 * The scheduler role across a Redis restart: Redis keeps nothing on disk in a fleet, so a
 * restart loses every schedule. The scheduler puts them back as soon as its connection is
 * ready again — not at its next periodic refresh (here 10 minutes away) — so polls, the
 * backbone that finds what the lost jobs carried, start again within seconds. A private
 * redis-server on a free port (never the shared one) is killed and started again empty.
 */
import { spawnSync } from 'node:child_process';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { connectors as registry } from '../../engine/connectors/index.ts';
import { FleetQueue } from '../../engine/fleet/jobs/queue.ts';
import { startSchedulerRole } from '../../engine/fleet/roles/scheduler.ts';
import { DEFAULT_SETTINGS } from '../../engine/service/settings.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { KeyRing, newMasterKey } from '../../engine/tenants/sealing.ts';
import { TenantRegistry } from '../../engine/tenants/tenant-registry.ts';
import { startPrivateRedis } from './private-redis.ts';

const noServer =
  spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0
    ? undefined
    : 'redis-server is not installed';
if (noServer) console.warn(`SKIPPED: the scheduler's Redis restart test needs ${noServer}`);

describe.skipIf(noServer !== undefined)('scheduler role: Redis restarted empty', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  });

  it('puts every schedule back as soon as Redis answers again', async () => {
    const redis = await startPrivateRedis();
    closers.push(() => redis.stop());
    const store = openStore('memory://');
    closers.push(() => store.close());
    const masterKey = newMasterKey('k1');
    const tenants = new TenantRegistry({ store, registry, keyRing: () => KeyRing.parse(masterKey) });
    for (const id of ['shop-1', 'shop-2']) await tenants.add(id, { systems: {} });
    const queue = new FleetQueue({ redis: redis.url, prefix: 'mapsync-test' });
    closers.push(() => queue.close());
    const scheduler = startSchedulerRole({
      queue,
      tenants,
      unitsOf: async () => ['customer-person', 'product'],
      settings: DEFAULT_SETTINGS,
      logger: pino({ level: 'silent' }),
      refreshMs: 10 * 60_000,
    });
    closers.push(() => scheduler.close());
    const schedules = async () => (await queue.queue.getJobSchedulers(0, -1)).length;
    // 2 tenants × 2 units × (poll, reconcile).
    await expect.poll(schedules, { timeout: 30_000, interval: 100 }).toBe(8);

    await redis.restart();
    // Empty: the schedules are gone (read before the scheduler's reconnect could refill them
    // is not guaranteed, so only the end state is asserted) — and back long before the
    // periodic refresh.
    await expect.poll(schedules, { timeout: 60_000, interval: 200 }).toBe(8);
  }, 120_000);
});
