/**
 * The keyv adapter of the SQLite store: @keyv/sqlite's table, rows and SQL (a store written
 * by either reads back through the other), run on a {@link SqliteConnection} (statements
 * prepared once per connection and reused). keyv sets the namespace on its adapter, so each
 * namespace has its own adapter; the store's adapters share one connection (open-store.ts).
 */
import EventEmitter from 'node:events';
import { SqliteConnection } from './sqlite-connection.ts';

export interface SqliteAdapterOptions {
  /** `sqlite://<file>` */
  uri: string;
  busyTimeout?: number;
  /** Rows read per query while iterating a namespace (default 10, as @keyv/sqlite). */
  iterationLimit?: number;
  /** A connection shared with other adapters (its owner closes it); else one of its own. */
  connection?: SqliteConnection;
}

type Row = { key: string; value: string };

export class SqliteAdapter extends EventEmitter {
  readonly ttlSupport = false;
  /** Set by keyv: the namespace this adapter serves. */
  namespace?: string;
  /** `dialect: 'sqlite'` makes keyv offer iteration (keyv's list of iterable adapters). */
  readonly opts: { dialect: 'sqlite'; uri: string; table: string; iterationLimit: number };
  readonly connection: SqliteConnection;
  private readonly ownsConnection: boolean;

  constructor(options: SqliteAdapterOptions) {
    super();
    this.opts = {
      dialect: 'sqlite',
      uri: options.uri,
      table: 'keyv',
      iterationLimit: options.iterationLimit ?? 10,
    };
    this.ownsConnection = !options.connection;
    this.connection =
      options.connection ??
      new SqliteConnection(options.uri.replace(/^sqlite:\/\//, ''), this.opts.table, options.busyTimeout);
    this.connection.ready().catch((error) => this.emit('error', error));
  }

  /** Run `sql` with `params` on the connection's prepared statement; the rows it returns. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
    return this.connection.query<T>(sql, ...params);
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

  /** Closes the connection when it is this adapter's own; a shared one is its owner's to close. */
  async disconnect(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }
}
