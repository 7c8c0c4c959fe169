/**
 * The link store fails in the middle of a backfill against both real sandboxes, while
 * PowerOffice creates queue behind the connector's rate limiter: from the failure on, no
 * write reaches either sandbox (writes already on the wire may finish), and the run says
 * "store unavailable". Then, with the store back, the next run completes without duplicates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../engine/errors.ts';
import { inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import type { NamespaceStore, StateBackend } from '../../engine/store/sync-state.ts';
import { SyncEngine } from '../../engine/sync/engine.ts';
import type { RunSummary } from '../../engine/sync/events.ts';
import type { LoggedRequest } from '../../sandbox/common/request-log.ts';
import { type Pair, startPair } from './helpers/pair.ts';

/** A store whose every call fails from the `failAt`-th link write on (a dead database). */
class FailingStore implements StateBackend {
  linkWrites = 0;
  failedAt: number | undefined;

  constructor(
    private readonly inner: StateBackend,
    private readonly failAt: number,
  ) {}

  get description(): string {
    return `failing(${this.inner.description})`;
  }

  private check(name: string, write: boolean): void {
    if (this.failedAt === undefined && write && name.endsWith('.links') && ++this.linkWrites >= this.failAt) {
      this.failedAt = Date.now();
    }
    if (this.failedAt !== undefined)
      throw new StoreError(`store failed for ${name}: SQLITE_IOERR (injected)`);
  }

  namespace<V>(name: string): NamespaceStore<V> {
    const ns = this.inner.namespace<V>(name);
    const read = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, write = false) => {
      return async (...args: A): Promise<R> => {
        this.check(name, write);
        return fn(...args);
      };
    };
    return {
      get: read((key: string) => ns.get(key)),
      getMany: read((keys: readonly string[]) => ns.getMany(keys)),
      set: read((key: string, value: V) => ns.set(key, value), true),
      delete: read((key: string) => ns.delete(key)),
      entries: () => ns.entries(),
    };
  }
}

const startOf = (r: LoggedRequest) => Date.parse(r.at) - r.durationMs;

describe('e2e: the store fails mid-run', () => {
  let pair: Pair;
  let store: FailingStore;
  let summary: RunSummary;

  beforeAll(async () => {
    // The connector sends PowerOffice 10 requests/s: past the first second's burst, with 6
    // records in flight, creates are always waiting for budget when the store fails.
    pair = await startPair({ shop: { count: 60, seed: 31 }, rateLimit: 10 });
    const opened = await pair.open();
    try {
      store = new FailingStore(opened.store, 30);
      const engine = new SyncEngine({
        mappings: opened.project.mappings,
        connectors: opened.connectors,
        store,
        runtime: opened.runtime,
        evaluator: inProcessEvaluator,
      });
      summary = await engine.run();
    } finally {
      await opened.close();
    }
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('reports the store and sends no write after the failure', () => {
    expect(store.failedAt).toBeDefined();
    expect(summary.ok).toBe(false);
    expect(summary.storeError).toMatch(/store unavailable/);
    const writes = pair.writes();
    const all = [...writes.po, ...writes.woo];
    expect(all.length).toBeGreaterThan(0);
    // A request the client sent just before the failure can reach the sandbox (same process)
    // some milliseconds later on a busy machine; what the rate limiter would release after
    // it comes one slot (100 ms at 10/s) after another, so a write that was not cancelled
    // shows up beyond the first slot.
    const late = all.filter((r) => startOf(r) > store.failedAt! + 100);
    expect(late.map((r) => `${r.method} ${r.path} +${startOf(r) - store.failedAt!} ms`)).toEqual([]);
  });

  it('with the store back, the next run completes without duplicates', async () => {
    const next = await pair.sync();
    expect(next.ok).toBe(true);
    const po = pair.po.state;
    const refs = [...po.customers.values()]
      .map((c) => (c as Record<string, unknown>).ExternalImportReference)
      .filter((r) => r !== undefined && r !== null && r !== '');
    expect(new Set(refs).size).toBe(refs.length);
  });
});
