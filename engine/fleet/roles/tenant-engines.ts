/**
 * A worker's engines, one per tenant, built on first use and dropped when idle (docs/fleet.md,
 * "How part 2 plugs in"): the tenant's systems from the registry (secrets opened, and given
 * to that tenant's logger to scrub), connectors whose rate limiters are the fleet's shared
 * budget for this tenant, the tenant's mappings (the fleet's shared set unless the tenant
 * names its own folder), and its view of the shared store — fenced: every write carries the
 * fencing tokens of the locks the running job holds.
 */
import { resolve } from 'node:path';
import { type Logger, pino } from 'pino';
import { buildConnectors } from '../../compose.ts';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { Connector } from '../../connectors/types.ts';
import { hasErrors } from '../../diagnostics/diagnostic.ts';
import { ConfigError } from '../../errors.ts';
import { mappingEvaluator } from '../../mapping/evaluate.ts';
import type { EvaluatorPool } from '../../mapping/evaluator/pool.ts';
import { loadMappings } from '../../mapping/load.ts';
import type { CompiledMapping } from '../../mapping/model.ts';
import { createLogger, type LoggerSettings } from '../../observability/logger.ts';
import { createRuntime, type Runtime } from '../../runtime.ts';
import { bridgeEvents, engineAdapter, planUnits } from '../../service/engine-adapter.ts';
import type { ServiceEngine } from '../../service/ports.ts';
import { type FencingBackend, fencedView } from '../../store/fencing.ts';
import type { StoreBackend } from '../../store/open-store.ts';
import { tenantStore } from '../../store/tenant-scope.ts';
import { SyncEngine } from '../../sync/engine.ts';
import { PayloadValidator } from '../../sync/payload-validator.ts';
import type { TenantRegistry } from '../../tenants/tenant-registry.ts';
import type { FleetMetrics } from '../observe/fleet-metrics.ts';
import type { RateBudgetHub } from '../rate-budget/hub.ts';
import type { WorkContext } from '../work-context.ts';
import { waitUnits } from './run-order.ts';

export interface TenantEngine {
  tenant: string;
  /** Jobs running on it now: an engine in use is never evicted. */
  busy: number;
  port: ServiceEngine;
  units: ReturnType<typeof planUnits>;
  /** Per unit, the units whose links it waits for (run-order.ts). */
  waits: Map<string, string[]>;
  connectors: Map<string, Connector>;
  lastUsed: number;
  close(): Promise<void>;
}

export interface TenantEnginesOptions {
  tenants: TenantRegistry;
  registry: ConnectorRegistry;
  /** The fleet's shared mappings (compiled from mapsync.yaml's mappings folder). */
  mappings: readonly CompiledMapping[];
  /** Where a tenant's own `mappings` folder is relative to (mapsync.yaml's folder). */
  configDir: string;
  schemasDir: string;
  store: StoreBackend;
  hub: RateBudgetHub;
  work: WorkContext;
  pool: EvaluatorPool;
  logLevel: NonNullable<LoggerSettings['level']>;
  logDestination?: LoggerSettings['destination'];
  /** A tenant's engine unused this long is closed (default 10 minutes). */
  idleMs?: number;
  /**
   * The most engines open at once (default 20): opening one more closes the least recently
   * used that no job is running on, so a worker's memory does not grow with the tenants.
   */
  maxOpen?: number;
  /** Requests and records, labelled by tenant. */
  metrics?: FleetMetrics;
  /** Every tenant's check before a write is sent (the worker's write guard). */
  beforeWrite?: Runtime['beforeWrite'];
}

export class TenantEngines {
  /** Open engines, least recently used first (a Map keeps insertion order). */
  private readonly open = new Map<string, Promise<TenantEngine>>();
  /** The engines whose build is done, by their entry of `open`. */
  private readonly built = new WeakMap<Promise<TenantEngine>, TenantEngine>();
  /**
   * Shared by every tenant of this worker: JSON Schemas compiled once (an Ajv instance with
   * its compiled validators per tenant was most of an engine's memory), one log stream.
   */
  private readonly validator = new PayloadValidator();
  private readonly logStream: NonNullable<LoggerSettings['destination']>;
  /** Engines closed to make room (metrics, tests). */
  evicted = 0;

  constructor(private readonly options: TenantEnginesOptions) {
    this.logStream = options.logDestination ?? pino.destination({ dest: 2, sync: true });
  }

  /**
   * The tenant's engine, opened on first use, marked busy until `release` (the worker
   * calls it when the job ends): a busy engine is never evicted.
   */
  async get(tenant: string): Promise<TenantEngine> {
    let entry = this.open.get(tenant);
    if (entry) {
      // Most recently used: to the end of the map.
      this.open.delete(tenant);
      this.open.set(tenant, entry);
    } else {
      const building = this.build(tenant);
      entry = building;
      this.open.set(tenant, entry);
      building.then((engine) => this.built.set(building, engine)).catch(() => {});
      // A failed build (unknown tenant, bad key) is not kept: the next job tries again.
      entry.catch(() => {
        if (this.open.get(tenant) === entry) this.open.delete(tenant);
      });
    }
    const engine = await entry;
    engine.lastUsed = Date.now();
    engine.busy++;
    await this.evictOverCap();
    return engine;
  }

  /** The job on `engine` ended. */
  release(engine: TenantEngine): void {
    engine.busy = Math.max(0, engine.busy - 1);
    engine.lastUsed = Date.now();
  }

  /** Tenants whose engine is open in this process. */
  get openCount(): number {
    return this.open.size;
  }

  /** Close the least recently used idle engines while more than `maxOpen` are open. */
  private async evictOverCap(): Promise<void> {
    const max = this.options.maxOpen ?? 20;
    if (this.open.size <= max) return;
    for (const [tenant, entry] of this.open) {
      if (this.open.size <= max) break;
      const engine = this.built.get(entry);
      // Still being built, or in use: not this one.
      if (!engine || engine.busy > 0) continue;
      this.open.delete(tenant);
      this.evicted++;
      await engine.close();
    }
  }

  /** Close the engines of tenants idle for `idleMs` (memory stays flat with many tenants). */
  async dropIdle(now = Date.now()): Promise<number> {
    const idleMs = this.options.idleMs ?? 10 * 60_000;
    let dropped = 0;
    for (const [tenant, entry] of this.open) {
      const engine = await entry.catch(() => undefined);
      if (!engine || engine.busy > 0 || now - engine.lastUsed < idleMs) continue;
      this.open.delete(tenant);
      await engine.close();
      dropped++;
    }
    return dropped;
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled(all.map(async (entry) => (await entry).close()));
  }

  private async build(tenant: string): Promise<TenantEngine> {
    const o = this.options;
    const record = await o.tenants.get(tenant);
    if (!record) throw new ConfigError('TENANT_UNKNOWN', `no tenant "${tenant}"`);
    const { systems, secrets } = await o.tenants.systems(tenant);
    const logger: Logger = createLogger({ level: o.logLevel, secrets, destination: this.logStream }).child({
      tenant,
    });
    const runtime = createRuntime({
      logger,
      limiters: o.hub.registryFor(tenant),
      ...(o.metrics ? { telemetry: o.metrics.telemetryFor(tenant) } : {}),
      ...(o.beforeWrite ? { beforeWrite: o.beforeWrite } : {}),
    });
    const metrics = o.metrics;
    const mappings = record.mappings ? await this.ownMappings(tenant, record.mappings, systems) : o.mappings;
    const connectors = await buildConnectors(systems, o.registry, runtime);
    const backend = tenantStore(o.store, tenant);
    if (!backend.writeFenced)
      throw new ConfigError('FLEET_STORE_REQUIRED', 'the fleet store cannot fence writes');
    const engine = new SyncEngine({
      mappings: [...mappings],
      connectors,
      store: fencedView(backend as FencingBackend, () => o.work.fences()),
      runtime,
      evaluator: mappingEvaluator(o.pool),
      validator: this.validator,
      ...(metrics ? { events: bridgeEvents({ record: (event) => metrics.record(tenant, event) }) } : {}),
    });
    const systemKinds = Object.fromEntries(Object.entries(systems).map(([n, s]) => [n, s.connector]));
    return {
      tenant,
      port: engineAdapter({ engine, mappings, store: backend, systemKinds }),
      units: planUnits(mappings),
      waits: waitUnits(mappings),
      connectors,
      busy: 0,
      lastUsed: Date.now(),
      async close() {
        await Promise.allSettled([...connectors.values()].map((c) => c.close()));
      },
    };
  }

  private async ownMappings(
    tenant: string,
    folder: string,
    systems: Awaited<ReturnType<TenantRegistry['systems']>>['systems'],
  ): Promise<CompiledMapping[]> {
    const loaded = await loadMappings([resolve(this.options.configDir, folder)], {
      registry: this.options.registry,
      schemasDir: this.options.schemasDir,
      systems,
      cwd: this.options.configDir,
    });
    if (hasErrors(loaded.diagnostics)) {
      throw new ConfigError('TENANT_MAPPINGS_INVALID', `tenant "${tenant}": its mappings do not validate`);
    }
    return loaded.mappings;
  }
}
