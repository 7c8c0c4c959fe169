/**
 * A link store wrapper that counts every operation (benchmark 3: store operations per
 * order) and can be switched to failing (chaos: the store becomes unavailable mid-run):
 * every later operation throws a `StoreError`, as a dead SQLite file or a lost database
 * connection would make keyv do. It also keeps a journal of writes with their time, so the
 * chaos run can check that no create reached PowerOffice without its intent stored first.
 */
import { StoreError } from '../../engine/errors.ts';
import type { NamespaceStore, StateBackend, StoreWrite } from '../../engine/store/sync-state.ts';

export interface StoreOps {
  get: number;
  getMany: number;
  set: number;
  delete: number;
  entries: number;
  /** Several entries (of several namespaces) written in one statement. */
  writeMany: number;
  deleteMany: number;
}

export interface JournalEntry {
  at: number;
  op: 'set' | 'delete';
  namespace: string;
  key: string;
}

export class CountingStore implements StateBackend {
  readonly ops: StoreOps = { get: 0, getMany: 0, set: 0, delete: 0, entries: 0, writeMany: 0, deleteMany: 0 };
  readonly journal: JournalEntry[] = [];
  /** When set, the store fails from the operation after this many more have succeeded. */
  failAfterOps: number | undefined;
  failedAt: number | undefined;
  /** Operations refused since the store went down. */
  refused = 0;
  keepJournal = false;

  constructor(private readonly inner: StateBackend & { close?(): Promise<void> }) {}

  get description(): string {
    return `counting(${this.inner.description})`;
  }

  total(): number {
    const o = this.ops;
    return o.get + o.getMany + o.set + o.delete + o.entries + o.writeMany + o.deleteMany;
  }

  private check(what: string, namespace: string): void {
    if (this.failAfterOps !== undefined) {
      if (this.failAfterOps <= 0) {
        this.failedAt ??= Date.now();
        this.refused++;
        throw new StoreError(
          `store ${what} failed for ${namespace}: SQLITE_IOERR: disk I/O error (injected)`,
        );
      }
      this.failAfterOps--;
    }
  }

  namespace<V>(name: string): NamespaceStore<V> {
    const ns = this.inner.namespace<V>(name);
    const self = this;
    return {
      async get(key) {
        self.check('read', name);
        self.ops.get++;
        return ns.get(key);
      },
      async getMany(keys) {
        self.check('read', name);
        self.ops.getMany++;
        return ns.getMany(keys);
      },
      async set(key, value) {
        self.check('write', name);
        self.ops.set++;
        await ns.set(key, value);
        if (self.keepJournal) self.journal.push({ at: Date.now(), op: 'set', namespace: name, key });
      },
      async delete(key) {
        self.check('delete', name);
        self.ops.delete++;
        await ns.delete(key);
        if (self.keepJournal) self.journal.push({ at: Date.now(), op: 'delete', namespace: name, key });
      },
      ...(ns.deleteMany
        ? {
            async deleteMany(keys: readonly string[]) {
              self.check('delete', name);
              self.ops.deleteMany++;
              await ns.deleteMany!(keys);
              if (self.keepJournal)
                for (const key of keys)
                  self.journal.push({ at: Date.now(), op: 'delete', namespace: name, key });
            },
          }
        : {}),
      async *entries() {
        self.check('iteration', name);
        self.ops.entries++;
        yield* ns.entries();
      },
    };
  }

  async writeMany(writes: readonly StoreWrite[]): Promise<void> {
    this.check('write', writes[0]?.namespace ?? '');
    this.ops.writeMany++;
    if (this.inner.writeMany) await this.inner.writeMany(writes);
    else for (const w of writes) await this.inner.namespace<unknown>(w.namespace).set(w.key, w.value);
    if (this.keepJournal) {
      const at = Date.now();
      for (const w of writes) this.journal.push({ at, op: 'set', namespace: w.namespace, key: w.key });
    }
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
