/**
 * Creating a missing store folder is a choice, said in the log (issue 9 item 8): commands
 * that only read the store (`mapsync failed`, `mapsync links`) never create one — a typo in
 * MAPSYNC_STORE is reported, not answered with an empty store somewhere new.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../engine/cli/program.ts';
import { connectors } from '../../engine/connectors/index.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mapsync-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ref = (name: string) => ['$', '{', name, '}'].join('');
writeFileSync(
  join(dir, 'mapsync.yaml'),
  [
    'version: 1',
    'systems:',
    '  woocommerce:',
    '    connector: woocommerce',
    `    url: ${ref('WOOCOMMERCE_URL')}`,
    `    consumer_key: ${ref('WOOCOMMERCE_CONSUMER_KEY')}`,
    `    consumer_secret: ${ref('WOOCOMMERCE_CONSUMER_SECRET')}`,
    '  poweroffice-go:',
    '    connector: poweroffice-go',
    `    url: ${ref('POWEROFFICE_BASE_URL')}`,
    `    application_key: ${ref('POWEROFFICE_APPLICATION_KEY')}`,
    `    client_key: ${ref('POWEROFFICE_CLIENT_KEY')}`,
    `    subscription_key: ${ref('POWEROFFICE_SUBSCRIPTION_KEY')}`,
    'store: sqlite://no-such-folder/state.sqlite',
    `mappings: ${join(REPO, 'mappings')}`,
    '',
  ].join('\n'),
);

async function cli(args: string[]) {
  let out = '';
  let err = '';
  let code = 0;
  await runCli(args, {
    registry: connectors,
    env: { MAPSYNC_LOG_LEVEL: 'silent' },
    cwd: dir,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    now: () => new Date(),
    setExitCode: (c) => {
      code = c;
    },
  });
  return { code, out, err };
}

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
