/**
 * The WooCommerce kind's dev-sandbox capability (engine/connectors/spec.ts#DevSandbox):
 * what `mapsync sandbox` and `serve --sandbox` start for it — a seeded local shop with
 * fresh keys — the options that point a `woocommerce` system at it, and, once a service
 * listens, the shop's webhooks registered through its own REST API with the service's
 * `/webhooks/<system>` as delivery URL (the shop pings each one on creation, as a real
 * shop does).
 */
import type { DevSandbox, RunningDevSandbox } from '../../engine/connectors/spec.ts';
import { DATA_SEED } from '../common/random.ts';
import { startWooCommerceSandbox } from './index.ts';

/** Topics registered for every WooCommerce system. */
export const WEBHOOK_TOPICS = ['customer', 'order', 'product'].flatMap((r) =>
  ['created', 'updated', 'deleted'].map((e) => `${r}.${e}`),
);

const WEBHOOK_NAME = 'mapsync serve --sandbox';

export const devSandbox: DevSandbox = {
  async start(options): Promise<RunningDevSandbox> {
    const woo = await startWooCommerceSandbox({
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host ? { host: options.host } : {}),
      ...(options.seed > 0 ? { seed: { count: options.seed, seed: DATA_SEED } } : {}),
      ...(options.persistFile ? { persistFile: options.persistFile } : {}),
    });
    const webhookTargets: string[] = [];
    const connected: string[] = [];
    const basic = `${woo.consumerKey}:${woo.consumerSecret}`;

    async function call(method: string, url: string, body?: unknown): Promise<unknown> {
      const response = await fetch(url, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(basic).toString('base64')}`,
          'content-type': 'application/json',
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (!response.ok) throw new Error(`sandbox ${method} webhooks answered ${response.status}`);
      return response.json();
    }

    return {
      // `auto` picks OAuth 1.0a, the only scheme WooCommerce accepts over plain http.
      config: {
        url: woo.url,
        consumer_key: woo.consumerKey,
        consumer_secret: woo.consumerSecret,
        webhook_secret: woo.webhookSecret,
        auth: 'auto',
      },
      secrets: [woo.consumerKey, woo.consumerSecret, woo.webhookSecret],
      connection: {
        url: woo.url,
        consumerKey: woo.consumerKey,
        consumerSecret: woo.consumerSecret,
        webhookSecret: woo.webhookSecret,
      },
      env: [
        `WOOCOMMERCE_URL=${woo.url}`,
        `WOOCOMMERCE_CONSUMER_KEY=${woo.consumerKey}`,
        `WOOCOMMERCE_CONSUMER_SECRET=${woo.consumerSecret}`,
        `WOOCOMMERCE_WEBHOOK_SECRET=${woo.webhookSecret}`,
      ],
      addresses: { 'WooCommerce shop': woo.url, 'WooCommerce admin': `${woo.url}/__admin/state` },
      describe: () => [
        `  WooCommerce     ${woo.url}`,
        `    API ${woo.apiUrl}, admin ${woo.adminUrl}`,
        `    consumer key ${woo.consumerKey}`,
        `    consumer secret ${woo.consumerSecret}`,
        `    webhook secret ${woo.webhookSecret}${webhookTargets.length ? ` (webhooks -> ${webhookTargets.join(', ')})` : ''}`,
        `    data: ${options.persistFile ? 'as kept from the last start, or ' : ''}${options.seed > 0 ? `${options.seed} customers, ${options.seed} orders, ${Math.max(1, Math.floor(options.seed / 4))} products` : 'empty shop'}`,
        '    try: rename customer 1 and watch it travel',
        `      curl -s -u '${basic}' -X PUT -H 'content-type: application/json' \\`,
        `           -d '{"first_name":"Edited"}' ${woo.apiUrl}/customers/1`,
      ],
      async connectService(serviceUrl, system) {
        const api = `${woo.apiUrl}/webhooks`;
        const target = `${serviceUrl}/webhooks/${system}`;
        // With kept data the shop still has the webhooks of the last start (another port);
        // those of systems connected in this start stay.
        const existing = (await call('GET', `${api}?per_page=100`)) as Array<{ id: number; name: string }>;
        const ours = (name: string) => connected.some((s) => name.startsWith(`${WEBHOOK_NAME} [${s}]`));
        for (const hook of existing.filter((h) => h.name.startsWith(WEBHOOK_NAME) && !ours(h.name))) {
          await call('DELETE', `${api}/${hook.id}?force=true`);
        }
        connected.push(system);
        for (const topic of WEBHOOK_TOPICS) {
          await call('POST', api, {
            name: `${WEBHOOK_NAME} [${system}] ${topic}`,
            topic,
            delivery_url: target,
            secret: woo.webhookSecret,
            status: 'active',
          });
        }
        webhookTargets.push(target);
        // Each creation sent a ping; wait for them so the start is complete when we return.
        await woo.hub.flush();
      },
      close: () => woo.close(),
    };
  },
};
