/**
 * The SQLite store's file (engine/store/store-file.ts): created 0600 in a folder made 0700
 * (and said in the log), other users' access to an existing store narrowed, a missing folder
 * refused where creating it is not allowed, and a file deleted or replaced under an open
 * store detected at the next call — for good, with one log line.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../engine/errors.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';

const dirs: string[] = [];
const stores: StoreBackend[] = [];
afterEach(async () => {
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-file-'));
  dirs.push(dir);
  return dir;
}

function logged() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

function open(file: string, options: Parameters<typeof openStore>[2] = {}): StoreBackend {
  const store = openStore(`sqlite://${file}`, process.cwd(), options);
  stores.push(store);
  return store;
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('store file: folder and modes', () => {
  it('creates a missing folder 0700 and says so; the file, WAL and SHM are 0600', async () => {
    const { logger, lines } = logged();
    const file = join(temp(), 'data', 'nested', 'state.sqlite');
    const store = open(file, { logger });
    await store.namespace<string>('mapsync.v1.a.links').set('1', 'x');
    await store.writeMany([{ namespace: 'mapsync.v1.a.links', key: '2', value: 'y' }]);
    expect(mode(join(file, '..'))).toBe(0o700);
    expect(mode(join(file, '..', '..'))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    expect(mode(`${file}-shm`)).toBe(0o600);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        folder: join(file, '..'),
        msg: expect.stringMatching(/the store folder did not exist: created it \(mode 0700\)/),
      }),
    ]);
  });

  it('narrows an existing store others could read to 0600, with a log line', () => {
    const { logger, lines } = logged();
    const file = join(temp(), 'state.sqlite');
    writeFileSync(file, '', { mode: 0o644 });
    open(file, { logger });
    expect(mode(file)).toBe(0o600);
    expect(lines[0]).toMatchObject({ file, was: '644', msg: expect.stringMatching(/narrowed to mode 0600/) });
  });

  it('refuses a missing folder where creating one is not allowed', () => {
    const file = join(temp(), 'typo', 'state.sqlite');
    expect(() => open(file, { createFolder: false })).toThrow(ConfigError);
    expect(() => open(file, { createFolder: false })).toThrow(/the store folder .*typo does not exist/);
  });
});

describe('store file: deleted or replaced under an open store', () => {
  it('a deleted file fails the next read and write, for good, and is logged once', async () => {
    const { logger, lines } = logged();
    const dir = temp();
    const file = join(dir, 'state.sqlite');
    const store = open(file, { logger });
    const links = store.namespace<string>('mapsync.v1.a.links');
    await links.set('1', 'x');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    await expect(links.set('2', 'y')).rejects.toThrow(StoreError);
    await expect(links.get('1')).rejects.toThrow(/the store file .* was deleted while mapsync had it open/);
    await expect(
      store.writeMany([{ namespace: 'mapsync.v1.a.links', key: '3', value: 'z' }]),
    ).rejects.toThrow(StoreError);
    // Even a new file at the same path is not taken for the old one.
    writeFileSync(file, '');
    await expect(links.get('1')).rejects.toThrow(/was deleted/);
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
    expect(lines.find((l) => l.level === 50)).toMatchObject({ store: file });
  });

  it('a file replaced by another (a restore over it) is detected too', async () => {
    const dir = temp();
    const file = join(dir, 'state.sqlite');
    const store = open(file);
    const links = store.namespace<string>('mapsync.v1.a.links');
    await links.set('1', 'x');
    mkdirSync(join(dir, 'backup'));
    writeFileSync(join(dir, 'backup', 'state.sqlite'), '');
    renameSync(join(dir, 'backup', 'state.sqlite'), file);
    await expect(links.get('1')).rejects.toThrow(/was replaced by another file/);
    unlinkSync(file);
  });
});
