/**
 * A benchmark environment: both sandboxes on loopback, a temp directory with a mapsync.yaml
 * pointing at them (the shipped mappings), a SQLite link store in that directory, and the
 * composition root the CLI uses (`openProject`) to build the engine from it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OpenedProject, openProject } from '../../engine/compose.ts';
import { connectors as registry } from '../../engine/connectors/index.ts';
import type { ConnectorRegistry } from '../../engine/connectors/registry.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime, type Runtime } from '../../engine/runtime.ts';
import type { EngineEvents } from '../../engine/sync/events.ts';
import type { FaultConfig } from '../../sandbox/common/faults.ts';
import {
  type PowerOfficeSandbox,
  type SeedOptions as PowerOfficeSeed,
  startPowerOfficeSandbox,
} from '../../sandbox/poweroffice-go/index.ts';
import { startWooCommerceSandbox, type WooSandbox } from '../../sandbox/woocommerce/index.ts';

export const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** What a mapsync.yaml needs to reach a PowerOffice (a sandbox here or in another process). */
export type PoAddress = Pick<
  PowerOfficeSandbox,
  'url' | 'tokenUrl' | 'applicationKey' | 'clientKey' | 'subscriptionKey'
>;

export interface EnvOptions<P extends PoAddress = PowerOfficeSandbox> {
  /** Fill the shop before anything starts (bench/lib/dataset.ts). */
  fill?: (woo: WooSandbox) => void;
  /** The PowerOffice sandbox's enforced limit in requests per second (default 10); false = none. */
  poRateLimit?: number | false;
  /** The connector's own limit (`rate_limit` in mapsync.yaml, default 10, at most 1000). */
  connectorRateLimit?: number;
  poFaults?: FaultConfig;
  wooFaults?: FaultConfig;
  /** PowerOffice's starting data (default: only its service products FRAKT, GEBYR, AVRUNDING per VAT rate). */
  poSeed?: PowerOfficeSeed | false;
  /** WooCommerce webhook delay (default 60 s: benchmarks drive syncs themselves). */
  webhookDelayMs?: number;
  /** Extra lines for the PowerOffice system in mapsync.yaml (`page_size: 5000`…). */
  poConfig?: string[];
  wooConfig?: string[];
  logLevel?: string;
  /**
   * A PowerOffice sandbox of the caller's, shared with other environments (not closed here);
   * also one in another process (remote-poweroffice.ts).
   */
  po?: P;
}

export interface BenchEnv<P extends PoAddress = PowerOfficeSandbox> {
  woo: WooSandbox;
  po: P;
  dir: string;
  configPath: string;
  storePath: string;
  /** Environment for a `mapsync` process (MAPSYNC_CONFIG included). */
  env: Record<string, string>;
  runtime: Runtime;
  open(options?: {
    events?: EngineEvents;
    store?: string;
    registry?: ConnectorRegistry;
    concurrency?: number;
    /** Another runtime (own logger, own rate limiters); default: the environment's. */
    runtime?: Runtime;
  }): Promise<OpenedProject>;
  close(): Promise<void>;
}

/**
 * `<dir>/mapsync.yaml`: both systems from the environment's variables (systemsEnv), the
 * store from MAPSYNC_STORE, the shipped mappings; `tail` lines end the file (a `service:`
 * section).
 */
export function writeConfig(
  dir: string,
  options: {
    connectorRateLimit?: number;
    poConfig?: string[];
    wooConfig?: string[];
    /** PowerOffice's token endpoint from POWEROFFICE_TOKEN_URL (default: derived from its url). */
    tokenUrl?: boolean;
    tail?: string[];
  } = {},
): string {
  const configPath = join(dir, 'mapsync.yaml');
  // `${NAME}`: interpolated by mapsync from the environment when it loads the file.
  const v = (name: string) => `\${${name}}`;
  writeFileSync(
    configPath,
    [
      'version: 1',
      'systems:',
      '  woocommerce:',
      '    connector: woocommerce',
      `    url: ${v('WOOCOMMERCE_URL')}`,
      `    consumer_key: ${v('WOOCOMMERCE_CONSUMER_KEY')}`,
      `    consumer_secret: ${v('WOOCOMMERCE_CONSUMER_SECRET')}`,
      `    webhook_secret: ${v('WOOCOMMERCE_WEBHOOK_SECRET')}`,
      ...(options.wooConfig ?? []).map((l) => `    ${l}`),
      '  poweroffice-go:',
      '    connector: poweroffice-go',
      `    url: ${v('POWEROFFICE_BASE_URL')}`,
      ...(options.tokenUrl ? [`    token_url: ${v('POWEROFFICE_TOKEN_URL')}`] : []),
      `    application_key: ${v('POWEROFFICE_APPLICATION_KEY')}`,
      `    client_key: ${v('POWEROFFICE_CLIENT_KEY')}`,
      `    subscription_key: ${v('POWEROFFICE_SUBSCRIPTION_KEY')}`,
      `    rate_limit: ${options.connectorRateLimit ?? 10}`,
      ...(options.poConfig ?? []).map((l) => `    ${l}`),
      `store: ${v('MAPSYNC_STORE')}`,
      `mappings: ${join(REPO, 'mappings')}`,
      ...(options.tail ?? []),
      '',
    ].join('\n'),
  );
  return configPath;
}

/** The variables writeConfig's mapsync.yaml names for the systems, for sandboxes at these addresses. */
export function systemsEnv(
  woo: { url: string; consumerKey: string; consumerSecret: string; webhookSecret: string },
  po: { url: string; tokenUrl: string; applicationKey: string; clientKey: string; subscriptionKey: string },
): Record<string, string> {
  return {
    WOOCOMMERCE_URL: woo.url,
    WOOCOMMERCE_CONSUMER_KEY: woo.consumerKey,
    WOOCOMMERCE_CONSUMER_SECRET: woo.consumerSecret,
    WOOCOMMERCE_WEBHOOK_SECRET: woo.webhookSecret,
    POWEROFFICE_BASE_URL: po.url,
    POWEROFFICE_TOKEN_URL: po.tokenUrl,
    POWEROFFICE_APPLICATION_KEY: po.applicationKey,
    POWEROFFICE_CLIENT_KEY: po.clientKey,
    POWEROFFICE_SUBSCRIPTION_KEY: po.subscriptionKey,
  };
}

export async function startEnv<P extends PoAddress = PowerOfficeSandbox>(
  options: EnvOptions<P> = {},
): Promise<BenchEnv<P>> {
  const woo = await startWooCommerceSandbox({
    webhookDelayMs: options.webhookDelayMs ?? 60_000,
    ...(options.wooFaults ? { faults: options.wooFaults } : {}),
  });
  options.fill?.(woo);
  // Without a PowerOffice of the caller's, P is the default: a sandbox started here.
  const po =
    options.po ??
    ((await startPowerOfficeSandbox({
      rateLimit: options.poRateLimit ?? 10,
      seed: options.poSeed === undefined ? {} : options.poSeed,
      ...(options.poFaults ? { faults: options.poFaults } : {}),
    })) as PowerOfficeSandbox as unknown as P);
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-bench-'));
  const configPath = writeConfig(dir, options);
  const storePath = join(dir, 'state.sqlite');
  const env: Record<string, string> = {
    ...systemsEnv(woo, po),
    MAPSYNC_STORE: `sqlite://${storePath}`,
    MAPSYNC_CONFIG: configPath,
    MAPSYNC_LOG_LEVEL: options.logLevel ?? 'error',
  };
  const runtime = createRuntime({ logger: createLogger({ level: options.logLevel ?? 'silent' }) });
  return {
    woo,
    po,
    dir,
    configPath,
    storePath,
    env,
    runtime,
    open: (o = {}) =>
      openProject({
        configPath,
        env,
        cwd: dir,
        registry: o.registry ?? registry,
        runtime: o.runtime ?? runtime,
        ...(o.store ? { store: o.store } : {}),
        ...(o.events ? { events: o.events } : {}),
        ...(o.concurrency ? { concurrency: o.concurrency } : {}),
      }),
    async close() {
      await Promise.allSettled([
        woo.close(),
        ...(options.po ? [] : [(po as unknown as PowerOfficeSandbox).close()]),
      ]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One engine run in a freshly opened project (as one `mapsync sync` would), closed after. */
export async function syncOnce(
  env: BenchEnv,
  runOptions: Parameters<OpenedProject['engine']['run']>[0] = {},
  openOptions: Parameters<BenchEnv['open']>[0] = {},
) {
  const opened = await env.open(openOptions);
  try {
    return await opened.engine.run(runOptions);
  } finally {
    await opened.close();
  }
}

/** Edit a shop customer through the REST API (so its webhook fires). */
export async function editCustomer(env: BenchEnv, id: number, body: Record<string, unknown>): Promise<void> {
  const auth = Buffer.from(`${env.woo.consumerKey}:${env.woo.consumerSecret}`).toString('base64');
  const response = await fetch(`${env.woo.apiUrl}/customers/${id}`, {
    method: 'PUT',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`PUT customers/${id}: ${response.status}`);
}
