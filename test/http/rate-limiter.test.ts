/** The per-credential limiter: a sliding window, pauses after a 429, one limiter per key. */
import { describe, expect, it } from 'vitest';
import { RateLimiter, RateLimiterRegistry } from '../../engine/connectors/http/rate-limiter.ts';

const noop = async () => undefined;

describe('RateLimiter', () => {
  it('starts at most `limit` calls per interval', async () => {
    const limiter = new RateLimiter({ limit: 3, intervalMs: 200, marginMs: 10 });
    const starts: number[] = [];
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 7 }, () => limiter.schedule(async () => starts.push(Date.now() - t0))),
    );
    starts.sort((a, b) => a - b);
    for (let i = 3; i < starts.length; i++) expect(starts[i]! - starts[i - 3]!).toBeGreaterThanOrEqual(205);
  });

  it('grants a high limit in full: the window, not whole-millisecond spacing, holds calls back', async () => {
    // 1,500 calls at 1,000 per 1,050 ms: 1,000 at once, the other 500 when the first leave
    // the window. Spacing each call ceil(1050 / 1000) = 2 ms apart would take past 2 s.
    const limiter = new RateLimiter({ limit: 1000, intervalMs: 1000, marginMs: 50 });
    const starts: number[] = [];
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 1500 }, () => limiter.schedule(async () => starts.push(Date.now() - t0))),
    );
    starts.sort((a, b) => a - b);
    for (let i = 1000; i < starts.length; i++)
      expect(starts[i]! - starts[i - 1000]!).toBeGreaterThanOrEqual(1050);
    expect(starts.at(-1)!).toBeLessThan(1600);
  });

  it('holds back callers already queued when a pause starts', async () => {
    const limiter = new RateLimiter({ limit: 1, intervalMs: 100, marginMs: 0 });
    const t0 = Date.now();
    const starts: number[] = [];
    const calls = Array.from({ length: 3 }, () => limiter.schedule(async () => starts.push(Date.now() - t0)));
    await new Promise((r) => setTimeout(r, 20));
    limiter.pause(400);
    await Promise.all(calls);
    // The first started at once; the queued ones only after the pause.
    expect(starts[0]).toBeLessThan(20);
    expect(starts[1]).toBeGreaterThanOrEqual(410);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(95);
    expect(limiter.queued()).toBe(0);
  });

  it('a waiting caller whose signal aborts leaves at once and never runs', async () => {
    const limiter = new RateLimiter({ limit: 1, intervalMs: 500, marginMs: 0 });
    const ran: string[] = [];
    await limiter.schedule(async () => ran.push('first'));
    const controller = new AbortController();
    const waiting = limiter.schedule(async () => ran.push('second'), undefined, controller.signal);
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    controller.abort(new Error('store down'));
    await expect(waiting).rejects.toThrow('store down');
    expect(Date.now() - t0).toBeLessThan(50);
    await new Promise((r) => setTimeout(r, 550));
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
