/** The per-credential limiter: a sliding window, pauses after a 429, one limiter per key. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter, RateLimiterRegistry } from '../../engine/connectors/http/rate-limiter.ts';

const noop = async () => undefined;

describe('RateLimiter', () => {
  // The limiter's clock (Date.now, its timers and p-throttle's) is faked: every check below
  // is on that clock, so a busy machine cannot stretch or squeeze a window.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Queue `n` calls; `starts` gets each call's start on the limiter's clock, from t0. */
  function burst(limiter: RateLimiter, n: number) {
    const t0 = Date.now();
    const starts: number[] = [];
    const done = Promise.all(
      Array.from({ length: n }, () => limiter.schedule(async () => starts.push(Date.now() - t0))),
    );
    return { starts, done };
  }

  it('starts at most `limit` calls per interval', async () => {
    const limiter = new RateLimiter({ limit: 3, intervalMs: 200, marginMs: 10 });
    const { starts, done } = burst(limiter, 7);
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([0, 0, 0]);
    await vi.advanceTimersByTimeAsync(209);
    expect(starts).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([0, 0, 0, 210, 210, 210]);
    await vi.advanceTimersByTimeAsync(210);
    await done;
    expect(starts.at(-1)).toBe(420);
  });

  it('grants a high limit in full: the window, not whole-millisecond spacing, holds calls back', async () => {
    // 1,500 calls at 1,000 per 1,050 ms: 1,000 at once, the other 500 when the first leave
    // the window. Spacing each call ceil(1050 / 1000) = 2 ms apart would take past 2 s.
    const limiter = new RateLimiter({ limit: 1000, intervalMs: 1000, marginMs: 50 });
    const { starts, done } = burst(limiter, 1500);
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toHaveLength(1000);
    expect(starts.every((t) => t === 0)).toBe(true);
    await vi.advanceTimersByTimeAsync(1049);
    expect(starts).toHaveLength(1000);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(starts.slice(1000).every((t) => t === 1050)).toBe(true);
  });

  it('holds an acquired slot until its call is answered, then one interval more (issue 12)', async () => {
    // The server counts a request when it gets it, at the latest when it answers: a request
    // answered 300 ms after its start still counts there until 1,300 ms. No margin on top:
    // the server counted it before it answered, so one interval from the answer is enough.
    const limiter = new RateLimiter({ limit: 2, intervalMs: 1000, marginMs: 50 });
    const t0 = Date.now();
    const first = await limiter.acquire();
    const quick = await limiter.acquire();
    const starts: number[] = [];
    const third = limiter.acquire().then((release) => {
      starts.push(Date.now() - t0);
      return release;
    });
    await vi.advanceTimersByTimeAsync(20);
    quick(); // answered after 20 ms: its slot ends 1,000 ms later, at 1,020
    await vi.advanceTimersByTimeAsync(280);
    first(); // answered after 300 ms: its slot ends 1,000 ms later, at 1,300
    expect(limiter.inUse()).toBe(2);
    await vi.advanceTimersByTimeAsync(719);
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([1020]); // the quick one's slot freed first
    const fourth = limiter.acquire().then(() => starts.push(Date.now() - t0));
    await vi.advanceTimersByTimeAsync(279);
    expect(starts).toEqual([1020]);
    await vi.advanceTimersByTimeAsync(1);
    await fourth;
    expect(starts).toEqual([1020, 1300]);
    (await third)();
  });

  it('keeps the margin for a call whose answer it does not see, not for an answered one', async () => {
    const limiter = new RateLimiter({ limit: 1, intervalMs: 1000, marginMs: 50 });
    const t0 = Date.now();
    await limiter.schedule(async () => {}); // never released: counts 1,050 ms from its start
    const starts: number[] = [];
    const next = limiter.acquire().then((release) => {
      starts.push(Date.now() - t0);
      return release;
    });
    await vi.advanceTimersByTimeAsync(1049);
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([1050]);
    (await next)(); // answered at once: the next may start one interval later, at 2,050
    const last = limiter.acquire().then(() => starts.push(Date.now() - t0));
    await vi.advanceTimersByTimeAsync(999);
    expect(starts).toEqual([1050]);
    await vi.advanceTimersByTimeAsync(1);
    await last;
    expect(starts).toEqual([1050, 2050]);
  });

  it('a slot never answered ends after the longest hold, not never', async () => {
    const limiter = new RateLimiter({ limit: 1, intervalMs: 100, marginMs: 0 });
    await limiter.acquire();
    let started = false;
    const next = limiter.acquire().then(() => {
      started = true;
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    await next;
    expect(started).toBe(true);
  });

  it('holds back callers already queued when a pause starts', async () => {
    const limiter = new RateLimiter({ limit: 1, intervalMs: 100, marginMs: 0 });
    const { starts, done } = burst(limiter, 3);
    await vi.advanceTimersByTimeAsync(20);
    expect(starts).toEqual([0]);
    limiter.pause(400);
    await vi.advanceTimersByTimeAsync(399);
    expect(starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([0, 420]);
    await vi.advanceTimersByTimeAsync(100);
    await done;
    // The queued ones only after the pause, then a window apart.
    expect(starts).toEqual([0, 420, 520]);
    expect(limiter.queued()).toBe(0);
  });

  it('holds back a caller woken by the answer to a 429 until the pause is over', async () => {
    // The HTTP client pauses before it releases the 429's slot; a caller that had its grant
    // and was waiting for that slot to end must not start into the pause.
    const limiter = new RateLimiter({ limit: 1, intervalMs: 100, marginMs: 0 });
    const t0 = Date.now();
    const answered = await limiter.acquire();
    const starts: number[] = [];
    const next = limiter.acquire().then((release) => {
      starts.push(Date.now() - t0);
      release();
    });
    await vi.advanceTimersByTimeAsync(300); // granted by the window, waiting for the held slot
    expect(starts).toEqual([]);
    limiter.pause(1000);
    answered();
    await vi.advanceTimersByTimeAsync(999);
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(101);
    await next;
    expect(starts[0]).toBeGreaterThanOrEqual(1300);
  });

  it('a waiting caller whose signal aborts leaves at once and never runs', async () => {
    const limiter = new RateLimiter({ limit: 1, intervalMs: 500, marginMs: 0 });
    const ran: string[] = [];
    await limiter.schedule(async () => ran.push('first'));
    const controller = new AbortController();
    const waiting = limiter.schedule(async () => ran.push('second'), undefined, controller.signal);
    const outcome = waiting.then(
      () => 'ran',
      (error: Error) => error.message,
    );
    await vi.advanceTimersByTimeAsync(20);
    controller.abort(new Error('store down'));
    // Settled without the clock moving on.
    await vi.advanceTimersByTimeAsync(0);
    await expect(Promise.race([outcome, Promise.resolve('still waiting')])).resolves.toBe('store down');
    await vi.advanceTimersByTimeAsync(600);
    expect(ran).toEqual(['first']);
    expect(limiter.queued()).toBe(0);
    // Aborted before it even queued, and during a 429 pause.
    await expect(limiter.schedule(noop, undefined, controller.signal)).rejects.toThrow('store down');
    const other = new AbortController();
    limiter.pause(10_000);
    const paused = limiter.schedule(noop, undefined, other.signal);
    other.abort(new Error('stop'));
    await expect(paused).rejects.toThrow('stop');
  });

  it('counts callers that failed to start', async () => {
    const limiter = new RateLimiter({ limit: 5 });
    await expect(limiter.schedule(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(limiter.queued()).toBe(0);
    await limiter.schedule(noop);
    expect(limiter.inUse()).toBe(2);
  });

  it('reports every start on its own clock', async () => {
    const seen: number[] = [];
    const limiter = new RateLimiter({
      limit: 2,
      intervalMs: 100,
      marginMs: 0,
      onStart: (at) => seen.push(at),
    });
    const t0 = Date.now();
    const { done } = burst(limiter, 3);
    await vi.advanceTimersByTimeAsync(100);
    await done;
    expect(seen.map((t) => t - t0)).toEqual([0, 0, 100]);
  });
});

describe('RateLimiterRegistry', () => {
  it('gives every caller of one credential the same limiter, without keeping the secret', () => {
    const registry = new RateLimiterRegistry();
    const a = registry.forCredential('poweroffice-go', 'secret-key', { limit: 10 });
    expect(registry.forCredential('poweroffice-go', 'secret-key', { limit: 99 })).toBe(a);
    expect(registry.forCredential('poweroffice-go', 'other-key', { limit: 10 })).not.toBe(a);
    expect(JSON.stringify(registry.entries())).not.toContain('secret-key');
  });
});
