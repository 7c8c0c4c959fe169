/**
 * Prometheus metrics of one fleet process, labelled by tenant (docs/operations.md, "Running a
 * fleet"). Each process exports its own counters — Prometheus sums them across workers — on
 * its own prom-client `Registry`: the web role on its `/metrics`, a worker or scheduler on the
 * port of `MAPSYNC_METRICS_PORT`.
 *
 * The names are the single process's where the meaning is the same (`mapsync_requests_total`,
 * `mapsync_records_total`, `mapsync_webhooks_total`), with a `tenant` label added; the fleet's
 * own are `mapsync_jobs_total` and `mapsync_job_duration_seconds`. Labels carry tenant ids,
 * system and mapping names only, never a value or a credential.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RateLimitWaitEvent, RequestEvent, Telemetry } from '../../runtime.ts';
import type { RecordEvent } from '../../service/ports.ts';

/** `dropped`: BullMQ gave up on a job whose workers died under it too often (roles/worker.ts). */
export type JobOutcome = 'done' | 'delayed' | 'failed' | 'dropped';

export class FleetMetrics {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'mapsync_requests_total',
    help: 'HTTP requests to connected systems, by tenant, system, method and status (`error` = no response)',
    labelNames: ['tenant', 'system', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly requestDuration = new Histogram({
    name: 'mapsync_request_duration_seconds',
    help: 'Duration of HTTP requests to connected systems, by tenant',
    labelNames: ['tenant', 'system', 'method'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly waits = new Histogram({
    name: 'mapsync_rate_limit_wait_seconds',
    help: 'Time requests waited for the shared rate budget, by tenant and system',
    labelNames: ['tenant', 'system'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly records = new Counter({
    name: 'mapsync_records_total',
    help: 'Records processed, by tenant, mapping and outcome',
    labelNames: ['tenant', 'mapping', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly jobs = new Counter({
    name: 'mapsync_jobs_total',
    help: 'Jobs a worker finished, by tenant, kind and outcome (done, delayed: locks busy, failed: BullMQ retries it, dropped: stalled too often, not run again)',
    labelNames: ['tenant', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly jobDuration = new Histogram({
    name: 'mapsync_job_duration_seconds',
    help: 'How long jobs ran, by tenant and kind',
    labelNames: ['tenant', 'kind'] as const,
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  private readonly webhooks = new Counter({
    name: 'mapsync_webhooks_total',
    help: 'Webhook deliveries, by tenant, system and result (queued, coalesced, unavailable, ping, ignored, rejected, duplicate, unknown_tenant)',
    labelNames: ['tenant', 'system', 'result'] as const,
    registers: [this.registry],
  });

  constructor(
    options: { defaultMetrics?: boolean; openTenants?: () => number; evictedTenants?: () => number } = {},
  ) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const openTenants = options.openTenants;
    if (openTenants) {
      new Gauge({
        name: 'mapsync_tenant_engines_open',
        help: 'Tenants whose engine this worker holds open (at most MAPSYNC_TENANT_ENGINES_MAX; closed after 10 minutes unused)',
        registers: [this.registry],
        collect() {
          this.set(openTenants());
        },
      });
    }
    const evicted = options.evictedTenants;
    if (evicted) {
      // A gauge read from the engines' own count (monotonic: a counter in meaning).
      new Gauge({
        name: 'mapsync_tenant_engines_evicted',
        help: 'Tenant engines this worker closed to stay within MAPSYNC_TENANT_ENGINES_MAX, since it started',
        registers: [this.registry],
        collect() {
          this.set(evicted());
        },
      });
    }
  }

  /** The Runtime telemetry of one tenant's connectors. */
  telemetryFor(tenant: string): Telemetry {
    return {
      request: (event: RequestEvent) => {
        this.requests.inc({
          tenant,
          system: event.system,
          method: event.method,
          status: String(event.status),
        });
        this.requestDuration.observe(
          { tenant, system: event.system, method: event.method },
          event.durationMs / 1000,
        );
      },
      rateLimitWait: (event: RateLimitWaitEvent) => {
        this.waits.observe({ tenant, system: event.system }, event.waitMs / 1000);
      },
    };
  }

  record(tenant: string, event: RecordEvent): void {
    this.records.inc({ tenant, mapping: event.mapping, outcome: event.outcome });
  }

  job(tenant: string, kind: string, outcome: JobOutcome, durationMs: number): void {
    this.jobs.inc({ tenant, kind, outcome });
    if (outcome === 'done' || outcome === 'failed')
      this.jobDuration.observe({ tenant, kind }, durationMs / 1000);
  }

  webhook(tenant: string, system: string, result: string): void {
    this.webhooks.inc({ tenant, system, result });
  }

  async text(): Promise<string> {
    // As the service's metrics: the exposition format spells NaN "NaN".
    return (await this.registry.metrics()).replace(/ Nan$/gm, ' NaN');
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
