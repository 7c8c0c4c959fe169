/**
 * A fleet for the chaos runs and benches on the roles: N tenants, each a WooCommerce and a
 * PowerOffice sandbox of its own (all PowerOffice sandboxes with the same subscription key,
 * so every tenant shares one budget of 10 requests per second, as tenants on one key do),
 * registered in a store on the real PostgreSQL (a schema of its own), with `mapsync serve
 * --role …` processes of bin/mapsync.js (the build: `npm run build` first) on a Redis —
 * the shared one with a key prefix of its own, or a private redis-server this file starts
 * on a free port (the chaos run that restarts Redis must not restart anyone else's).
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { connectors as registry } from '../../engine/connectors/index.ts';
import { FleetQueue } from '../../engine/fleet/jobs/queue.ts';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { KeyRing, newMasterKey } from '../../engine/tenants/sealing.ts';
import { TenantRegistry } from '../../engine/tenants/tenant-registry.ts';
import type { PowerOfficeSandbox } from '../../sandbox/poweroffice-go/index.ts';
import type { WooSandbox } from '../../sandbox/woocommerce/index.ts';
import { type RoleProcess, spawnRole } from '../../test/fleet/spawn-role.ts';
import { postgresMissing, postgresStoreUri, redisMissing, uniqueName } from '../../test/services.ts';
import { fillShop } from './dataset.ts';
import { type BenchEnv, type PoAddress, REPO, startEnv, writeConfig } from './env.ts';
import { type RemotePowerOffice, startRemotePowerOffice } from './remote-poweroffice.ts';

export { startPrivateRedis } from '../../test/fleet/private-redis.ts';
export { editCustomer } from './env.ts';
export type { RemotePowerOffice, RoleProcess };

export interface TenantSize {
  customers: number;
  products: number;
  orders: number;
  seed: number;
}

export interface FleetOptions {
  tenants: number;
  size(index: number): TenantSize;
  /** A Redis of the caller's (a private one); default the shared one, with a prefix of its own. */
  redis?: string;
  /** `service:` lines of the fleet's mapsync.yaml (schedules). */
  service?: string[];
  /** Extra environment of every role process. */
  env?: Record<string, string>;
  /** Sandbox pairs to start (default one per tenant); tenant i uses pair i modulo this. */
  sandboxes?: number;
  /** The PowerOffice connector's `rate_limit` of every tenant (default 10). */
  rateLimit?: number;
  /** The roles reach PostgreSQL on this port of 127.0.0.1 (a proxy the run can cut). */
  storePort?: number;
  /**
   * Subscription keys: this many PowerOffice sandboxes, each with a key of its own (10
   * requests per second each) and in a process of its own (so the bench's busy event loop
   * does not delay its stamping of requests), tenant i on sandbox i modulo this; every tenant
   * keeps a shop of its own, its customers' e-mails made unique to it. Default: a sandbox per
   * pair, one key.
   */
  keys?: number;
}

export interface Fleet<P extends PoAddress = PowerOfficeSandbox> {
  ids: string[];
  envs: Map<string, BenchEnv<P>>;
  sizes: Map<string, TenantSize>;
  store: StoreBackend;
  queue: FleetQueue;
  prefix: string;
  processes: RoleProcess[];
  /** The PowerOffice sandboxes of `keys`, each in a child process (empty without it). */
  keyed: RemotePowerOffice[];
  start(role: 'web' | 'worker' | 'scheduler'): Promise<RoleProcess>;
  close(): Promise<void>;
}

/** Why the fleet cannot run here (PostgreSQL or Redis missing), or undefined. */
export async function fleetServicesMissing(): Promise<string | undefined> {
  return (await postgresMissing()) ?? (await redisMissing());
}

/** With `keys`, the tenants' PowerOffice is one of the keyed sandboxes in child processes. */
export function startFleet(options: FleetOptions & { keys: number }): Promise<Fleet<RemotePowerOffice>>;
export function startFleet(options: FleetOptions): Promise<Fleet>;
export async function startFleet(options: FleetOptions): Promise<Fleet<PoAddress>> {
  const location = postgresStoreUri(uniqueName('mapsync_chaos'));
  const prefix = uniqueName('mapsync-chaos');
  const masterKey = newMasterKey('k1');
  const redis = options.redis ?? process.env.MAPSYNC_TEST_REDIS ?? 'redis://127.0.0.1:6379';
  const envs = new Map<string, BenchEnv<PoAddress>>();
  const sizes = new Map<string, TenantSize>();
  const ids: string[] = [];
  const processes: RoleProcess[] = [];
  /** The PowerOffice sandboxes of `keys`, one per subscription key. */
  const keyed: RemotePowerOffice[] = [];
  const store = openStore(location.uri);
  const queue = new FleetQueue({ redis, prefix });
  const close = async () => {
    await Promise.allSettled(processes.map((p) => p.kill('SIGKILL')));
    await queue.queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    const client = new Redis(redis, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    const keys = await client.keys(`${prefix}:*`).catch(() => [] as string[]);
    if (keys.length > 0) await client.del(...keys).catch(() => {});
    client.disconnect();
    await store.close();
    await Promise.allSettled([...new Set(envs.values())].map((e) => e.close()));
    await Promise.allSettled(keyed.map((po) => po.close()));
    await location.drop().catch(() => {});
  };
  try {
    const tenants = new TenantRegistry({ store, registry, keyRing: () => KeyRing.parse(masterKey) });
    const pairs = options.sandboxes ?? options.tenants;
    const started: Array<BenchEnv<PoAddress>> = [];
    for (let k = 0; k < (options.keys ?? 0); k++) {
      keyed.push(
        await startRemotePowerOffice({
          rateLimit: 10,
          subscriptionKey: `sandbox0subscription0key0000${String(k + 1).padStart(4, '0')}`,
        }),
      );
    }
    for (let i = 0; i < options.tenants; i++) {
      const id = `shop-${i + 1}`;
      const size = options.size(i % pairs);
      const po = keyed[i % Math.max(1, keyed.length)];
      const fill = (woo: WooSandbox) => {
        fillShop(woo, size);
        if (!po) return;
        for (const c of woo.state.data.customers) {
          c.email = `${id}.${String(c.email)}`;
          const billing = c.billing as { email?: string } | undefined;
          if (billing?.email) billing.email = `${id}.${billing.email}`;
        }
        woo.state.onMutate();
      };
      // Webhooks go out at once: the chaos runs check that none is lost.
      const env =
        started[i % pairs] ?? (await startEnv<PoAddress>({ fill, webhookDelayMs: 0, ...(po ? { po } : {}) }));
      started[i % pairs] = env;
      envs.set(id, env);
      sizes.set(id, size);
      ids.push(id);
      await tenants.add(id, {
        name: `Shop ${i + 1}`,
        systems: {
          woocommerce: {
            connector: 'woocommerce',
            url: env.woo.url,
            consumer_key: env.woo.consumerKey,
            consumer_secret: env.woo.consumerSecret,
            webhook_secret: env.woo.webhookSecret,
          },
          'poweroffice-go': {
            connector: 'poweroffice-go',
            url: env.po.url,
            application_key: env.po.applicationKey,
            client_key: env.po.clientKey,
            subscription_key: env.po.subscriptionKey,
            rate_limit: options.rateLimit ?? 10,
          },
        },
      });
    }
    // The fleet's mapsync.yaml: the shared mappings, systems by kind only.
    const first = envs.get(ids[0]!)!;
    const configPath = writeConfig(first.dir);
    if (options.service)
      writeFileSync(configPath, `service:\n${options.service.map((l) => `  ${l}\n`).join('')}`, {
        flag: 'a',
      });
    const rolesStore = new URL(location.uri);
    if (options.storePort !== undefined) {
      rolesStore.hostname = '127.0.0.1';
      rolesStore.port = String(options.storePort);
    }
    const roleEnv: Record<string, string> = {
      MAPSYNC_STORE: rolesStore.toString(),
      MAPSYNC_REDIS: redis,
      MAPSYNC_MASTER_KEY: masterKey,
      MAPSYNC_FLEET_PREFIX: prefix,
      // A killed worker's jobs and locks come free within seconds, not the default 30 s.
      MAPSYNC_LOCK_TTL_MS: '3000',
      MAPSYNC_JOB_STALL_MS: '5000',
      MAPSYNC_WORKER_CONCURRENCY: '3',
      ...options.env,
    };
    return {
      ids,
      envs,
      sizes,
      store,
      queue,
      prefix,
      processes,
      keyed,
      async start(role) {
        const started = await spawnRole(role, { config: configPath, cwd: REPO, env: roleEnv });
        processes.push(started);
        return started;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Point every shop's customer webhooks at the web role. */
export async function hookShops(fleet: Fleet, webUrl: string): Promise<void> {
  for (const id of fleet.ids) {
    const env = fleet.envs.get(id)!;
    const auth = Buffer.from(`${env.woo.consumerKey}:${env.woo.consumerSecret}`).toString('base64');
    const response = await fetch(`${env.woo.apiUrl}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'fleet',
        topic: 'customer.updated',
        delivery_url: `${webUrl}/webhooks/${id}/woocommerce`,
        secret: env.woo.webhookSecret,
        status: 'active',
      }),
    });
    if (!response.ok) throw new Error(`POST webhooks for ${id}: ${response.status}`);
  }
}

/**
 * A TCP proxy to PostgreSQL that the run can cut: `cut()` drops every connection and refuses
 * new ones (as a lost database host), `restore()` accepts again. The shared server itself is
 * never touched.
 */
export async function startCuttableProxy(target: { host: string; port: number }): Promise<{
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}> {
  const { Socket } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  let open = true;
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.connect(target.port, target.host, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    port,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        open = false;
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
