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
 *
 * The server counts a request when it gets it, some time between the moment we let it start
 * and the moment its answer is back; a fixed margin on the start covers that only while the
 * delay is short. Under load it was not (issue 12: a busy event loop, or a server still
 * busy with earlier requests, took a request in 160–270 ms after its start, and the eleventh
 * start 1,050 ms after the first met ten counted requests: 429). So a call taken with
 * `acquire` holds its slot until it is answered (`release`), and the slot then counts for one
 * more interval from the answer: a request the server may still count is never forgotten,
 * whatever the delay.
 *
 * The margin is for calls whose answer the limiter never sees (`schedule`): their slots end
 * the interval plus the margin after their start. An answered slot needs none: the server
 * counted the request before it answered, and the next call on that slot starts at least
 * one interval after the answer, so it reaches the server more than one interval after the
 * one it replaces, however late either travels. With the margin there as well, every window
 * of quick answers (a server nearby) was 5 % longer than the server's rule asks.
 */
import { createHash } from 'node:crypto';
import pThrottle from 'p-throttle';
import type { LimiterRegistry, RateLimitOptions, RequestLimiter } from './limiter.ts';

export type { RateLimitOptions } from './limiter.ts';

export class RateLimiter implements RequestLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  /** The interval plus the margin: how long the slot of a call never answered (`schedule`) counts. */
  private readonly windowMs: number;
  private readonly throttled: <T>(fn: () => Promise<T>) => Promise<T>;
  private pausedUntil = 0;
  /** The slots in use: when each started and when it stops counting (trimmed once past). */
  private readonly slots: Array<{ at: number; end: number }> = [];
  /** Callers waiting for a slot to end, woken at once when a call is answered. */
  private wakers: Array<() => void> = [];
  private waiting = 0;
  private readonly onStart: ((at: number) => void) | undefined;

  constructor(options: RateLimitOptions) {
    this.limit = options.limit;
    this.onStart = options.onStart;
    this.intervalMs = options.intervalMs ?? 1000;
    this.windowMs = this.intervalMs + (options.marginMs ?? 50);
    // The grants are spaced by the interval; the slots really in use (waitForWindow) add the
    // margin to the calls that need it.
    const throttle = pThrottle({
      limit: options.limit,
      interval: this.intervalMs,
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
    const slot = await this.take(onWait, signal);
    slot.end = slot.at + this.windowMs;
    return fn();
  }

  /**
   * Wait for budget like `schedule`, for a request the caller sends itself; the returned
   * function is called once its answer (or its failure) is in: the slot counts until one
   * interval after that, with no margin (the server counted the request before it answered;
   * see the top of this file). A slot never released ends `MAX_HOLD_MS` after its start.
   */
  async acquire(onWait?: (waitedMs: number) => void, signal?: AbortSignal): Promise<() => void> {
    const slot = await this.take(onWait, signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      slot.end = Math.max(slot.at, Date.now()) + this.intervalMs;
      this.wakeAll();
    };
  }

  private async take(
    onWait: ((waitedMs: number) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ at: number; end: number }> {
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
        signal?.throwIfAborted();
        if (!granted) continue;
        // p-throttle counts a slot from the moment it was granted; a busy event loop can start
        // the call later than that, and calls not answered yet still count, so the window is
        // checked again against the slots really in use.
        for (;;) {
          const wait = this.waitForWindow(Date.now());
          if (wait <= 0) break;
          await this.sleepOrWake(wait, signal);
        }
        // A 429 answered while this caller waited for the window pauses it as well.
        if (Date.now() >= this.pausedUntil) break;
      }
    } finally {
      this.waiting--;
    }
    const waited = Date.now() - queuedAt;
    if (waited > 0) onWait?.(waited);
    return this.recordStart();
  }

  /** Sleep `ms`, or less when a call is answered meanwhile (its slot may end sooner). */
  private async sleepOrWake(ms: number, signal: AbortSignal | undefined): Promise<void> {
    let wake: () => void = () => {};
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
      this.wakers.push(resolve);
    });
    const timer = new AbortController();
    const both = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
    try {
      await Promise.race([sleep(ms, both).catch(() => signal?.throwIfAborted()), woken]);
    } finally {
      timer.abort();
      this.wakers = this.wakers.filter((w) => w !== wake);
    }
  }

  private wakeAll(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }

  /** Hold every caller of this credential back for `ms` (after a 429). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Slots still counting (started in the last window, or not answered yet): the budget in use. */
  inUse(): number {
    this.trim(Date.now());
    return this.slots.length;
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
    if (this.slots.length < this.limit) return 0;
    const ends = this.slots.map((s) => s.end).sort((a, b) => a - b);
    return Math.max(1, ends[ends.length - this.limit]! - now);
  }

  private recordStart(): { at: number; end: number } {
    const now = Date.now();
    const slot = { at: now, end: now + MAX_HOLD_MS };
    this.slots.push(slot);
    this.trim(now);
    this.onStart?.(now);
    return slot;
  }

  private trim(now: number): void {
    for (let i = this.slots.length - 1; i >= 0; i--) if (this.slots[i]!.end <= now) this.slots.splice(i, 1);
  }
}

/** The longest a slot of a call never answered counts (longer than any request timeout). */
const MAX_HOLD_MS = 120_000;

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
