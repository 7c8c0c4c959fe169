import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../engine/errors.ts';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';

const dirs: string[] = [];
const backends: StoreBackend[] = [];

function sqliteStore(): StoreBackend {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-store-'));
  dirs.push(dir);
  const backend = openStore(`sqlite://${join(dir, 'nested', 'state.sqlite')}`);
  backends.push(backend);
  return backend;
}

afterEach(async () => {
  await Promise.allSettled(backends.splice(0).map((b) => b.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['sqlite', sqliteStore],
  ['memory', () => openStore('memory://')],
])('%s backend', (_name, make) => {
  it('keeps namespaces apart for get, getMany and iteration', async () => {
    const backend = make();
    const links = backend.namespace<{ id: string }>('mapsync.v1.a.links');
    const other = backend.namespace<{ id: string }>('mapsync.v1.b.links');
    await links.set('1', { id: 'x' });
    await links.set('2', { id: 'y' });
    await other.set('1', { id: 'z' });
    expect(await links.get('1')).toEqual({ id: 'x' });
    expect(await other.get('1')).toEqual({ id: 'z' });
    expect(await links.get('3')).toBeUndefined();
    expect(await links.getMany(['2', '3', '1'])).toEqual([{ id: 'y' }, undefined, { id: 'x' }]);
    const seen: string[] = [];
    for await (const [key] of links.entries()) seen.push(key);
    expect(seen.sort()).toEqual(['1', '2']);
    await links.delete('1');
    expect(await links.get('1')).toBeUndefined();
  });

  it('writeMany stores entries of several namespaces together; they read back like set; deleteMany', async () => {
    const backend = make();
    const links = backend.namespace<{ id: string; n?: number[] }>('mapsync.v1.a.links');
    const targets = backend.namespace<string>('mapsync.v1.a.targets');
    await links.set('1', { id: 'old' });
    await backend.writeMany([
      { namespace: 'mapsync.v1.a.links', key: '1', value: { id: 'x', n: [1, 2] } },
      { namespace: 'mapsync.v1.a.targets', key: 'T1', value: '1' },
      { namespace: 'mapsync.v1.a.links', key: '2', value: { id: 'y' } },
    ]);
    expect(await links.getMany(['1', '2'])).toEqual([{ id: 'x', n: [1, 2] }, { id: 'y' }]);
    expect(await targets.get('T1')).toBe('1');
    const seen: string[] = [];
    for await (const [key] of links.entries()) seen.push(key);
    expect(seen.sort()).toEqual(['1', '2']);
    await links.deleteMany(['1', '2', 'missing']);
    expect(await links.getMany(['1', '2'])).toEqual([undefined, undefined]);
    expect(await targets.get('T1')).toBe('1');
  });
});

describe('sqlite writeMany', () => {
  it('writes exactly the rows keyv would (read back through a fresh store)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-store-'));
    dirs.push(dir);
    const uri = `sqlite://${join(dir, 'state.sqlite')}`;
    const first = openStore(uri);
    const value = { v: 1, text: 'æøå "quoted"', nested: { list: [1, null, 'x'] } };
    await first.writeMany([
      { namespace: 'mapsync.v1.a.links', key: 'k', value },
      { namespace: 'mapsync.v1.a.meta', key: 'intent.source.k', value: { at: 'now' } },
    ]);
    await first.namespace('mapsync.v1.a.links').set('same', value);
    await first.close();
    const second = openStore(uri);
    backends.push(second);
    const links = second.namespace<typeof value>('mapsync.v1.a.links');
    expect(await links.get('k')).toEqual(value);
    expect(await links.get('same')).toEqual(value);
    expect(await second.namespace('mapsync.v1.a.meta').get('intent.source.k')).toEqual({ at: 'now' });
  });

  it('a failing writeMany is a StoreError', async () => {
    const backend = sqliteStore();
    backend.namespace('mapsync.v1.a.links');
    await backend.close();
    await expect(
      backend.writeMany([{ namespace: 'mapsync.v1.a.links', key: 'k', value: 1 }]),
    ).rejects.toBeInstanceOf(StoreError);
  });
});

describe('a failing store', () => {
  it('throws StoreError on read instead of answering "no link"', async () => {
    const backend = sqliteStore();
    const links = backend.namespace<{ id: string }>('mapsync.v1.a.links');
    await links.set('1', { id: 'x' });
    await backend.close();
    await expect(links.get('1')).rejects.toBeInstanceOf(StoreError);
    await expect(links.get('unknown')).rejects.toBeInstanceOf(StoreError);
    await expect(links.set('2', { id: 'y' })).rejects.toBeInstanceOf(StoreError);
  });

  it('refuses namespaces that keyv or SQLite LIKE would misread', () => {
    const backend = openStore('memory://');
    expect(() => backend.namespace('a:b')).toThrow(/invalid store namespace/);
    expect(() => backend.namespace('a_b')).toThrow(/invalid store namespace/);
  });

  it('rejects unsupported store URIs with a config error that hides credentials', () => {
    expect(() => openStore('redis://user:secret@host:6379')).toThrow(/not supported/);
    expect(() => openStore('redis://user:secret@host:6379')).not.toThrow(/secret/);
  });
});
