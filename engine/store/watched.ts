/**
 * A view of a store that reports its first failure the moment it happens: every call that
 * fails with a `StoreError` is passed to `onFailure` before the error goes on to the caller.
 * The engine stops writing on it at once (run-context.ts), without waiting for the error
 * to travel up through the record that hit it.
 */
import { StoreError } from '../errors.ts';
import type { NamespaceStore, StateBackend, StoreWrite } from './sync-state.ts';

export function watchedBackend(backend: StateBackend, onFailure: (error: StoreError) => void): StateBackend {
  const seen = <T>(promise: Promise<T>): Promise<T> =>
    promise.catch((error: unknown) => {
      if (error instanceof StoreError) onFailure(error);
      throw error;
    });
  const namespaces = new Map<string, NamespaceStore<unknown>>();
  return {
    description: backend.description,
    namespace<V>(name: string): NamespaceStore<V> {
      let ns = namespaces.get(name) as NamespaceStore<V> | undefined;
      if (!ns) {
        const inner = backend.namespace<V>(name);
        ns = {
          get: (key) => seen(inner.get(key)),
          getMany: (keys) => seen(inner.getMany(keys)),
          set: (key, value) => seen(inner.set(key, value)),
          delete: (key) => seen(inner.delete(key)),
          ...(inner.deleteMany
            ? { deleteMany: (keys: readonly string[]) => seen(inner.deleteMany!(keys)) }
            : {}),
          async *entries() {
            try {
              yield* inner.entries();
            } catch (error) {
              if (error instanceof StoreError) onFailure(error);
              throw error;
            }
          },
        };
        namespaces.set(name, ns as NamespaceStore<unknown>);
      }
      return ns;
    },
    ...(backend.writeMany
      ? { writeMany: (writes: readonly StoreWrite[]) => seen(backend.writeMany!(writes)) }
      : {}),
  };
}
