/**
 * Client-side rate limiting per credential. PowerOffice Go allows 10 requests per second
 * per subscription key across every client of that key, so the limit must hold for the
 * whole process, not per connector instance or per mapping: connectors ask the registry for
 * the limiter of their credential instead of building their own.
 *
 * The sliding window comes from p-throttle's strict mode (no 1-second window ever holds
 * more than `limit` starts). On top of it, a 429 from the server pauses every caller of the
 * same credential until the server's wait is over, so one throttled response does not turn
 * into a burst of them.
 */
import { createHash } from 'node:crypto';
import pThrottle from 'p-throttle';

export interface RateLimitOptions {
  /** Requests allowed per interval. */
  limit: number;
  /** Interval in milliseconds (default 1000). */
  intervalMs?: number;
  /**
   * Extra milliseconds added to the interval so that requests that leave this process
   * exactly one interval apart still arrive more than one interval apart (network jitter,
   * event-loop stalls). Default 50.
   */
  marginMs?: number;
}

export class RateLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  private readonly throttled: <T>(fn: () => Promise<T>) => Promise<T>;
  private pausedUntil = 0;
  private readonly starts: number[] = [];
  private waiting = 0;

  constructor(options: RateLimitOptions) {
    this.limit = options.limit;
    this.intervalMs = options.intervalMs ?? 1000;
    const throttle = pThrottle({
      limit: options.limit,
      interval: this.intervalMs + (options.marginMs ?? 50),
      strict: true,
    });
    const run = throttle(<T>(fn: () => Promise<T>) => fn());
    this.throttled = run as <T>(fn: () => Promise<T>) => Promise<T>;
  }

  /**
   * Run `fn` when the budget allows. Resolves with `fn`'s result; `waitedMs` reports how
   * long the call was held back (for metrics).
   */
  async schedule<T>(fn: () => Promise<T>, onWait?: (waitedMs: number) => void): Promise<T> {
    const queuedAt = Date.now();
    this.waiting++;
    try {
      for (;;) {
        await this.waitForPause();
        // A 429 may arrive while this caller waits for a slot: a slot granted during a
        // pause is given up (it only costs budget) and the caller waits for the pause.
        const granted = await this.throttled(async () => Date.now() >= this.pausedUntil);
        if (granted) break;
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

  /** Requests started in the last interval: the budget in use right now. */
  inUse(): number {
    this.trim(Date.now());
    return this.starts.length;
  }

  /** Callers waiting for budget. */
  queued(): number {
    return this.waiting;
  }

  private async waitForPause(): Promise<void> {
    for (;;) {
      const remaining = this.pausedUntil - Date.now();
      if (remaining <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, remaining));
    }
  }

  private recordStart(): void {
    const now = Date.now();
    this.starts.push(now);
    this.trim(now);
  }

  private trim(now: number): void {
    while (this.starts.length > 0 && this.starts[0]! <= now - this.intervalMs) this.starts.shift();
  }
}

/**
 * Limiters keyed by credential. The key is hashed so that the secret itself is never kept
 * as a map key (or shown in a heap dump's key list).
 */
export class RateLimiterRegistry {
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
