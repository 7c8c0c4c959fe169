/**
 * Prometheus metrics of one service instance, on its own prom-client `Registry` (never the
 * global default one: tests run several services in one process, and a library must not
 * leak series into its host's registry).
 *
 * It is the Runtime's `Telemetry` (outgoing requests, rate-limit waits), the engine's record
 * sink, the scheduler's observer and the work queue's observer; values that are state rather
 * than events (lag, budget in use, failed records, queue depth) are read when scraped.
 * Every metric and label is listed in docs/operations.md.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { LimiterRegistry } from '../connectors/http/limiter.ts';
import type { RateLimitWaitEvent, RequestEvent, Telemetry } from '../runtime.ts';
import type { RecordEvent, RunMode, WorkItem } from './ports.ts';
import type { LastRun, ScheduledMapping, SchedulerObserver } from './scheduler.ts';
import type { EnqueueResult, WorkQueueObserver } from './work-queue.ts';

export type WebhookResult =
  | EnqueueResult
  | 'ping'
  | 'ignored'
  | 'rejected'
  | 'too_large'
  | 'draining'
  | 'duplicate';

/** State the metrics read at scrape time; attached once the service is assembled. */
export interface MetricSources {
  limiters: LimiterRegistry;
  states(): ScheduledMapping[];
  failedCounts(): Promise<Record<string, number>>;
  queueDepth(): number;
  startedAt: Date;
}

export class ServiceMetrics implements Telemetry, WorkQueueObserver, SchedulerObserver {
  readonly registry = new Registry();
  private sources: MetricSources | undefined;

  private readonly requests = new Counter({
    name: 'mapsync_requests_total',
    help: 'HTTP requests to connected systems, by system, method and status (`error` = no response)',
    labelNames: ['system', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly requestDuration = new Histogram({
    name: 'mapsync_request_duration_seconds',
    help: 'Duration of HTTP requests to connected systems',
    labelNames: ['system', 'method'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly waits = new Histogram({
    name: 'mapsync_rate_limit_wait_seconds',
    help: 'Time requests were held back by the client-side rate limiter (count = number of waits)',
    labelNames: ['system'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly records = new Counter({
    name: 'mapsync_records_total',
    help: 'Records processed, by mapping and outcome (created, updated, unchanged, failed, deleted, ...)',
    labelNames: ['mapping', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly runs = new Counter({
    name: 'mapsync_runs_total',
    help: 'Finished runs, by mapping, mode (incremental, full) and status (ok, failed, aborted)',
    labelNames: ['mapping', 'mode', 'status'] as const,
    registers: [this.registry],
  });
  private readonly runDuration = new Histogram({
    name: 'mapsync_run_duration_seconds',
    help: 'Duration of runs, by mapping and mode',
    labelNames: ['mapping', 'mode'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  private readonly webhooks = new Counter({
    name: 'mapsync_webhooks_total',
    help: 'Webhook deliveries, by system and result (queued, coalesced, dropped, ping, ignored, rejected, too_large, draining)',
    labelNames: ['system', 'result'] as const,
    registers: [this.registry],
  });
  private readonly webhookItemFailures = new Counter({
    name: 'mapsync_webhook_record_errors_total',
    help: 'Webhook-triggered record syncs that ended in an error outside the engine (store, abort)',
    labelNames: ['mapping'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const self = this;
    new Gauge({
      name: 'mapsync_last_success_timestamp_seconds',
      help: 'Unix time of the last successful run of each mapping (absent before the first)',
      labelNames: ['mapping'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of self.sources?.states() ?? []) {
          if (s.lastSuccessAt) this.set({ mapping: s.name }, s.lastSuccessAt.getTime() / 1000);
        }
      },
    });
    new Gauge({
      name: 'mapsync_lag_seconds',
      help: 'Seconds since the last successful run of each mapping (since service start when none yet)',
      labelNames: ['mapping'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const sources = self.sources;
        if (!sources) return;
        const now = Date.now();
        for (const s of sources.states()) {
          const since = (s.lastSuccessAt ?? sources.startedAt).getTime();
          this.set({ mapping: s.name }, Math.max(0, (now - since) / 1000));
        }
      },
    });
    new Gauge({
      name: 'mapsync_run_in_progress',
      help: '1 while a run or webhook work of the mapping is in progress',
      labelNames: ['mapping'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of self.sources?.states() ?? []) this.set({ mapping: s.name }, s.current ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mapsync_mapping_paused',
      help: '1 when an operator paused the mapping',
      labelNames: ['mapping'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of self.sources?.states() ?? []) this.set({ mapping: s.name }, s.paused ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mapsync_failed_records',
      help: 'Records currently in the failed-records list, by mapping',
      labelNames: ['mapping'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const counts = (await self.sources?.failedCounts()) ?? {};
        for (const [mapping, count] of Object.entries(counts)) this.set({ mapping }, count);
      },
    });
    new Gauge({
      name: 'mapsync_webhook_queue_depth',
      help: 'Webhook work items waiting for their mapping',
      registers: [this.registry],
      collect() {
        this.set(self.sources?.queueDepth() ?? 0);
      },
    });
    const budget = (
      name: string,
      help: string,
      read: (l: { inUse(): number; queued(): number; limit: number }) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['system'] as const,
        registers: [this.registry],
        collect() {
          this.reset();
          const totals = new Map<string, number>();
          for (const { system, limiter } of self.sources?.limiters.entries() ?? []) {
            totals.set(system, (totals.get(system) ?? 0) + read(limiter));
          }
          for (const [system, value] of totals) this.set({ system }, value);
        },
      });
    budget(
      'mapsync_rate_limit_in_use',
      'Requests started in the last rate-limit interval (budget in use)',
      (l) => l.inUse(),
    );
    budget('mapsync_rate_limit_limit', 'Requests allowed per rate-limit interval', (l) => l.limit);
    budget('mapsync_rate_limit_queued', 'Requests waiting for rate-limit budget', (l) => l.queued());
  }

  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  // Telemetry
  request(event: RequestEvent): void {
    this.requests.inc({ system: event.system, method: event.method, status: String(event.status) });
    this.requestDuration.observe({ system: event.system, method: event.method }, event.durationMs / 1000);
  }

  rateLimitWait(event: RateLimitWaitEvent): void {
    this.waits.observe({ system: event.system }, event.waitMs / 1000);
  }

  // Engine records
  record(event: RecordEvent): void {
    this.records.inc({ mapping: event.mapping, outcome: event.outcome });
  }

  // Scheduler
  runStarted(_mapping: string, _mode: RunMode): void {}

  runFinished(mapping: string, run: LastRun): void {
    this.runs.inc({ mapping, mode: run.mode, status: run.status });
    this.runDuration.observe({ mapping, mode: run.mode }, run.durationMs / 1000);
  }

  itemFailed(item: WorkItem): void {
    this.webhookItemFailures.inc({ mapping: item.mapping });
  }

  // Webhooks
  enqueued(_item: WorkItem, _result: EnqueueResult): void {
    // Counted per delivery by `webhook()`; a delivery may feed several mappings.
  }

  webhook(system: string, result: WebhookResult): void {
    this.webhooks.inc({ system, result });
  }

  async text(): Promise<string> {
    // prom-client writes NaN as "Nan" (its event-loop gauges are NaN until the first
    // sample); the exposition format spells it "NaN", and strict parsers insist.
    return (await this.registry.metrics()).replace(/ Nan$/gm, ' NaN');
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
