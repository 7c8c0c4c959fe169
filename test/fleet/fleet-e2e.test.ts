/**
 * The fleet end to end, as real processes of bin/mapsync.js against the real PostgreSQL and
 * Redis and both sandboxes of two tenants (two shop ↔ PowerOffice pairs):
 *
 * 1. only the web role runs: the shops' webhooks (customer edits) are answered 200 and their
 *    jobs are in Redis, with no worker anywhere;
 * 2. two schedulers keep one poll and one reconcile schedule per tenant and mapping;
 * 3. two workers start: the waiting webhooks are processed, and both tenants' backfills run;
 *    one worker is SIGKILLed in the middle of a backfill;
 * 4. nothing is lost (every record linked, the edits in PowerOffice, a clean run afterwards
 *    writes nothing) and nothing is duplicated (PowerOffice's records by identity guard and
 *    e-mail).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors as registry } from '../../engine/connectors/index.ts';
import { jobIdOf } from '../../engine/fleet/jobs/job.ts';
import { bullConnection, FleetQueue, QUEUE_NAME } from '../../engine/fleet/jobs/queue.ts';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { tenantStore } from '../../engine/store/tenant-scope.ts';
import { KeyRing, newMasterKey } from '../../engine/tenants/sealing.ts';
import { TenantRegistry } from '../../engine/tenants/tenant-registry.ts';
import { duplicates, links, snapshot } from '../e2e/helpers/checks.ts';
import { type Pair, startPair } from '../e2e/helpers/pair.ts';
import { postgresMissing, postgresStoreUri, REDIS_URL, redisMissing, uniqueName } from '../services.ts';
import { type RoleProcess, spawnRole } from './spawn-role.ts';

const missing = (await postgresMissing()) ?? (await redisMissing());
const UNITS = ['customer-person', 'customer-company', 'product', 'salesorder'];

describe.skipIf(missing !== undefined)('e2e: a fleet of web, two schedulers and two workers', () => {
  const location = postgresStoreUri();
  const prefix = uniqueName('mapsync-fleet');
  const masterKey = newMasterKey('k1');
  const processes: RoleProcess[] = [];
  let a: Pair;
  let b: Pair;
  let store: StoreBackend;
  let queue: FleetQueue;
  let env: Record<string, string>;

  const basic = (pair: Pair) =>
    `Basic ${Buffer.from(`${pair.woo.consumerKey}:${pair.woo.consumerSecret}`).toString('base64')}`;
  const shopApi = async (pair: Pair, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${pair.woo.apiUrl}/${path}`, {
      method,
      headers: { authorization: basic(pair), 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const start = async (role: 'web' | 'worker' | 'scheduler', extra: Record<string, string> = {}) => {
    const started = await spawnRole(role, { config: a.configPath, cwd: a.dir, env: { ...env, ...extra } });
    processes.push(started);
    return started;
  };

  beforeAll(async () => {
    const anchor = new Date('2026-01-15T00:00:00Z');
    a = await startPair({ shop: { count: 80, seed: 5, anchor } });
    b = await startPair({ shop: { count: 12, seed: 9, anchor } });
    env = {
      ...a.env,
      MAPSYNC_STORE: location.uri,
      MAPSYNC_REDIS: REDIS_URL,
      MAPSYNC_MASTER_KEY: masterKey,
      MAPSYNC_FLEET_PREFIX: prefix,
      // A killed worker's jobs and locks come free within seconds, not the default 30 s.
      MAPSYNC_LOCK_TTL_MS: '3000',
      MAPSYNC_JOB_STALL_MS: '5000',
      MAPSYNC_WORKER_CONCURRENCY: '3',
    };
    store = openStore(location.uri);
    const tenants = new TenantRegistry({ store, registry, keyRing: () => KeyRing.parse(masterKey) });
    for (const [id, pair] of [
      ['shop-a', a],
      ['shop-b', b],
    ] as const) {
      await tenants.add(id, {
        name: id,
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
    }
    queue = new FleetQueue({ redis: REDIS_URL, prefix });
  }, 120_000);

  afterAll(async () => {
    // FLEET_DEBUG=1 prints what the fleet's processes logged (warnings and errors).
    if (process.env.FLEET_DEBUG) for (const p of processes) console.log(p.output().slice(-4000));
    await Promise.allSettled(processes.map((p) => p.kill('SIGKILL')));
    await queue?.queue.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await store?.close();
    await Promise.allSettled([a?.close(), b?.close()]);
    await location.drop();
  });

  it('takes webhooks with no worker running, then two workers sync both tenants through a SIGKILL', async () => {
    // 1. Only the web role: the shops deliver to it.
    const web = await start('web');
    for (const [tenant, pair] of [
      ['shop-a', a],
      ['shop-b', b],
    ] as const) {
      await shopApi(pair, 'POST', 'webhooks', {
        name: 'fleet',
        topic: 'customer.updated',
        delivery_url: `${web.url}/webhooks/${tenant}/woocommerce`,
        secret: pair.woo.webhookSecret,
        status: 'active',
      });
    }
    const edited: Record<string, string> = {};
    for (const pair of [a, b]) {
      const customer = pair.woo.state.data.customers[1]!;
      await shopApi(pair, 'PUT', `customers/${customer.id}`, { last_name: 'Fleetwood' });
      edited[pair === a ? 'shop-a' : 'shop-b'] = String(customer.id);
      await pair.woo.hub.flush();
    }
    // Answered 200, and the jobs are in Redis (no worker runs).
    for (const pair of [a, b]) {
      const hooks = pair.woo.state.data.webhooks;
      expect(
        hooks.map((h) => [h.status, h.failure_count]),
        web.output(),
      ).toEqual([['active', 0]]);
    }
    for (const [tenant, id] of Object.entries(edited)) {
      const job = await queue.queue.getJob(
        jobIdOf({
          v: 1,
          kind: 'record',
          tenant,
          mapping: 'customer-person',
          side: 'source',
          id,
          event: 'updated',
        }),
      );
      expect(job?.data).toMatchObject({ kind: 'record', tenant, id });
    }

    // 2. Two schedulers (leader-free): one poll and one reconcile schedule per tenant and
    // mapping, not two.
    await Promise.all([start('scheduler'), start('scheduler')]);
    await expect
      .poll(async () => (await queue.queue.getJobSchedulers(0, -1)).length, { timeout: 30_000 })
      .toBe(2 * 2 * UNITS.length);

    // 3. Two workers; both tenants' backfills are asked for.
    const mark = a.mark();
    // The second worker serves its metrics (MAPSYNC_METRICS_PORT): checked at the end.
    const [w1, w2] = [await start('worker'), await start('worker', { MAPSYNC_METRICS_PORT: '0' })];
    for (const tenant of ['shop-a', 'shop-b'])
      for (const mapping of UNITS) await queue.add({ v: 1, kind: 'backfill', tenant, mapping });
    // SIGKILL one worker while shop-a's backfill writes to PowerOffice.
    await expect.poll(() => a.writes(mark).po.length, { timeout: 60_000, interval: 20 }).toBeGreaterThan(10);
    const killedAt = a.writes(mark).po.length;
    await w1!.kill('SIGKILL');

    // 4. Everything arrives: every shop-a customer and order linked, both edits in PowerOffice.
    const taking = (pair: Pair) =>
      pair.woo.state.data.orders.filter((o) => ['processing', 'completed'].includes(String(o.status))).length;
    const linked = async (tenant: string, mapping: string) =>
      (await links(tenantStore(store, tenant), mapping)).filter((l) => !l.virtual).length;
    for (const [tenant, pair] of [
      ['shop-a', a],
      ['shop-b', b],
    ] as const) {
      await expect
        .poll(() => linked(tenant, 'customer-person'), { timeout: 180_000, interval: 500 })
        .toBe(pair.woo.state.data.customers.length);
      await expect
        .poll(() => linked(tenant, 'salesorder'), { timeout: 180_000, interval: 500 })
        .toBe(taking(pair));
    }
    for (const [tenant, pair] of [
      ['shop-a', a],
      ['shop-b', b],
    ] as const) {
      const state = await snapshot(pair);
      const po = state.po.customers.find((c) =>
        String(c.ExternalImportReference ?? '').includes(edited[tenant]!),
      );
      expect(po?.LastName).toBe('Fleetwood');
    }
    // Quiet: no job waiting or running.
    const counts = new Queue(QUEUE_NAME, { connection: bullConnection(REDIS_URL), prefix });
    try {
      await expect
        .poll(async () => counts.getJobCountByTypes('active', 'waiting', 'prioritized'), { timeout: 120_000 })
        .toBe(0);
    } finally {
      await counts.close();
    }

    // Nothing duplicated in either PowerOffice, and a clean run has nothing left to write.
    for (const pair of [a, b]) {
      const state = await snapshot(pair);
      expect(duplicates(state.po.customers, (c) => c.ExternalImportReference)).toEqual([]);
      expect(duplicates(state.po.customers, (c) => String(c.EmailAddress ?? '').toLowerCase())).toEqual([]);
      expect(duplicates(state.po.products, (p) => p.Code)).toEqual([]);
      expect(duplicates(state.po.salesorders, (o) => o.ExternalImportReference)).toEqual([]);
      expect(state.po.salesorders).toHaveLength(taking(pair));
    }
    for (const [tenant, pair] of [
      ['shop-a', a],
      ['shop-b', b],
    ] as const) {
      const after = pair.mark();
      const opened = await pair.open({ backend: tenantStore(store, tenant) });
      try {
        const summary = await opened.engine.run();
        expect(summary.mappings.flatMap((m) => m.errors)).toEqual([]);
      } finally {
        await opened.close();
      }
      expect(pair.writes(after)).toEqual({ woo: [], po: [] });
    }

    // Observability: the surviving worker counted shop-a's jobs, records and requests by
    // tenant; the web's tenant page shows the links and the workers' last jobs.
    const scraped = await (await fetch(`${w2!.url}/metrics`)).text();
    expect(scraped).toMatch(/^mapsync_jobs_total\{tenant="shop-a",kind="\w+",outcome="done"\} [1-9]/m);
    expect(scraped).toMatch(
      /^mapsync_records_total\{tenant="shop-a",mapping="[\w-]+",outcome="\w+"\} [1-9]/m,
    );
    expect(scraped).toMatch(/^mapsync_requests_total\{tenant="shop-a",system="poweroffice-go",/m);
    expect(scraped).toMatch(/^mapsync_tenant_engines_open [12]$/m);
    // Two tenants, far below the cap: nothing was closed to make room.
    expect(scraped).toMatch(/^mapsync_tenant_engines_evicted 0$/m);
    await expect
      .poll(
        async () => {
          const page = (await (await fetch(`${web.url}/api/status/tenants/shop-a`)).json()) as {
            mappings: Array<{ name: string; linked: number; lastJobs: Record<string, unknown> }>;
          };
          const customers = page.mappings.find((m) => m.name === 'customer-person')!;
          return { linked: customers.linked, backfill: customers.lastJobs.backfill !== undefined };
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toEqual({ linked: a.woo.state.data.customers.length, backfill: true });
    console.log(
      `fleet e2e: shop-a ${a.woo.state.data.customers.length} customers, ${taking(a)} orders; ` +
        `worker killed after ${killedAt} PowerOffice writes; ${a.writes(mark).po.length} writes in all`,
    );
  }, 400_000);
});
