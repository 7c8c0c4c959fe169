/**
 * A locked SQLite file (engine/store/sqlite-connection.ts): while another connection holds
 * the write lock, a store write waits with timers, never on the main thread, so the event
 * loop keeps running; the write goes through once the lock is released, or fails with
 * SQLITE_BUSY once its busy timeout has passed.
 *
 * No timing luck: the lock is released by a timer callback after it has run five times, so
 * the write can only succeed if the event loop ran while the write was waiting (a busy wait
 * on the main thread would keep the lock held until the write gave up and failed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { SqliteConnection } from '../../engine/store/sqlite-connection.ts';

const dirs: string[] = [];
const closers: Array<() => unknown> = [];

function path(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-busy-'));
  dirs.push(dir);
  return join(dir, 'state.sqlite');
}

/** A second connection to `file` that takes the write lock (BEGIN IMMEDIATE) and writes a row. */
function lockHolder(file: string): Database.Database {
  const holder = new Database(file);
  closers.push(() => holder.close());
  holder.exec('BEGIN IMMEDIATE');
  holder.prepare('INSERT INTO keyv (key, value) VALUES (?, ?)').run('ns:held', '{"value":"held"}');
  return holder;
}

/** Calls `tick(n)` every 5 ms until it returns true; resolves with the number of ticks. */
function ticker(tick: (n: number) => boolean): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    const timer = setInterval(() => {
      n += 1;
      if (tick(n)) {
        clearInterval(timer);
        resolve(n);
      }
    }, 5);
    closers.push(() => clearInterval(timer));
  });
}

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SQLite store on a locked file', () => {
  it('waits without blocking the event loop, and writes once the lock is released', async () => {
    const file = path();
    const store: StoreBackend = openStore(`sqlite://${file}`);
    closers.push(() => store.close());
    const ns = store.namespace<string>('ns');
    await ns.set('before', 'one');

    const holder = lockHolder(file);
    let settled = false;
    const write = store.writeMany([{ namespace: 'ns', key: 'k', value: 'v' }]).finally(() => {
      settled = true;
    });
    const set = ns.set('single', 'two');
    // Reads go on meanwhile (WAL): the holder's uncommitted row is not seen.
    expect(await ns.get('before')).toBe('one');
    expect(await ns.get('held')).toBeUndefined();
    let settledAtRelease = true;
    await ticker((n) => {
      if (n < 5) return false;
      settledAtRelease = settled;
      holder.exec('COMMIT');
      return true;
    });
    expect(settledAtRelease).toBe(false);
    await write;
    await set;
    expect(await ns.getMany(['k', 'single', 'held', 'before'])).toEqual(['v', 'two', 'held', 'one']);
  });

  it('keeps writes in call order while they wait out a lock: the later value stays', async () => {
    const file = path();
    const connection = new SqliteConnection(file, 'keyv', 15_000);
    closers.push(() => connection.close());
    await connection.ready();
    const holder = lockHolder(file);
    const upsert =
      'INSERT INTO keyv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value';
    const first = connection.query(upsert, 'ns:k', '"first"');
    // Long enough for the first write's retries to space out (up to 50 ms apart) ...
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = connection.query(upsert, 'ns:k', '"second"');
    // ... so that, on its own, the second write's first retry (1 ms) would come first.
    holder.exec('COMMIT');
    await Promise.all([first, second]);
    expect(await connection.query('SELECT value FROM keyv WHERE key = ?', 'ns:k')).toEqual([
      { value: '"second"' },
    ]);
  });

  it('fails with SQLITE_BUSY once the busy timeout has passed, the loop running meanwhile; the statement works again later', async () => {
    const file = path();
    const busyTimeout = 300;
    const connection = new SqliteConnection(file, 'keyv', busyTimeout);
    closers.push(() => connection.close());
    await connection.ready();
    const holder = lockHolder(file);
    const sql = 'INSERT INTO keyv (key, value) VALUES (?, ?)';

    let settled = false;
    const ticks = ticker(() => settled);
    const started = performance.now();
    const failure = await connection.query(sql, 'ns:k', '{"value":1}').then(
      () => undefined,
      (error: unknown) => error,
    );
    const elapsed = performance.now() - started;
    settled = true;
    expect(failure).toMatchObject({ code: 'SQLITE_BUSY', message: 'SQLITE_BUSY: database is locked' });
    expect(elapsed).toBeGreaterThanOrEqual(busyTimeout);
    // The interval ran while the statement waited (a busy wait on the main thread: 0 ticks).
    expect(await ticks).toBeGreaterThanOrEqual(3);

    holder.exec('COMMIT');
    await connection.query(sql, 'ns:k', '{"value":1}');
    expect(await connection.query('SELECT key FROM keyv ORDER BY key')).toEqual([
      { key: 'ns:held' },
      { key: 'ns:k' },
    ]);
  });
});
