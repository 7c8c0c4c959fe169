/**
 * A copy-on-write view of a store for dry runs (`mapsync plan`): reads see the real store
 * plus what the run wrote, writes stay in memory and vanish with the overlay. The real
 * store is never written, so a plan cannot advance a cursor or create a link.
 */
import type { NamespaceStore, StateBackend } from './sync-state.ts';

const DELETED = Symbol('deleted');

class OverlayNamespace<V> implements NamespaceStore<V> {
  private readonly writes = new Map<string, V | typeof DELETED>();

  constructor(private readonly base: NamespaceStore<V>) {}

  async get(key: string): Promise<V | undefined> {
    if (this.writes.has(key)) {
      const value = this.writes.get(key)!;
      return value === DELETED ? undefined : structuredClone(value);
    }
    return this.base.get(key);
  }

  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    const missing = keys.filter((key) => !this.writes.has(key));
    const fromBase = await this.base.getMany(missing);
    const baseValues = new Map(missing.map((key, i) => [key, fromBase[i]]));
    return Promise.all(keys.map((key) => (this.writes.has(key) ? this.get(key) : baseValues.get(key))));
  }

  async set(key: string, value: V): Promise<void> {
    this.writes.set(key, structuredClone(value));
  }

  async delete(key: string): Promise<void> {
    this.writes.set(key, DELETED);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.writes.set(key, DELETED);
  }

  async *entries(): AsyncGenerator<[string, V]> {
    for await (const [key, value] of this.base.entries()) {
      if (!this.writes.has(key)) yield [key, value];
    }
    for (const [key, value] of this.writes) {
      if (value !== DELETED) yield [key, structuredClone(value)];
    }
  }
}

export function overlayBackend(base: StateBackend): StateBackend {
  const namespaces = new Map<string, OverlayNamespace<unknown>>();
  const namespace = <V>(name: string): NamespaceStore<V> => {
    let ns = namespaces.get(name);
    if (!ns) {
      ns = new OverlayNamespace<unknown>(base.namespace<unknown>(name));
      namespaces.set(name, ns);
    }
    return ns as NamespaceStore<V>;
  };
  return {
    description: `dry-run overlay on ${base.description}`,
    namespace,
    async writeMany(writes) {
      for (const w of writes) await namespace<unknown>(w.namespace).set(w.key, w.value);
    },
  };
}
