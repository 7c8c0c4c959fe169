/**
 * What a store backend offers the link store (SQLite file, PostgreSQL, memory; built by
 * open-store.ts). Its own module so that the backends need not import the factory.
 */
import type { Fence, FencedOp } from './fencing.ts';
import type { KeyvNamespace } from './keyv-namespace.ts';
import type { StoreWrite } from './sync-state.ts';

export interface StoreBackend {
  /** A short description for logs and `mapsync links` (never contains credentials). */
  readonly description: string;
  namespace<V>(name: string): KeyvNamespace<V>;
  /** Several entries of several namespaces written together (see {@link StateBackend.writeMany}). */
  writeMany(writes: readonly StoreWrite[]): Promise<void>;
  /**
   * Delete every entry of every namespace whose name starts with `prefix` (which ends in
   * `.`, e.g. a tenant's `tenant.acme.`); resolves with the number of entries deleted.
   */
  dropNamespaces(prefix: string): Promise<number>;
  /**
   * Writes and deletes applied together only while every fence is the newest its key has
   * written with (fencing.ts; the fleet's workers). Memory and SQLite check in-process.
   */
  writeFenced?(ops: readonly FencedOp[], fences: readonly Fence[]): Promise<void>;
  close(): Promise<void>;
}
