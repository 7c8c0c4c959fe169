/**
 * Opens the configured store. `MAPSYNC_STORE` (or `store:` in mapsync.yaml) is a URI:
 * - `sqlite://data/mapsync.sqlite` (default): a SQLite file, WAL journal. `synchronous=NORMAL`
 *   keeps every committed write across a process crash (SIGKILL); only an OS crash or power
 *   loss could lose the last transactions. Its folder, file modes (0700/0600) and identity
 *   (a file deleted or replaced under the process) are store-file.ts's.
 * - `memory://`: in-process, for tests and `mapsync plan` dry runs against a copy.
 * - `postgresql://…` (or `postgres://…`): PostgreSQL through @keyv/postgres, for a fleet of
 *   processes sharing one store of record (postgres-backend.ts).
 * Every backend passes the same contract (test/store/contract.ts).
 *
 * Each namespace gets its own adapter because keyv iterates by the adapter's namespace, and
 * an adapter shared between namespaces would iterate the wrong one. SQLite's adapter
 * (sqlite-adapter.ts) is @keyv/sqlite's table and SQL; a store's adapters share one
 * better-sqlite3 connection with its statements prepared once (sqlite-connection.ts).
 */
import { resolve } from 'node:path';
import type { KeyvStoreAdapter } from 'keyv';
import { ConfigError, StoreError } from '../errors.ts';
import { FenceTable, isDelete } from './fencing.ts';
import { KeyvNamespace } from './keyv-namespace.ts';
import { assertPrefix, postgresBackend } from './postgres-backend.ts';
import { SqliteAdapter } from './sqlite-adapter.ts';
import { SqliteCheckpointer } from './sqlite-checkpointer.ts';
import { SqliteConnection } from './sqlite-connection.ts';
import type { StoreBackend } from './store-backend.ts';
import { StoreFile, type StoreFileOptions } from './store-file.ts';
import type { StoreWrite } from './sync-state.ts';

export type { StoreBackend } from './store-backend.ts';

export function openStore(uri: string, cwd = process.cwd(), options: StoreFileOptions = {}): StoreBackend {
  if (uri === 'memory://' || uri === 'memory:') return memoryBackend();
  if (uri.startsWith('sqlite://'))
    return sqliteBackend(new StoreFile(resolve(cwd, uri.slice('sqlite://'.length)), options));
  if (uri.startsWith('postgresql://') || uri.startsWith('postgres://')) return postgresBackend(uri);
  throw new ConfigError(
    'CFG_STORE_UNSUPPORTED',
    `store "${uri.replace(/\/\/[^@/]*@/, '//***@')}" is not supported: use sqlite://PATH, postgresql://… or memory://`,
  );
}

/**
 * A Map that refuses every call once its store is closed, as a closed database does, so
 * that code under test on `memory://` meets the same failures as on SQLite or PostgreSQL.
 */
class ClosableMap extends Map<unknown, unknown> {
  constructor(private readonly isClosed: () => boolean) {
    super();
  }
  private check(): void {
    if (this.isClosed()) throw new Error('the memory store is closed');
  }
  override get(key: unknown) {
    this.check();
    return super.get(key);
  }
  override set(key: unknown, value: unknown) {
    this.check();
    return super.set(key, value);
  }
  override delete(key: unknown) {
    this.check();
    return super.delete(key);
  }
  override entries() {
    this.check();
    return super.entries();
  }
  override [Symbol.iterator]() {
    this.check();
    return super[Symbol.iterator]();
  }
}

function memoryBackend(): StoreBackend {
  let closed = false;
  const fences = new FenceTable();
  const namespaces = new Map<string, { ns: KeyvNamespace<unknown>; map: ClosableMap }>();
  const open = (name: string) => {
    let entry = namespaces.get(name);
    if (!entry) {
      const map = new ClosableMap(() => closed);
      entry = { ns: new KeyvNamespace<unknown>(name, map), map };
      namespaces.set(name, entry);
    }
    return entry;
  };
  return {
    description: 'memory',
    namespace: <V>(name: string) => open(name).ns as KeyvNamespace<V>,
    /** Serialised first (the only step that can fail), then stored without a pause: all or none. */
    async writeMany(writes) {
      const rows = await Promise.all(writes.map((w) => open(w.namespace).ns.row(w.key, w.value)));
      if (closed) throw new StoreError('store write failed: the memory store is closed');
      writes.forEach((w, i) => {
        open(w.namespace).map.set(rows[i]![0], rows[i]![1]);
      });
    },
    /** Serialised first, then checked and applied without a pause (one thread): all or none. */
    async writeFenced(ops, held) {
      const rows = await Promise.all(
        ops.map((op) => (isDelete(op) ? undefined : open(op.namespace).ns.row(op.key, op.value))),
      );
      if (closed) throw new StoreError('store write failed: the memory store is closed');
      fences.admit(held);
      ops.forEach((op, i) => {
        const { map } = open(op.namespace);
        if (isDelete(op)) map.delete(`${op.namespace}:${op.key}`);
        else map.set(rows[i]![0], rows[i]![1]);
      });
    },
    async dropNamespaces(prefix) {
      assertPrefix(prefix);
      if (closed) throw new StoreError('store delete failed: the memory store is closed');
      let count = 0;
      for (const [name, { map }] of namespaces) {
        if (!name.startsWith(prefix)) continue;
        count += map.size;
        map.clear();
      }
      return count;
    },
    async close() {
      closed = true;
    },
  };
}

function sqliteBackend(storeFile: StoreFile): StoreBackend {
  const file = storeFile.path;
  // Every call first checks that the file is still the one opened (store-file.ts).
  const check = () => storeFile.check();
  const fences = new FenceTable();
  let fencedTail: Promise<unknown> = Promise.resolve();
  // One connection for every namespace (sqlite-connection.ts says why), opened at the
  // first use; its statements run on the main thread (better-sqlite3). WAL: other processes
  // (`mapsync links`) read while this one writes. While another connection holds the write
  // lock, a statement is tried again on timers for up to 15 s, never blocking the event loop.
  const table = 'keyv';
  let shared: SqliteConnection | undefined;
  let checkpointer: SqliteCheckpointer | undefined;
  const connection = () => {
    if (!shared) {
      const opened = new SqliteConnection(file, table, 15_000);
      // Checkpoints off the main thread (sqlite-checkpointer.ts says why); SQLite's own
      // automatic checkpoint comes back should the worker fail.
      for (const pragma of ['journal_mode=WAL', 'synchronous=NORMAL', 'wal_autocheckpoint=0'])
        void opened.query(`PRAGMA ${pragma}`).catch(() => {});
      checkpointer = new SqliteCheckpointer(file, {
        onFailure: () => void opened.query('PRAGMA wal_autocheckpoint=1000').catch(() => {}),
      });
      shared = opened;
    }
    return shared;
  };
  // writeMany's statement text per row count, built once for the usual small counts (the
  // connection keeps the statement prepared by its text).
  const upserts: string[] = [];
  const upsertSql = (count: number) => {
    const known = upserts[count];
    if (known) return known;
    const sql =
      `INSERT INTO ${table} (key, value) VALUES ${Array(count).fill('(?, ?)').join(', ')} ` +
      'ON CONFLICT(key) DO UPDATE SET value=excluded.value';
    if (count <= 16) upserts[count] = sql;
    return sql;
  };
  const namespaces = new Map<string, KeyvNamespace<unknown>>();
  // One adapter per namespace (keyv sets the namespace on its adapter), made once.
  const open = (name: string) => {
    let ns = namespaces.get(name);
    if (!ns) {
      const adapter = new SqliteAdapter({
        uri: `sqlite://${file}`,
        iterationLimit: 1000,
        connection: connection(),
      });
      adapter.on('error', () => {});
      ns = new KeyvNamespace<unknown>(name, adapter as unknown as KeyvStoreAdapter, check);
      namespaces.set(name, ns);
    }
    return ns;
  };
  return {
    description: `sqlite ${file}`,
    namespace<V>(name: string) {
      return open(name) as KeyvNamespace<V>;
    },
    /**
     * One multi-row upsert on the keyv table: one statement, so one implicit transaction —
     * all rows or none. (keyv has no setMany; the rows are exactly what keyv's `set` would
     * store, see KeyvNamespace.row.)
     */
    async writeMany(writes) {
      if (writes.length === 0) return;
      check();
      const rows = await Promise.all(writes.map((w) => open(w.namespace).row(w.key, w.value)));
      try {
        await connection().query(upsertSql(rows.length), ...rows.flat());
      } catch (error) {
        throw new StoreError(
          `store write failed for ${writes.map((w) => `${w.namespace}:${w.key}`).join(', ')}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    },
    /**
     * Fenced writes of this process run one after another (a chain), each checking its fences
     * and then writing: a stale holder can never slip its write in after a newer one's. The
     * engine never mixes writes and deletes in one call; a mixed call is applied in order.
     */
    writeFenced(ops, held) {
      const step = fencedTail.then(async () => {
        check();
        fences.admit(held);
        const writes = ops.filter((op) => !isDelete(op)) as StoreWrite[];
        if (writes.length === ops.length) return this.writeMany(writes);
        for (const op of ops) {
          if (isDelete(op)) await open(op.namespace).delete(op.key);
          else await open(op.namespace).set(op.key, op.value);
        }
      });
      fencedTail = step.catch(() => {});
      return step;
    },
    async dropNamespaces(prefix) {
      assertPrefix(prefix);
      check();
      try {
        const before = await connection().query(
          `SELECT COUNT(*) AS n FROM ${table} WHERE key LIKE ?`,
          `${prefix}%`,
        );
        await connection().query(`DELETE FROM ${table} WHERE key LIKE ?`, `${prefix}%`);
        return Number((before as Array<{ n: number }>)[0]?.n ?? 0);
      } catch (error) {
        throw new StoreError(
          `store delete failed for ${prefix}*: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
      }
    },
    async close() {
      try {
        await checkpointer?.close();
        await shared?.close();
      } catch (error) {
        throw new StoreError(`closing the store failed: ${String(error)}`, { cause: error });
      }
    },
  };
}
