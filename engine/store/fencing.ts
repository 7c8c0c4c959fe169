/**
 * Fenced writes (docs/fleet.md, "Jobs, locks and fencing"). A fleet worker holds Redis locks
 * while it processes a record or runs a mapping; each lock came with a fencing token, newer
 * holders getting higher ones. Its store writes carry those tokens, and the store applies a
 * write only if, for every fence key, no higher token has written before — checked in the
 * same transaction as the write (PostgreSQL) or in the same synchronous step (memory and
 * SQLite, which serve one process). So a worker that paused past its lock (GC, a stalled
 * VM) and lost it to another cannot overwrite what the new holder wrote.
 *
 * `fencedView` gives the engine a store whose every write goes that way, with the fences of
 * the job running now (`currentFences`, the worker's AsyncLocalStorage).
 */
import { StoreError } from '../errors.ts';
import type { NamespaceStore, StateBackend, StoreWrite } from './sync-state.ts';

/** One lock's fencing token: `key` names the lock, `token` is this holder's. */
export interface Fence {
  key: string;
  token: number;
}

/** A write or a delete of one entry, as `writeFenced` applies them (in order, all or none). */
export type FencedOp = StoreWrite | { namespace: string; key: string; delete: true };

/** A backend that can check fences with its writes (every StoreBackend of open-store.ts). */
export interface FencingBackend extends StateBackend {
  writeFenced(ops: readonly FencedOp[], fences: readonly Fence[]): Promise<void>;
}

/** A write refused because a newer lock holder has written: this holder lost its lock. */
export class StaleFenceError extends StoreError {
  constructor(readonly fence: Fence) {
    super(`write refused: the lock ${fence.key} has a newer holder than token ${fence.token}`);
  }
}

export function isDelete(op: FencedOp): op is { namespace: string; key: string; delete: true } {
  return 'delete' in op;
}

/**
 * The highest tokens seen, per fence key, for one process's store (memory, SQLite): `admit`
 * checks every fence and then records them, in one synchronous step.
 */
export class FenceTable {
  private readonly newest = new Map<string, number>();

  admit(fences: readonly Fence[]): void {
    for (const fence of fences) {
      if ((this.newest.get(fence.key) ?? Number.NEGATIVE_INFINITY) > fence.token)
        throw new StaleFenceError(fence);
    }
    for (const fence of fences) this.newest.set(fence.key, fence.token);
  }
}

/**
 * The engine's store for fenced work: reads as usual, every write (set, delete, writeMany)
 * through `writeFenced` with the fences of the job running now. Outside a job (no fences)
 * writes are refused: a fleet worker never writes without holding its locks.
 */
export function fencedView(
  backend: FencingBackend,
  currentFences: () => readonly Fence[] | undefined,
): StateBackend {
  const fences = (): readonly Fence[] => {
    const now = currentFences();
    if (!now || now.length === 0) throw new StoreError('store write refused: no lock is held for it');
    return now;
  };
  const write = async (ops: readonly FencedOp[]) => backend.writeFenced(ops, fences());
  return {
    description: `${backend.description} (fenced)`,
    namespace<V>(name: string): NamespaceStore<V> {
      const inner = backend.namespace<V>(name);
      return {
        get: (key) => inner.get(key),
        getMany: (keys) => inner.getMany(keys),
        entries: () => inner.entries(),
        set: (key, value) => write([{ namespace: name, key, value }]),
        delete: (key) => write([{ namespace: name, key, delete: true }]),
        deleteMany: (keys) => write(keys.map((key) => ({ namespace: name, key, delete: true as const }))),
      };
    },
    writeMany: (writes) => write(writes),
  };
}
