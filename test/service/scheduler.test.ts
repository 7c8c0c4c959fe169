import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDuration } from '../../engine/config/duration.ts';
import { resolveSettings } from '../../engine/service/settings.ts';
import { KeyedMutex } from '../../engine/sync/keyed-mutex.ts';
import {
  buildService,
  delivery,
  FakeEngine,
  fakeClock,
  mapping,
  type TestService,
  waitFor,
} from './fakes.ts';

const running: TestService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  vi.useRealTimers();
});

describe('scheduler', () => {
  it('polls each mapping on its interval and never overlaps runs of one mapping', async () => {
    const engine = new FakeEngine([
      mapping('customers'),
      mapping('products', { source: { system: 'shop', entity: 'product' } }),
    ]);
    engine.runDelayMs = 40;
    const clock = fakeClock();
    const built = await buildService(engine, {
      runAtStart: true,
      settings: {
        schedule: { defaults: { pollMs: 10, reconcileMs: 60_000 }, mappings: { products: { pollMs: 100 } } },
      },
    });
    // Requests for more runs while one is in progress are coalesced, not stacked.
    for (let i = 0; i < 20; i++) built.service.scheduler.requestRun('customers', 'incremental');
    await clock.pass(450);
    await clock.stop(built);
    expect(engine.maxActive.get('customers')).toBe(1);
    expect(engine.maxActive.get('products')).toBe(1);
    const customers = engine.runs.filter((r) => r.mapping === 'customers');
    const products = engine.runs.filter((r) => r.mapping === 'products');
    expect(customers.length).toBeGreaterThanOrEqual(5);
    expect(customers.length).toBeLessThanOrEqual(10);
    expect(products.length).toBeGreaterThanOrEqual(2);
    expect(products.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < customers.length; i++) {
      expect(customers[i]!.startedAt).toBeGreaterThanOrEqual(customers[i - 1]!.finishedAt!);
    }
  });

  it('reconciles (full run) on its own interval', async () => {
    const engine = new FakeEngine([mapping('customers')]);
    const clock = fakeClock();
    const built = await buildService(engine, {
      runAtStart: true,
      settings: { schedule: { defaults: { pollMs: 20, reconcileMs: 100 }, mappings: {} } },
    });
    await clock.pass(330);
    await clock.stop(built);
    const modes = engine.runs.map((r) => r.mode);
    expect(modes[0]).toBe('incremental');
    expect(modes.filter((m) => m === 'full').length).toBeGreaterThanOrEqual(2);
    expect(modes.filter((m) => m === 'full').length).toBeLessThanOrEqual(4);
  });

  it('locks mappings that write through each other together, and lets others run side by side', async () => {
    const engine = new FakeEngine([
      mapping('customers'),
      mapping('orders', { source: { system: 'shop', entity: 'order' }, locksWith: ['customers'] }),
      mapping('products', { source: { system: 'shop', entity: 'product' } }),
    ]);
    engine.runDelayMs = 60;
    const clock = fakeClock();
    const built = await buildService(engine, {
      runAtStart: true,
      settings: { schedule: { defaults: { pollMs: 5, reconcileMs: 60_000 }, mappings: {} } },
    });
    await clock.pass(400);
    await clock.stop(built);
    // `customers` is held by the customers and the orders runs: never both at once.
    expect(engine.maxActive.get('customers')).toBe(1);
    expect(engine.runs.filter((r) => r.mapping === 'orders').length).toBeGreaterThanOrEqual(2);
    // products shares no lock: it ran while the others did.
    const products = engine.runs.filter((r) => r.mapping === 'products');
    const others = engine.runs.filter((r) => r.mapping !== 'products');
    const overlaps = products.some((p) =>
      others.some(
        (o) => o.startedAt < (p.finishedAt ?? Infinity) && p.startedAt < (o.finishedAt ?? Infinity),
      ),
    );
    expect(overlaps).toBe(true);
  });

  it('at start, a mapping that looks records up in another waits for its first run; a cycle waits for nothing', async () => {
    const engine = new FakeEngine([
      mapping('products', { source: { system: 'shop', entity: 'product' } }),
      mapping('orders', { source: { system: 'shop', entity: 'order' }, waitsFor: ['products'] }),
      mapping('a', { source: { system: 'shop', entity: 'a' }, waitsFor: ['b'] }),
      mapping('b', { source: { system: 'shop', entity: 'b' }, waitsFor: ['a'] }),
    ]);
    engine.runDelayMs = 100;
    const clock = fakeClock();
    const built = await buildService(engine, {
      runAtStart: true,
      settings: { schedule: { defaults: { pollMs: 60_000, reconcileMs: 600_000 }, mappings: {} } },
    });
    await clock.pass(350);
    await clock.stop(built);
    const first = (name: string) => engine.runs.find((r) => r.mapping === name)!;
    expect(first('orders').startedAt).toBeGreaterThanOrEqual(first('products').finishedAt!);
    // Neither of a cycle holds the other back: both ran at once, from the start.
    expect(first('a').startedAt).toBeLessThan(first('b').finishedAt!);
    expect(first('b').startedAt).toBeLessThan(first('a').finishedAt!);
  });

  it('makes webhook records wait for the run in progress, then does them before the next run', async () => {
    const engine = new FakeEngine([mapping('customers')]);
    engine.runDelayMs = 150;
    const clock = fakeClock();
    const built = await buildService(engine, {
      runAtStart: true,
      settings: { schedule: { defaults: { pollMs: 10, reconcileMs: 60_000 }, mappings: {} } },
    });
    await clock.pass(1);
    expect(engine.runs).toHaveLength(1);
    const { headers, payload } = delivery('customer.updated', { id: 77, email: 'x@example.no' });
    await built.service.app.inject({ method: 'POST', url: '/webhooks/shop', headers, payload });
    await clock.pass(100);
    expect(engine.items).toHaveLength(0);
    // The run ends at 150 ms; the record goes before the next poll (10 ms later).
    await clock.pass(55);
    expect(engine.runs[0]!.finishedAt).toBeDefined();
    expect(engine.items).toHaveLength(1);
    expect(engine.runs.length).toBe(1);
    expect(engine.maxActive.get('customers')).toBe(1);
    await clock.stop(built);
  });

  it('pausing stops a mapping (its run is aborted) until it is resumed', async () => {
    const engine = new FakeEngine([mapping('customers')]);
    engine.runDelayMs = 10_000;
    const built = await buildService(engine, {
      runAtStart: true,
      settings: { schedule: { defaults: { pollMs: 10, reconcileMs: 60_000 }, mappings: {} } },
    });
    running.push(built);
    await waitFor(() => engine.runs.length === 1);
    built.service.scheduler.pause('customers');
    await waitFor(() => engine.runs[0]!.aborted, undefined, 'the run to be aborted');
    await sleep(100);
    expect(engine.runs).toHaveLength(1);
    expect(built.service.scheduler.state('customers')).toMatchObject({ paused: true });
    engine.runDelayMs = 0;
    built.service.scheduler.resume('customers');
    await waitFor(() => engine.runs.length >= 2, undefined, 'a run after resume');
  });

  it('shutdown aborts the run in hand and returns within the bound', async () => {
    const engine = new FakeEngine([mapping('customers')]);
    engine.runDelayMs = 60_000;
    const clock = fakeClock();
    const built = await buildService(engine, { runAtStart: true, settings: { shutdownTimeoutMs: 2000 } });
    await clock.pass(10);
    expect(engine.runs).toHaveLength(1);
    const outcome = await built.service.stop('SIGTERM');
    vi.useRealTimers();
    expect(outcome.ok).toBe(true);
    // Without the clock moving on: the aborted run ended it, not the 2 s bound.
    expect(outcome.ms).toBe(0);
    expect(engine.runs[0]!.aborted).toBe(true);
  });

  it('shutdown reports failure when a step does not finish in time', async () => {
    const engine = new FakeEngine([mapping('customers')]);
    const clock = fakeClock();
    const built = await buildService(engine, { settings: { shutdownTimeoutMs: 100 } });
    // A run that ignores its abort signal.
    engine.run = () => new Promise(() => {});
    built.service.scheduler.requestRun('customers', 'full');
    await clock.pass(20);
    const stopping = built.service.stop('SIGTERM');
    await clock.pass(100);
    const outcome = await stopping;
    vi.useRealTimers();
    expect(outcome).toMatchObject({ ok: false, step: 'stop scheduler and in-flight records' });
    expect(outcome.ms).toBeLessThanOrEqual(100);
  });

  it('retries a failed reconciliation at the next poll, not in a loop', async () => {
    const engine = new FakeEngine([mapping('customers')]);
    engine.runResult = {
      status: 'failed',
      counts: {},
      error: 'poweroffice-go: GET /Customers failed (ECONNREFUSED)',
    };
    const clock = fakeClock();
    const built = await buildService(engine, {
      runAtStart: false,
      settings: { schedule: { defaults: { pollMs: 100, reconcileMs: 0 }, mappings: {} } },
    });
    await clock.pass(250);
    expect(engine.runs.length).toBeGreaterThanOrEqual(2);
    expect(engine.runs.length).toBeLessThanOrEqual(4);
    expect(built.service.scheduler.state('customers').failures).toBe(engine.runs.length);
    await clock.stop(built);
  });
});

describe('mapping locks', () => {
  it('takes lock sets in a fixed order so crossing sets cannot deadlock', async () => {
    const locks = new KeyedMutex();
    const order: string[] = [];
    const job = async (name: string, set: string[]) => {
      const release = await locks.acquire(set);
      order.push(`${name}+`);
      await sleep(10);
      order.push(`${name}-`);
      release();
    };
    await Promise.all([job('a', ['x', 'y']), job('b', ['y', 'x']), job('c', ['y'])]);
    expect(order).toHaveLength(6);
    // Every job shares a lock with every other one: they ran strictly one after another.
    for (let i = 0; i < order.length; i += 2) expect(order[i + 1]).toBe(order[i]!.replace('+', '-'));
  });
});

describe('settings', () => {
  it('parses durations and per-mapping schedules', () => {
    expect(parseDuration('250ms', 'x')).toBe(250);
    expect(parseDuration('1h30m', 'x')).toBe(5_400_000);
    expect(parseDuration(1500, 'x')).toBe(1500);
    expect(() => parseDuration('soon', 'service.schedule.poll')).toThrow(/service.schedule.poll/);
    const settings = resolveSettings(
      {
        schedule: { poll: '30s', reconcile: '2h', mappings: { orders: { poll: '10s' } } },
        shutdown_timeout: '5s',
      },
      {},
      ['orders', 'customers'],
    );
    expect(settings.schedule.defaults).toEqual({ pollMs: 30_000, reconcileMs: 7_200_000 });
    expect(settings.schedule.mappings.orders).toEqual({ pollMs: 10_000 });
    expect(settings.shutdownTimeoutMs).toBe(5000);
    expect(() =>
      resolveSettings({ schedule: { mappings: { nope: { poll: '1s' } } } }, {}, ['orders']),
    ).toThrow(/nope/);
  });
});
