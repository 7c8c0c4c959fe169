/**
 * A tenant's backfills run in dependency order across the fleet (engine/fleet/roles/
 * run-order.ts): the shipped sales orders wait (`dependencies: product: wait`) for their
 * products' links, so a backfill of sales orders taken before the product backfill has run
 * would fail every order with MISSING_DEPENDENCY — and with no scheduler in the fleet nothing
 * would ever retry them (what the fleet-sigkill chaos run found). One real worker process,
 * one job at a time, is handed the sales orders' backfill first: it must wait for the
 * products' backfill and then link every order, leaving no failed record.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors as registry } from '../../engine/connectors/index.ts';
import { bullConnection, FleetQueue, QUEUE_NAME } from '../../engine/fleet/jobs/queue.ts';
import { runBlockedBy, waitUnits } from '../../engine/fleet/roles/run-order.ts';
import { loadMappings } from '../../engine/mapping/load.ts';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { tenantStore } from '../../engine/store/tenant-scope.ts';
import { KeyRing, newMasterKey } from '../../engine/tenants/sealing.ts';
import { TenantRegistry } from '../../engine/tenants/tenant-registry.ts';
import { links } from '../e2e/helpers/checks.ts';
import { type Pair, REPO, startPair } from '../e2e/helpers/pair.ts';
import { postgresMissing, postgresStoreUri, REDIS_URL, redisMissing, uniqueName } from '../services.ts';
import { type RoleProcess, spawnRole } from './spawn-role.ts';

const missing = (await postgresMissing()) ?? (await redisMissing());

describe("run order of a tenant's units", () => {
  it('knows which units each unit waits for (fan-out children included)', async () => {
    const { mappings } = await loadMappings([`${REPO}/mappings`], {
      registry,
      schemasDir: `${REPO}/schemas`,
    });
    const waits = waitUnits(mappings);
    // salesorderline (a child of salesorder) waits for products; customers are `create`.
    expect(waits.get('salesorder')).toEqual(['product']);
    expect(waits.get('product')).toEqual([]);
    expect(waits.get('customer-person')).toEqual([]);
    expect(waits.has('salesorderline')).toBe(false);
  });

  it('lets polls and record work through; holds a full run while an earlier backfill is pending', async () => {
    const pending = new Set(['backfill/shop-1/product']);
    const queue = {
      pending: async (job: { kind: string; tenant: string; mapping: string }) =>
        pending.has(`${job.kind}/${job.tenant}/${job.mapping}`),
    };
    const waits = new Map([['salesorder', ['product']]]);
    const run = (kind: 'poll' | 'reconcile' | 'backfill', tenant = 'shop-1') =>
      runBlockedBy(queue, { v: 1, kind, tenant, mapping: 'salesorder' }, waits);
    expect(await run('backfill')).toBe('backfill/shop-1/product');
    expect(await run('reconcile')).toBe('backfill/shop-1/product');
    expect(await run('poll')).toBeUndefined();
    expect(await run('backfill', 'shop-2')).toBeUndefined();
    expect(
      await runBlockedBy(
        queue,
        {
          v: 1,
          kind: 'record',
          tenant: 'shop-1',
          mapping: 'salesorder',
          side: 'source',
          id: '1',
          event: 'updated',
        },
        waits,
      ),
    ).toBeUndefined();
    pending.clear();
    expect(await run('backfill')).toBeUndefined();
  });
});

describe.skipIf(missing !== undefined)("a worker runs a tenant's backfills in dependency order", () => {
  if (missing) console.log(`skipped: ${missing}`);
  const location = postgresStoreUri();
  const prefix = uniqueName('mapsync-order');
  const masterKey = newMasterKey('k1');
  const processes: RoleProcess[] = [];
  let pair: Pair;
  let store: StoreBackend;
  let queue: FleetQueue;

  beforeAll(async () => {
    pair = await startPair({ shop: { count: 12, seed: 21, anchor: new Date('2026-01-15T00:00:00Z') } });
    store = openStore(location.uri);
    const tenants = new TenantRegistry({ store, registry, keyRing: () => KeyRing.parse(masterKey) });
    await tenants.add('shop-1', {
      systems: {
        woocommerce: {
          connector: 'woocommerce',
          url: pair.woo.url,
          consumer_key: pair.woo.consumerKey,
          consumer_secret: pair.woo.consumerSecret,
          webhook_secret: pair.woo.webhookSecret,
        },
        'poweroffice-go': {
          connector: 'poweroffice-go',
          url: pair.po.url,
          application_key: pair.po.applicationKey,
          client_key: pair.po.clientKey,
          subscription_key: pair.po.subscriptionKey,
          rate_limit: 1000,
        },
      },
    });
    queue = new FleetQueue({ redis: REDIS_URL, prefix });
  }, 120_000);

  afterAll(async () => {
    if (process.env.FLEET_DEBUG) for (const p of processes) console.log(p.output().slice(-4000));
    await Promise.allSettled(processes.map((p) => p.kill('SIGKILL')));
    await queue?.queue.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await store?.close();
    await pair?.close();
    await location.drop();
  });

  it("holds the sales orders' backfill until the products are linked: no order fails", async () => {
    // Sales orders first: one worker taking one job at a time would run them first.
    for (const mapping of ['salesorder', 'product'])
      await queue.add({ v: 1, kind: 'backfill', tenant: 'shop-1', mapping });
    processes.push(
      await spawnRole('worker', {
        config: pair.configPath,
        cwd: pair.dir,
        env: {
          ...pair.env,
          MAPSYNC_STORE: location.uri,
          MAPSYNC_REDIS: REDIS_URL,
          MAPSYNC_MASTER_KEY: masterKey,
          MAPSYNC_FLEET_PREFIX: prefix,
          MAPSYNC_WORKER_CONCURRENCY: '1',
        },
      }),
    );
    // Both backfills done: nothing queued, delayed or running.
    const counts = new Queue(QUEUE_NAME, { connection: bullConnection(REDIS_URL), prefix });
    try {
      await expect
        .poll(async () => counts.getJobCountByTypes('active', 'waiting', 'prioritized', 'delayed'), {
          timeout: 120_000,
          interval: 250,
        })
        .toBe(0);
    } finally {
      await counts.close();
    }
    const backend = tenantStore(store, 'shop-1');
    const failed = (await new MappingState('salesorder', backend).scanMeta()).failed;
    expect(failed.map((f) => `${f.id} ${f.code}`)).toEqual([]);
    const taking = pair.woo.state.data.orders.filter((o) =>
      ['processing', 'completed'].includes(String(o.status)),
    ).length;
    expect(taking).toBeGreaterThan(0);
    expect((await links(backend, 'salesorder')).length).toBe(taking);
    expect((await links(backend, 'product')).length).toBe(pair.woo.state.data.products.length);
  }, 180_000);
});
