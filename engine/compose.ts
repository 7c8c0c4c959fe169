/**
 * The composition root shared by `mapsync plan|sync|failed|retry|links|tenant` (and by
 * the service and tests): load mapsync.yaml + mappings, build one connector per system
 * through the registry, open the store, and hand everything to a `SyncEngine`.
 */
import { resolve } from 'node:path';
import type { ProjectConfig, SystemConfig } from './config/load-config.ts';
import type { ConnectorRegistry } from './connectors/registry.ts';
import type { Connector } from './connectors/types.ts';
import { ConfigError } from './errors.ts';
import { mappingEvaluator } from './mapping/evaluate.ts';
import { EvaluatorPool } from './mapping/evaluator/pool.ts';
import { assertUsable, loadProject, type Project } from './mapping/project.ts';
import { createLogger } from './observability/logger.ts';
import { createRuntime, type Runtime } from './runtime.ts';
import { openStore, type StoreBackend } from './store/open-store.ts';
import { SyncEngine } from './sync/engine.ts';
import type { EngineEvents } from './sync/events.ts';

export interface OpenedProject {
  project: Project;
  runtime: Runtime;
  config: ProjectConfig;
  connectors: Map<string, Connector>;
  store: StoreBackend;
  engine: SyncEngine;
  close(): Promise<void>;
}

export interface OpenProjectOptions {
  configPath: string;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  registry: ConnectorRegistry;
  /** Built here when absent: logs at `logLevel` on stderr with the config's secrets scrubbed. */
  runtime?: Runtime;
  logLevel?: string;
  events?: EngineEvents;
  /** Store URI overriding mapsync.yaml's `store` (tests, demo). */
  store?: string;
  /**
   * An open store to use instead of opening one (a fleet: one shared store, each tenant's
   * engine on its `tenantStore` view). It belongs to the caller: `close()` leaves it open.
   */
  storeBackend?: StoreBackend;
  concurrency?: number;
  /** Connectors are needed (sync/plan); `failed`/`links` only read the store. */
  connect?: boolean;
}

export async function openProject(options: OpenProjectOptions): Promise<OpenedProject> {
  const connect = options.connect !== false;
  const project = await loadProject({
    configPath: options.configPath,
    env: options.env,
    requireEnv: connect,
    registry: options.registry,
    cwd: options.cwd,
  });
  assertUsable(project);
  const config = project.config!;
  const runtime =
    options.runtime ??
    createRuntime({
      logger: createLogger({
        level: options.logLevel ?? options.env.MAPSYNC_LOG_LEVEL ?? 'warn',
        secrets: config.secrets,
      }),
    });
  const connectors = connect ? await buildConnectors(project.systems, options.registry, runtime) : new Map();
  // Commands that only read the store (`failed`, `links`) never create its folder.
  const store =
    options.storeBackend ??
    openStore(options.store ?? options.env.MAPSYNC_STORE ?? config.store, config.dir, {
      logger: runtime.logger,
      createFolder: connect,
    });
  const pool = new EvaluatorPool({ logger: runtime.logger });
  const engine = new SyncEngine({
    mappings: project.mappings,
    connectors,
    store,
    runtime,
    evaluator: mappingEvaluator(pool),
    ...(options.events ? { events: options.events } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  // `failed` and `links` never evaluate, so never start a worker; `sync` and `plan` start
  // one now, while the first pages are listed.
  if (connect) void pool.warm();
  return {
    project,
    runtime,
    config,
    connectors,
    store,
    engine,
    async close() {
      // Side by side: the workers, the connections and the store depend on none of the others
      // once the engine is done (the store's close, a WAL checkpoint, is the longest).
      const [workers, , stored] = await Promise.allSettled([
        pool.close(),
        Promise.allSettled([...connectors.values()].map((c) => c.close())),
        options.storeBackend ? undefined : store.close(),
      ]);
      for (const result of [workers, stored]) if (result?.status === 'rejected') throw result.reason;
    },
  };
}

/** One connector per system, each kind's code imported when its first connector is built. */
export async function buildConnectors(
  systems: Record<string, SystemConfig>,
  registry: ConnectorRegistry,
  runtime: Runtime,
): Promise<Map<string, Connector>> {
  const connectors = new Map<string, Connector>();
  for (const [name, system] of Object.entries(systems)) {
    const factory = registry.get(system.connector);
    if (!factory)
      throw new ConfigError(
        'CFG_UNKNOWN_CONNECTOR',
        `system "${name}": unknown connector "${system.connector}"`,
      );
    const { connector: _kind, ...config } = system;
    connectors.set(name, await factory.create(config, runtime));
  }
  return connectors;
}

/** Where mapsync.yaml is: `--config`, `MAPSYNC_CONFIG`, else `mapsync.yaml` in the working directory. */
export function configPathOf(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  flag?: string,
): string {
  return resolve(cwd, flag ?? env.MAPSYNC_CONFIG ?? 'mapsync.yaml');
}
