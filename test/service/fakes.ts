/**
 * A scripted `ServiceEngine` and a service builder for the service's unit tests: runs and
 * record syncs take as long as told, record what they saw, and report how many ran at once
 * per mapping, so scheduling, coalescing and shutdown can be asserted without sandboxes.
 */
import { Writable } from 'node:stream';
import { vi } from 'vitest';
import { RateLimiterRegistry } from '../../engine/connectors/http/rate-limiter.ts';
import { signBody, webhookReceiver } from '../../engine/connectors/woocommerce/webhooks.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import type {
  ActionCount,
  FailedRecordView,
  MappingInfo,
  RunRequest,
  RunResult,
  ServiceEngine,
  ServiceEvents,
  WorkItem,
} from '../../engine/service/ports.ts';
import type { AuthTarget } from '../../engine/service/readiness.ts';
import { createService, createServiceTelemetry, type Service } from '../../engine/service/service.ts';
import { DEFAULT_SETTINGS, type ServiceSettings } from '../../engine/service/settings.ts';

export const WEBHOOK_SECRET = 'test-webhook-secret-1234';

export function mapping(name: string, extra: Partial<MappingInfo> = {}): MappingInfo {
  return {
    name,
    source: { system: 'shop', entity: 'customer' },
    target: { system: 'accounting', entity: 'customer' },
    direction: 'two-way',
    locksWith: [],
    ...extra,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

export class FakeEngine implements ServiceEngine {
  readonly runs: Array<{
    mapping: string;
    mode: string;
    startedAt: number;
    finishedAt?: number;
    aborted?: boolean;
  }> = [];
  /** Records handed to syncRecord (pushed when it starts). */
  readonly items: WorkItem[] = [];
  /** Records whose sync finished and was reported. */
  itemsDone = 0;
  readonly retries: Array<{ mapping: string; id?: string }> = [];
  readonly failed = new Map<string, FailedRecordView[]>();
  readonly links = new Map<string, number>();
  readonly actions = new Map<string, ActionCount[]>();
  runDelayMs = 0;
  /** Emit a record event this often during a run (0 = never). */
  runProgressMs = 0;
  itemDelayMs = 0;
  runResult: RunResult = { status: 'ok', counts: { unchanged: 1 } };
  events: ServiceEvents | undefined;
  private readonly active = new Map<string, number>();
  /** Highest number of simultaneous runs/items seen per lock name. */
  readonly maxActive = new Map<string, number>();

  constructor(readonly mappings: MappingInfo[]) {}

  private enter(names: string[]): () => void {
    for (const name of names) {
      const n = (this.active.get(name) ?? 0) + 1;
      this.active.set(name, n);
      this.maxActive.set(name, Math.max(this.maxActive.get(name) ?? 0, n));
    }
    return () => {
      for (const name of names) this.active.set(name, (this.active.get(name) ?? 1) - 1);
    };
  }

  private lockNames(name: string): string[] {
    const info = this.mappings.find((m) => m.name === name)!;
    return [name, ...info.locksWith];
  }

  async run(request: RunRequest): Promise<RunResult> {
    const entry: (typeof this.runs)[number] = {
      mapping: request.mapping,
      mode: request.mode,
      startedAt: Date.now(),
    };
    this.runs.push(entry);
    const leave = this.enter(this.lockNames(request.mapping));
    const ticker =
      this.runProgressMs > 0
        ? setInterval(
            () =>
              this.events?.record({
                mapping: request.mapping,
                side: 'source',
                id: 'x',
                outcome: 'unchanged',
              }),
            this.runProgressMs,
          )
        : undefined;
    try {
      await sleep(this.runDelayMs, request.signal);
      entry.finishedAt = Date.now();
      if (request.signal.aborted) {
        entry.aborted = true;
        return { status: 'aborted', counts: {} };
      }
      return this.runResult;
    } finally {
      clearInterval(ticker);
      leave();
    }
  }

  async syncRecord(item: WorkItem, signal: AbortSignal): Promise<void> {
    const leave = this.enter(this.lockNames(item.mapping));
    try {
      this.items.push({ ...item });
      await sleep(this.itemDelayMs, signal);
      this.events?.record({
        mapping: item.mapping,
        side: item.side,
        id: item.id,
        outcome: item.event === 'deleted' ? 'deleted' : 'updated',
        direction: 'to-target',
        properties: ['EmailAddress'],
      });
      this.itemsDone++;
    } finally {
      leave();
    }
  }

  async failedRecords(mapping: string): Promise<FailedRecordView[]> {
    return this.failed.get(mapping) ?? [];
  }

  async retryFailed(
    mapping: string,
    id: string | undefined,
  ): Promise<{ retried: number; succeeded: number }> {
    this.retries.push({ mapping, ...(id ? { id } : {}) });
    const list = this.failed.get(mapping) ?? [];
    const chosen = list.filter((f) => id === undefined || f.id === id);
    this.failed.set(
      mapping,
      list.filter((f) => !chosen.includes(f)),
    );
    return { retried: chosen.length, succeeded: chosen.length };
  }

  async linkCount(mapping: string): Promise<number> {
    return this.links.get(mapping) ?? 0;
  }

  async actionCounts(mapping: string): Promise<ActionCount[]> {
    return this.actions.get(mapping) ?? [];
  }
}

export interface TestService {
  service: Service;
  engine: FakeEngine;
  logs: string[];
  stop(): Promise<void>;
}

export interface BuildOptions {
  settings?: Partial<ServiceSettings>;
  adminToken?: string;
  probeStore?: () => Promise<void>;
  authTargets?: AuthTarget[];
  runAtStart?: boolean;
  start?: boolean;
}

export async function buildService(engine: FakeEngine, options: BuildOptions = {}): Promise<TestService> {
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    secrets: [WEBHOOK_SECRET, ...(options.adminToken ? [options.adminToken] : [])],
    destination: new Writable({
      write(chunk, _encoding, callback) {
        logs.push(String(chunk));
        callback();
      },
    }),
  });
  const telemetry = createServiceTelemetry({ defaultMetrics: true });
  engine.events = telemetry.events;
  const settings: ServiceSettings = {
    ...DEFAULT_SETTINGS,
    shutdownTimeoutMs: 2000,
    ...options.settings,
  };
  const service = createService({
    engine,
    telemetry,
    limiters: new RateLimiterRegistry(),
    logger,
    settings,
    webhookSources: [{ name: 'shop', kind: 'woocommerce', receiver: webhookReceiver(WEBHOOK_SECRET) }],
    authTargets: options.authTargets ?? [],
    probeStore: options.probeStore ?? (async () => {}),
    adminToken: options.adminToken,
    version: 'test',
    runAtStart: options.runAtStart ?? false,
  });
  if (options.start !== false) service.scheduler.start();
  return {
    service,
    engine,
    logs,
    async stop() {
      await service.stop('test finished');
    },
  };
}

/** A signed WooCommerce delivery, as the shop sends it. */
export function delivery(
  topic: string,
  body: Record<string, unknown>,
  secret = WEBHOOK_SECRET,
): { headers: Record<string, string>; payload: string } {
  const payload = JSON.stringify(body);
  const [resource, event] = topic.split('.');
  return {
    payload,
    headers: {
      'content-type': 'application/json',
      'x-wc-webhook-topic': topic,
      'x-wc-webhook-resource': resource!,
      'x-wc-webhook-event': event!,
      'x-wc-webhook-signature': signBody(payload, secret),
      'x-wc-webhook-id': '1',
      'x-wc-webhook-delivery-id': Math.random().toString(36).slice(2),
    },
  };
}

/** Polls `fn` until it holds; the timeout is a hang guard (generous: a busy machine is slow). */
export async function waitFor<T>(
  fn: () => T | undefined | false,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * For the tests that count runs within a stretch of time: the scheduler's clock and timers
 * (and the fake engine's) are faked and moved on by the test, so a busy machine cannot fit
 * fewer or more runs into the stretch.
 */
export function fakeClock() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  return {
    /** Let `ms` of scheduler time pass. */
    pass: (ms: number) => vi.advanceTimersByTimeAsync(ms),
    /** Stop the service on the fake clock (its shutdown bound is a timer too), then go back to real timers. */
    async stop(built: TestService) {
      const stopped = built.stop();
      await vi.runAllTimersAsync();
      await stopped;
      vi.useRealTimers();
    },
  };
}
