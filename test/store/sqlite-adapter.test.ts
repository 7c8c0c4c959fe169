/**
 * The SQLite store's adapter (engine/store/sqlite-adapter.ts): @keyv/sqlite's table and
 * rows, checked literally (a file written by either reads back through the other; the
 * package itself is no dependency), statements prepared once and reused, and a failing
 * statement never stuck to its SQL text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Keyv from 'keyv';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteAdapter } from '../../engine/store/sqlite-adapter.ts';
import { MAX_STATEMENTS } from '../../engine/store/sqlite-connection.ts';

const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];

function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-adapter-'));
  dirs.push(dir);
  return join(dir, 'state.sqlite');
}

function adapter(path: string): SqliteAdapter {
  const a = new SqliteAdapter({ uri: `sqlite://${path}` });
  closers.push(() => a.disconnect());
  return a;
}

afterEach(async () => {
  for (const close of closers.splice(0)) await close().catch(() => {});
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const statementsOf = (a: SqliteAdapter) =>
  (a.connection as unknown as { statements: Map<string, unknown> }).statements;

describe('SqliteAdapter', () => {
  // @keyv/sqlite's layout, in our words: one table `keyv` whose column `key` (VARCHAR(255),
  // the primary key) holds "<namespace>:<key>" and whose column `value` (TEXT) holds keyv's
  // serialized entry, {"value":…} plus "expires" when it has a TTL. A file written by either
  // must read back through the other, so the DDL text and the rows are checked literally.
  const KEYV_SQLITE_DDL = 'CREATE TABLE keyv(key VARCHAR(255) PRIMARY KEY, value TEXT )';

  it("creates @keyv/sqlite's table, and stores its rows", async () => {
    const path = file();
    const ours = new Keyv({ store: adapter(path), namespace: 'ns' });
    await ours.set('a', { v: 1, s: 'é"' });
    await ours.set('b', ['x', null], 60_000);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()).toEqual([
        { type: 'table', name: 'keyv', sql: KEYV_SQLITE_DDL },
        { type: 'index', name: 'sqlite_autoindex_keyv_1', sql: null },
      ]);
      const rows = raw
        .prepare('SELECT key, value, typeof(key) AS k, typeof(value) AS v FROM keyv ORDER BY key')
        .all() as Array<{ key: string; value: string; k: string; v: string }>;
      expect(rows[0]).toEqual({ key: 'ns:a', value: '{"value":{"v":1,"s":"é\\""}}', k: 'text', v: 'text' });
      expect(rows[1]).toMatchObject({ key: 'ns:b', k: 'text', v: 'text' });
      expect(rows[1]!.value).toMatch(/^\{"value":\["x",null\],"expires":\d{13}\}$/);
      expect(rows).toHaveLength(2);
    } finally {
      raw.close();
    }
  });

  it('reads, iterates and deletes the rows of a file in that layout written by another program', async () => {
    const path = file();
    const other = new Database(path);
    other.exec(KEYV_SQLITE_DDL);
    const insert = other.prepare('INSERT INTO keyv (key, value) VALUES (?, ?)');
    insert.run('ns:a', '{"value":{"v":1}}');
    insert.run('ns:b', '{"value":["x",null]}');
    insert.run('other:a', '{"value":"not ns"}');
    other.close();
    const ours = new Keyv({ store: adapter(path), namespace: 'ns' });
    expect(await ours.get('a')).toEqual({ v: 1 });
    expect(await ours.getMany(['b', 'missing', 'a'])).toEqual([['x', null], undefined, { v: 1 }]);
    const keys: string[] = [];
    for await (const [key] of ours.iterator!(undefined)) keys.push(key as string);
    expect(keys.sort()).toEqual(['a', 'b']);
    expect(await ours.delete('a')).toBe(true);
    expect(await ours.delete('a')).toBe(false);
    expect(await ours.get('a')).toBeUndefined();
  });

  it('prepares a statement once and reuses it, also for calls running at the same time', async () => {
    const a = adapter(file());
    await a.set('k1', 'one');
    await a.set('k2', 'two');
    const size = statementsOf(a).size;
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => a.get(i % 2 ? 'k1' : 'k2')));
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 'one' : 'two')));
    expect(statementsOf(a).size).toBe(size + 1);
  });

  it('keeps at most MAX_STATEMENTS statements', async () => {
    const a = adapter(file());
    for (let i = 0; i < MAX_STATEMENTS + 10; i++)
      expect(await a.query(`SELECT ${i} AS n`)).toEqual([{ n: i }]);
    expect(statementsOf(a).size).toBe(MAX_STATEMENTS);
  });

  it('rejects a statement that fails, and prepares it again next time', async () => {
    const a = adapter(file());
    await expect(a.query('SELEC 1')).rejects.toThrow(/^SQLITE_ERROR: near "SELEC": syntax error$/);
    await expect(a.query('SELEC 1')).rejects.toThrow(/syntax error/);
    await expect(a.query('SELECT * FROM later')).rejects.toThrow(/^SQLITE_ERROR: no such table: later$/);
    expect(statementsOf(a).size).toBe(0);
    await a.query('CREATE TABLE later(x)');
    await a.query('INSERT INTO later VALUES (?)', 7);
    expect(await a.query('SELECT * FROM later')).toEqual([{ x: 7 }]);
  });
});
