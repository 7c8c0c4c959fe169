/** SQLite specifics and store URIs; what every backend does is in contract.ts (backends.test.ts). */
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

describe('store URIs', () => {
  it('rejects unsupported store URIs with a config error that hides credentials', () => {
    expect(() => openStore('redis://user:secret@host:6379')).toThrow(/not supported/);
    expect(() => openStore('redis://user:secret@host:6379')).not.toThrow(/secret/);
    expect(() => openStore('postgresql://u:secret@h/db?schema=Bad-Name')).toThrow(/schema "Bad-Name"/);
    expect(() => openStore('postgresql://u:secret@h/db?pool_max=0')).toThrow(/pool_max/);
  });
});
