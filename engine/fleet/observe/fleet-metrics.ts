/**
 * Prometheus metrics of one fleet process, labelled by tenant (docs/operations.md, "Running a
 * fleet"). Each process exports its own counters — Prometheus sums them across workers — on
 * its own prom-client `Registry`: the web role on its `/metrics`, a worker or scheduler on the
 * port of `MAPSYNC_METRICS_PORT`.
 *
 * The names are the single process's where the meaning is the same (`mapsync_requests_total`,
 * `mapsync_records_total`, `mapsync_webhooks_total`), with a `tenant` label added; the
 * duration histograms keep the single process's labels (no tenant: their buckets would make
 * the series grow a dozen at a time with every tenant served) and each has a per-tenant
 * counter of seconds beside it. The fleet's own are `mapsync_jobs_total`,
 * `mapsync_job_duration_seconds` and `mapsync_tenant_job_seconds_total`. Labels carry tenant
 * ids, system and mapping names only, never a value or a credential.
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
  // Durations are histograms by system, method or kind, as in the single process, with no
  // tenant label: per tenant, a histogram is a dozen series per label set (its buckets), so a
  // worker that had served 500 tenants exported some 40,000 series (4 MB of text per scrape,
  // 0.4 s of CPU to render, and the garbage of it grew the worker's heap with the tenants;
  // docs/fleet.md, "Worker memory against tenants"). Per tenant, the time is a counter.
  private readonly requestDuration = new Histogram({
    name: 'mapsync_request_duration_seconds',
    help: 'Duration of HTTP requests to connected systems, all tenants (per tenant: mapsync_tenant_request_seconds_total)',
    labelNames: ['system', 'method'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly requestSeconds = new Counter({
    name: 'mapsync_tenant_request_seconds_total',
    help: 'Time spent in HTTP requests to connected systems, by tenant and system (divided by mapsync_requests_total: the mean)',
    labelNames: ['tenant', 'system'] as const,
    registers: [this.registry],
  });
  private readonly waits = new Histogram({
    name: 'mapsync_rate_limit_wait_seconds',
    help: 'Time requests waited for the shared rate budget, all tenants (per tenant: mapsync_tenant_rate_limit_wait_seconds_total)',
    labelNames: ['system'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly waitSeconds = new Counter({
    name: 'mapsync_tenant_rate_limit_wait_seconds_total',
    help: 'Time requests waited for the shared rate budget, by tenant and system',
    labelNames: ['tenant', 'system'] as const,
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
    help: 'How long jobs ran, by kind, all tenants (per tenant: mapsync_tenant_job_seconds_total)',
    labelNames: ['kind'] as const,
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  private readonly jobSeconds = new Counter({
    name: 'mapsync_tenant_job_seconds_total',
    help: 'Time jobs ran (done or failed), by tenant and kind: the share of the workers a tenant takes',
    labelNames: ['tenant', 'kind'] as const,
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
        const seconds = event.durationMs / 1000;
        this.requestDuration.observe({ system: event.system, method: event.method }, seconds);
        this.requestSeconds.inc({ tenant, system: event.system }, seconds);
      },
      rateLimitWait: (event: RateLimitWaitEvent) => {
        const seconds = event.waitMs / 1000;
        this.waits.observe({ system: event.system }, seconds);
        this.waitSeconds.inc({ tenant, system: event.system }, seconds);
      },
    };
  }

  record(tenant: string, event: RecordEvent): void {
    this.records.inc({ tenant, mapping: event.mapping, outcome: event.outcome });
  }

  job(tenant: string, kind: string, outcome: JobOutcome, durationMs: number): void {
    this.jobs.inc({ tenant, kind, outcome });
    if (outcome === 'done' || outcome === 'failed') {
      this.jobDuration.observe({ kind }, durationMs / 1000);
      this.jobSeconds.inc({ tenant, kind }, durationMs / 1000);
    }
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
