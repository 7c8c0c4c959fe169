/**
 * Assembles `mapsync serve` from its parts: work queue, scheduler, webhook intake, metrics,
 * readiness, status API, admin auth, HTTP server and the shutdown sequence. The composition
 * root (engine/cli/commands/serve.ts, or a test) builds the engine and connectors, creates
 * the telemetry first (the Runtime and the engine report into it), then calls
 * `createService`.
 *
 *   createServiceTelemetry() ─┬─> Runtime.telemetry (requests, rate-limit waits)
 *                             └─> engine record events
 *   createService({engine, …}) ─> scheduler ─> engine.run / engine.syncRecord
 *                                 webhooks  ─> work queue ─> scheduler
 */

import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { LimiterRegistry } from '../connectors/http/limiter.ts';
import type { Telemetry } from '../runtime.ts';
import { KeyedMutex } from '../sync/keyed-mutex.ts';
import { Activity, type ActivityOptions } from './activity.ts';
import { AdminAuth } from './admin-auth.ts';
import type { ServiceContext } from './context.ts';
import { ServiceMetrics } from './metrics.ts';
import type { RecordEvent, ServiceEngine, ServiceEvents } from './ports.ts';
import { type AuthTarget, Readiness } from './readiness.ts';
import { type LastRun, Scheduler } from './scheduler.ts';
import { createServer } from './server.ts';
import type { ServiceSettings } from './settings.ts';
import { Shutdown, type ShutdownOutcome, type ShutdownStep } from './shutdown.ts';
import { StatusApi } from './status-api.ts';
import { WebhookIntake, type WebhookSource } from './webhook-intake.ts';
import { WorkQueue } from './work-queue.ts';

export interface ServiceTelemetry {
  metrics: ServiceMetrics;
  activity: Activity;
  /** Give this to `createRuntime({ telemetry })`. */
  telemetry: Telemetry;
  /** Feed the engine's record events here. */
  events: ServiceEvents;
}

/** Listeners of record events, added by `createService` (progress for /readyz). */
const recordListeners = new WeakMap<ServiceEvents, Array<(event: RecordEvent) => void>>();

export function createServiceTelemetry(
  options: { defaultMetrics?: boolean; activity?: ActivityOptions } = {},
): ServiceTelemetry {
  const metrics = new ServiceMetrics({ defaultMetrics: options.defaultMetrics });
  const activity = new Activity(options.activity);
  const listeners: Array<(event: RecordEvent) => void> = [];
  const events: ServiceEvents = {
    record(event) {
      metrics.record(event);
      activity.record(event);
      for (const listener of listeners) listener(event);
    },
    conflict(event) {
      activity.conflict(event);
    },
  };
  recordListeners.set(events, listeners);
  return {
    metrics,
    activity,
    telemetry: {
      request(event) {
        metrics.request(event);
        activity.request(event);
      },
      rateLimitWait(event) {
        metrics.rateLimitWait(event);
      },
    },
    events,
  };
}

export interface ServiceOptions {
  engine: ServiceEngine;
  telemetry: ServiceTelemetry;
  limiters: LimiterRegistry;
  logger: Logger;
  settings: ServiceSettings;
  /** Systems that receive webhooks (connectors with the `webhooks` capability). */
  webhookSources: readonly WebhookSource[];
  /** Every configured system, for `/readyz`. */
  authTargets: readonly AuthTarget[];
  probeStore(): Promise<void>;
  /** `MAPSYNC_ADMIN_TOKEN`; absent = admin actions refused with 403. */
  adminToken?: string;
  version: string;
  /** Facts shown on the status page (sandbox addresses). */
  info?: Record<string, unknown>;
  /** Run after the scheduler stopped, in order: close connectors, the store, sandboxes. */
  closers?: readonly ShutdownStep[];
  /** First run of every mapping right at start (default true). */
  runAtStart?: boolean;
  /** Told of every finished run (alerts). */
  onRunFinished?: (mapping: string, run: LastRun) => void;
}

export interface Service {
  readonly app: FastifyInstance;
  readonly context: ServiceContext;
  readonly scheduler: Scheduler;
  readonly queue: WorkQueue;
  readonly startedAt: Date;
  /** Listen and start the scheduler; resolves with `http://host:port`. */
  start(options: { host: string; port: number }): Promise<string>;
  /** Graceful shutdown within `settings.shutdownTimeoutMs`. */
  stop(reason: string): Promise<ShutdownOutcome>;
}

export function createService(options: ServiceOptions): Service {
  const { engine, telemetry, logger, settings } = options;
  const startedAt = new Date();
  const locks = new KeyedMutex();
  let scheduler: Scheduler | undefined;
  const queue = new WorkQueue({
    maxItems: settings.maxQueuedItems,
    observer: telemetry.metrics,
    onWork: (mapping) => scheduler?.wake(mapping),
    onOverflow: (mapping) => {
      logger.warn({ mapping }, 'webhook queue full: falling back to an incremental run');
      scheduler?.requestRun(mapping, 'incremental');
    },
  });
  let status: StatusApi | undefined;
  let readiness: Readiness | undefined;
  scheduler = new Scheduler({
    engine,
    locks,
    queue,
    settings,
    logger,
    runAtStart: options.runAtStart,
    observer: {
      runStarted: (mapping, mode) => telemetry.metrics.runStarted(mapping, mode),
      runFinished: (mapping, run) => {
        telemetry.metrics.runFinished(mapping, run);
        status?.invalidate(mapping);
        if (run.authFailedSystem) readiness?.markAuthFailed(run.authFailedSystem, run.error ?? 'auth failed');
        options.onRunFinished?.(mapping, run);
      },
      itemFailed: (item) => telemetry.metrics.itemFailed(item),
      itemDone: (item) => status?.invalidate(item.mapping),
    },
  });

  const admin = new AdminAuth(options.adminToken);
  let shutdown: Shutdown | undefined;
  const isDraining = () => shutdown?.isDraining ?? false;

  status = new StatusApi({
    engine,
    scheduler,
    queue,
    activity: telemetry.activity,
    limiters: options.limiters,
    startedAt,
    version: options.version,
    adminEnabled: admin.enabled,
    isDraining,
    info: options.info,
  });
  // Progress per scheduling unit: a child mapping's records count for its parent.
  const unitOf = new Map<string, string>();
  for (const m of engine.mappings) {
    unitOf.set(m.name, m.name);
    for (const child of m.children ?? []) unitOf.set(child.name, m.name);
  }
  const progress = new Map<string, number>();
  recordListeners.get(telemetry.events)?.push((event) => {
    progress.set(unitOf.get(event.mapping) ?? event.mapping, Date.now());
  });
  readiness = new Readiness({
    probeStore: options.probeStore,
    systems: options.authTargets,
    states: () => scheduler.states(),
    progressAt: (mapping) => progress.get(mapping),
    startedAt,
    stuckAfterMs: settings.stuckAfterMs,
    authCheckTtlMs: settings.authCheckTtlMs,
  });
  const intake = new WebhookIntake({
    sources: options.webhookSources,
    mappings: engine.mappings,
    enqueue: (item) => queue.enqueue(item),
    isDraining,
    logger,
    onResult: (system, result) => telemetry.metrics.webhook(system, result),
  });
  telemetry.metrics.attach({
    limiters: options.limiters,
    states: () => scheduler.states(),
    failedCounts: () => status.failedCounts(),
    queueDepth: () => queue.size(),
    startedAt,
  });

  const context: ServiceContext = {
    engine,
    scheduler,
    intake,
    metrics: telemetry.metrics,
    readiness,
    status,
    admin,
    settings,
    logger,
    isDraining,
  };
  // Names the service answers for besides IP addresses and localhost (host-check.ts).
  const hosts = new Set(settings.hosts);
  const app = createServer(context, hosts);

  shutdown = new Shutdown(
    [
      {
        name: 'stop scheduler and in-flight records',
        run: async () => {
          await scheduler.stop();
          const dropped = queue.clear();
          if (dropped > 0) logger.info({ dropped }, 'queued webhook work left to the next run');
        },
      },
      ...(options.closers ?? []),
      { name: 'close HTTP server', run: () => app.close() },
    ],
    settings.shutdownTimeoutMs,
    logger,
  );

  return {
    app,
    context,
    scheduler,
    queue,
    startedAt,
    async start({ host, port }) {
      const address = await app.listen({ host, port });
      scheduler.start();
      const url = new URL(address);
      return `http://${host.includes(':') ? `[${host}]` : host}:${url.port}`;
    },
    stop: (reason) => shutdown.run(reason),
  };
}
