/**
 * The contract between a connector's HTTP client and whatever limits its request rate. A
 * connector asks `runtime.limiters.forCredential(...)` for the limiter of its credential and
 * never knows which kind it got: the in-process `RateLimiter` (rate-limiter.ts, one process)
 * or the fleet's budget shared through Redis (engine/fleet/rate-budget/).
 */

/** How urgent a request is; a shared budget serves them in this order. */
export type Priority = 'interactive' | 'reconcile' | 'backfill';
export const PRIORITIES: readonly Priority[] = ['interactive', 'reconcile', 'backfill'];

export interface RateLimitOptions {
  /** Requests allowed per interval. */
  limit: number;
  /** Interval in milliseconds (default 1000). */
  intervalMs?: number;
  /**
   * Extra milliseconds added to the interval so that requests that leave this process
   * exactly one interval apart still arrive more than one interval apart (network jitter,
   * event-loop stalls). Default 50. The in-process limiter adds it only to calls whose answer
   * it does not see (`schedule`): an `acquire`d slot counts until one interval after the
   * answer, which the server gave after counting the request (rate-limiter.ts).
   */
  marginMs?: number;
  /** Called with the limiter's own clock reading each time it lets a call start (tests). */
  onStart?: (at: number) => void;
}

export interface RequestLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  /**
   * Run `fn` when the budget allows; `onWait` gets how long the call was held back. When
   * `signal` aborts while the call waits, the wait ends at once with `signal.reason` and
   * `fn` never runs.
   */
  schedule<T>(fn: () => Promise<T>, onWait?: (waitedMs: number) => void, signal?: AbortSignal): Promise<T>;
  /**
   * Optional: wait for budget for a request the caller sends itself, and hold it until the
   * returned function is called with the answer in (rate-limiter.ts: the server may count a
   * request any time before it answers).
   */
  acquire?(onWait?: (waitedMs: number) => void, signal?: AbortSignal): Promise<() => void>;
  /** Hold every caller of this credential back for `ms` (after a 429). */
  pause(ms: number): void;
  /** Requests started in the current window (as last seen, for a shared budget). */
  inUse(): number;
  /** Callers of this process waiting for budget. */
  queued(): number;
}

export interface LimiterRegistry {
  /** The limiter of this system and credential, created on first use with `options`. */
  forCredential(system: string, credential: string, options: RateLimitOptions): RequestLimiter;
  /** Every limiter with its system, for metrics and the status page. */
  entries(): Array<{ system: string; limiter: RequestLimiter }>;
}

/**
 * `vendorCode` of the error a limiter fails a call with when it cannot get budget at all
 * (the shared budget's Redis has been unreachable too long): nothing was sent, so the
 * HTTP client neither retries it nor calls a write's outcome unknown.
 */
export const BUDGET_UNAVAILABLE = 'mapsync-rate-budget-unavailable';
