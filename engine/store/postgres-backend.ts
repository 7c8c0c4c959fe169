/**
 * The link store on PostgreSQL, through keyv's own adapter (@keyv/postgres): the same rows as
 * SQLite (`key` = `<namespace>:<key>`, `value` = keyv's serialization), so docs/store-layout.md
 * holds unchanged and `mapsync links` reads either.
 *
 * `postgresql://user@host:5432/db?schema=mapsync&table=keyv&pool_max=10`: the query
 * parameters `schema` (default `mapsync`), `table` (default `keyv`) and `pool_max` (default
 * 10) are ours; everything else goes to node-postgres (the password may come from the URI or
 * from `PGPASSWORD`, like psql).
 *
 * Two things @keyv/postgres 2 does that a store of record must not, replaced here:
 * - it keeps one pool per process in a module variable and its `disconnect()` ends whichever
 *   pool was opened last: every namespace adapter here queries this store's own pool instead
 *   (`connect()` overridden), and the store ends that pool once on close;
 * - its iterator ends quietly when a query fails (so a failed listing would look like "no
 *   more links"): overridden to throw.
 */
import { createRequire } from 'node:module';
import type KeyvPostgresModule from '@keyv/postgres';
import type { KeyvStoreAdapter } from 'keyv';
import type pg from 'pg';
import { ConfigError, StoreError } from '../errors.ts';
import { isDelete, StaleFenceError } from './fencing.ts';
import { KeyvNamespace } from './keyv-namespace.ts';
import type { StoreBackend } from './store-backend.ts';
import type { StoreWrite } from './sync-state.ts';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** Keys are `<namespace>:<key>`; a tenant prefix and a long record id fit comfortably. */
const KEY_SIZE = 1024;
/** PostgreSQL's codes for "someone else created it at the same moment". */
const RACED_DDL = new Set(['23505', '42P06', '42P07']);

export interface PostgresLocation {
  /** What node-postgres gets: the URI without our own parameters. */
  connectionString: string;
  schema: string;
  table: string;
  poolMax: number;
  /** `postgresql host:port/db schema.table`, never with credentials. */
  description: string;
}

/** Parse a `postgresql://` (or `postgres://`) store URI; a located ConfigError when it is wrong. */
export function parsePostgresUri(uri: string): PostgresLocation {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError('CFG_STORE_UNSUPPORTED', 'store URI is not a valid postgresql:// URL');
  }
  const params = url.searchParams;
  const schema = params.get('schema') ?? 'mapsync';
  const table = params.get('table') ?? 'keyv';
  const poolMax = Number(params.get('pool_max') ?? 10);
  const problems: string[] = [];
  if (!IDENTIFIER.test(schema)) problems.push(`schema "${schema}" must match ${IDENTIFIER.source}`);
  if (!IDENTIFIER.test(table)) problems.push(`table "${table}" must match ${IDENTIFIER.source}`);
  if (!Number.isInteger(poolMax) || poolMax < 1 || poolMax > 100) problems.push('pool_max must be 1–100');
  if (problems.length > 0)
    throw new ConfigError('CFG_STORE_UNSUPPORTED', `store URI: ${problems.join('; ')}`);
  for (const own of ['schema', 'table', 'pool_max']) params.delete(own);
  const db = url.pathname.replace(/^\//, '') || '(default database)';
  return {
    connectionString: url.toString(),
    schema,
    table,
    poolMax,
    description: `postgresql ${url.hostname || 'localhost'}:${url.port || 5432}/${db} ${schema}.${table}`,
  };
}

/**
 * node-postgres and @keyv/postgres are loaded by the first PostgreSQL store, not with this
 * module: `openStore` imports it for every store, and the two packages (some thirty modules)
 * cost a SQLite or memory run ~60–100 ms of start-up (`mapsync sync`, bench 6).
 */
const require = createRequire(import.meta.url);
let loaded: { pg: typeof pg; Adapter: ReturnType<typeof adapterClass> } | undefined;
function postgresModules(): NonNullable<typeof loaded> {
  loaded ??= {
    pg: require('pg') as typeof pg,
    Adapter: adapterClass((require('@keyv/postgres') as { default: typeof KeyvPostgresModule }).default),
  };
  return loaded;
}

/** A @keyv/postgres adapter that uses the store's pool and never ends an iteration quietly. */
function adapterClass(KeyvPostgres: typeof KeyvPostgresModule) {
  class PooledKeyvPostgres extends KeyvPostgres {
    override async connect() {
      const { pool, ready } = this.opts as unknown as { pool: pg.Pool; ready: () => Promise<void> };
      return async (sql: string, values?: unknown[]) => {
        await ready();
        return (await pool.query(sql, values)).rows;
      };
    }

    /** The pool belongs to the store: closing one namespace must not end it. */
    override async disconnect() {}

    override async *iterator(namespace?: string): AsyncGenerator<string[], void, unknown> {
      const limit = Number(this.opts.iterationLimit) || 1000;
      const pattern = `${namespace ? `${namespace.replace(/[%_\\]/g, '\\$&')}:` : ''}%`;
      const from = `${quote(this.opts.schema!)}.${quote(this.opts.table!)}`;
      let lastKey: string | null = null;
      for (;;) {
        const rows: Array<{ key: string; value: string }> =
          lastKey === null
            ? await this.query(`SELECT key, value FROM ${from} WHERE key LIKE $1 ORDER BY key LIMIT $2`, [
                pattern,
                limit,
              ])
            : await this.query(
                `SELECT key, value FROM ${from} WHERE key LIKE $1 AND key > $2 ORDER BY key LIMIT $3`,
                [pattern, lastKey, limit],
              );
        for (const row of rows) yield [row.key, row.value];
        if (rows.length < limit) return;
        lastKey = rows[rows.length - 1]!.key;
      }
    }
  }
  return PooledKeyvPostgres;
}

/** Namespace views kept for reuse per store (least recently used dropped first). */
export const NAMESPACE_CACHE = 512;

export function postgresBackend(uri: string): StoreBackend {
  const location = parsePostgresUri(uri);
  const { pg, Adapter: PooledKeyvPostgres } = postgresModules();
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max: location.poolMax,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that the server drops (restart, failover) is reported on the pool;
  // unhandled, that event would end the process. The next query gets a fresh connection.
  pool.on('error', () => {});
  const table = `${quote(location.schema)}.${quote(location.table)}`;
  const fenceTable = `${quote(location.schema)}.${quote(fencesTableOf(location))}`;
  let created: Promise<void> | undefined;
  // Schema and table are made once per store; a failure is not remembered, so a store
  // opened while PostgreSQL is down works once it is back.
  const ready = () => {
    created ??= createTable(pool, location).catch((error) => {
      created = undefined;
      throw error;
    });
    return created;
  };
  // Namespace views hold no data (the pool and table are shared), so the cache is bounded:
  // a fleet worker serving hundreds of tenants names ~20 namespaces per tenant, about 3.5 KB
  // each, and an unbounded map kept every tenant's ever served (docs/fleet.md, bench 7).
  const namespaces = new Map<string, KeyvNamespace<unknown>>();
  const namespace = <V>(name: string): KeyvNamespace<V> => {
    let ns = namespaces.get(name);
    if (ns) {
      // Most recently used last: a Map iterates in insertion order.
      namespaces.delete(name);
      namespaces.set(name, ns);
    } else {
      const adapter = new PooledKeyvPostgres({
        schema: location.schema,
        table: location.table,
        keySize: KEY_SIZE,
        iterationLimit: 1000,
        // Read by connect() above; @keyv/postgres passes unknown options through.
        ...({ pool, ready } as object),
      });
      adapter.on('error', () => {});
      ns = new KeyvNamespace<unknown>(name, adapter as unknown as KeyvStoreAdapter);
      namespaces.set(name, ns);
      if (namespaces.size > NAMESPACE_CACHE) namespaces.delete(namespaces.keys().next().value!);
    }
    return ns as KeyvNamespace<V>;
  };
  const fail = (what: string, error: unknown): StoreError =>
    new StoreError(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  return {
    description: location.description,
    namespace,
    /**
     * One statement (so one transaction): every row or none. A key given twice keeps its
     * last value, as a sequence of `set` calls would (PostgreSQL refuses to upsert one row
     * twice in a statement).
     */
    async writeMany(writes: readonly StoreWrite[]) {
      if (writes.length === 0) return;
      const rows = new Map<string, string>();
      for (const w of writes) {
        const [key, value] = await namespace(w.namespace).row(w.key, w.value);
        rows.delete(key);
        rows.set(key, value);
      }
      try {
        await ready();
        await pool.query(
          `INSERT INTO ${table} (key, value) SELECT * FROM UNNEST($1::text[], $2::text[]) ` +
            'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
          [[...rows.keys()], [...rows.values()]],
        );
      } catch (error) {
        throw fail(
          `store write failed for ${writes.map((w) => `${w.namespace}:${w.key}`).join(', ')}`,
          error,
        );
      }
    },
    /**
     * One transaction: each fence (in key order, so two writers never deadlock) raises its
     * row's token or finds a higher one — then nothing is written (StaleFenceError); the row
     * lock it takes keeps a newer holder out until this commits. Then the rows, then deletes.
     */
    async writeFenced(ops, fences) {
      if (ops.length === 0) return;
      const rows = new Map<string, string>();
      const deletes: string[] = [];
      for (const op of ops) {
        if (isDelete(op)) {
          const key = `${op.namespace}:${op.key}`;
          rows.delete(key);
          deletes.push(key);
        } else {
          const [key, value] = await namespace(op.namespace).row(op.key, op.value);
          rows.delete(key);
          rows.set(key, value);
        }
      }
      const what = () => ops.map((op) => `${op.namespace}:${op.key}`).join(', ');
      let client: pg.PoolClient | undefined;
      // A checked-out client whose connection drops between two queries emits 'error' with no
      // query to reject: unheard, it would end the process (a worker lost to a database blip).
      // The next query fails instead, and the client is discarded, not pooled again.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
      };
      try {
        await ready();
        client = await pool.connect();
        client.on('error', onError);
        await client.query('BEGIN');
        for (const fence of [...fences].sort((a, b) => a.key.localeCompare(b.key))) {
          const raised = await client.query(
            `INSERT INTO ${fenceTable} (key, token) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE ` +
              `SET token = excluded.token WHERE ${fenceTable}.token <= excluded.token RETURNING token`,
            [fence.key, fence.token],
          );
          if (raised.rowCount === 0) throw new StaleFenceError(fence);
        }
        // A key deleted and then written again is a write; one written then deleted, a delete.
        const gone = deletes.filter((key) => !rows.has(key));
        if (gone.length > 0) await client.query(`DELETE FROM ${table} WHERE key = ANY($1::text[])`, [gone]);
        if (rows.size > 0) {
          await client.query(
            `INSERT INTO ${table} (key, value) SELECT * FROM UNNEST($1::text[], $2::text[]) ` +
              'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
            [[...rows.keys()], [...rows.values()]],
          );
        }
        await client.query('COMMIT');
      } catch (error) {
        broken ??= error instanceof StaleFenceError ? undefined : (error as Error);
        await client?.query('ROLLBACK').catch(() => {});
        if (error instanceof StaleFenceError) throw error;
        throw fail(`store write failed for ${what()}`, error);
      } finally {
        client?.removeListener('error', onError);
        client?.release(broken);
      }
    },
    async dropNamespaces(prefix: string) {
      assertPrefix(prefix);
      try {
        await ready();
        const result = await pool.query(`DELETE FROM ${table} WHERE key LIKE $1`, [`${prefix}%`]);
        return result.rowCount ?? 0;
      } catch (error) {
        throw fail(`store delete failed for ${prefix}*`, error);
      }
    },
    async close() {
      try {
        await pool.end();
      } catch (error) {
        throw fail('closing the store failed', error);
      }
    },
  };
}

async function createTable(pool: pg.Pool, location: PostgresLocation): Promise<void> {
  const schema = quote(location.schema);
  const sql = [
    `CREATE SCHEMA IF NOT EXISTS ${schema}`,
    `CREATE TABLE IF NOT EXISTS ${schema}.${quote(location.table)} (key VARCHAR(${KEY_SIZE}) PRIMARY KEY, value TEXT)`,
    // The newest fencing token that wrote, per lock (fencing.ts); never read by keyv.
    `CREATE TABLE IF NOT EXISTS ${schema}.${quote(fencesTableOf(location))} (key VARCHAR(${KEY_SIZE}) PRIMARY KEY, token BIGINT NOT NULL)`,
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      for (const statement of sql) await pool.query(statement);
      return;
    } catch (error) {
      // Two processes creating the same schema at once: the loser sees a duplicate; the
      // objects exist now, and the next attempt finds them.
      if (attempt >= 3 || !RACED_DDL.has((error as { code?: string }).code ?? '')) throw error;
    }
  }
}

/** Namespace prefixes use the namespace alphabet, so they are never LIKE wildcards. */
export function assertPrefix(prefix: string): void {
  if (!/^[a-z0-9][a-z0-9.-]*\.$/.test(prefix)) throw new Error(`invalid store namespace prefix "${prefix}"`);
}

/** The fences table beside the keyv table (`keyv_fences`). */
function fencesTableOf(location: PostgresLocation): string {
  return `${location.table.slice(0, 56)}_fences`;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
