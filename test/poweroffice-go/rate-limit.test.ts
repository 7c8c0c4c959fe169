/**
 * The 10 requests/second budget of a subscription key is shared by every connector
 * instance (tenant, mapping) in the process, token calls included, and 429s are waited out
 * (≥ 1 s or Retry-After) rather than hammered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isConnectorError } from '../../engine/connectors/errors.ts';
import { createRuntime } from '../../engine/runtime.ts';
import type { LoggedRequest } from '../../sandbox/common/request-log.ts';
import { type Fixture, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** When a request arrived (the log stamps when it was answered). */
const arrival = (r: LoggedRequest) => Date.parse(r.at) - r.durationMs;

/** The most requests that arrived within any window of `ms`. */
function busiestWindow(requests: LoggedRequest[], ms = 1000): number {
  const times = requests.map(arrival).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('PowerOffice Go rate limit', () => {
  it('a burst of 100 calls from several connectors sharing one runtime stays at ≤ 10 rps with zero 429s', async () => {
    fx = await start({ rateLimit: 10 });
    const runtime = createRuntime();
    const connectors = Array.from({ length: 4 }, () => fx!.connect({}, runtime));
    const products = [...fx.sb.state.products.keys()];
    const started = Date.now();
    // 4 instances × 25 concurrent calls each, all at once.
    const results = await Promise.all(
      connectors.flatMap((c, n) =>
        Array.from({ length: 25 }, (_, i) => c.get('product', products[(n + i) % products.length]!)),
      ),
    );
    const elapsed = Date.now() - started;
    expect(results.every((r) => r !== null)).toBe(true);
    const log = fx.sb.log.list();
    expect(log.filter((r) => r.status === 429)).toEqual([]);
    const apiCalls = log.filter((r) => r.path.startsWith('/v2/'));
    const tokenCalls = log.filter((r) => /token/i.test(r.path));
    expect(apiCalls).toHaveLength(100);
    expect(tokenCalls).toHaveLength(4);
    expect(busiestWindow(log)).toBeLessThanOrEqual(10);
    // 104 requests at 10 per second cannot take less than ~9.4 s.
    expect(elapsed).toBeGreaterThan(9_000);
  }, 40_000);

  it('waits out a 429 with Retry-After and then succeeds', async () => {
    fx = await start({ rateLimit: 2 });
    const c = fx.connect();
    await c.checkAuth(); // token + 1 call = the 2 allowed this second
    const before = Date.now();
    await c.checkAuth();
    const log = fx.sb.log.list();
    const throttled = log.filter((r) => r.status === 429);
    expect(throttled.length).toBe(1);
    expect(Date.now() - before).toBeGreaterThanOrEqual(950);
    expect(log.at(-1)?.status).toBe(200);
  });

  it('waits at least 1 s after a 429 without Retry-After', async () => {
    fx = await start({ rateLimit: false });
    const c = fx.connect();
    await c.checkAuth();
    fx.sb.faults.configure({ rate429: 0.5, seed: 2 });
    const mark = fx.sb.log.mark();
    for (let i = 0; i < 4; i++) await c.checkAuth();
    const log = fx.sb.log.list(mark);
    const throttled = log.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    for (const t of throttled) {
      const next = log.find((r) => r.seq > t.seq);
      expect(next, 'a retry followed').toBeDefined();
      expect(arrival(next!) - Date.parse(t.at)).toBeGreaterThanOrEqual(990);
    }
  }, 30_000);

  it('reports rate-limited when the service keeps answering 429', async () => {
    fx = await start({ rateLimit: false });
    const c = fx.connect({}, createRuntime());
    await c.checkAuth();
    fx.sb.faults.configure({ rate429: 1 });
    const error = await c.get('customer', '1').catch((e: unknown) => e);
    expect(isConnectorError(error, 'rate-limited')).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(1000);
    expect(fx.sb.log.list().filter((r) => r.status === 429)).toHaveLength(5);
  }, 30_000);

  it('shares the budget with token calls: a cold start does not exceed it', async () => {
    fx = await start({ rateLimit: 10 });
    const runtime = createRuntime();
    // Ten tenants (client keys would differ in real life) on one subscription key, cold.
    const connectors = Array.from({ length: 10 }, () => fx!.connect({}, runtime));
    await Promise.all(connectors.map((c) => c.checkAuth()));
    const log = fx.sb.log.list();
    expect(log).toHaveLength(20);
    expect(log.filter((r) => r.status === 429)).toEqual([]);
    expect(busiestWindow(log)).toBeLessThanOrEqual(10);
  }, 20_000);
});
