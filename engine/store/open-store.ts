/**
 * Opens the configured store. `MAPSYNC_STORE` (or `store:` in mapsync.yaml) is a URI:
 * - `sqlite://data/mapsync.sqlite` (default): a SQLite file, WAL journal. `synchronous=NORMAL`
 *   keeps every committed write across a process crash (SIGKILL); only an OS crash or power
 *   loss could lose the last transactions.
 * - `memory://`: in-process, for tests and `mapsync plan` dry runs against a copy.
 * Other keyv adapters (Redis, PostgreSQL) plug in here when a deployment needs them.
 *
 * Each namespace gets its own adapter because keyv iterates by the adapter's namespace, and
 * an adapter shared between namespaces would iterate the wrong one.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import type { KeyvStoreAdapter } from 'keyv';
import { ConfigError, StoreError } from '../errors.ts';
import { KeyvNamespace } from './keyv-namespace.ts';

export interface StoreBackend {
  /** A short description for logs and `mapsync links` (never contains credentials). */
  readonly description: string;
  namespace<V>(name: string): KeyvNamespace<V>;
  close(): Promise<void>;
}

export function openStore(uri: string, cwd = process.cwd()): StoreBackend {
  if (uri === 'memory://' || uri === 'memory:') return memoryBackend();
  if (uri.startsWith('sqlite://')) return sqliteBackend(resolve(cwd, uri.slice('sqlite://'.length)));
  throw new ConfigError(
    'CFG_STORE_UNSUPPORTED',
    `store "${uri.replace(/\/\/[^@/]*@/, '//***@')}" is not supported: use sqlite://PATH or memory://`,
  );
}

function memoryBackend(): StoreBackend {
  const maps = new Map<string, Map<unknown, unknown>>();
  return {
    description: 'memory',
    namespace<V>(name: string) {
      let map = maps.get(name);
      if (!map) {
        map = new Map();
        maps.set(name, map);
      }
      return new KeyvNamespace<V>(name, map);
    },
    async close() {},
  };
}

function sqliteBackend(file: string): StoreBackend {
  mkdirSync(dirname(file), { recursive: true });
  const adapters: KeyvSqlite[] = [];
  return {
    description: `sqlite ${file}`,
    namespace<V>(name: string) {
      const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 15_000, iterationLimit: 1000 });
      adapter.on('error', () => {});
      // WAL lets many connections (one per namespace) read while one writes.
      void adapter.query('PRAGMA journal_mode=WAL').catch(() => {});
      void adapter.query('PRAGMA synchronous=NORMAL').catch(() => {});
      adapters.push(adapter);
      return new KeyvNamespace<V>(name, adapter as unknown as KeyvStoreAdapter);
    },
    async close() {
      const results = await Promise.allSettled(adapters.map((a) => a.disconnect()));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw new StoreError(`closing the store failed: ${String(failed.reason)}`);
    },
  };
}
