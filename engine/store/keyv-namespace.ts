/**
 * A typed, failure-loud view of one keyv namespace. Every call either succeeds or throws a
 * `StoreError`: keyv runs with `throwOnErrors`, and the few keyv paths that still swallow
 * adapter errors (getMany on adapters without a native getMany) are avoided. A failed read
 * must never look like "no link", because "no link" means "create", and that means a
 * duplicate record in somebody's accounting system.
 */
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import { StoreError } from '../errors.ts';
import { deserialize, serialize } from './keyv-serialize.ts';

export class KeyvNamespace<V> {
  private readonly keyv: Keyv<V>;
  private readonly nativeGetMany: boolean;

  constructor(
    readonly namespace: string,
    store: KeyvStoreAdapter | Map<unknown, unknown>,
    /** Checked before every call; throws a `StoreError` when the store must not be used. */
    private readonly beforeUse: () => void = () => {},
  ) {
    // keyv splits stored keys on the first ':' and SQLite's LIKE treats '_' and '%' as
    // wildcards, so namespaces are restricted to letters, digits, '.' and '-'.
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(namespace)) throw new Error(`invalid store namespace "${namespace}"`);
    // keyv's row format, written and read with the native JSON functions (keyv-serialize.ts).
    this.keyv = new Keyv<V>({ store, namespace, throwOnErrors: true, serialize, deserialize });
    // keyv also emits 'error'; without a listener Node would treat it as fatal.
    this.keyv.on('error', () => {});
    this.nativeGetMany = typeof (store as { getMany?: unknown }).getMany === 'function';
  }

  async get(key: string): Promise<V | undefined> {
    return this.guard('read', key, () => this.keyv.get(key));
  }

  /** Values in the order of `keys` (undefined where absent). */
  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    if (keys.length === 0) return [];
    if (this.nativeGetMany) {
      return this.guard('read', `${keys.length} keys`, () => this.keyv.getMany<V>([...keys]));
    }
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async set(key: string, value: V): Promise<void> {
    const ok = await this.guard('write', key, () => this.keyv.set(key, value));
    if (ok === false) throw new StoreError(`store write failed for ${this.namespace}:${key}`);
  }

  async delete(key: string): Promise<void> {
    await this.guard('delete', key, () => this.keyv.delete(key));
  }

  /** Delete several keys (one statement on adapters with a native deleteMany). */
  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.guard('delete', `${keys.length} keys`, () => this.keyv.deleteMany([...keys]));
  }

  /**
   * The row keyv stores for `key` = `value`: the prefixed key (`<namespace>:<key>`, the
   * layout of docs/store-layout.md) and keyv's own serialization of the value. For writes
   * of several namespaces in one statement (see open-store.ts `writeMany`); what is written
   * this way reads back through keyv like anything `set` wrote. Touches no store, so it does
   * not check the store either: the caller does, once for all its rows.
   */
  async row(key: string, value: V): Promise<[string, string]> {
    const serialized = await this.keyv.serializeData({ value, expires: undefined });
    if (typeof serialized !== 'string')
      throw new StoreError(`store cannot serialize ${this.namespace}:${key}`);
    return [`${this.namespace}:${key}`, serialized];
  }

  /** Every entry of the namespace, in no particular order. */
  async *entries(): AsyncGenerator<[string, V]> {
    this.beforeUse();
    if (!this.keyv.iterator) {
      throw new StoreError(`the store adapter cannot iterate namespace ${this.namespace}`);
    }
    try {
      for await (const [key, value] of this.keyv.iterator(undefined)) yield [key as string, value as V];
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`store iteration failed for ${this.namespace}: ${message(error)}`, {
        cause: error,
      });
    }
  }

  private async guard<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    this.beforeUse();
    try {
      return await fn();
    } catch (error) {
      throw new StoreError(`store ${what} failed for ${this.namespace}:${key}: ${message(error)}`, {
        cause: error,
      });
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
