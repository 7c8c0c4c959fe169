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
import type { Logger } from 'pino';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import { type Diagnostic, hasErrors } from '../../diagnostics/diagnostic.ts';
import { ConfigError } from '../../errors.ts';
import { EvaluatorPool } from '../../mapping/evaluator/pool.ts';
import { loadMappings } from '../../mapping/load.ts';
import type { CompiledMapping } from '../../mapping/model.ts';
import { DEFAULT_SCHEMAS_DIR, loadProject } from '../../mapping/project.ts';
import { createLogger, type LoggerSettings } from '../../observability/logger.ts';
import { planUnits } from '../../service/engine-adapter.ts';
import { resolveSettings } from '../../service/settings.ts';
import { openStore, type StoreBackend } from '../../store/open-store.ts';
import { KeyRing } from '../../tenants/sealing.ts';
import { type TenantRecord, TenantRegistry } from '../../tenants/tenant-registry.ts';
import { FleetQueue, type QueueLocation } from '../jobs/queue.ts';
import { Locks } from '../locks/locks.ts';
import { RateBudgetHub } from '../rate-budget/hub.ts';
import { WorkContext } from '../work-context.ts';
import { startSchedulerRole } from './scheduler.ts';
import { TenantEngines } from './tenant-engines.ts';
import { webApp } from './web.ts';
import { startWorkerRole } from './worker.ts';

export const FLEET_ROLES = ['web', 'worker', 'scheduler'] as const;
export type FleetRole = (typeof FLEET_ROLES)[number];

export interface FleetBootOptions {
  role: FleetRole;
  configPath: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  registry: ConnectorRegistry;
  host: string;
  port: number;
  logLevel: NonNullable<LoggerSettings['level']>;
  logDestination?: LoggerSettings['destination'];
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
  };
}

export async function bootFleetRole(
  options: FleetBootOptions,
): Promise<RunningRole | { ok: false; diagnostics?: Diagnostic[]; error?: ConfigError }> {
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
    const logger = createLogger({
      level: options.logLevel,
      secrets: config.secrets,
      ...(options.logDestination ? { destination: options.logDestination } : {}),
    }).child({ role: options.role });
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

    let url: string | undefined;
    if (options.role === 'web') {
      const queue = new FleetQueue(fleet.queue);
      closers.push(() => queue.close());
      const web = webApp({
        queue,
        tenants,
        registry: options.registry,
        store,
        unitsOf: async (t) => planUnits(await mappingsOf(t)),
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
      const work = new WorkContext();
      const redisPrefix = `${fleet.queue.prefix}:`;
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
      const pool = new EvaluatorPool({ logger });
      closers.push(() => pool.close());
      pool.warm();
      const engines = new TenantEngines({
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
      });
      closers.push(() => engines.close());
      const worker = startWorkerRole({
        queue: fleet.queue,
        engines,
        locks,
        work,
        logger,
        concurrency: fleet.concurrency,
        stallMs: fleet.stallMs,
      });
      closers.push(() => worker.close());
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
