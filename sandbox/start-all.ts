/**
 * Both sandboxes together (`mapsync sandbox`): a local WooCommerce shop and a local
 * PowerOffice Go, on loopback, with what a mapsync.yaml needs to reach them.
 */
import { type PowerOfficeSandbox, startPowerOfficeSandbox } from './poweroffice-go/index.ts';
import { startWooCommerceSandbox, type WooSandbox } from './woocommerce/index.ts';

export interface StartAllOptions {
  /** Records to generate in the shop (N customers, N orders, N/4 products); 0 = empty. */
  seed?: number;
  /** PowerOffice's per-subscription-key limit in requests per second; false = none. */
  rateLimit?: number | false;
  portWoo?: number;
  portPowerOffice?: number;
  host?: string;
}

export interface AllSandboxes {
  woocommerce: WooSandbox;
  poweroffice: PowerOfficeSandbox;
  close(): Promise<void>;
}

/** The fixed seed of the generated data, so that `--seed N` gives the same shop every time. */
export const DATA_SEED = 7;

export async function startAllSandboxes(options: StartAllOptions = {}): Promise<AllSandboxes> {
  const count = options.seed ?? 0;
  const woocommerce = await startWooCommerceSandbox({
    ...(options.portWoo !== undefined ? { port: options.portWoo } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(count > 0 ? { seed: { count, seed: DATA_SEED } } : {}),
  });
  let poweroffice: PowerOfficeSandbox;
  try {
    poweroffice = await startPowerOfficeSandbox({
      ...(options.portPowerOffice !== undefined ? { port: options.portPowerOffice } : {}),
      ...(options.host ? { host: options.host } : {}),
      ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
      seed: { seed: DATA_SEED },
    });
  } catch (error) {
    await woocommerce.close();
    throw error;
  }
  return {
    woocommerce,
    poweroffice,
    async close() {
      await Promise.allSettled([woocommerce.close(), poweroffice.close()]);
    },
  };
}

/** What `mapsync sandbox --json` prints: URLs and keys of both systems. */
export function connectionInfo(all: AllSandboxes) {
  const { woocommerce: w, poweroffice: p } = all;
  return {
    woocommerce: {
      url: w.url,
      consumerKey: w.consumerKey,
      consumerSecret: w.consumerSecret,
      webhookSecret: w.webhookSecret,
    },
    poweroffice: {
      url: p.url,
      tokenUrl: p.tokenUrl,
      applicationKey: p.applicationKey,
      clientKey: p.clientKey,
      subscriptionKey: p.subscriptionKey,
    },
  };
}

/** Environment lines for the shipped mapsync.yaml. */
export function envLines(all: AllSandboxes): string[] {
  const info = connectionInfo(all);
  return [
    `WOOCOMMERCE_URL=${info.woocommerce.url}`,
    `WOOCOMMERCE_CONSUMER_KEY=${info.woocommerce.consumerKey}`,
    `WOOCOMMERCE_CONSUMER_SECRET=${info.woocommerce.consumerSecret}`,
    `WOOCOMMERCE_WEBHOOK_SECRET=${info.woocommerce.webhookSecret}`,
    `POWEROFFICE_BASE_URL=${info.poweroffice.url}`,
    `POWEROFFICE_APPLICATION_KEY=${info.poweroffice.applicationKey}`,
    `POWEROFFICE_CLIENT_KEY=${info.poweroffice.clientKey}`,
    `POWEROFFICE_SUBSCRIPTION_KEY=${info.poweroffice.subscriptionKey}`,
  ];
}
