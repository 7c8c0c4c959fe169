/**
 * The composition root of `mapsync serve --role web|worker|scheduler` (docs/fleet.md,
 * docs/operations.md): the fleet's processes. `--role all` (the default) is today's single
 * process, booted by engine/service/boot.ts and untouched by this file.
 *
 * Every fleet role needs the store of record on PostgreSQL (`MAPSYNC_STORE=postgresql://…`)
 * and the fleet's Redis (`MAPSYNC_REDIS=redis://…`); web and worker open tenants' secrets
 * with `MAPSYNC_MASTER_KEY`. mapsync.yaml gives the shared mappings, the schedules and the
 * web's limits; its systems are only the kinds (each tenant brings its own).
 */
import v8 from 'node:v8';
import type { Logger } from 'pino';
import { hasErrors } from '../../diagnostics/diagnostic.ts';
import { ConfigError } from '../../errors.ts';
import { EvaluatorPool } from '../../mapping/evaluator/pool.ts';
import { loadMappings } from '../../mapping/load.ts';
import type { CompiledMapping } from '../../mapping/model.ts';
import { DEFAULT_SCHEMAS_DIR, loadProject } from '../../mapping/project.ts';
import { AdminAuth, MIN_TOKEN_LENGTH } from '../../service/admin-auth.ts';
import { planUnits } from '../../service/engine-adapter.ts';
import { type BootFailure, type ProcessBootOptions, processLogger } from '../../service/process-boot.ts';
import { resolveSettings } from '../../service/settings.ts';
import { openStore, type StoreBackend } from '../../store/open-store.ts';
import { KeyRing } from '../../tenants/sealing.ts';
import { type TenantRecord, TenantRegistry } from '../../tenants/tenant-registry.ts';
import { VERSION } from '../../version.ts';
import { FleetQueue, type QueueLocation } from '../jobs/queue.ts';
import { Locks } from '../locks/locks.ts';
import { guardWrites, WriteGuard } from '../locks/write-guard.ts';
import { FleetMetrics } from '../observe/fleet-metrics.ts';
import { JobBoard } from '../observe/job-board.ts';
import { startMetricsServer } from '../observe/metrics-server.ts';
import { RateBudgetHub } from '../rate-budget/hub.ts';
import { FleetStatus } from '../web/fleet-status.ts';
import { WorkContext } from '../work-context.ts';
import { startSchedulerRole } from './scheduler.ts';
import { TenantEngines } from './tenant-engines.ts';
import { webApp } from './web.ts';
import { startWorkerRole } from './worker.ts';

export const FLEET_ROLES = ['web', 'worker', 'scheduler'] as const;
export type FleetRole = (typeof FLEET_ROLES)[number];

export interface FleetBootOptions extends ProcessBootOptions {
  role: FleetRole;
}

export interface RunningRole {
  ok: true;
  role: FleetRole;
  /** The web role's address. */
  url?: string;
  logger: Logger;
  stop(): Promise<void>;
}

export interface FleetSettings {
  store: string;
  queue: QueueLocation;
  concurrency: number;
  lockTtlMs: number;
  stallMs: number;
  /** The least margin of every rate budget of a worker (0: the connector's own, 50 ms). */
  budgetMarginMs: number;
  /** The most tenants' engines a worker keeps open (least recently used closed first). */
  maxEngines: number;
  /**
   * A worker's V8 heap may grow to this much more than what the last full collection kept
   * (`--heap-growing-percent`, default 50; 0: V8's own factor, up to 300 %). See
   * `workerHeapGrowth`.
   */
  heapGrowthPercent: number;
  /** A worker's or scheduler's `/metrics` port (none when unset). */
  metricsPort?: number;
  /** The web role's admin token (its admin API is refused without one). */
  adminToken?: string;
}

/** The fleet's settings from the environment; a ConfigError naming what is missing. */
export function fleetSettings(role: FleetRole, env: FleetBootOptions['env']): FleetSettings {
  const store = env.MAPSYNC_STORE ?? '';
  if (!/^postgres(ql)?:\/\//.test(store)) {
    throw new ConfigError(
      'FLEET_STORE_REQUIRED',
      `--role ${role} needs the shared store on PostgreSQL: set MAPSYNC_STORE=postgresql://user@host:5432/db (docs/operations.md)`,
    );
  }
  const redis = env.MAPSYNC_REDIS ?? '';
  if (!/^rediss?:\/\//.test(redis)) {
    throw new ConfigError(
      'FLEET_REDIS_REQUIRED',
      `--role ${role} needs the fleet's Redis: set MAPSYNC_REDIS=redis://host:6379 (docs/operations.md)`,
    );
  }
  const adminToken = env.MAPSYNC_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(
      'CFG_ADMIN_TOKEN_SHORT',
      `MAPSYNC_ADMIN_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters (try: openssl rand -hex 24)`,
    );
  }
  const number = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      throw new ConfigError('FLEET_BAD_SETTING', `${name} must be an integer ≥ ${min}`);
    return n;
  };
  return {
    store,
    queue: { redis, prefix: env.MAPSYNC_FLEET_PREFIX || 'mapsync' },
    concurrency: number('MAPSYNC_WORKER_CONCURRENCY', 4, 1),
    lockTtlMs: number('MAPSYNC_LOCK_TTL_MS', 30_000, 1000),
    stallMs: number('MAPSYNC_JOB_STALL_MS', 30_000, 1000),
    budgetMarginMs: number('MAPSYNC_BUDGET_MARGIN_MS', 0, 0),
    maxEngines: number('MAPSYNC_TENANT_ENGINES_MAX', 20, 1),
    heapGrowthPercent: number('MAPSYNC_WORKER_HEAP_GROWTH_PERCENT', 50, 0),
    ...(env.MAPSYNC_METRICS_PORT ? { metricsPort: number('MAPSYNC_METRICS_PORT', 0, 0) } : {}),
    ...(adminToken ? { adminToken } : {}),
  };
}

/**
 * A worker's heap grows by at most `percent` over what the last full garbage collection kept
 * (docs/operations.md, "Running a fleet"; docs/fleet.md, "Worker memory against tenants").
 * With node's default heap limit (a quarter of the machine's memory, capped at 4 GB) V8 lets
 * its old generation grow up to 4 times the live data between full collections when a
 * process allocates fast; a worker that opens and closes tenants' engines, each living
 * through a few collections, promotes steadily, so its RSS followed the work it had done
 * (248 → 328 MB from 10 to 500 tenants) though what it kept grew by a few MB. A fixed factor
 * of 1.5 costs more frequent full collections (tens of ms each on a worker's ~50 MB) and
 * keeps RSS with what the worker holds. V8 reads the flag at every full collection, so it
 * applies when set after start; the same effect comes from a capped heap
 * (`--max-old-space-size` of 512 limits V8's factor to 1.4), which only the command line can set.
 */
export function workerHeapGrowth(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

export async function bootFleetRole(options: FleetBootOptions): Promise<RunningRole | BootFailure> {
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  };
  try {
    const fleet = fleetSettings(options.role, options.env);
    const project = await loadProject({
      configPath: options.configPath,
      cwd: options.cwd,
      env: options.env,
      // The systems of mapsync.yaml are only kinds here: each tenant brings its own.
      requireEnv: false,
      registry: options.registry,
    });
    if (hasErrors(project.diagnostics) || !project.config)
      return { ok: false, diagnostics: project.diagnostics };
    const config = project.config;
    const serviceSection = (config.sections.service ?? {}) as Record<string, unknown>;
    const settings = resolveSettings(
      serviceSection,
      undefined,
      project.mappings.map((m) => m.name),
    );
    const logger = processLogger(options, [
      ...config.secrets,
      ...(fleet.adminToken ? [fleet.adminToken] : []),
    ]).child({ role: options.role });
    const store: StoreBackend = openStore(fleet.store, config.dir, { logger });
    closers.push(() => store.close());
    const tenants = new TenantRegistry({
      store,
      registry: options.registry,
      keyRing: () => KeyRing.parse(options.env.MAPSYNC_MASTER_KEY),
    });
    const mappingsOf = async (tenant: TenantRecord): Promise<readonly CompiledMapping[]> => {
      if (!tenant.mappings) return project.mappings;
      // Kinds and options suffice to compile; no secret is opened for it.
      const systems = Object.fromEntries(
        Object.entries(tenant.systems).map(([n, s]) => [n, { connector: s.connector, ...s.options }]),
      );
      const loaded = await loadMappings([tenant.mappings], {
        registry: options.registry,
        schemasDir: DEFAULT_SCHEMAS_DIR,
        systems,
        cwd: config.dir,
      });
      if (hasErrors(loaded.diagnostics))
        throw new ConfigError(
          'TENANT_MAPPINGS_INVALID',
          `tenant "${tenant.id}": its mappings do not validate`,
        );
      return loaded.mappings;
    };

    const redisPrefix = `${fleet.queue.prefix}:`;
    const board = new JobBoard({ redis: fleet.queue.redis, prefix: redisPrefix });
    closers.push(() => board.close());
    const hosts = new Set(settings.hosts);
    let url: string | undefined;
    // Engines are made below; the gauge reads how many are open when scraped.
    let engines: TenantEngines | undefined;
    const metrics = new FleetMetrics(
      options.role === 'worker'
        ? { openTenants: () => engines?.openCount ?? 0, evictedTenants: () => engines?.evicted ?? 0 }
        : {},
    );
    if (options.role === 'web') {
      const queue = new FleetQueue(fleet.queue);
      closers.push(() => queue.close());
      const unitsOf = async (t: TenantRecord) => planUnits(await mappingsOf(t));
      const web = webApp({
        hosts,
        metrics,
        status: new FleetStatus({ tenants, store, queue, board, unitsOf, version: VERSION }),
        admin: {
          admin: new AdminAuth(fleet.adminToken),
          shared: config.systems,
          configDir: config.dir,
          schemasDir: DEFAULT_SCHEMAS_DIR,
        },
        queue,
        tenants,
        registry: options.registry,
        store,
        unitsOf,
        logger,
        bodyLimit: settings.webhookBodyLimit,
      });
      closers.push(() => web.close());
      url = await web.app.listen({ host: options.host, port: options.port });
    } else if (options.role === 'scheduler') {
      const queue = new FleetQueue(fleet.queue);
      closers.push(() => queue.close());
      const scheduler = startSchedulerRole({
        queue,
        tenants,
        unitsOf: async (t) => planUnits(await mappingsOf(t)).map((u) => u.name),
        settings,
        logger,
      });
      closers.push(() => scheduler.close());
    } else {
      workerHeapGrowth(fleet.heapGrowthPercent);
      const work = new WorkContext();
      const hub = new RateBudgetHub({
        redis: fleet.queue.redis,
        prefix: redisPrefix,
        work,
        logger,
        marginMs: fleet.budgetMarginMs,
      });
      closers.push(() => hub.close());
      const locks = new Locks({ redis: fleet.queue.redis, prefix: redisPrefix, ttlMs: fleet.lockTtlMs });
      closers.push(() => locks.close());
      const guard = new WriteGuard({ redis: fleet.queue.redis, ttlMs: locks.ttlMs });
      closers.push(() => guard.close());
      const pool = new EvaluatorPool({ logger });
      closers.push(() => pool.close());
      void pool.warm();
      engines = new TenantEngines({
        tenants,
        registry: options.registry,
        mappings: project.mappings,
        configDir: config.dir,
        schemasDir: DEFAULT_SCHEMAS_DIR,
        store,
        hub,
        work,
        pool,
        logLevel: options.logLevel,
        ...(options.logDestination ? { logDestination: options.logDestination } : {}),
        metrics,
        beforeWrite: guardWrites(guard, work),
        maxOpen: fleet.maxEngines,
      });
      const opened = engines;
      closers.push(() => opened.close());
      const worker = startWorkerRole({
        queue: fleet.queue,
        engines,
        locks,
        work,
        logger,
        concurrency: fleet.concurrency,
        stallMs: fleet.stallMs,
        metrics,
        board,
      });
      closers.push(() => worker.close());
    }
    if (options.role !== 'web' && fleet.metricsPort !== undefined) {
      const server = await startMetricsServer({
        metrics,
        host: options.host,
        port: fleet.metricsPort,
        hosts,
        logger,
      });
      closers.push(() => server.close());
      url = server.url;
    }
    logger.info(
      { role: options.role, store: store.description, ...(url ? { url } : {}) },
      'mapsync fleet role running',
    );
    return { ok: true, role: options.role, ...(url ? { url } : {}), logger, stop: closeAll };
  } catch (error) {
    await closeAll();
    if (error instanceof ConfigError) return { ok: false, error };
    throw error;
  }
}
