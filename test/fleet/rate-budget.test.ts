/**
 * The shared rate budget in Redis, with several hubs in one test process (each hub is what a
 * process has: its own connections, owner id and lease). Real child processes, process death
 * and a Redis restart are in rate-budget-processes.test.ts.
 *
 * The window checks use the start times the tests record themselves (Date.now() as the
 * first thing the granted call does): the limiter lets a call start only within `margin` of
 * the moment Redis granted its slot, so no window of `interval` ms can hold more than
 * `limit` starts (docs/fleet.md, "Why the window holds").
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectorError } from '../../engine/connectors/errors.ts';
import { BUDGET_UNAVAILABLE, PRIORITIES, type Priority } from '../../engine/connectors/http/limiter.ts';
import type { RateBudgetHub } from '../../engine/fleet/rate-budget/hub.ts';
import { WorkContext } from '../../engine/fleet/work-context.ts';
import { REDIS_URL, redisMissing } from '../services.ts';
import { dropPrefix, makeHub, maxInWindow, testPrefix } from './budget-helpers.ts';

const missing = await redisMissing();
const prefixes: string[] = [];
const hubs: RateBudgetHub[] = [];

function hub(prefix: string, options: Parameters<typeof makeHub>[1] = {}): RateBudgetHub {
  const made = makeHub(prefix, options);
  hubs.push(made);
  return made;
}

function prefix(): string {
  const p = testPrefix();
  prefixes.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(p);
});

const FAST = { limit: 4, intervalMs: 300, marginMs: 50 };

/** Until Redis holds a 429 pause for a budget under `prefix`. */
async function pauseInRedis(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    await vi.waitUntil(
      async () => {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}rb:*meta`, 'COUNT', 1000);
          cursor = next;
          keys.push(...found);
        } while (cursor !== '0');
        const paused = await Promise.all(keys.map((k) => redis.hget(k, 'pausedUntil')));
        return paused.some((until) => Number(until ?? 0) > 0);
      },
      { timeout: 30_000, interval: 5 },
    );
  } finally {
    redis.disconnect();
  }
}

/** Until Redis holds (queued or reserved) or has started `count` interactive tickets of `tenant`. */
async function interactiveQueued(
  prefix: string,
  tenant: string,
  count: number,
  started: () => number,
): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const interactive = String(PRIORITIES.indexOf('interactive'));
  try {
    await vi.waitUntil(
      async () => {
        let queued = 0;
        let cursor = '0';
        do {
          const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}rb:*tk`, 'COUNT', 1000);
          cursor = next;
          for (const key of found) {
            const infos = await redis.hvals(key);
            queued += infos.filter((info) => info.endsWith(`|${tenant}|${interactive}`)).length;
          }
        } while (cursor !== '0');
        return queued + started() >= count;
      },
      { timeout: 30_000, interval: 2 },
    );
  } finally {
    redis.disconnect();
  }
}

/** `count` calls of `tenant` at `priority` through `h`; resolves with their start times. */
function burst(
  h: RateBudgetHub,
  tenant: string,
  priority: Priority,
  count: number,
  starts: Array<{ tenant: string; priority: Priority; at: number }>,
  credential = 'key-1',
): Promise<unknown> {
  const limiter = h.registryFor(tenant).forCredential('poweroffice-go', credential, FAST);
  return Promise.all(
    Array.from({ length: count }, () =>
      h.work.run({ priority }, () =>
        limiter.schedule(async () => {
          starts.push({ tenant, priority, at: Date.now() });
        }),
      ),
    ),
  );
}

describe.skipIf(missing !== undefined)('shared rate budget (Redis)', () => {
  it('two processes on one key never start more than the limit in any window', async () => {
    const p = prefix();
    const starts: Array<{ tenant: string; priority: Priority; at: number }> = [];
    await Promise.all([
      burst(hub(p), 'a', 'backfill', 14, starts),
      burst(hub(p), 'b', 'backfill', 14, starts),
    ]);
    expect(starts).toHaveLength(28);
    expect(
      maxInWindow(
        starts.map((s) => s.at),
        FAST.intervalMs,
      ),
    ).toBeLessThanOrEqual(FAST.limit);
  });

  it('counts a slot from when its request was sent: slow last checks do not crowd the next window', async () => {
    // The calls of every other window take 150 ms (the write guard's look at Redis on a
    // busy machine) before their request leaves, the others none. Counted from the grant,
    // a slow window's sends and the next window's fast ones would fall into one window
    // (6 of them in 300 ms); counted from the send, never more than the limit.
    const p = prefix();
    const sends: number[] = [];
    let calls = 0;
    const limiterOf = (h: RateBudgetHub, tenant: string) =>
      h.registryFor(tenant).forCredential('poweroffice-go', 'key-1', FAST);
    const slowThenFast = async () => {
      const k = calls++;
      if (k % (2 * FAST.limit) < FAST.limit) await new Promise((r) => setTimeout(r, 150));
    };
    const run = (h: RateBudgetHub, tenant: string) =>
      Promise.all(
        Array.from({ length: 10 }, () =>
          limiterOf(h, tenant)
            .schedule(slowThenFast)
            .then(() => sends.push(Date.now())),
        ),
      );
    await Promise.all([run(hub(p), 'a'), run(hub(p), 'b')]);
    expect(sends).toHaveLength(20);
    expect(maxInWindow(sends, FAST.intervalMs)).toBeLessThanOrEqual(FAST.limit);
  });

  it('a process-wide least margin widens every budget’s window', async () => {
    const p = prefix();
    const starts: Array<{ tenant: string; priority: Priority; at: number }> = [];
    await burst(hub(p, { marginMs: 250 }), 'a', 'backfill', 12, starts);
    // Windows of interval + 250 ms, not interval + 50 ms, hold at most the limit.
    expect(
      maxInWindow(
        starts.map((s) => s.at),
        FAST.intervalMs + 200,
      ),
    ).toBeLessThanOrEqual(FAST.limit);
  });

  it('keeps the budgets of two keys apart', async () => {
    const p = prefix();
    const h = hub(p);
    const one: Array<{ tenant: string; priority: Priority; at: number }> = [];
    const two: Array<{ tenant: string; priority: Priority; at: number }> = [];
    const t0 = Date.now();
    await Promise.all([
      burst(h, 'a', 'backfill', 8, one, 'key-1'),
      burst(h, 'a', 'backfill', 8, two, 'key-2'),
    ]);
    // Each key gets its own 4 per 350 ms: 8 calls each take one window after the cold start,
    // not the three a shared budget of 16 calls would need.
    expect(
      maxInWindow(
        one.map((s) => s.at),
        FAST.intervalMs,
      ),
    ).toBeLessThanOrEqual(FAST.limit);
    expect(
      maxInWindow(
        two.map((s) => s.at),
        FAST.intervalMs,
      ),
    ).toBeLessThanOrEqual(FAST.limit);
    const both = [...one, ...two].map((s) => s.at);
    expect(maxInWindow(both, FAST.intervalMs)).toBeGreaterThan(FAST.limit);
    expect(Math.max(...both) - t0).toBeLessThan(2_000);
  });

  it('serves interactive work before backfill queued earlier, across processes', async () => {
    const p = prefix();
    const backfiller = hub(p);
    const editor = hub(p);
    const starts: Array<{ tenant: string; priority: Priority; at: number }> = [];
    const backfill = burst(backfiller, 'shop-1', 'backfill', 24, starts);
    // Wait until the backfill holds the window and has a queue behind it.
    while (starts.length < FAST.limit) await new Promise((r) => setTimeout(r, 10));
    const edits = burst(editor, 'shop-2', 'interactive', 4, starts);
    // "Queued earlier" is about what Redis holds, not about when this process asked: count
    // from the moment all four edits are queued there (or already started). On a loaded
    // machine that moment can be several windows after the call above.
    await interactiveQueued(p, 'shop-2', 4, () => starts.filter((s) => s.priority === 'interactive').length);
    const queuedAt = starts.length;
    await Promise.all([edits, backfill]);
    const after = starts.slice(queuedAt).map((s) => s.priority);
    const lastInteractive = after.lastIndexOf('interactive');
    const backfillBefore = after.slice(0, lastInteractive + 1).filter((x) => x === 'backfill').length;
    // Slots already granted to the backfill when the edits were queued may start first (at most
    // one window's worth). A slot reached too late is given back and its ticket queued again
    // (hub.ts); each such give-back can let one other ticket take that slot.
    const requeued = backfiller.stats.requeued + editor.stats.requeued;
    expect(backfillBefore).toBeLessThanOrEqual(FAST.limit + requeued);
    expect(after.filter((x) => x === 'backfill').length).toBeGreaterThan(backfillBefore);
  });

  it('tenants of one priority take turns, whichever process queued more', async () => {
    const p = prefix();
    const one = hub(p);
    const two = hub(p);
    const starts: Array<{ tenant: string; priority: Priority; at: number }> = [];
    await Promise.all([
      burst(one, 'big', 'backfill', 30, starts),
      burst(two, 'small-1', 'backfill', 8, starts),
      burst(two, 'small-2', 'backfill', 8, starts),
    ]);
    // While all three have work queued (the first 24 starts), each gets about a third.
    const early = starts.slice(0, 24);
    for (const tenant of ['big', 'small-1', 'small-2']) {
      const n = early.filter((s) => s.tenant === tenant).length;
      expect(n).toBeGreaterThanOrEqual(6);
      expect(n).toBeLessThanOrEqual(10);
    }
    expect(
      maxInWindow(
        starts.map((s) => s.at),
        FAST.intervalMs,
      ),
    ).toBeLessThanOrEqual(FAST.limit);
  });

  it('a 429 seen by one process holds back every process of the key', async () => {
    const p = prefix();
    const a = hub(p);
    const b = hub(p);
    const starts: Array<{ tenant: string; priority: Priority; at: number }> = [];
    await burst(a, 'a', 'interactive', 1, starts);
    const pausedAt = Date.now();
    a.registryFor('a').forCredential('poweroffice-go', 'key-1', FAST).pause(800);
    // The pause travels through Redis (one command the hub does not wait for); a call made
    // once Redis holds it is held back there. Waiting a fixed time instead would race it.
    await pauseInRedis(p);
    await burst(b, 'b', 'interactive', 2, starts);
    expect(starts[1]!.at - pausedAt).toBeGreaterThanOrEqual(790);
    expect(starts[2]!.at - pausedAt).toBeGreaterThanOrEqual(790);
  });

  it('a caller that aborts while waiting leaves at once, never runs, and gives its slot back', async () => {
    const p = prefix();
    const h = hub(p);
    const limiter = h.registryFor('a').forCredential('poweroffice-go', 'key-1', { ...FAST, limit: 1 });
    const ran: string[] = [];
    await limiter.schedule(async () => ran.push('first'));
    const controller = new AbortController();
    const waiting = limiter.schedule(async () => ran.push('aborted'), undefined, controller.signal);
    await new Promise((r) => setTimeout(r, 30));
    controller.abort(new Error('store down'));
    await expect(waiting).rejects.toThrow('store down');
    expect(limiter.queued()).toBe(0);
    const t = Date.now();
    await limiter.schedule(async () => ran.push('third'));
    // The third call got the next slot: within one window of the first, not two.
    expect(Date.now() - t).toBeLessThan(FAST.intervalMs + FAST.marginMs + 200);
    expect(ran).toEqual(['first', 'third']);
  });

  it('a process that stops answering loses its queued tickets after its lease; the others get the whole budget', async () => {
    const p = prefix();
    const dying = hub(p, { leaseMs: 400, pollMs: 100 });
    const survivor = hub(p, { leaseMs: 400, pollMs: 100 });
    const starts: Array<{ tenant: string; priority: Priority; at: number }> = [];
    const doomed = burst(dying, 'dead', 'interactive', 40, starts).catch(() => undefined);
    while (starts.length < 2) await new Promise((r) => setTimeout(r, 10));
    // Like SIGKILL: no cancel, no goodbye, its tickets stay queued in Redis.
    await dying.close();
    await doomed;
    const diedAt = Date.now();
    await burst(survivor, 'alive', 'backfill', 12, starts);
    const alive = starts.filter((s) => s.tenant === 'alive').map((s) => s.at);
    // 12 calls at 4 per 350 ms take about three windows once the dead tickets are gone
    // (lease 400 ms + one claim timeout): nowhere near what 38 stale tickets would cost.
    expect(Math.max(...alive) - diedAt).toBeLessThan(400 + 500 + 3 * 350 + 600);
    expect(
      maxInWindow(
        starts.map((s) => s.at),
        FAST.intervalMs,
      ),
    ).toBeLessThanOrEqual(FAST.limit);
  });

  it('the priority of a call comes from the work it runs in; default reconcile', () => {
    const work = new WorkContext();
    expect(work.priority()).toBe('reconcile');
    expect(work.run({ priority: 'backfill' }, () => work.priority())).toBe('backfill');
  });
});

describe('shared rate budget without Redis', () => {
  it('fails closed: nothing runs, and the call fails as not sent after the unavailable timeout', async () => {
    const h = makeHub('mapsync-test:none:', { redis: 'redis://127.0.0.1:1', unavailableTimeoutMs: 400 });
    hubs.push(h);
    const limiter = h.registryFor('a').forCredential('poweroffice-go', 'k', FAST);
    const ran: string[] = [];
    const error = await limiter.schedule(async () => ran.push('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).vendorCode).toBe(BUDGET_UNAVAILABLE);
    expect((error as ConnectorError).kind).toBe('transport');
    expect(ran).toEqual([]);
  });
});
