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

/**
 * A runtime whose PowerOffice limiter (one per subscription key, as the connectors ask the
 * registry for it) reports when it lets each request go, on its own clock. The limit is
 * judged there: on a busy machine requests can leave the process or reach the server later
 * than they were let go, so the server's arrival times prove nothing about the limiter.
 */
function recordingRuntime(fixture: Fixture) {
  const starts: number[] = [];
  const runtime = createRuntime();
  runtime.limiters.forCredential('poweroffice-go', fixture.sb.subscriptionKey, {
    limit: 10,
    onStart: (at) => starts.push(at),
  });
  return { runtime, starts };
}

/**
 * No 11 starts within one window of 1 s (a slot counts until 1 s after its answer, so a
 * quick answer lets its successor start about 1 s after it), and the server, which enforces
 * 10 per second at arrival, answered no 429: each request reached it more than 1 s after the
 * one whose slot it took, however late either travelled (its answer came after it was counted).
 */
function expectAtMostTenPerWindow(starts: number[], log: readonly LoggedRequest[]): void {
  for (let i = 10; i < starts.length; i++) {
    expect(starts[i]! - starts[i - 10]!, `start ${i}`).toBeGreaterThanOrEqual(1000);
  }
  expect(log.filter((r) => r.status === 429)).toEqual([]);
}

describe('PowerOffice Go rate limit', () => {
  it('a burst of 100 calls from several connectors sharing one runtime: one limiter lets ≤ 10 go per second', async () => {
    fx = await start({ rateLimit: 10 });
    const { runtime, starts } = recordingRuntime(fx);
    const connectors = Array.from({ length: 4 }, () => fx!.connect({}, runtime));
    const products = [...fx.sb.state.products.keys()];
    // 4 instances × 25 concurrent calls each, all at once.
    const results = await Promise.all(
      connectors.flatMap((c, n) =>
        Array.from({ length: 25 }, (_, i) => c.get('product', products[(n + i) % products.length]!)),
      ),
    );
    expect(results.every((r) => r !== null)).toBe(true);
    const log = fx.sb.log.list();
    const answered = log.filter((r) => r.status !== 429);
    expect(answered.filter((r) => r.path.startsWith('/v2/'))).toHaveLength(100);
    expect(answered.filter((r) => /token/i.test(r.path))).toHaveLength(4);
    // Every request the server saw (a retried 429 included) was let go by the one limiter.
    expect(starts).toHaveLength(log.length);
    expectAtMostTenPerWindow(starts, log);
    // 104 requests at 10 per second: the last leaves 10 windows after the first.
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(10 * 1000);
  });

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
  });

  it('reports rate-limited when the service keeps answering 429', async () => {
    fx = await start({ rateLimit: false });
    const c = fx.connect({}, createRuntime());
    await c.checkAuth();
    fx.sb.faults.configure({ rate429: 1 });
    const error = await c.get('customer', '1').catch((e: unknown) => e);
    expect(isConnectorError(error, 'rate-limited')).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(1000);
    expect(fx.sb.log.list().filter((r) => r.status === 429)).toHaveLength(5);
  });

  it('shares the budget with token calls: a cold start does not exceed it', async () => {
    fx = await start({ rateLimit: 10 });
    const { runtime, starts } = recordingRuntime(fx);
    // Ten tenants (client keys would differ in real life) on one subscription key, cold.
    const connectors = Array.from({ length: 10 }, () => fx!.connect({}, runtime));
    await Promise.all(connectors.map((c) => c.checkAuth()));
    const log = fx.sb.log.list();
    expect(log.filter((r) => r.status !== 429)).toHaveLength(20);
    expect(starts).toHaveLength(log.length);
    expectAtMostTenPerWindow(starts, log);
  });
});
