/**
 * Client-side rate limiting per credential. PowerOffice Go allows 10 requests per second
 * per subscription key across every client of that key, so the limit must hold for the
 * whole process, not per connector instance or per mapping: connectors ask the registry for
 * the limiter of their credential instead of building their own.
 *
 * The sliding window comes from p-throttle's strict, weighted mode (no 1-second window
 * ever holds more than `limit` starts). On top of it, a 429 from the server pauses every caller of the
 * same credential until the server's wait is over, so one throttled response does not turn
 * into a burst of them.
 */
import { createHash } from 'node:crypto';
import pThrottle from 'p-throttle';
import type { LimiterRegistry, RateLimitOptions, RequestLimiter } from './limiter.ts';

export type { RateLimitOptions } from './limiter.ts';

export class RateLimiter implements RequestLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  /** The interval plus the margin: the window no `limit` + 1 starts may share. */
  private readonly windowMs: number;
  private readonly throttled: <T>(fn: () => Promise<T>) => Promise<T>;
  private pausedUntil = 0;
  private readonly starts: number[] = [];
  private waiting = 0;
  private readonly onStart: ((at: number) => void) | undefined;

  constructor(options: RateLimitOptions) {
    this.limit = options.limit;
    this.onStart = options.onStart;
    this.intervalMs = options.intervalMs ?? 1000;
    this.windowMs = this.intervalMs + (options.marginMs ?? 50);
    const throttle = pThrottle({
      limit: options.limit,
      interval: this.windowMs,
      strict: true,
      // With a weight, strict mode is an exact sliding window. Without one it also spaces
      // calls ceil(interval / limit) whole milliseconds apart once the window is full,
      // which rounds a high limit far down (1,000 per 1,050 ms became 2 ms apart: 500/s).
      weight: () => 1,
    });
    const run = throttle(<T>(fn: () => Promise<T>) => fn());
    this.throttled = run as <T>(fn: () => Promise<T>) => Promise<T>;
  }

  /**
   * Run `fn` when the budget allows. Resolves with `fn`'s result; `waitedMs` reports how
   * long the call was held back (for metrics). When `signal` aborts while the call is still
   * waiting, the wait ends at once with `signal.reason` and `fn` never runs (the slot it was
   * queued for, if granted later, is given up: it only costs budget).
   */
  async schedule<T>(
    fn: () => Promise<T>,
    onWait?: (waitedMs: number) => void,
    signal?: AbortSignal,
  ): Promise<T> {
    signal?.throwIfAborted();
    const queuedAt = Date.now();
    this.waiting++;
    try {
      for (;;) {
        await this.waitForPause(signal);
        // A 429 may arrive while this caller waits for a slot: a slot granted during a
        // pause is given up (it only costs budget) and the caller waits for the pause.
        const granted = await untilAborted(
          this.throttled(async () => Date.now() >= this.pausedUntil && !signal?.aborted),
          signal,
        );
        if (granted) break;
        signal?.throwIfAborted();
      }
      // p-throttle counts a slot from the moment it was granted; a busy event loop can start
      // the call later than that, so the window is checked again against the real starts.
      for (;;) {
        const wait = this.waitForWindow(Date.now());
        if (wait <= 0) break;
        await sleep(wait, signal).catch(() => signal?.throwIfAborted());
      }
    } finally {
      this.waiting--;
    }
    const waited = Date.now() - queuedAt;
    if (waited > 0) onWait?.(waited);
    this.recordStart();
    return fn();
  }

  /** Hold every caller of this credential back for `ms` (after a 429). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Requests started in the last window (interval + margin): the budget in use right now. */
  inUse(): number {
    this.trim(Date.now());
    return this.starts.length;
  }

  /** Callers waiting for budget. */
  queued(): number {
    return this.waiting;
  }

  private async waitForPause(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const remaining = this.pausedUntil - Date.now();
      if (remaining <= 0) return;
      await sleep(remaining, signal).catch(() => signal?.throwIfAborted());
    }
  }

  /** Milliseconds until one more start fits the window (0: now). */
  private waitForWindow(now: number): number {
    this.trim(now);
    if (this.starts.length < this.limit) return 0;
    return this.starts[this.starts.length - this.limit]! + this.windowMs - now;
  }

  private recordStart(): void {
    const now = Date.now();
    this.starts.push(now);
    this.trim(now);
    this.onStart?.(now);
  }

  private trim(now: number): void {
    while (this.starts.length > 0 && this.starts[0]! <= now - this.windowMs) this.starts.shift();
  }
}

/**
 * Resolves after `ms`, rejects as soon as `signal` aborts. On the global timers, as
 * p-throttle's own waits are, so that tests can drive the limiter's whole clock.
 */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Limiters keyed by credential. The key is hashed so that the secret itself is never kept
 * as a map key (or shown in a heap dump's key list).
 */
export class RateLimiterRegistry implements LimiterRegistry {
  private readonly limiters = new Map<string, RateLimiter>();

  /** The limiter for this system and credential, created on first use with `options`. */
  forCredential(system: string, credential: string, options: RateLimitOptions): RateLimiter {
    const key = `${system}:${createHash('sha256').update(credential).digest('hex').slice(0, 16)}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter(options);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /** Every limiter with its system, for metrics and the status page. */
  entries(): Array<{ system: string; limiter: RateLimiter }> {
    return [...this.limiters].map(([key, limiter]) => ({ system: key.split(':')[0]!, limiter }));
  }
}
