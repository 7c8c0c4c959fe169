/**
 * One connection to a SQLite file, with its statements prepared once and reused.
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
 *
 * The store shares one connection between all its namespaces (open-store.ts): with one
 * connection per namespace every write through one connection emptied the page cache of
 * the others (SQLite resets a connection's cache when another one has changed the file), so
 * the next statement on each re-read its pages — about a quarter of the store's CPU.
 */
import sqlite3 from 'sqlite3';

/** Prepared statements kept per connection (SQL texts; writeMany's vary with the row count). */
export const MAX_STATEMENTS = 64;

export class SqliteConnection {
  private readonly connected: Promise<sqlite3.Database>;
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();
  private closed: Promise<void> | undefined;

  /** `file`: the SQLite file's path; `table`: created when missing (@keyv/sqlite's layout). */
  constructor(file: string, table: string, busyTimeout?: number) {
    this.connected = new Promise<sqlite3.Database>((resolve, reject) => {
      const database = new sqlite3.Database(file, (error) => {
        if (error) return reject(error);
        if (busyTimeout) database.configure('busyTimeout', busyTimeout);
        resolve(database);
      });
    }).then(async (database) => {
      await run(database, `CREATE TABLE IF NOT EXISTS ${table}(key VARCHAR(255) PRIMARY KEY, value TEXT )`);
      return database;
    });
  }

  /** Resolves once the file is open and the table exists; rejects when it cannot be. */
  ready(): Promise<unknown> {
    return this.connected;
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

  /** Finalize the statements and close the file (once; later calls wait for the first). */
  close(): Promise<void> {
    this.closed ??= this.closeNow();
    return this.closed;
  }

  private async closeNow(): Promise<void> {
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
