/**
 * The SQLite store's checkpoints run in a worker thread (engine/store/sqlite-checkpointer.ts):
 * the store's own connection never copies the WAL into the database file (its automatic
 * checkpoint is off), so the file only grows because the worker checkpointed; closing the
 * store ends the worker before the last connection closes (which removes the WAL file); and
 * a process awaiting that close is not ended early by the worker being unref'd.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../engine/store/open-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-checkpoint-'));
  dirs.push(dir);
  return join(dir, 'state.sqlite');
}

/** Resolves once `condition()` holds; a hang guard of 60 s, never a timing assumption. */
async function until(condition: () => boolean): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > 60_000) throw new Error('condition not reached in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SQLite checkpoints off the main thread', () => {
  it('copies the WAL into the database file from the worker, and leaves no WAL after close', async () => {
    const path = file();
    const store = openStore(`sqlite://${path}`);
    await store.namespace('ns').set('first', 1);
    const empty = statSync(path).size;
    const value = 'x'.repeat(4000);
    for (let batch = 0; batch < 10; batch++) {
      await store.writeMany(
        Array.from({ length: 30 }, (_, i) => ({ namespace: 'ns', key: `k${batch}-${i}`, value })),
      );
    }
    // 300 rows of 4 kB: over a megabyte, all of it in the WAL until a checkpoint copies it.
    await until(() => statSync(path).size > empty + 1_000_000);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = openStore(`sqlite://${path}`);
    expect(await reopened.namespace('ns').get('k9-29')).toBe(value);
    await reopened.close();
  });

  it('keeps a process alive until the store has closed', () => {
    const path = file();
    const script = `
      import { openStore } from ${JSON.stringify(new URL('../../engine/store/open-store.ts', import.meta.url).href)};
      const store = openStore(${JSON.stringify(`sqlite://${path}`)});
      await store.namespace('ns').set('k', 'v');
      await store.close();
      console.log('closed');
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('closed');
  });
});
