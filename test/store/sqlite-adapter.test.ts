/**
 * The SQLite store's adapter (engine/store/sqlite-adapter.ts): @keyv/sqlite's table and
 * rows (a file written by either reads back through the other), statements prepared once
 * and reused, and a failing statement never stuck to its SQL text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
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
  it('reads what @keyv/sqlite wrote, and @keyv/sqlite reads what it wrote', async () => {
    const path = file();
    const theirs = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${path}` }), namespace: 'ns' });
    await theirs.set('a', { v: 1 });
    const ours = new Keyv({ store: adapter(path), namespace: 'ns' });
    expect(await ours.get('a')).toEqual({ v: 1 });
    await ours.set('b', ['x', null]);
    expect(await theirs.get('b')).toEqual(['x', null]);
    expect(await ours.getMany(['b', 'missing', 'a'])).toEqual([['x', null], undefined, { v: 1 }]);
    const keys: string[] = [];
    for await (const [key] of ours.iterator!(undefined)) keys.push(key as string);
    expect(keys.sort()).toEqual(['a', 'b']);
    expect(await ours.delete('a')).toBe(true);
    expect(await ours.delete('a')).toBe(false);
    expect(await theirs.get('a')).toBeUndefined();
    await theirs.disconnect();
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
    await expect(a.query('SELEC 1')).rejects.toThrow(/syntax error/);
    await expect(a.query('SELEC 1')).rejects.toThrow(/syntax error/);
    await expect(a.query('SELECT * FROM later')).rejects.toThrow(/no such table/);
    expect(statementsOf(a).size).toBe(0);
    await a.query('CREATE TABLE later(x)');
    await a.query('INSERT INTO later VALUES (?)', 7);
    expect(await a.query('SELECT * FROM later')).toEqual([{ x: 7 }]);
  });
});
