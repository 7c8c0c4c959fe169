/**
 * A store wrapper for the engine's unit tests that journals every operation (kind,
 * namespace, keys) in order, so tests can count statements per record and check that an
 * intent is stored before its create and a link right after it.
 */
import type { NamespaceStore, StateBackend, StoreWrite } from '../../../engine/store/sync-state.ts';

export interface StoreOp {
  op: 'get' | 'getMany' | 'set' | 'delete' | 'deleteMany' | 'entries' | 'writeMany';
  keys: string[];
}

export class CountingBackend implements StateBackend {
  readonly journal: StoreOp[] = [];

  constructor(
    private readonly inner: StateBackend,
    /** Every operation is also reported here (to interleave with connector calls). */
    private readonly onOp: (op: StoreOp) => void = () => {},
  ) {}

  get description(): string {
    return `counting(${this.inner.description})`;
  }

  private note(op: StoreOp['op'], keys: string[]): void {
    const entry = { op, keys };
    this.journal.push(entry);
    this.onOp(entry);
  }

  namespace<V>(name: string): NamespaceStore<V> {
    const ns = this.inner.namespace<V>(name);
    const key = (k: string) => `${name}:${k}`;
    const counted =
      <A extends unknown[], R>(op: StoreOp['op'], keys: (...args: A) => string[], fn: (...args: A) => R) =>
      (...args: A): R => {
        this.note(op, keys(...args));
        return fn(...args);
      };
    return {
      get: counted(
        'get',
        (k: string) => [key(k)],
        (k: string) => ns.get(k),
      ),
      getMany: counted(
        'getMany',
        (ks: readonly string[]) => ks.map(key),
        (ks: readonly string[]) => ns.getMany(ks),
      ),
      set: counted(
        'set',
        (k: string, _v: V) => [key(k)],
        (k: string, v: V) => ns.set(k, v),
      ),
      delete: counted(
        'delete',
        (k: string) => [key(k)],
        (k: string) => ns.delete(k),
      ),
      ...(ns.deleteMany
        ? {
            deleteMany: counted(
              'deleteMany',
              (ks: readonly string[]) => ks.map(key),
              (ks: readonly string[]) => ns.deleteMany!(ks),
            ),
          }
        : {}),
      entries: counted(
        'entries',
        () => [name],
        () => ns.entries(),
      ),
    };
  }

  writeMany(writes: readonly StoreWrite[]): Promise<void> {
    this.note(
      'writeMany',
      writes.map((w) => `${w.namespace}:${w.key}`),
    );
    return this.inner.writeMany ? this.inner.writeMany(writes) : Promise.resolve();
  }

  /** Operations since `mark` (an index into the journal). */
  since(mark: number): StoreOp[] {
    return this.journal.slice(mark);
  }
}
