/**
 * The web role's status pages, metrics and tenants' admin API, in-process against the real
 * PostgreSQL (the store of record, a schema of its own) and Redis (the queue, schedules and
 * the workers' job board, a prefix of its own):
 * - every route answers only for this service's Host names (421 otherwise, token or not);
 * - the admin API refuses without a configured token (403), with none or a wrong one (401);
 *   adds, lists, shows, replaces and removes tenants with the CLI's checks; answers and logs
 *   never carry a secret;
 * - the status JSON lists tenants and shows one tenant's links, failed records, last jobs
 *   and next schedules, with no option values; `/metrics` counts webhooks per tenant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors as registry } from '../../engine/connectors/index.ts';
import { FleetQueue } from '../../engine/fleet/jobs/queue.ts';
import { FleetMetrics } from '../../engine/fleet/observe/fleet-metrics.ts';
import { JobBoard } from '../../engine/fleet/observe/job-board.ts';
import { webApp } from '../../engine/fleet/roles/web.ts';
import { FleetStatus } from '../../engine/fleet/web/fleet-status.ts';
import { DEFAULT_SCHEMAS_DIR, loadProject } from '../../engine/mapping/project.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { AdminAuth } from '../../engine/service/admin-auth.ts';
import { planUnits } from '../../engine/service/engine-adapter.ts';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { tenantStore } from '../../engine/store/tenant-scope.ts';
import { KeyRing, newMasterKey } from '../../engine/tenants/sealing.ts';
import { TenantRegistry } from '../../engine/tenants/tenant-registry.ts';
import { writeTestConfig } from '../cli/helpers.ts';
import { REPO } from '../e2e/helpers/pair.ts';
import { postgresMissing, postgresStoreUri, REDIS_URL, redisMissing, uniqueName } from '../services.ts';

const missing = (await postgresMissing()) ?? (await redisMissing());
const TOKEN = 'admin-token-for-the-test-0123456789';
const SECRETS = [
  'ck_secret_consumer_key_1',
  'cs_secret_consumer_secret_1',
  'whsec-secret-1',
  'app-secret-key-1',
  'client-secret-key-1',
  'sub-secret-key-1',
];

const tenantFile = (name: string, secrets = SECRETS) =>
  [
    'version: 1',
    `name: ${name}`,
    'systems:',
    '  woocommerce:',
    '    connector: woocommerce',
    '    url: http://127.0.0.1:9/shop',
    `    consumer_key: ${secrets[0]}`,
    `    consumer_secret: ${secrets[1]}`,
    `    webhook_secret: ${secrets[2]}`,
    '  poweroffice-go:',
    '    connector: poweroffice-go',
    '    url: http://127.0.0.1:9/v2',
    `    application_key: ${secrets[3]}`,
    `    client_key: ${secrets[4]}`,
    `    subscription_key: ${secrets[5]}`,
    '',
  ].join('\n');

describe.skipIf(missing !== undefined)(
  'the web role: status pages, metrics and the tenants admin API',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-webadmin-'));
    const location = postgresStoreUri();
    const prefix = uniqueName('mapsync-webadmin');
    const masterKey = newMasterKey('k1');
    const closers: Array<() => Promise<unknown>> = [];
    let logs = '';
    let store: StoreBackend;
    let tenants: TenantRegistry;
    let queue: FleetQueue;
    let board: JobBoard;
    let url: string;
    let noTokenUrl: string;

    const start = async (token: string | undefined) => {
      const config = writeTestConfig(dir, { store: 'memory://', mappings: join(REPO, 'mappings') });
      const project = await loadProject({
        configPath: config,
        cwd: dir,
        env: {},
        requireEnv: false,
        registry,
      });
      const unitsOf = async () => planUnits(project.mappings);
      const logger = createLogger({
        level: 'debug',
        destination: new Writable({
          write(chunk, _encoding, done) {
            logs += String(chunk);
            done();
          },
        }),
      });
      const web = webApp({
        queue,
        tenants,
        registry,
        store,
        unitsOf,
        logger,
        bodyLimit: 1024 * 1024,
        hosts: new Set(['sync.example.no']),
        metrics: new FleetMetrics({ defaultMetrics: false }),
        status: new FleetStatus({ tenants, store, queue, board, unitsOf, version: '9.9.9', cacheMs: 0 }),
        admin: {
          admin: new AdminAuth(token),
          shared: project.config!.systems,
          configDir: project.config!.dir,
          schemasDir: DEFAULT_SCHEMAS_DIR,
        },
      });
      closers.push(() => web.close());
      return web.app.listen({ host: '127.0.0.1', port: 0 });
    };
    const call = (path: string, init: RequestInit & { token?: string; base?: string } = {}) => {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('authorization', `Bearer ${init.token}`);
      return fetch(`${init.base ?? url}${path}`, { ...init, headers });
    };

    beforeAll(async () => {
      store = openStore(location.uri);
      tenants = new TenantRegistry({ store, registry, keyRing: () => KeyRing.parse(masterKey) });
      queue = new FleetQueue({ redis: REDIS_URL, prefix });
      board = new JobBoard({ redis: REDIS_URL, prefix: `${prefix}:` });
      url = await start(TOKEN);
      noTokenUrl = await start(undefined);
    }, 60_000);

    afterAll(async () => {
      for (const close of closers.reverse()) await close().catch(() => {});
      await queue?.queue.obliterate({ force: true }).catch(() => {});
      await queue?.close();
      await board?.close();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await store?.close();
      await location.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers no route for another Host name (421), whatever the token', async () => {
      for (const path of ['/', '/tenants/shop-1', '/api/status', '/api/tenants', '/metrics']) {
        expect(await withHost(url, path, 'rebound.example'), path).toBe(421);
      }
      expect(await withHost(url, '/api/status', 'sync.example.no:8443')).toBe(200);
      expect(await withHost(url, '/api/tenants', 'sync.example.no')).toBe(200);
    });

    it('refuses the admin API without a configured token (403) and without the right one (401)', async () => {
      const disabled = await call('/api/tenants', { base: noTokenUrl, token: TOKEN });
      expect(disabled.status).toBe(403);
      const disabledAdd = await call('/api/tenants/shop-9', {
        base: noTokenUrl,
        method: 'POST',
        token: TOKEN,
        body: tenantFile('x'),
      });
      expect(disabledAdd.status).toBe(403);
      for (const route of [
        { path: '/api/tenants', method: 'GET' },
        { path: '/api/tenants/shop-9', method: 'GET' },
        { path: '/api/tenants/shop-9', method: 'POST', body: tenantFile('x') },
        { path: '/api/tenants/shop-9', method: 'PUT', body: tenantFile('x') },
        { path: '/api/tenants/shop-9', method: 'DELETE' },
      ]) {
        expect((await call(route.path, route)).status, `${route.method} ${route.path}`).toBe(401);
        const wrong = await call(route.path, { ...route, token: `${TOKEN}x` });
        expect(wrong.status, `${route.method} ${route.path} (wrong token)`).toBe(401);
      }
      expect(await tenants.list()).toEqual([]);
    });

    it('adds, lists, shows, replaces and removes tenants; secrets never come back or reach the log', async () => {
      const added = await call('/api/tenants/shop-1', {
        method: 'POST',
        token: TOKEN,
        headers: { 'content-type': 'application/yaml' },
        body: tenantFile('Shop One'),
      });
      expect(added.status).toBe(201);
      const view = (await added.json()) as { id: string; systems: Record<string, Record<string, unknown>> };
      expect(view.id).toBe('shop-1');
      expect(view.systems.woocommerce!.consumer_key).toBe('******** (sealed, key k1)');
      expect(view.systems.woocommerce!.url).toBe('http://127.0.0.1:9/shop');
      // Sealed for real: the registry opens them.
      expect((await tenants.systems('shop-1')).secrets.sort()).toEqual([...SECRETS].sort());

      const again = await call('/api/tenants/shop-1', {
        method: 'POST',
        token: TOKEN,
        body: tenantFile('Shop One'),
      });
      expect(again.status).toBe(409);
      const json = JSON.stringify({
        version: 1,
        name: 'Shop Two',
        systems: {
          woocommerce: {
            connector: 'woocommerce',
            url: 'http://127.0.0.1:9/shop2',
            consumer_key: 'ck_two_secret',
            consumer_secret: 'cs_two_secret',
            webhook_secret: 'whsec-two',
          },
          'poweroffice-go': {
            connector: 'poweroffice-go',
            url: 'http://127.0.0.1:9/v2',
            application_key: 'app-two',
            client_key: 'client-two',
            subscription_key: 'sub-two',
          },
        },
      });
      const second = await call('/api/tenants/shop-2', {
        method: 'PUT',
        token: TOKEN,
        headers: { 'content-type': 'application/json' },
        body: json,
      });
      expect(second.status).toBe(200);
      const replaced = await call('/api/tenants/shop-1', {
        method: 'PUT',
        token: TOKEN,
        body: tenantFile('Shop 1'),
      });
      expect(replaced.status).toBe(200);
      expect(((await replaced.json()) as { name: string }).name).toBe('Shop 1');

      const list = await call('/api/tenants', { token: TOKEN });
      const listText = await list.text();
      expect(list.status).toBe(200);
      expect((JSON.parse(listText) as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id)).toEqual([
        'shop-1',
        'shop-2',
      ]);
      const shown = await call('/api/tenants/shop-2', { token: TOKEN });
      const shownText = await shown.text();
      expect(shown.status).toBe(200);
      for (const secret of [...SECRETS, 'ck_two_secret', 'cs_two_secret', 'whsec-two', 'sub-two']) {
        expect(listText).not.toContain(secret);
        expect(shownText).not.toContain(secret);
        expect(logs).not.toContain(secret);
      }
      expect(logs).toContain('tenant saved through the admin API');

      expect((await call('/api/tenants/shop-7', { token: TOKEN })).status).toBe(404);
      expect((await call('/api/tenants/Not_An_Id', { token: TOKEN })).status).toBe(400);

      // State of shop-2, purged with it.
      await new MappingState('customer-person', tenantStore(store, 'shop-2')).setFailed(failed('7'));
      const removed = await call('/api/tenants/shop-2?purge_state=true', { method: 'DELETE', token: TOKEN });
      expect(removed.status).toBe(200);
      expect(((await removed.json()) as { stateEntries: number }).stateEntries).toBe(1);
      expect((await call('/api/tenants/shop-2', { token: TOKEN })).status).toBe(404);
      expect((await call('/api/tenants/shop-2', { method: 'DELETE', token: TOKEN })).status).toBe(404);
    });

    it('refuses a tenant file with problems (400, located, secrets masked) and reads no environment', async () => {
      const bad = tenantFile('Bad', [
        'ck_x',
        'cs_leaky_secret_value',
        'whsec-bad',
        'app',
        'client',
        'sub',
      ]).replace('    url: http://127.0.0.1:9/shop\n', '    url: not a url\n');
      const refused = await call('/api/tenants/shop-3', { method: 'POST', token: TOKEN, body: bad });
      expect(refused.status).toBe(400);
      const answer = (await refused.json()) as { problems: string[] };
      expect(answer.problems.join('\n')).toMatch(/^<body>:\d+:\d+ error TENANT_SYSTEM_INVALID /m);
      expect(JSON.stringify(answer)).not.toContain('cs_leaky_secret_value');

      process.env.MAPSYNC_TEST_WEB_ADMIN_SECRET = 'from-the-server-env';
      const interpolated = tenantFile('Env').replace(
        `consumer_secret: ${SECRETS[1]}`,
        `consumer_secret: \${MAPSYNC_TEST_WEB_ADMIN_SECRET}`,
      );
      const envRefused = await call('/api/tenants/shop-4', {
        method: 'POST',
        token: TOKEN,
        body: interpolated,
      });
      delete process.env.MAPSYNC_TEST_WEB_ADMIN_SECRET;
      expect(envRefused.status).toBe(400);
      expect(((await envRefused.json()) as { problems: string[] }).problems.join('\n')).toContain(
        'TENANT_MISSING_ENV',
      );
      const unknownKey = await call('/api/tenants/shop-5', {
        method: 'POST',
        token: TOKEN,
        body: `${tenantFile('X')}colour: blue\n`,
      });
      expect(unknownKey.status).toBe(400);
      expect(((await unknownKey.json()) as { problems: string[] }).problems.join('\n')).toContain(
        'TENANT_UNKNOWN_KEY',
      );
      expect((await tenants.list()).map((t) => t.id)).toEqual(['shop-1']);
    });

    it('shows the tenant list and a tenant page from the store and Redis, without option values', async () => {
      const state = new MappingState('customer-person', tenantStore(store, 'shop-1'));
      for (const id of ['1', '2', '3'])
        await state.putLink({
          v: 1,
          sourceId: id,
          targetId: `p${id}`,
          base: {},
          origin: 'matched',
          linkedAt: '2026-12-05T10:00:00.000Z',
          syncedAt: '2026-12-05T10:00:00.000Z',
        } as never);
      await state.setFailed(failed('42'));
      await board.record('shop-1', 'customer-person', {
        kind: 'poll',
        outcome: 'done',
        at: '2026-12-05T11:00:00.000Z',
        durationMs: 120,
        counts: { updated: 2 },
      });
      await queue.schedule({ v: 1, kind: 'poll', tenant: 'shop-1', mapping: 'customer-person' }, 60_000);

      const overview = await call('/api/status');
      const overviewText = await overview.text();
      expect(overview.status).toBe(200);
      const o = JSON.parse(overviewText) as { tenants: Array<Record<string, unknown>>; version: string };
      expect(o.version).toBe('9.9.9');
      expect(o.tenants).toHaveLength(1);
      expect(o.tenants[0]).toMatchObject({
        id: 'shop-1',
        name: 'Shop 1',
        systems: [
          { name: 'woocommerce', connector: 'woocommerce' },
          { name: 'poweroffice-go', connector: 'poweroffice-go' },
        ],
        lastJob: { mapping: 'customer-person', kind: 'poll', outcome: 'done', counts: { updated: 2 } },
      });

      const page = await call('/api/status/tenants/shop-1');
      const pageText = await page.text();
      expect(page.status).toBe(200);
      const t = JSON.parse(pageText) as { mappings: Array<Record<string, unknown>> };
      const customers = t.mappings.find((m) => m.name === 'customer-person')!;
      expect(customers).toMatchObject({
        linked: 3,
        failed: { count: 1, items: [{ id: '42', code: 'TEST_FAILURE', attempts: 2 }] },
        lastJobs: { poll: { outcome: 'done', durationMs: 120 } },
      });
      expect(Date.parse(customers.nextPollAt as string)).toBeGreaterThan(Date.now() - 60_000);
      expect(t.mappings.find((m) => m.name === 'product')).toMatchObject({ linked: 0, failed: { count: 0 } });
      for (const text of [overviewText, pageText]) {
        expect(text).not.toContain('127.0.0.1:9');
        for (const secret of SECRETS) expect(text).not.toContain(secret);
      }
      expect((await call('/api/status/tenants/shop-8')).status).toBe(404);
      expect((await call('/api/status/tenants/..%2Fadmin')).status).toBe(404);

      for (const path of ['/', '/tenants/shop-1']) {
        const html = await call(path);
        expect(html.status).toBe(200);
        expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
        expect(await html.text()).toContain('/ui/fleet.js');
      }
      expect((await call('/ui/fleet.js')).status).toBe(200);
    });

    it('counts webhooks per tenant on /metrics, and an unknown tenant without its name', async () => {
      const forged = await call('/webhooks/shop-1/woocommerce', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-wc-webhook-topic': 'customer.updated',
          'x-wc-webhook-signature': 'bm90IGEgc2lnbmF0dXJl',
        },
        body: '{"id":1}',
      });
      expect(forged.status).toBe(401);
      expect((await call('/webhooks/no-such-shop/woocommerce', { method: 'POST', body: '{}' })).status).toBe(
        404,
      );
      const metrics = await (await call('/metrics')).text();
      expect(metrics).toContain(
        'mapsync_webhooks_total{tenant="shop-1",system="woocommerce",result="rejected"} 1',
      );
      expect(metrics).toContain('mapsync_webhooks_total{tenant="",system="",result="unknown_tenant"} 1');
      expect(metrics).not.toContain('no-such-shop');
    });
  },
);

/** The status of a GET with a Host header of our choosing (fetch does not let one set it). */
function withHost(base: string, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${base}${path}`,
      {
        headers: { host, authorization: `Bearer ${TOKEN}` },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

function failed(id: string) {
  return {
    mapping: 'customer-person',
    side: 'source' as const,
    id,
    code: 'TEST_FAILURE',
    kind: 'permanent',
    reason: 'property email is missing',
    firstAt: '2026-12-05T09:00:00.000Z',
    at: '2026-12-05T10:00:00.000Z',
    attempts: 2,
    nextAttemptAt: '2026-12-05T12:00:00.000Z',
  };
}
