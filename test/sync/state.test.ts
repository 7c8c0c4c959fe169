import { describe, expect, it } from 'vitest';
import { openStore } from '../../engine/store/open-store.ts';
import { overlayBackend } from '../../engine/store/overlay.ts';
import { type LinkRecord, MappingState, namespaceFor } from '../../engine/store/sync-state.ts';
import { BACKOFF_CAP_MS, backoffMs, nextAttemptAt } from '../../engine/sync/backoff.ts';
import { checkDeleteLimit, describeBreaker } from '../../engine/sync/breaker.ts';
import { KeyedMutex } from '../../engine/sync/keyed-mutex.ts';

const link = (sourceId: string, targetId: string, virtual = false): LinkRecord => ({
  v: 1,
  sourceId,
  targetId,
  base: { source: {}, target: {}, yields: {} },
  origin: 'matched',
  linkedAt: '2026-01-01T00:00:00.000Z',
  syncedAt: '2026-01-01T00:00:00.000Z',
  ...(virtual ? { virtual: true } : {}),
});

describe('store records (layout v1)', () => {
  it('namespaces are versioned per mapping and refuse names keyv or LIKE would misread', () => {
    expect(namespaceFor('customer-person', 'links')).toBe('mapsync.v1.customer-person.links');
    expect(() => namespaceFor('Bad_Name', 'meta')).toThrow(/cannot be used/);
  });

  it('links keep a reverse index; virtual links never take a real link’s target', async () => {
    const state = new MappingState('m', openStore('memory://'));
    await state.putLink(link('1', 'A'));
    await state.putLink(link('guest-9', 'A', true));
    expect(await state.reverse('A')).toEqual({ sourceId: '1', virtual: false });
    await state.putLink(link('guest-10', 'B', true));
    expect(await state.reverse('B')).toEqual({ sourceId: 'guest-10', virtual: true });
    await state.putLink(link('2', 'B'));
    expect(await state.reverse('B')).toEqual({ sourceId: '2', virtual: false });
    await state.deleteLink(link('guest-10', 'B', true));
    expect(await state.reverse('B')).toEqual({ sourceId: '2', virtual: false });
    await state.deleteLink(link('2', 'B'));
    expect(await state.reverse('B')).toBeUndefined();
  });

  it('cursors, intents and failed records share the meta namespace and are scanned in one pass', async () => {
    const state = new MappingState('m', openStore('memory://'));
    await state.setCursor('source', 'c1');
    await state.setIntent('source', '7', {
      guard: { field: 'Code', value: 'X' },
      side: 'target',
      at: 'now',
      payloadHash: 'h',
    });
    await state.setFailed({
      mapping: 'm',
      side: 'source',
      id: '8',
      code: 'VALIDATION',
      kind: 'validation',
      reason: 'r',
      firstAt: 'a',
      at: 'a',
      attempts: 1,
      nextAttemptAt: 'b',
    });
    expect(await state.getCursor('source')).toBe('c1');
    const meta = await state.scanMeta();
    expect(meta.intents).toEqual([
      { from: 'source', id: '7', intent: expect.objectContaining({ side: 'target' }) },
    ]);
    expect(meta.failed.map((f) => f.id)).toEqual(['8']);
  });
});

describe('dry-run overlay', () => {
  it('reads through, keeps writes and deletes to itself', async () => {
    const base = openStore('memory://');
    const real = new MappingState('m', base);
    await real.putLink(link('1', 'A'));
    await real.setCursor('source', 'c1');
    const view = new MappingState('m', overlayBackend(base));
    expect(await view.getLink('1')).toMatchObject({ targetId: 'A' });
    await view.putLink(link('2', 'B'));
    await view.setCursor('source', 'c2');
    await view.deleteLink(link('1', 'A'));
    expect(await view.getLink('1')).toBeUndefined();
    expect(await view.getLinks(['1', '2'])).toEqual([undefined, expect.objectContaining({ targetId: 'B' })]);
    const seen: string[] = [];
    for await (const l of view.allLinks()) seen.push(l.sourceId);
    expect(seen).toEqual(['2']);
    // The real store is untouched.
    expect(await real.getLink('1')).toMatchObject({ targetId: 'A' });
    expect(await real.getLink('2')).toBeUndefined();
    expect(await real.getCursor('source')).toBe('c1');
  });
});

describe('backoff', () => {
  it('doubles from one minute and stops at six hours; Retry-After wins when longer', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n))).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(backoffMs(30)).toBe(BACKOFF_CAP_MS);
    expect(backoffMs(1, 300_000)).toBe(300_000);
    expect(nextAttemptAt(new Date('2026-01-01T00:00:00Z'), 2).toISOString()).toBe('2026-01-01T00:02:00.000Z');
  });

  it('a transient failure (transport, unknown outcome, rate limit, dependency) is retried on the next run first', () => {
    for (const kind of ['transport', 'ambiguous', 'rate-limited', 'dependency']) {
      expect([1, 2, 3, 4].map((n) => backoffMs(n, undefined, kind))).toEqual([0, 60_000, 120_000, 240_000]);
    }
    expect(backoffMs(1, 5_000, 'rate-limited')).toBe(5_000);
    expect(backoffMs(1, undefined, 'validation')).toBe(60_000);
  });
});

describe('delete breaker', () => {
  it.each([
    [1, 3, 0.1, false],
    [2, 100, 0.1, false],
    [10, 100, 0.1, false],
    [11, 100, 0.1, true],
    [2, 3, 0.1, true],
    [50, 100, 0.5, false],
  ])('%i confirmed of %i links at %f → tripped %s', (confirmed, links, limit, tripped) => {
    expect(checkDeleteLimit(confirmed, links, limit).tripped).toBe(tripped);
  });

  it('says why, with the numbers', () => {
    expect(describeBreaker('customer-person', checkDeleteLimit(30, 200, 0.1))).toMatch(
      /customer-person: 30 of 200 linked records would be deleted or archived, more than the delete_limit of 10% \(20\); nothing was removed/,
    );
  });
});

describe('keyed mutex', () => {
  it('serialises holders of a shared key and lets others run', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await Promise.all([
      mutex.run(['a', 'b'], async () => {
        order.push('1 start');
        await wait(20);
        order.push('1 end');
      }),
      mutex.run(['b'], async () => {
        order.push('2 start');
        order.push('2 end');
      }),
      mutex.run(['c'], async () => {
        order.push('3');
      }),
    ]);
    // 1 and 2 share "b": one runs entirely before the other; 3 does not wait for either.
    const one = [order.indexOf('1 start'), order.indexOf('1 end')];
    const two = [order.indexOf('2 start'), order.indexOf('2 end')];
    expect(two[0]! > one[1]! || one[0]! > two[1]!).toBe(true);
    expect(order.indexOf('3')).toBeLessThan(order.indexOf('1 end'));
  });
});
