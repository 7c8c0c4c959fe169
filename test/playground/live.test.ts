/**
 * Records fetched live by id, as `mapsync serve` wires it (mount.ts: the service's own
 * connector, `get` only): against the WooCommerce sandbox on 127.0.0.1, a product fetched by
 * id maps to its payload; an id that does not exist is a 404 with a clear message; and the
 * shop saw nothing but reads.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import type { Connector } from '../../engine/connectors/types.ts';
import { DEFAULT_SCHEMAS_DIR } from '../../engine/mapping/project.ts';
import type { EvaluateResult } from '../../engine/playground/evaluate.ts';
import { mountPlayground, servicePlayground } from '../../engine/playground/mount.ts';
import type { Playground } from '../../engine/playground/playground.ts';
import { createRuntime } from '../../engine/runtime.ts';
import { AdminAuth } from '../../engine/service/admin-auth.ts';
import { type Sandboxes, startAllSandboxes } from '../../sandbox/start-all.ts';
import { copyProject, send } from './helpers.ts';

const TOKEN = 'a-long-enough-admin-token';
let project: ReturnType<typeof copyProject>;
let sandboxes: Sandboxes;
let woo: Connector;
let playground: Playground;
let app: FastifyInstance;
let url: string;
let shop: { url: string; consumerKey: string; consumerSecret: string };

beforeAll(async () => {
  project = copyProject();
  sandboxes = await startAllSandboxes(connectors, { kinds: ['woocommerce'], seed: 4 });
  const sandbox = sandboxes.byKind.get('woocommerce')!;
  shop = sandbox.connection as typeof shop;
  woo = await connectors.get('woocommerce')!.create({ ...sandbox.config }, createRuntime());
  playground = servicePlayground({
    cwd: project.dir,
    mappingsDir: `${project.dir}/mappings`,
    systems: { woocommerce: { connector: 'woocommerce' }, 'poweroffice-go': { connector: 'poweroffice-go' } },
    registry: connectors,
    schemasDir: DEFAULT_SCHEMAS_DIR,
    connectors: new Map([['woocommerce', woo]]),
  });
  app = Fastify({ logger: false });
  mountPlayground(app, playground, new AdminAuth(TOKEN));
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await playground?.close();
  await woo?.close();
  await sandboxes?.close();
  project?.remove();
});

const headers = () => ({ authorization: `Bearer ${TOKEN}`, origin: url });
const shopGet = async <T>(path: string): Promise<T> => {
  const basic = Buffer.from(`${shop.consumerKey}:${shop.consumerSecret}`).toString('base64');
  const response = await fetch(`${shop.url}${path}`, { headers: { authorization: `Basic ${basic}` } });
  return (await response.json()) as T;
};

describe('live records', () => {
  it('fetches a record by id through the connector and maps it; the shop only saw reads', async () => {
    const listed = await send<{ connected: boolean }>(url, 'GET', '/playground/api/mappings', {
      headers: headers(),
    });
    expect(listed.body.connected).toBe(true);
    const [product] = await shopGet<Array<{ id: number; sku: string; name: string }>>(
      '/wp-json/wc/v3/products?per_page=1',
    );
    const { mark } = await shopGet<{ mark: number }>('/__admin/requests');
    const answer = await send<EvaluateResult>(url, 'POST', '/playground/api/evaluate', {
      body: { file: 'mappings/product.yaml', live: { id: String(product!.id) } },
      headers: headers(),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.input).toMatchObject({ id: product!.id, name: product!.name });
    expect(answer.body.payload).toMatchObject({ Name: product!.name });
    const missing = await send(url, 'POST', '/playground/api/evaluate', {
      body: { file: 'mappings/product.yaml', live: { id: '987654' } },
      headers: headers(),
    });
    expect(missing.status).toBe(404);
    expect(String(missing.body.error)).toContain('woocommerce has no product 987654');
    const { requests } = await shopGet<{ requests: Array<{ method: string }> }>(
      `/__admin/requests?since=${mark}`,
    );
    const methods = new Set(requests.map((r) => r.method));
    expect(requests.length).toBeGreaterThan(0);
    expect([...methods]).toEqual(['GET']);
  });
});
