/**
 * The composition root of `mapsync serve`: load and check the project (refusing to start on
 * any diagnostic error or missing variable), build one Runtime (logger with every secret
 * scrubbed, Prometheus-backed telemetry, one rate limiter per credential), the connectors,
 * the link store, the engine and the service; check credentials; listen; and in `--sandbox`
 * mode start the sandboxes of the kinds the systems use (from the connector specs) and wire
 * them to the service once it listens (the shop registers its webhooks).
 *
 * Returns a handle whose `stop()` runs the bounded graceful shutdown. Signal handling and
 * printing stay in the CLI command, so tests can boot a service in-process.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createAlerting } from '../alerts/index.ts';
import type { AlertMonitor } from '../alerts/monitor.ts';
import { resolveAlertSettings } from '../alerts/settings.ts';
import { buildConnectors } from '../compose.ts';
import { isConnectorError } from '../connectors/errors.ts';
import type { Connector } from '../connectors/types.ts';
import { hasErrors } from '../diagnostics/diagnostic.ts';
import { ConfigError } from '../errors.ts';
import { mappingEvaluator } from '../mapping/evaluate.ts';
import { defaultPoolSize, EvaluatorPool } from '../mapping/evaluator/pool.ts';
import { DEFAULT_SCHEMAS_DIR, loadProject } from '../mapping/project.ts';
import { mountPlayground, servicePlayground } from '../playground/mount.ts';
import { createRuntime } from '../runtime.ts';
import { importSandbox } from '../sandbox-import.ts';
import { openStore } from '../store/open-store.ts';
import { SyncEngine } from '../sync/engine.ts';
import { MIN_TOKEN_LENGTH } from './admin-auth.ts';
import { bridgeEvents, engineAdapter } from './engine-adapter.ts';
import { type BootFailure, type ProcessBootOptions, processLogger } from './process-boot.ts';
import type { RunningSandboxes } from './sandbox-mode.ts';
import type { LastRun } from './scheduler.ts';
import { createService, createServiceTelemetry, type Service } from './service.ts';
import { resolveSettings, type ServiceSettings } from './settings.ts';
import type { ShutdownOutcome } from './shutdown.ts';
import type { WebhookSource } from './webhook-intake.ts';

/** Schedule of `--sandbox` when mapsync.yaml has none. */
export const SANDBOX_SCHEDULE = { schedule: { poll: '10s', reconcile: '10m' } };

export interface BootOptions extends ProcessBootOptions {
  version: string;
  sandbox?: { seed: number; keepData: boolean; dataDir: string };
  /** Override settings from mapsync.yaml (tests). */
  settings?: Partial<ServiceSettings>;
}

export interface RunningService {
  ok: true;
  url: string;
  service: Service;
  logger: Logger;
  sandboxes?: RunningSandboxes;
  /** The admin token in force (generated in sandbox mode when none was set). */
  adminToken?: string;
  /** Names of the systems whose connector receives webhooks. */
  webhookSystems: string[];
  /** The alerting of this service, when mapsync.yaml has an `alerts:` section. */
  alerts?: AlertMonitor;
  stop(reason: string): Promise<ShutdownOutcome>;
}

export async function bootService(options: BootOptions): Promise<RunningService | BootFailure> {
  let sandboxes: RunningSandboxes | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const project = await loadProject({
      configPath: options.configPath,
      cwd: options.cwd,
      env: options.env,
      // In sandbox mode the systems are pointed at the sandboxes, whatever the environment says.
      requireEnv: !options.sandbox,
      registry: options.registry,
    });
    if (hasErrors(project.diagnostics) || !project.config) {
      return { ok: false, diagnostics: project.diagnostics };
    }
    const config = project.config;
    if (options.sandbox) {
      // Loaded only here: a production install has no sandboxes.
      const { startSandboxes } = await importSandbox(() => import('./sandbox-mode.ts'));
      sandboxes = await startSandboxes(options.registry, config.systems, options.sandbox);
      cleanup.push(() => sandboxes!.close());
    }
    const sandboxSecrets = sandboxes ? sandboxes.pointSystems(config.systems) : [];
    const serviceSection = (config.sections.service ?? {}) as Record<string, unknown>;
    // The demo should show PowerOffice edits travelling too (it has no webhooks): poll the
    // sandboxes often unless mapsync.yaml says otherwise. Local calls cost no real budget.
    const demoSchedule = sandboxes && serviceSection.schedule === undefined ? SANDBOX_SCHEDULE : {};
    const settings = resolveSettings(
      { ...serviceSection, ...demoSchedule },
      options.settings,
      project.mappings.map((m) => m.name),
    );

    let adminToken = options.env.MAPSYNC_ADMIN_TOKEN || undefined;
    if (adminToken !== undefined && adminToken.length < MIN_TOKEN_LENGTH) {
      throw new ConfigError(
        'CFG_ADMIN_TOKEN_SHORT',
        `MAPSYNC_ADMIN_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters (try: openssl rand -hex 24)`,
      );
    }
    if (!adminToken && sandboxes) adminToken = randomBytes(18).toString('base64url');

    const logger = processLogger(options, [
      ...config.secrets,
      ...sandboxSecrets,
      ...(adminToken ? [adminToken] : []),
    ]);
    const telemetry = createServiceTelemetry();
    const runtime = createRuntime({ logger, telemetry: telemetry.telemetry });

    const connectors = await buildConnectors(config.systems, options.registry, runtime);
    cleanup.unshift(async () => {
      await Promise.allSettled([...connectors.values()].map((c) => c.close()));
    });
    const systemKinds = Object.fromEntries(Object.entries(config.systems).map(([n, s]) => [n, s.connector]));
    await checkCredentials(connectors, logger);

    // MAPSYNC_STORE wins over `store:` as in every other command (compose.ts), so `mapsync
    // failed` and `links` read the store the service writes.
    const storeUri = options.env.MAPSYNC_STORE ?? (sandboxes ? sandboxes.store : config.store);
    const store = openStore(storeUri, config.dir, { logger });
    cleanup.push(() => store.close());
    const probe = store.namespace<string>('mapsync.service');
    // Mapping expressions run in worker threads with a hard time limit, never on this
    // thread: /healthz, webhooks and SIGTERM are answered whatever a mapping does.
    const pool = new EvaluatorPool({ logger, size: Math.max(2, defaultPoolSize()) });
    cleanup.push(() => pool.close());
    void pool.warm();

    const engine = new SyncEngine({
      mappings: project.mappings,
      connectors,
      store,
      runtime,
      evaluator: mappingEvaluator(pool),
      events: bridgeEvents(telemetry.events),
    });
    // Validators compiled and workers ready before the first request can come in: the
    // first run would otherwise compile them on this thread between its records.
    await engine.warmUp();
    const port = engineAdapter({ engine, mappings: project.mappings, store, systemKinds });

    const webhookSources: WebhookSource[] = [];
    for (const [name, connector] of connectors) {
      if (connector.webhooks)
        webhookSources.push({ name, kind: connector.kind, receiver: connector.webhooks });
    }
    const alertSettings = resolveAlertSettings(config.sections.alerts);
    const alerts = alertSettings
      ? createAlerting({
          settings: alertSettings,
          units: port.mappings,
          failedRecords: (unit) => port.failedRecords(unit),
          webhookSources: [...connectors]
            .filter(([, c]) => c.webhooks && c.webhookSubscriptions)
            .map(([system, c]) => ({ system, subscriptions: c.webhookSubscriptions! })),
          logger,
          version: options.version,
        })
      : undefined;

    // The mapping playground at /playground (admin token), reading records through these connectors.
    const playground = servicePlayground({
      cwd: options.cwd,
      mappingsDir: config.mappingsDir,
      systems: config.systems,
      registry: options.registry,
      schemasDir: DEFAULT_SCHEMAS_DIR,
      connectors,
    });
    cleanup.push(() => playground.close());
    const service = createService({
      engine: port,
      telemetry,
      limiters: runtime.limiters,
      logger,
      settings,
      webhookSources,
      authTargets: [...connectors].map(([name, c]) => ({ name, checkAuth: () => c.checkAuth() })),
      probeStore: async () => {
        await probe.get('readiness-probe');
      },
      ...(adminToken ? { adminToken } : {}),
      version: options.version,
      ...(sandboxes ? { info: sandboxes.info() } : {}),
      ...(alerts
        ? { onRunFinished: (mapping: string, run: LastRun) => alerts.observeRun(mapping, run) }
        : {}),
      closers: [
        // First, while connectors and the store are still open: deliver what is waiting.
        ...(alerts ? [{ name: 'deliver pending alerts', run: () => alerts.stop() }] : []),
        { name: 'stop the expression workers', run: () => pool.close() },
        { name: 'stop the playground', run: () => playground.close() },
        {
          name: 'close connectors',
          run: async () => {
            await Promise.allSettled([...connectors.values()].map((c) => c.close()));
          },
        },
        { name: 'close the store', run: () => store.close() },
        ...(sandboxes ? [{ name: 'stop the sandboxes', run: () => sandboxes!.close() }] : []),
      ],
    });
    mountPlayground(service.app, playground, service.context.admin);
    const url = await service.start({ host: options.host, port: options.port });
    alerts?.start(url);
    logger.info(
      { url, mappings: port.mappings.map((m) => m.name), store: store.description },
      'mapsync serve listening',
    );
    await sandboxes?.connectService(url, config.systems);
    return {
      ok: true,
      url,
      service,
      logger,
      ...(sandboxes ? { sandboxes } : {}),
      ...(adminToken ? { adminToken } : {}),
      webhookSystems: webhookSources.map((s) => s.name),
      ...(alerts ? { alerts } : {}),
      stop: (reason) => service.stop(reason),
    };
  } catch (error) {
    await runAll(cleanup);
    if (error instanceof ConfigError) return { ok: false, error };
    throw error;
  }
}

/**
 * Refused credentials stop the start (they will not fix themselves); an unreachable system
 * only warns: the service starts, `/readyz` says not ready, and runs retry on schedule.
 */
async function checkCredentials(connectors: ReadonlyMap<string, Connector>, logger: Logger): Promise<void> {
  const refused: string[] = [];
  await Promise.all(
    [...connectors].map(async ([name, connector]) => {
      try {
        await connector.checkAuth();
      } catch (error) {
        if (isConnectorError(error, 'auth')) refused.push(`${name}: ${error.message}`);
        else logger.warn({ system: name, err: error }, 'system not reachable at start; continuing');
      }
    }),
  );
  if (refused.length > 0) {
    throw new ConfigError(
      'CFG_CREDENTIALS_REFUSED',
      `credentials refused:\n  ${refused.sort().join('\n  ')}`,
    );
  }
  await checkSetups(connectors, logger);
}

/**
 * A system's setup problems (`checkSetup`: PowerOffice payment accounts missing or
 * inactive) are warnings: the service starts, and what depends on them is refused per record.
 */
async function checkSetups(connectors: ReadonlyMap<string, Connector>, logger: Logger): Promise<void> {
  await Promise.all(
    [...connectors].map(async ([name, connector]) => {
      if (!connector.checkSetup) return;
      try {
        for (const problem of await connector.checkSetup()) logger.warn({ system: name }, problem);
      } catch (error) {
        logger.warn({ system: name, err: error }, 'setup not checked at start; continuing');
      }
    }),
  );
}

async function runAll(steps: Array<() => Promise<void>>): Promise<void> {
  for (const step of steps) await step().catch(() => {});
}
