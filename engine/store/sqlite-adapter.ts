/**
 * The keyv adapter of the SQLite store: @keyv/sqlite's table, rows and SQL (a store written
 * by either reads back through the other), with its statements prepared once per connection
 * and reused.
 *
 * @keyv/sqlite runs every call through `Database#all(sql, …)`, which prepares the statement,
 * runs it once and finalizes it: on a 5-line order (2–3 store calls) preparing was about
 * half of the store's CPU (bench/engine-cost.ts). Here a connection keeps its prepared
 * statements by SQL text (at most MAX_STATEMENTS, the oldest finalized first): node-sqlite3
 * resets and rebinds a statement on every run and queues the runs of one statement, so
 * concurrent calls with the same SQL wait for each other instead of sharing state. A
 * statement that failed is finalized and dropped (the next call prepares it again), so an
 * error never sticks to a SQL text; SQLite re-prepares a statement itself after a schema
 * change.
 */
import EventEmitter from 'node:events';
import sqlite3 from 'sqlite3';

export interface SqliteAdapterOptions {
  /** `sqlite://<file>` */
  uri: string;
  busyTimeout?: number;
  /** Rows read per query while iterating a namespace (default 10, as @keyv/sqlite). */
  iterationLimit?: number;
}

/** Prepared statements kept per connection (SQL texts; writeMany's vary with the row count). */
export const MAX_STATEMENTS = 64;

type Row = { key: string; value: string };

export class SqliteAdapter extends EventEmitter {
  readonly ttlSupport = false;
  /** Set by keyv: the namespace this adapter serves. */
  namespace?: string;
  /** `dialect: 'sqlite'` makes keyv offer iteration (keyv's list of iterable adapters). */
  readonly opts: { dialect: 'sqlite'; uri: string; table: string; iterationLimit: number };
  private readonly connected: Promise<sqlite3.Database>;
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();

  constructor(options: SqliteAdapterOptions) {
    super();
    this.opts = {
      dialect: 'sqlite',
      uri: options.uri,
      table: 'keyv',
      iterationLimit: options.iterationLimit ?? 10,
    };
    const file = options.uri.replace(/^sqlite:\/\//, '');
    this.connected = new Promise<sqlite3.Database>((resolve, reject) => {
      const database = new sqlite3.Database(file, (error) => {
        if (error) return reject(error);
        if (options.busyTimeout) database.configure('busyTimeout', options.busyTimeout);
        resolve(database);
      });
    }).then(async (database) => {
      await run(
        database,
        `CREATE TABLE IF NOT EXISTS ${this.opts.table}(key VARCHAR(255) PRIMARY KEY, value TEXT )`,
      );
      return database;
    });
    this.connected.catch((error) => this.emit('error', error));
  }

  /** Run `sql` with `params` on a prepared statement of this connection; the rows it returns. */
  async query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.prepare(sql);
      this.statements.set(sql, prepared);
      if (this.statements.size > MAX_STATEMENTS) {
        const [oldest, old] = this.statements.entries().next().value!;
        this.statements.delete(oldest);
        void old.then(finalize, () => {});
      }
    }
    const entry = prepared;
    const drop = () => {
      if (this.statements.get(sql) !== entry) return;
      this.statements.delete(sql);
      void entry.then(finalize, () => {});
    };
    let statement: sqlite3.Statement;
    try {
      statement = await entry;
    } catch (error) {
      drop();
      throw error;
    }
    return new Promise((resolve, reject) => {
      statement.all(params, (error: Error | null, rows: T[]) => {
        if (!error) return resolve(rows);
        drop();
        reject(error);
      });
    });
  }

  private async prepare(sql: string): Promise<sqlite3.Statement> {
    const database = await this.connected;
    return new Promise((resolve, reject) => {
      const statement = database.prepare(sql, (error: Error | null) =>
        error ? reject(error) : resolve(statement),
      );
    });
  }

  async get(key: string): Promise<string | undefined> {
    const rows = await this.query<Row>(`SELECT * FROM ${this.opts.table} WHERE key = ?`, key);
    return rows[0]?.value;
  }

  async getMany(keys: string[]): Promise<Array<string | undefined>> {
    const rows = await this.query<Row>(
      `SELECT * FROM ${this.opts.table} WHERE key IN (SELECT value FROM json_each(?))`,
      JSON.stringify(keys),
    );
    const byKey = new Map(rows.map((row) => [row.key, row.value]));
    return keys.map((key) => byKey.get(key));
  }

  async set(key: string, value: string): Promise<unknown> {
    return this.query(
      `INSERT INTO ${this.opts.table} (key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`,
      key,
      value,
    );
  }

  async delete(key: string): Promise<boolean> {
    const rows = await this.query<Row>(`DELETE FROM ${this.opts.table} WHERE key = ? RETURNING key`, key);
    return rows.length > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    const rows = await this.query<Row>(
      `DELETE FROM ${this.opts.table} WHERE key IN (SELECT value FROM json_each(?)) RETURNING key`,
      JSON.stringify(keys),
    );
    return rows.length > 0;
  }

  async clear(): Promise<void> {
    await this.query(
      `DELETE FROM ${this.opts.table} WHERE key LIKE ?`,
      this.namespace ? `${this.namespace}:%` : '%',
    );
  }

  async has(key: string): Promise<boolean> {
    const rows = await this.query<Row>(`SELECT key FROM ${this.opts.table} WHERE key = ?`, key);
    return rows.length > 0;
  }

  /** [key, value] of every row of `namespace`, iterationLimit rows per query. */
  async *iterator(namespace?: string): AsyncGenerator<[string, string], void, unknown> {
    const limit = this.opts.iterationLimit;
    const pattern = `${namespace ? `${namespace}:` : ''}%`;
    for (let offset = 0; ; ) {
      const rows = await this.query<Row>(
        `SELECT * FROM ${this.opts.table} WHERE key LIKE ? LIMIT ? OFFSET ?`,
        pattern,
        limit,
        offset,
      );
      if (rows.length === 0) return;
      for (const row of rows) {
        offset += 1;
        yield [row.key, row.value];
      }
    }
  }

  async disconnect(): Promise<void> {
    const database = await this.connected;
    const statements = [...this.statements.values()];
    this.statements.clear();
    await Promise.all(statements.map((s) => s.then(finalize, () => {})));
    await new Promise<void>((resolve, reject) =>
      database.close((error) => (error ? reject(error) : resolve())),
    );
  }
}

/** Finalize (queued after the statement's pending runs); never fails. */
function finalize(statement: sqlite3.Statement): Promise<void> {
  return new Promise((resolve) => statement.finalize(() => resolve()));
}

function run(database: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => database.run(sql, (error) => (error ? reject(error) : resolve())));
}
