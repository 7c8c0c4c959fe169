/**
 * `mapsync serve --sandbox`: both sandboxes in this process, seeded, with fresh random keys;
 * every WooCommerce and PowerOffice Go system of the project pointed at them; and, once the
 * service listens, WooCommerce webhooks registered through the shop's own REST API with the
 * service's `/webhooks/<system>` as delivery URL (the shop pings each one on creation, as a
 * real shop does). Data lives in memory unless `keepData`, which persists both sandboxes
 * and the link store under `dataDir` so that a restart continues where it stopped.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type PowerOfficeSandbox, startPowerOfficeSandbox } from '../../sandbox/poweroffice-go/index.ts';
import { DATA_SEED } from '../../sandbox/start-all.ts';
import { startWooCommerceSandbox, type WooSandbox } from '../../sandbox/woocommerce/index.ts';
import type { SystemConfig } from '../config/load-config.ts';

export interface SandboxModeOptions {
  /** Size of the demo shop (customers; products and orders follow from it). */
  seed: number;
  keepData: boolean;
  /** Folder for the store and, with `keepData`, the sandboxes' state. */
  dataDir: string;
}

/** Topics registered for every WooCommerce system. */
export const WEBHOOK_TOPICS = ['customer', 'order', 'product'].flatMap((r) =>
  ['created', 'updated', 'deleted'].map((e) => `${r}.${e}`),
);

const WEBHOOK_NAME = 'mapsync serve --sandbox';

export interface RunningSandboxes {
  woo: WooSandbox;
  po: PowerOfficeSandbox;
  /** Link store URI for this mode (fresh unless `keepData`). */
  store: string;
  /** Point every system of a sandboxed kind at its sandbox; returns the secrets it set. */
  pointSystems(systems: Record<string, SystemConfig>): string[];
  /** Register the shop's webhooks to `serviceUrl/webhooks/<system>`; resolves when pinged. */
  registerWebhooks(serviceUrl: string, system: string): Promise<number>;
  /** Addresses for the status page (no secrets). */
  info(): Record<string, string>;
  close(): Promise<void>;
}

export async function startSandboxes(options: SandboxModeOptions): Promise<RunningSandboxes> {
  mkdirSync(options.dataDir, { recursive: true });
  const wooFile = join(options.dataDir, 'sandbox-woocommerce.json');
  const poFile = join(options.dataDir, 'sandbox-poweroffice-go.json');
  const storeFile = join(options.dataDir, 'sandbox.sqlite');
  if (!options.keepData) {
    for (const file of [wooFile, poFile, storeFile, `${storeFile}-wal`, `${storeFile}-shm`]) {
      rmSync(file, { force: true });
    }
  }
  const woo = await startWooCommerceSandbox({
    seed: { count: options.seed, seed: DATA_SEED },
    ...(options.keepData ? { persistFile: wooFile } : {}),
  });
  let po: PowerOfficeSandbox;
  try {
    po = await startPowerOfficeSandbox({
      credentials: {
        applicationKey: randomUUID(),
        clientKey: randomUUID(),
        subscriptionKey: randomBytes(16).toString('hex'),
      },
      ...(options.keepData ? { persistFile: poFile } : {}),
    });
  } catch (error) {
    await woo.close();
    throw error;
  }

  return {
    woo,
    po,
    store: `sqlite://${storeFile}`,
    pointSystems(systems) {
      const secrets: string[] = [];
      for (const system of Object.values(systems)) {
        if (system.connector === 'woocommerce') {
          Object.assign(system, {
            url: woo.url,
            consumer_key: woo.consumerKey,
            consumer_secret: woo.consumerSecret,
            webhook_secret: woo.webhookSecret,
          });
          delete system.auth;
          secrets.push(woo.consumerKey, woo.consumerSecret, woo.webhookSecret);
        } else if (system.connector === 'poweroffice-go') {
          Object.assign(system, {
            url: po.url,
            token_url: po.tokenUrl,
            application_key: po.applicationKey,
            client_key: po.clientKey,
            subscription_key: po.subscriptionKey,
          });
          secrets.push(po.applicationKey, po.clientKey, po.subscriptionKey);
        }
      }
      return secrets;
    },
    async registerWebhooks(serviceUrl, system) {
      const api = `${woo.apiUrl}/webhooks`;
      const auth = `Basic ${Buffer.from(`${woo.consumerKey}:${woo.consumerSecret}`).toString('base64')}`;
      const call = async (method: string, url: string, body?: unknown) => {
        const response = await fetch(url, {
          method,
          headers: { authorization: auth, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        if (!response.ok) throw new Error(`sandbox ${method} webhooks answered ${response.status}`);
        return response.json() as Promise<unknown>;
      };
      // With kept data the shop still has the webhooks of the last start (another port).
      const existing = (await call('GET', `${api}?per_page=100`)) as Array<{ id: number; name: string }>;
      for (const hook of existing.filter((h) => h.name.startsWith(WEBHOOK_NAME))) {
        await call('DELETE', `${api}/${hook.id}?force=true`);
      }
      for (const topic of WEBHOOK_TOPICS) {
        await call('POST', api, {
          name: `${WEBHOOK_NAME} ${topic}`,
          topic,
          delivery_url: `${serviceUrl}/webhooks/${system}`,
          secret: woo.webhookSecret,
          status: 'active',
        });
      }
      // Each creation sent a ping; wait for them so the start is complete when we return.
      await woo.hub.flush();
      return WEBHOOK_TOPICS.length;
    },
    info() {
      return {
        'WooCommerce shop': woo.url,
        'WooCommerce admin': `${woo.url}/__admin/state`,
        'PowerOffice Go API': po.url,
        'PowerOffice Go admin': `${po.adminUrl}/state`,
      };
    },
    async close() {
      await Promise.allSettled([woo.close(), po.close()]);
    },
  };
}

/** What `serve --sandbox` prints so that a person can make an edit and watch it travel. */
export function sandboxBanner(
  s: RunningSandboxes,
  serviceUrl: string,
  adminToken: string | undefined,
): string {
  const basic = `${s.woo.consumerKey}:${s.woo.consumerSecret}`;
  return [
    '',
    `status page     ${serviceUrl}/${adminToken ? `#token=${adminToken}` : ''}`,
    ...(adminToken ? [`admin token     ${adminToken}`] : []),
    '',
    'sandboxes (in this process; gone when the service stops):',
    `  WooCommerce     ${s.woo.url}`,
    `    consumer key ${s.woo.consumerKey}`,
    `    consumer secret ${s.woo.consumerSecret}`,
    `    webhook secret ${s.woo.webhookSecret} (webhooks -> ${serviceUrl}/webhooks/woocommerce)`,
    `  PowerOffice Go  ${s.po.url}`,
    `    application key ${s.po.applicationKey}`,
    `    client key ${s.po.clientKey}`,
    `    subscription key ${s.po.subscriptionKey}`,
    '',
    'try it: rename WooCommerce customer 1, then watch the status page and PowerOffice:',
    `  curl -s -u '${basic}' -X PUT -H 'content-type: application/json' \\`,
    `       -d '{"first_name":"Edited"}' ${s.woo.apiUrl}/customers/1`,
    `  curl -s ${s.po.adminUrl}/state | grep -o '"FirstName":"Edited"[^}]*'`,
    '',
  ].join('\n');
}
