/**
 * Opens the configured store. `MAPSYNC_STORE` (or `store:` in mapsync.yaml) is a URI:
 * - `sqlite://data/mapsync.sqlite` (default): a SQLite file, WAL journal. `synchronous=NORMAL`
 *   keeps every committed write across a process crash (SIGKILL); only an OS crash or power
 *   loss could lose the last transactions. Its folder, file modes (0700/0600) and identity
 *   (a file deleted or replaced under the process) are store-file.ts's.
 * - `memory://`: in-process, for tests and `mapsync plan` dry runs against a copy.
 * Other keyv adapters (Redis, PostgreSQL) plug in here when a deployment needs them.
 *
 * Each namespace gets its own adapter because keyv iterates by the adapter's namespace, and
 * an adapter shared between namespaces would iterate the wrong one.
 */
import { resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import type { KeyvStoreAdapter } from 'keyv';
import { ConfigError, StoreError } from '../errors.ts';
import { KeyvNamespace } from './keyv-namespace.ts';
import { StoreFile, type StoreFileOptions } from './store-file.ts';
import type { StoreWrite } from './sync-state.ts';

export interface StoreBackend {
  /** A short description for logs and `mapsync links` (never contains credentials). */
  readonly description: string;
  namespace<V>(name: string): KeyvNamespace<V>;
  /** Several entries of several namespaces written together (see {@link StateBackend.writeMany}). */
  writeMany(writes: readonly StoreWrite[]): Promise<void>;
  close(): Promise<void>;
}

export function openStore(uri: string, cwd = process.cwd(), options: StoreFileOptions = {}): StoreBackend {
  if (uri === 'memory://' || uri === 'memory:') return memoryBackend();
  if (uri.startsWith('sqlite://'))
    return sqliteBackend(new StoreFile(resolve(cwd, uri.slice('sqlite://'.length)), options));
  throw new ConfigError(
    'CFG_STORE_UNSUPPORTED',
    `store "${uri.replace(/\/\/[^@/]*@/, '//***@')}" is not supported: use sqlite://PATH or memory://`,
  );
}

function memoryBackend(): StoreBackend {
  const namespaces = new Map<string, KeyvNamespace<unknown>>();
  const namespace = <V>(name: string): KeyvNamespace<V> => {
    let ns = namespaces.get(name);
    if (!ns) {
      ns = new KeyvNamespace<unknown>(name, new Map());
      namespaces.set(name, ns);
    }
    return ns as KeyvNamespace<V>;
  };
  return {
    description: 'memory',
    namespace,
    async writeMany(writes) {
      for (const w of writes) await namespace(w.namespace).set(w.key, w.value);
    },
    async close() {},
  };
}

function sqliteBackend(storeFile: StoreFile): StoreBackend {
  const file = storeFile.path;
  // Every call first checks that the file is still the one opened (store-file.ts).
  const check = () => storeFile.check();
  const adapters: KeyvSqlite[] = [];
  const namespaces = new Map<string, { ns: KeyvNamespace<unknown>; adapter: KeyvSqlite }>();
  // One adapter (connection) per namespace, made once and reused by every run.
  const open = (name: string) => {
    let entry = namespaces.get(name);
    if (!entry) {
      const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 15_000, iterationLimit: 1000 });
      adapter.on('error', () => {});
      // WAL lets many connections (one per namespace) read while one writes.
      void adapter.query('PRAGMA journal_mode=WAL').catch(() => {});
      void adapter.query('PRAGMA synchronous=NORMAL').catch(() => {});
      adapters.push(adapter);
      entry = {
        ns: new KeyvNamespace<unknown>(name, adapter as unknown as KeyvStoreAdapter, check),
        adapter,
      };
      namespaces.set(name, entry);
    }
    return entry;
  };
  return {
    description: `sqlite ${file}`,
    namespace<V>(name: string) {
      return open(name).ns as KeyvNamespace<V>;
    },
    /**
     * One multi-row upsert on the keyv table, through @keyv/sqlite's own connection: one
     * statement, so one implicit transaction — all rows or none. (@keyv/sqlite 4 has no
     * setMany; the rows are exactly what keyv's `set` would store, see KeyvNamespace.row.)
     */
    async writeMany(writes) {
      if (writes.length === 0) return;
      check();
      const rows = await Promise.all(writes.map((w) => open(w.namespace).ns.row(w.key, w.value)));
      const { adapter } = open(writes[0]!.namespace);
      const sql =
        `INSERT INTO ${adapter.opts.table} (key, value) VALUES ${rows.map(() => '(?, ?)').join(', ')} ` +
        'ON CONFLICT(key) DO UPDATE SET value=excluded.value';
      try {
        await adapter.query(sql, ...rows.flat());
      } catch (error) {
        throw new StoreError(
          `store write failed for ${writes.map((w) => `${w.namespace}:${w.key}`).join(', ')}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    },
    async close() {
      const results = await Promise.allSettled(adapters.map((a) => a.disconnect()));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw new StoreError(`closing the store failed: ${String(failed.reason)}`);
    },
  };
}
