/**
 * The web role in-process, against the real Redis and a real WooCommerce sandbox whose
 * webhooks point at it: a signed delivery is answered 200 only once its job is in Redis (and
 * with no worker anywhere); Redis not answering → 503, nothing acknowledged (the shop counts
 * a failure); a forged delivery → 401; an unknown tenant → 404.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors as registry } from '../../engine/connectors/index.ts';
import { jobIdOf } from '../../engine/fleet/jobs/job.ts';
import { FleetQueue } from '../../engine/fleet/jobs/queue.ts';
import { webApp } from '../../engine/fleet/roles/web.ts';
import { loadProject } from '../../engine/mapping/project.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { planUnits } from '../../engine/service/engine-adapter.ts';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { KeyRing, newMasterKey } from '../../engine/tenants/sealing.ts';
import { TenantRegistry } from '../../engine/tenants/tenant-registry.ts';
import { startWooCommerceSandbox, type WooSandbox } from '../../sandbox/woocommerce/index.ts';
import { writeTestConfig } from '../cli/helpers.ts';
import { REPO } from '../e2e/helpers/pair.ts';
import { REDIS_URL, redisMissing, uniqueName } from '../services.ts';

const missing = await redisMissing();

describe.skipIf(missing !== undefined)('the web role', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-web-'));
  const prefix = uniqueName('mapsync-web');
  const masterKey = newMasterKey('k1');
  const closers: Array<() => Promise<unknown>> = [];
  let woo: WooSandbox;
  let store: StoreBackend;
  let tenants: TenantRegistry;
  let queue: FleetQueue;
  let units: ReturnType<typeof planUnits>;

  /** A web role on `queue`, listening; its address. */
  const startWeb = async (on: FleetQueue) => {
    const web = webApp({
      queue: on,
      tenants,
      registry,
      store,
      unitsOf: async () => units,
      logger: createLogger({ level: 'silent' }),
      bodyLimit: 1024 * 1024,
      enqueueTimeoutMs: 1000,
    });
    closers.push(() => web.close());
    return web.app.listen({ host: '127.0.0.1', port: 0 });
  };
  const shop = async (method: string, path: string, body?: unknown) => {
    const auth = Buffer.from(`${woo.consumerKey}:${woo.consumerSecret}`).toString('base64');
    const response = await fetch(`${woo.apiUrl}/${path}`, {
      method,
      headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
    return (await response.json()) as { id: number };
  };

  beforeAll(async () => {
    woo = await startWooCommerceSandbox({ seed: { count: 4, seed: 3 }, webhookDelayMs: 60_000 });
    closers.push(() => woo.close());
    const config = writeTestConfig(dir, { store: 'memory://', mappings: join(REPO, 'mappings') });
    const project = await loadProject({ configPath: config, cwd: dir, env: {}, requireEnv: false, registry });
    units = planUnits(project.mappings);
    store = openStore('memory://');
    tenants = new TenantRegistry({ store, registry, keyRing: () => KeyRing.parse(masterKey) });
    await tenants.add('shop-1', {
      systems: {
        woocommerce: {
          connector: 'woocommerce',
          url: woo.url,
          consumer_key: woo.consumerKey,
          consumer_secret: woo.consumerSecret,
          webhook_secret: woo.webhookSecret,
        },
        'poweroffice-go': {
          connector: 'poweroffice-go',
          url: 'http://127.0.0.1:9/v2',
          application_key: 'app-key-0000',
          client_key: 'client-key-0000',
          subscription_key: 'subscription-key-0000',
        },
      },
    });
    queue = new FleetQueue({ redis: REDIS_URL, prefix });
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await queue?.queue.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a signed delivery 200 once its job is in Redis; 503 when Redis does not answer', async () => {
    const url = await startWeb(queue);
    const hook = await shop('POST', 'webhooks', {
      topic: 'customer.updated',
      delivery_url: `${url}/webhooks/shop-1/woocommerce`,
      secret: woo.webhookSecret,
      status: 'active',
    });
    const customer = woo.state.data.customers[0]!;
    await shop('PUT', `customers/${customer.id}`, { first_name: 'Queued' });
    await woo.hub.flush();
    const stored = woo.state.data.webhooks.find((h) => h.id === hook.id)!;
    expect(stored.failure_count).toBe(0);
    const job = await queue.queue.getJob(
      jobIdOf({
        v: 1,
        kind: 'record',
        tenant: 'shop-1',
        mapping: 'customer-person',
        side: 'source',
        id: String(customer.id),
        event: 'updated',
      }),
    );
    expect(job?.data).toMatchObject({ kind: 'record', tenant: 'shop-1', id: String(customer.id) });

    // The same shop delivering to a web role whose Redis does not answer: 503, counted as a
    // failure by the shop (nothing was acknowledged).
    const deaf = new FleetQueue({ redis: 'redis://127.0.0.1:9', prefix });
    closers.push(() => deaf.close());
    const deafUrl = await startWeb(deaf);
    await shop('PUT', `webhooks/${hook.id}`, { delivery_url: `${deafUrl}/webhooks/shop-1/woocommerce` });
    await shop('PUT', `customers/${customer.id}`, { first_name: 'Lost?' });
    await woo.hub.flush();
    expect(woo.state.data.webhooks.find((h) => h.id === hook.id)!.failure_count).toBe(1);
  });

  it('refuses a forged delivery (401) and an unknown tenant (404), and queues nothing for them', async () => {
    const url = await startWeb(queue);
    const before = await queue.queue.getJobCountByTypes('waiting', 'prioritized');
    const forged = await fetch(`${url}/webhooks/shop-1/woocommerce`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': 'customer.updated',
        'x-wc-webhook-signature': 'bm90IGEgc2lnbmF0dXJl',
      },
      body: JSON.stringify({ id: 1 }),
    });
    expect(forged.status).toBe(401);
    const unknown = await fetch(`${url}/webhooks/shop-9/woocommerce`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(await queue.queue.getJobCountByTypes('waiting', 'prioritized')).toBe(before);
  });
});
