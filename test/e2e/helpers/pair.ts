/**
 * Both real sandboxes on loopback plus a mapsync project pointing at them: the shipped
 * mappings with a test config (PowerOffice's rate limit off on the server and raised in
 * the connector, so heavy tests stay fast; the 10 rps behaviour is proven elsewhere).
 * Writes are counted from the sandboxes' own request logs.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { type OpenedProject, openProject } from '../../../engine/compose.ts';
import { connectors as registry } from '../../../engine/connectors/index.ts';
import type { ConnectorRegistry } from '../../../engine/connectors/registry.ts';
import { createLogger } from '../../../engine/observability/logger.ts';
import { createRuntime } from '../../../engine/runtime.ts';
import type { StoreBackend } from '../../../engine/store/open-store.ts';
import type { EngineEvents } from '../../../engine/sync/events.ts';
import type { LoggedRequest } from '../../../sandbox/common/request-log.ts';
import {
  type PowerOfficeSandbox,
  type SeedOptions as PowerOfficeSeed,
  startPowerOfficeSandbox,
} from '../../../sandbox/poweroffice-go/index.ts';
import { startWooCommerceSandbox, type WooSandbox } from '../../../sandbox/woocommerce/index.ts';
import type { SeedOptions as WooSeedOptions } from '../../../sandbox/woocommerce/seed.ts';
import { ref, runInProcess, writeTestConfig } from '../../cli/helpers.ts';

export const REPO = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface PairOptions {
  /** Generated shop: N customers, N/4 products, N orders (and the seed's tax, coupon, … options). */
  shop?: WooSeedOptions;
  /** What PowerOffice Go holds at start (besides the service products FRAKT, GEBYR, AVRUNDING per VAT rate); may be derived from the shop. */
  poweroffice?: PowerOfficeSeed | false | ((woo: WooSandbox) => PowerOfficeSeed);
  /** WooCommerce connector page size (default 100). */
  wooPageSize?: number;
  /** Mappings folder (default: the shipped mappings/). */
  mappingsDir?: string;
  /**
   * `false`: the shipped mappings without their `actions:` at all. Default: as shipped (whose
   * invoice action is on: `invoicing_enabled: true`).
   */
  actions?: false;
  /**
   * salesorder's variable `invoicing_enabled` set to this (`false` turns invoicing off, as
   * docs/order-to-cash.md tells a user to). Default: as shipped (on).
   */
  invoicing?: boolean;
  /** salesorder's variable `payments_enabled` set to this (`false`: payments off). Default: as shipped (on). */
  payments?: boolean;
  /** Further lines of the systems' blocks in mapsync.yaml (`overlap_seconds: 0`). */
  systemOptions?: { woocommerce?: string[]; poweroffice?: string[] };
  /** Connector-side PowerOffice rate limit (default 1000). */
  rateLimit?: number;
  concurrency?: number;
  events?: EngineEvents;
  /** Connector registry for `sync()` (tests that wrap a connector). */
  registry?: ConnectorRegistry;
}

export interface Pair {
  woo: WooSandbox;
  po: PowerOfficeSandbox;
  dir: string;
  configPath: string;
  storeUri: string;
  env: Record<string, string>;
  /** Open the project (engine, connectors, store) afresh, as one CLI invocation would. */
  open(options?: {
    events?: EngineEvents;
    store?: string;
    /** An open store (e.g. a tenant's view of a shared one), left open by close(). */
    backend?: StoreBackend;
    registry?: ConnectorRegistry;
  }): Promise<OpenedProject>;
  /** A sync run in a fresh project (like `mapsync sync`), returning the summary. */
  sync(options?: Parameters<OpenedProject['engine']['run']>[0]): ReturnType<OpenedProject['engine']['run']>;
  mark(): { woo: number; po: number };
  requests(since?: { woo: number; po: number }): { woo: LoggedRequest[]; po: LoggedRequest[] };
  writes(since?: { woo: number; po: number }): { woo: LoggedRequest[]; po: LoggedRequest[] };
  /** Run a `mapsync` command in-process against this pair. */
  cli(args: string[]): Promise<{ code: number; out: string; err: string }>;
  close(): Promise<void>;
}

/**
 * A copy of a mappings folder (returns the copy's path): without `actions:`, or with the
 * salesorder mapping's `invoicing_enabled` variable set.
 */
function copyMappings(
  from: string,
  to: string,
  change: { actions?: false; invoicing?: boolean; payments?: boolean },
): string {
  mkdirSync(to);
  for (const name of readdirSync(from)) {
    const text = readFileSync(join(from, name), 'utf8');
    if (!name.endsWith('.yaml') || name.endsWith('.test.yaml')) {
      writeFileSync(join(to, name), text);
      continue;
    }
    const doc = parseDocument(text);
    if (change.actions === false) doc.delete('actions');
    if (change.invoicing !== undefined && doc.hasIn(['variables', 'invoicing_enabled']))
      doc.setIn(['variables', 'invoicing_enabled'], change.invoicing);
    if (change.payments !== undefined && doc.hasIn(['variables', 'payments_enabled']))
      doc.setIn(['variables', 'payments_enabled'], change.payments);
    writeFileSync(join(to, name), doc.toString());
  }
  return to;
}

export async function startPair(options: PairOptions = {}): Promise<Pair> {
  const woo = await startWooCommerceSandbox({
    ...(options.shop ? { seed: options.shop } : {}),
    webhookDelayMs: 60_000,
  });
  const seed = typeof options.poweroffice === 'function' ? options.poweroffice(woo) : options.poweroffice;
  const po = await startPowerOfficeSandbox({ rateLimit: false, seed: seed === undefined ? {} : seed });
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-e2e-'));
  const shipped = options.mappingsDir ?? join(REPO, 'mappings');
  const configPath = writeTestConfig(dir, {
    store: ref('MAPSYNC_STORE'),
    mappings:
      options.actions === false || options.invoicing !== undefined || options.payments !== undefined
        ? copyMappings(shipped, join(dir, 'mappings'), {
            ...(options.actions === false ? { actions: false as const } : {}),
            ...(options.invoicing !== undefined ? { invoicing: options.invoicing } : {}),
            ...(options.payments !== undefined ? { payments: options.payments } : {}),
          })
        : shipped,
    woocommerce: [
      `webhook_secret: ${ref('WOOCOMMERCE_WEBHOOK_SECRET')}`,
      ...(options.wooPageSize ? [`page_size: ${options.wooPageSize}`] : []),
      ...(options.systemOptions?.woocommerce ?? []),
    ],
    poweroffice: [`rate_limit: ${options.rateLimit ?? 1000}`, ...(options.systemOptions?.poweroffice ?? [])],
  });
  const storeUri = `sqlite://${join(dir, 'state.sqlite')}`;
  const env: Record<string, string> = {
    WOOCOMMERCE_URL: woo.url,
    WOOCOMMERCE_CONSUMER_KEY: woo.consumerKey,
    WOOCOMMERCE_CONSUMER_SECRET: woo.consumerSecret,
    WOOCOMMERCE_WEBHOOK_SECRET: woo.webhookSecret,
    POWEROFFICE_BASE_URL: po.url,
    POWEROFFICE_APPLICATION_KEY: po.applicationKey,
    POWEROFFICE_CLIENT_KEY: po.clientKey,
    POWEROFFICE_SUBSCRIPTION_KEY: po.subscriptionKey,
    MAPSYNC_STORE: storeUri,
  };
  const runtime = createRuntime({ logger: createLogger({ level: 'silent' }) });
  const open = (
    o: { events?: EngineEvents; store?: string; backend?: StoreBackend; registry?: ConnectorRegistry } = {},
  ) =>
    openProject({
      configPath,
      env,
      cwd: dir,
      registry: o.registry ?? registry,
      runtime,
      ...(o.store ? { store: o.store } : {}),
      ...(o.backend ? { storeBackend: o.backend } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...((o.events ?? options.events) ? { events: o.events ?? options.events } : {}),
    });
  const split = (list: LoggedRequest[]) => list;
  const pair: Pair = {
    woo,
    po,
    dir,
    configPath,
    storeUri,
    env,
    open,
    async sync(runOptions) {
      const opened = await open(options.registry ? { registry: options.registry } : {});
      try {
        return await opened.engine.run(runOptions);
      } finally {
        await opened.close();
      }
    },
    mark: () => ({ woo: woo.log.mark(), po: po.log.mark() }),
    requests: (since) => ({
      woo: split(woo.log.list(since?.woo ?? 0)),
      po: split(po.log.list(since?.po ?? 0)),
    }),
    writes: (since) => ({
      woo: woo.log
        .list(since?.woo ?? 0)
        .filter((r) => WRITES.has(r.method) && !r.path.startsWith('/__admin')),
      po: po.log
        .list(since?.po ?? 0)
        .filter(
          (r) => WRITES.has(r.method) && !r.path.startsWith('/__admin') && !/oauth\/token/i.test(r.path),
        ),
    }),
    cli: (args) =>
      runInProcess(args, {
        registry: options.registry ?? registry,
        env: { ...env, MAPSYNC_CONFIG: configPath, MAPSYNC_LOG_LEVEL: 'silent' },
        cwd: dir,
      }),
    async close() {
      await Promise.allSettled([woo.close(), po.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return pair;
}
