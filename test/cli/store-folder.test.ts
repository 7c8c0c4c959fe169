/**
 * Creating a missing store folder is a choice, said in the log (issue 9 item 8): commands
 * that only read the store (`mapsync failed`, `mapsync links`) never create one — a typo in
 * MAPSYNC_STORE is reported, not answered with an empty store somewhere new.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess, writeTestConfig } from './helpers.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mapsync-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeTestConfig(dir, { store: 'sqlite://no-such-folder/state.sqlite', mappings: join(REPO, 'mappings') });

const cli = (args: string[]) => runInProcess(args, { env: { MAPSYNC_LOG_LEVEL: 'silent' }, cwd: dir });

describe('a missing store folder', () => {
  it('is not created by commands that only read the store', async () => {
    for (const command of ['failed', 'links']) {
      const result = await cli([command]);
      expect(result.code, command).toBe(2);
      expect(result.err).toMatch(/the store folder .*no-such-folder does not exist/);
    }
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
  });
});
