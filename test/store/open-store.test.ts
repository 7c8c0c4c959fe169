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
