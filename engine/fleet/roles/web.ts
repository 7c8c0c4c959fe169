/**
 * The web role: `POST /webhooks/<tenant>/<system>` verified exactly as the single process
 * verifies (the service's WebhookIntake over the tenant's own connectors: signature over the
 * raw bytes, pings, ignored topics, replays), then one job per mapping the change feeds put
 * in Redis — and only then the 200. Redis unreachable: 503 (WooCommerce retries nothing, but
 * the next poll or reconciliation finds the change). Nothing here runs a sync: a web process
 * answers whether or not any worker runs.
 *
 * Also `GET /healthz` (the process runs) and `GET /readyz` (Redis and the store answer), and,
 * when the composition root gives them, the status pages and `/metrics`
 * (../web/status-routes.ts) and the tenants' admin API (../web/tenant-admin.ts). Every route
 * answers only requests whose Host is this service's (the single process's host check).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildConnectors } from '../../compose.ts';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { ConfigError } from '../../errors.ts';
import { createRuntime } from '../../runtime.ts';
import { hostCheck } from '../../service/host-check.ts';
import type { MappingInfo, WorkItem } from '../../service/ports.ts';
import { WebhookIntake, type WebhookSource } from '../../service/webhook-intake.ts';
import type { StoreBackend } from '../../store/open-store.ts';
import { TENANT_ID } from '../../store/tenant-scope.ts';
import type { TenantRecord, TenantRegistry } from '../../tenants/tenant-registry.ts';
import type { AddOutcome, FleetQueue } from '../jobs/queue.ts';
import type { FleetMetrics } from '../observe/fleet-metrics.ts';
import type { FleetStatus } from '../web/fleet-status.ts';
import { fleetStatusRoutes } from '../web/status-routes.ts';
import { type TenantAdminOptions, tenantAdminRoutes } from '../web/tenant-admin.ts';

export interface WebRoleOptions {
  queue: FleetQueue;
  tenants: TenantRegistry;
  registry: ConnectorRegistry;
  store: StoreBackend;
  /** The scheduling units of a tenant (the shared mappings', or its own folder's). */
  unitsOf(tenant: TenantRecord): Promise<MappingInfo[]>;
  logger: Logger;
  bodyLimit: number;
  /** A tenant's verifiers are rebuilt after this long, so changed secrets apply (default 60 s). */
  cacheMs?: number;
  /** Longest wait for Redis to take a job before answering 503 (default 5 s). */
  enqueueTimeoutMs?: number;
  /** Names the web answers for besides IPs and localhost (`service.hosts`). */
  hosts?: ReadonlySet<string>;
  /** Webhook counts by tenant; with `status`, the status pages and `/metrics`. */
  metrics?: FleetMetrics;
  status?: FleetStatus;
  /** The tenants' admin API (without it, those routes do not exist). */
  admin?: Omit<TenantAdminOptions, 'changed' | 'tenants' | 'registry' | 'logger'>;
}

interface TenantIntake {
  intake: WebhookIntake;
  pending: WorkItem[];
  at: number;
  close(): Promise<void>;
}

export function webApp(options: WebRoleOptions): {
  app: FastifyInstance;
  drain(): void;
  close(): Promise<void>;
} {
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit });
  // Before every route: only requests addressed to this service (DNS rebinding).
  hostCheck(app, options.hosts ?? new Set(), options.logger);
  const metrics = options.metrics;
  const intakes = new Map<string, Promise<TenantIntake>>();
  let draining = false;

  const intakeOf = async (tenant: string): Promise<TenantIntake | undefined> => {
    const cached = intakes.get(tenant);
    const ready = cached ? await cached.catch(() => undefined) : undefined;
    if (ready && Date.now() - ready.at < (options.cacheMs ?? 60_000)) return ready;
    if (ready) void ready.close();
    const built = buildIntake(tenant);
    intakes.set(tenant, built as Promise<TenantIntake>);
    const result = await built.catch((error) => {
      intakes.delete(tenant);
      throw error;
    });
    if (!result) intakes.delete(tenant);
    return result;
  };

  const buildIntake = async (tenant: string): Promise<TenantIntake | undefined> => {
    const record = await options.tenants.get(tenant);
    if (!record) return undefined;
    const { systems } = await options.tenants.systems(tenant);
    const connectors = await buildConnectors(
      systems,
      options.registry,
      createRuntime({ logger: options.logger }),
    );
    const sources: WebhookSource[] = [];
    for (const [name, c] of connectors)
      if (c.webhooks) sources.push({ name, kind: c.kind, receiver: c.webhooks });
    const pending: WorkItem[] = [];
    const intake = new WebhookIntake({
      sources,
      mappings: await options.unitsOf(record),
      // Collected here and put in Redis by the route before it answers.
      enqueue: (item) => {
        pending.push(item);
        return 'queued';
      },
      isDraining: () => draining,
      logger: options.logger.child({ tenant }),
      // Verified changes are counted below, once Redis has them.
      onResult: (system, result) => {
        if (result !== 'queued' && result !== 'coalesced') metrics?.webhook(tenant, system, result);
      },
    });
    return {
      intake,
      pending,
      at: Date.now(),
      async close() {
        await Promise.allSettled([...connectors.values()].map((c) => c.close()));
      },
    };
  };

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await options.queue.queue.getJobCountByTypes('waiting');
      await options.store.namespace<string>('mapsync.service').get('readiness-probe');
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false, error: 'Redis or the store does not answer' });
    }
  });

  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post<{ Params: { tenant: string; system: string } }>(
      '/webhooks/:tenant/:system',
      async (request, reply) => {
        const { tenant, system } = request.params;
        let target: TenantIntake | undefined;
        try {
          target = TENANT_ID.test(tenant) ? await intakeOf(tenant) : undefined;
        } catch (error) {
          options.logger.error(
            { tenant, code: (error as ConfigError).code },
            'webhook: tenant cannot be opened',
          );
          return reply.code(503).send({ error: 'tenant cannot be opened' });
        }
        if (!target) {
          // Labels never take a caller's text: an unknown tenant is counted without one.
          metrics?.webhook('', '', 'unknown_tenant');
          return reply.code(404).send({ error: `no tenant "${tenant}"` });
        }
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        // handle() is synchronous: the items it collects are exactly this delivery's.
        const answer = target.intake.handle(system, request.headers, raw);
        const items = target.pending.splice(0);
        const systemName = target.intake.resolve(system)?.name ?? '';
        if (answer.status !== 200 || items.length === 0) return reply.code(answer.status).send(answer.body);
        const outcomes: AddOutcome[] = [];
        try {
          for (const item of items) {
            outcomes.push(
              await withTimeout(
                options.queue.add({ v: 1, kind: 'record', tenant, ...pick(item) }),
                options.enqueueTimeoutMs ?? 5000,
              ),
            );
          }
        } catch (error) {
          options.logger.error({ tenant, err: error }, 'webhook not queued: Redis does not answer');
          metrics?.webhook(tenant, systemName, 'unavailable');
          return reply
            .code(503)
            .send({ error: 'the job queue is unavailable; the change is found by the next poll' });
        }
        for (const outcome of outcomes)
          metrics?.webhook(tenant, systemName, outcome === 'coalesced' ? 'coalesced' : 'queued');
        return reply.code(200).send({
          ok: true,
          queued: outcomes.filter((o) => o !== 'coalesced').length,
          coalesced: outcomes.filter((o) => o === 'coalesced').length,
        });
      },
    );
  });

  if (options.status && metrics) fleetStatusRoutes(app, options.status, metrics);
  if (options.admin) {
    tenantAdminRoutes(app, {
      ...options.admin,
      tenants: options.tenants,
      registry: options.registry,
      logger: options.logger,
      // A changed or removed tenant's verifiers are rebuilt on its next delivery.
      changed: (id) => {
        const cached = intakes.get(id);
        intakes.delete(id);
        void cached?.then((i) => i?.close()).catch(() => {});
      },
    });
  }

  return {
    app,
    drain() {
      draining = true;
    },
    async close() {
      draining = true;
      await app.close();
      const all = [...intakes.values()];
      intakes.clear();
      await Promise.allSettled(all.map(async (p) => (await p)?.close()));
    },
  };
}

function pick(item: WorkItem) {
  return { mapping: item.mapping, side: item.side, id: item.id, event: item.event };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
