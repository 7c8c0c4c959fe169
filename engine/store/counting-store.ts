/**
 * A link-store wrapper for tests, benches and chaos runs (the store's counterpart of the
 * memory connector's test capability). It
 * - counts every operation by kind (`ops`, `total()`): statements per record;
 * - journals every completed operation in order (`journal`, `since(mark)`, and `onOp` to
 *   interleave them with connector calls): `{op, keys: ['<namespace>:<key>', …], at}`, so a
 *   test can check that an intent was stored before its create and a link right after;
 * - can be switched to failing (`failAfterOps`): from the operation after that many more
 *   have succeeded, every call throws a `StoreError`, as keyv does when the database is gone
 *   (`failedAt`, `refused` say when and how often).
 */
import { StoreError } from '../errors.ts';
import type { NamespaceStore, StateBackend, StoreWrite } from './sync-state.ts';

export type StoreOpKind = 'get' | 'getMany' | 'set' | 'delete' | 'deleteMany' | 'entries' | 'writeMany';

export interface StoreOp {
  op: StoreOpKind;
  /** `<namespace>:<key>` of each entry touched (`<namespace>` for an iteration). */
  keys: string[];
  /** When it completed (ms since the epoch). */
  at: number;
}

export class CountingStore implements StateBackend {
  readonly ops: Record<StoreOpKind, number> = {
    get: 0,
    getMany: 0,
    set: 0,
    delete: 0,
    deleteMany: 0,
    entries: 0,
    writeMany: 0,
  };
  readonly journal: StoreOp[] = [];
  /** When set, the store fails from the operation after this many more have succeeded. */
  failAfterOps: number | undefined;
  failedAt: number | undefined;
  /** Operations refused since the store went down. */
  refused = 0;

  constructor(
    private readonly inner: StateBackend & { close?(): Promise<void> },
    /** Every completed operation is also reported here. */
    private readonly onOp: (op: StoreOp) => void = () => {},
  ) {}

  get description(): string {
    return `counting(${this.inner.description})`;
  }

  total(): number {
    return Object.values(this.ops).reduce((a, b) => a + b, 0);
  }

  /** Operations since `mark` (an index into the journal). */
  since(mark: number): StoreOp[] {
    return this.journal.slice(mark);
  }

  /** Run one operation: refused when the store is down, else counted and journalled. */
  private async track<R>(op: StoreOpKind, keys: string[], run: () => Promise<R>): Promise<R> {
    if (this.failAfterOps !== undefined) {
      if (this.failAfterOps <= 0) {
        this.failedAt ??= Date.now();
        this.refused++;
        throw new StoreError(
          `store ${op} failed for ${keys[0] ?? ''}: SQLITE_IOERR: disk I/O error (injected)`,
        );
      }
      this.failAfterOps--;
    }
    this.ops[op]++;
    const result = await run();
    const entry = { op, keys, at: Date.now() };
    this.journal.push(entry);
    this.onOp(entry);
    return result;
  }

  namespace<V>(name: string): NamespaceStore<V> {
    const ns = this.inner.namespace<V>(name);
    const key = (k: string) => `${name}:${k}`;
    return {
      get: (k) => this.track('get', [key(k)], () => ns.get(k)),
      getMany: (ks) => this.track('getMany', ks.map(key), () => ns.getMany(ks)),
      set: (k, v) => this.track('set', [key(k)], () => ns.set(k, v)),
      delete: (k) => this.track('delete', [key(k)], () => ns.delete(k)),
      ...(ns.deleteMany
        ? {
            deleteMany: (ks: readonly string[]) =>
              this.track('deleteMany', ks.map(key), () => ns.deleteMany!(ks)),
          }
        : {}),
      entries: () => this.iterate(name, ns),
    };
  }

  private async *iterate<V>(name: string, ns: NamespaceStore<V>): AsyncGenerator<[string, V]> {
    const entries = await this.track('entries', [name], async () => ns.entries());
    yield* entries;
  }

  writeMany(writes: readonly StoreWrite[]): Promise<void> {
    return this.track(
      'writeMany',
      writes.map((w) => `${w.namespace}:${w.key}`),
      async () => {
        if (this.inner.writeMany) await this.inner.writeMany(writes);
        else for (const w of writes) await this.inner.namespace<unknown>(w.namespace).set(w.key, w.value);
      },
    );
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
