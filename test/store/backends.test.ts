/** The store contract (contract.ts) on every backend: memory, SQLite and PostgreSQL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { postgresExec, postgresMissing, postgresStoreUri } from '../services.ts';
import { storeContract } from './contract.ts';

const opened: StoreBackend[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
const track = (store: StoreBackend) => {
  opened.push(store);
  return store;
};

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

storeContract({ name: 'memory', open: async () => track(openStore('memory://')) });

const sqliteFiles = new Map<StoreBackend, string>();
storeContract({
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-contract-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const uri = `sqlite://${join(dir, 'state.sqlite')}`;
    const store = track(openStore(uri));
    sqliteFiles.set(store, uri);
    return store;
  },
  reopen: (store) => openStore(sqliteFiles.get(store)!),
  async poison(store) {
    // SQLite cannot add a CHECK to a table; a trigger refuses the row inside the statement.
    const adapter = sqliteAdapterOf(store);
    await adapter.query(
      "CREATE TRIGGER IF NOT EXISTS poison BEFORE INSERT ON keyv WHEN NEW.value LIKE '%POISON%' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END",
    );
  },
});

/** The SQLite adapter (sqlite-adapter.ts) behind a store (its connection runs the trigger DDL). */
function sqliteAdapterOf(store: StoreBackend): { query(sql: string): Promise<unknown> } {
  const ns = store.namespace('mapsync.v1.customer.links') as unknown as {
    keyv: { opts: { store: { query(sql: string): Promise<unknown> } } };
  };
  return ns.keyv.opts.store;
}

const pgMissing = await postgresMissing();
const pgUris = new Map<StoreBackend, string>();
const pgSchemas = new Map<StoreBackend, string>();
storeContract({
  name: 'postgresql',
  ...(pgMissing ? { missing: pgMissing } : {}),
  async open() {
    const location = postgresStoreUri();
    cleanups.push(() => location.drop());
    const store = track(openStore(location.uri));
    pgUris.set(store, location.uri);
    pgSchemas.set(store, location.schema);
    return store;
  },
  reopen: (store) => openStore(pgUris.get(store)!),
  async poison(store) {
    const schema = pgSchemas.get(store)!;
    await store.namespace('mapsync.v1.customer.links').get('make-sure-the-table-exists');
    await postgresExec(
      `ALTER TABLE "${schema}".keyv ADD CONSTRAINT poison CHECK (value NOT LIKE '%POISON%')`,
    );
  },
});
