/**
 * One connection to a SQLite file, with its statements prepared once and reused.
 *
 * The connection is better-sqlite3's, which runs a statement on the calling (main) thread:
 * our statements read or write a row or a few by primary key, a few microseconds each, where
 * node-sqlite3 handed every statement to libuv's thread pool and back (80–160 µs per
 * statement, about 1 ms per 5-line order; docs/store-layout.md has the figures).
 *
 * @keyv/sqlite runs every call through `Database#all(sql, …)`, which prepares the statement,
 * runs it once and finalizes it: on a 5-line order (2–3 store calls) preparing was about
 * half of the store's CPU (bench/engine-cost.ts). Here a connection keeps its prepared
 * statements by SQL text (at most MAX_STATEMENTS, the oldest dropped first). A statement
 * runs to its end before the call returns, so calls never share a statement's state. A
 * statement that failed is dropped (the next call prepares it again), so an error never
 * sticks to a SQL text; SQLite re-prepares a statement itself after a schema change.
 *
 * Busy: while another connection (`mapsync links`, another process) holds the write lock,
 * SQLite answers SQLITE_BUSY. SQLite's own busy handler (better-sqlite3's `timeout`) would
 * sleep on the main thread, stopping the event loop for up to the whole timeout; so the
 * connection opens without one, and a busy statement is tried again after a timer (1 ms,
 * doubling up to 50 ms) until `busyTimeout` ms have passed, and then fails with SQLite's
 * SQLITE_BUSY error as before. A statement that got SQLITE_BUSY has done nothing: in
 * autocommit mode (the only mode used here) its implicit transaction is rolled back.
 *
 * The store shares one connection between all its namespaces (open-store.ts): with one
 * connection per namespace every write through one connection emptied the page cache of
 * the others (SQLite resets a connection's cache when another one has changed the file), so
 * the next statement on each re-read its pages — about a quarter of the store's CPU.
 */
import Database from 'better-sqlite3';

/** Prepared statements kept per connection (SQL texts; writeMany's vary with the row count). */
export const MAX_STATEMENTS = 64;

/** Longest wait between two tries of a busy statement, ms. */
const MAX_BACKOFF_MS = 50;

type Statement = Database.Statement<unknown[], unknown>;

export class SqliteConnection {
  /** Set once the file is open and the table exists; until then calls wait for `connected`. */
  private database: Database.Database | undefined;
  private readonly connected: Promise<Database.Database>;
  private readonly statements = new Map<string, Statement>();
  private closed: Promise<void> | undefined;
  /** Set while statements wait out a lock: the end of their line (query()). */
  private line: Promise<void> | undefined;

  /**
   * `file`: the SQLite file's path; `table`: created when missing (@keyv/sqlite's layout);
   * `busyTimeout`: how long a statement is retried while the file is locked (ms, default 0).
   */
  constructor(
    file: string,
    table: string,
    private readonly busyTimeout = 0,
  ) {
    this.connected = this.open(file, table);
    // A failed open is reported by ready() and by every query(); never unhandled here.
    this.connected.catch(() => {});
  }

  private async open(file: string, table: string): Promise<Database.Database> {
    let database: Database.Database;
    try {
      database = new Database(file, { timeout: 0 });
    } catch (error) {
      throw withCode(error);
    }
    try {
      await this.retryBusy(() =>
        database.exec(`CREATE TABLE IF NOT EXISTS ${table}(key VARCHAR(255) PRIMARY KEY, value TEXT )`),
      );
    } catch (error) {
      database.close();
      throw error;
    }
    this.database = database;
    return database;
  }

  /** Resolves once the file is open and the table exists; rejects when it cannot be. */
  ready(): Promise<unknown> {
    return this.connected;
  }

  /**
   * Run `sql` with `params` on a prepared statement of this connection; the rows it returns.
   * Writes run in call order: once one waits out a lock, later writes wait in line behind it
   * (`line`), or a later write could land first and be overwritten by the earlier one. Reads
   * never wait in line: WAL lets them run beside another connection's writer.
   */
  async query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
    const database = this.database ?? (await this.connected);
    if (this.closed) throw new TypeError('The database connection is not open');
    const started = performance.now();
    const attempt = () => this.run<T>(database, sql, params);
    if (this.line && !this.readsOnly(database, sql)) return this.inLine(attempt, started);
    try {
      return attempt();
    } catch (error) {
      if (!isBusy(error) || this.busyTimeout <= 0) throw withCode(error);
    }
    // Busy: a read waits on its own; a write starts the line.
    return this.line ? this.retryBusy(attempt, started) : this.inLine(attempt, started);
  }

  /** `attempt` retried while busy, once every write ahead of it in the line has settled. */
  private inLine<T>(attempt: () => T, started: number): Promise<T> {
    const turn = (this.line ?? Promise.resolve()).then(() => this.retryBusy(attempt, started));
    const tail = turn.then(
      () => {},
      () => {},
    );
    this.line = tail;
    void tail.then(() => {
      if (this.line === tail) this.line = undefined;
    });
    return turn;
  }

  /** Whether `sql` only reads (false when it does not prepare: it then fails in its turn). */
  private readsOnly(database: Database.Database, sql: string): boolean {
    try {
      return this.prepared(database, sql).readonly;
    } catch {
      return false;
    }
  }

  /** The cached statement for `sql`, prepared at its first use. */
  private prepared(database: Database.Database, sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = database.prepare(sql);
      this.statements.set(sql, statement);
      // better-sqlite3 finalizes a statement once it is garbage; dropping it is enough.
      if (this.statements.size > MAX_STATEMENTS) this.statements.delete(this.statements.keys().next().value!);
    }
    return statement;
  }

  /** One try of `sql`: prepared (or the cached statement) and run on the calling thread. */
  private run<T>(database: Database.Database, sql: string, params: unknown[]): T[] {
    const statement = this.prepared(database, sql);
    try {
      if (statement.reader) return statement.all(...params) as T[];
      statement.run(...params);
      return [];
    } catch (error) {
      if (this.statements.get(sql) === statement) this.statements.delete(sql);
      throw error;
    }
  }

  /**
   * `attempt()`, tried again after a timer while it fails with SQLITE_BUSY, until busyTimeout
   * ms have passed since `started`.
   */
  private async retryBusy<T>(attempt: () => T, started = performance.now()): Promise<T> {
    for (let wait = 1; ; wait = Math.min(wait * 2, MAX_BACKOFF_MS)) {
      try {
        return attempt();
      } catch (error) {
        const left = this.busyTimeout - (performance.now() - started);
        if (!isBusy(error) || left <= 0 || this.closed) throw withCode(error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, left)));
      }
    }
  }

  /** Close the file (once; later calls wait for the first). Calls made after it fail. */
  close(): Promise<void> {
    this.closed ??= this.closeNow();
    return this.closed;
  }

  private async closeNow(): Promise<void> {
    const database = await this.connected;
    this.statements.clear();
    database.close();
  }
}

/**
 * SQLite's error with its code in front of the message, as node-sqlite3 wrote it and the
 * logs have it ("SQLITE_BUSY: database is locked"); better-sqlite3 keeps the code apart.
 */
function withCode(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    error instanceof Error &&
    typeof code === 'string' &&
    code.startsWith('SQLITE_') &&
    !error.message.startsWith(code)
  )
    error.message = `${code}: ${error.message}`;
  return error;
}

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, SQLITE_BUSY_SNAPSHOT, …). */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
