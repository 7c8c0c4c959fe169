/**
 * Everything process-wide that components share, passed explicitly (no hidden globals):
 * one logger, one telemetry sink, one registry of rate limiters keyed by credential, and a
 * clock that tests can replace. The composition root (CLI command, service, test) builds one
 * Runtime and hands it to every connector and engine it creates.
 */
import type { Logger } from 'pino';
import type { LimiterRegistry } from './connectors/http/limiter.ts';
import { RateLimiterRegistry } from './connectors/http/rate-limiter.ts';
import { createLogger } from './observability/logger.ts';

export interface RequestEvent {
  /** Connector kind (`poweroffice-go`). */
  system: string;
  method: string;
  /** HTTP status, or `error` for a transport failure without a response. */
  status: number | 'error';
  durationMs: number;
}

export interface RateLimitWaitEvent {
  system: string;
  waitMs: number;
}

/** Where components report what they did; the service backs it with Prometheus metrics. */
export interface Telemetry {
  request(event: RequestEvent): void;
  rateLimitWait(event: RateLimitWaitEvent): void;
  /**
   * A write (POST, PUT, PATCH, DELETE) passed its last check and leaves now: called by the
   * HTTP client at the same tick as that check (nothing can hold the write back after it).
   * The chaos store-outage run dates sends with it (bench/chaos/store-outage.ts).
   */
  writeSent?(event: WriteAttempt & { path: string }): void;
}

export const noTelemetry: Telemetry = {
  request() {},
  rateLimitWait() {},
};

export interface Runtime {
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /**
   * One limiter per credential, shared by every tenant and mapping in this process (or,
   * in a fleet, one budget per credential shared through Redis: engine/fleet/rate-budget).
   */
  readonly limiters: LimiterRegistry;
  readonly now: () => Date;
  /**
   * Called by the HTTP client right before each write (POST, PUT, PATCH, DELETE) is sent,
   * after the rate limiter's wait; a rejection cancels the write (never sent: a `transport`
   * error, not `ambiguous`). A fleet worker checks here that the job still holds its locks
   * (engine/fleet/locks/write-guard.ts); the single process has none.
   */
  readonly beforeWrite?: (write: WriteAttempt) => Promise<void>;
}

export interface WriteAttempt {
  /** Connector kind (`poweroffice-go`). */
  system: string;
  method: string;
}

export function createRuntime(overrides: Partial<Runtime> = {}): Runtime {
  return {
    logger: overrides.logger ?? createLogger({ level: 'warn' }),
    telemetry: overrides.telemetry ?? noTelemetry,
    limiters: overrides.limiters ?? new RateLimiterRegistry(),
    now: overrides.now ?? (() => new Date()),
    ...(overrides.beforeWrite ? { beforeWrite: overrides.beforeWrite } : {}),
  };
}
