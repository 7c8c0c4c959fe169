/**
 * `mapsync serve` refuses to start on a broken setup, before it listens: the same
 * diagnostics as `mapsync validate`, every missing environment variable at once, a short
 * admin token, refused credentials. Run in-process through the CLI (nothing listens).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { type Sandboxes, startAllSandboxes } from '../../sandbox/start-all.ts';
import { runInProcess } from '../cli/helpers.ts';
import { REPO } from './spawn-serve.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string | undefined>, cwd = REPO) {
  return runInProcess(args, { env, cwd });
}

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-refuse-'));
  dirs.push(dir);
  cpSync(join(REPO, 'mappings'), join(dir, 'mappings'), { recursive: true });
  writeFileSync(join(dir, 'mapsync.yaml'), readFileSync(join(REPO, 'mapsync.yaml'), 'utf8'));
  return dir;
}

let sandboxes: Sandboxes;
let env: Record<string, string>;
beforeAll(async () => {
  sandboxes = await startAllSandboxes(connectors, { seed: 0 });
  env = Object.fromEntries(
    sandboxes.env().map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
});
afterAll(async () => {
  await sandboxes?.close();
});

describe('mapsync serve refuses to start', () => {
  it('names every missing environment variable at once', async () => {
    const { out, err, code } = await cli(['serve', '--port', '0'], {});
    expect(code).toBe(2);
    for (const name of [
      'WOOCOMMERCE_URL',
      'WOOCOMMERCE_CONSUMER_KEY',
      'WOOCOMMERCE_CONSUMER_SECRET',
      'WOOCOMMERCE_WEBHOOK_SECRET',
      'POWEROFFICE_APPLICATION_KEY',
      'POWEROFFICE_CLIENT_KEY',
      'POWEROFFICE_SUBSCRIPTION_KEY',
    ]) {
      expect(out).toContain(name);
    }
    expect(err).toMatch(/not starting: \d+ errors/);
    expect(out).not.toContain('listening');
  });

  it('prints the same diagnostics as mapsync validate for a broken mapping', async () => {
    const dir = project();
    const file = join(dir, 'mappings', 'customer-person.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('conflict: newest-wins', 'conflict: newest-wins\nconflikt: x'),
    );
    const validate = await cli(['validate'], env, dir);
    expect(validate.code).toBe(2);
    const serve = await cli(['serve', '--port', '0'], env, dir);
    expect(serve.code).toBe(2);
    const errors = validate.out.split('\n').filter((line) => line.includes(' error '));
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) expect(serve.out).toContain(line);
    expect(serve.out).not.toContain('listening');
    // The same project named only by MAPSYNC_CONFIG, from another working directory.
    const elsewhere = mkdtempSync(join(tmpdir(), 'mapsync-refuse-cwd-'));
    dirs.push(elsewhere);
    const viaEnv = await cli(
      ['serve', '--port', '0'],
      { ...env, MAPSYNC_CONFIG: join(dir, 'mapsync.yaml') },
      elsewhere,
    );
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.out).toContain('conflikt');
    expect(viaEnv.out).not.toContain('listening');
  });

  it('refuses an admin token shorter than 16 characters', async () => {
    const { err, code } = await cli(['serve', '--port', '0'], { ...env, MAPSYNC_ADMIN_TOKEN: 'short' });
    expect(code).toBe(2);
    expect(err).toContain('MAPSYNC_ADMIN_TOKEN');
    expect(err).not.toContain('short');
  });

  it('refuses credentials a system rejects, naming the system', async () => {
    const { err, code } = await cli(['serve', '--port', '0'], {
      ...env,
      POWEROFFICE_CLIENT_KEY: '00000000-0000-0000-0000-000000000000',
      MAPSYNC_STORE: 'memory://',
    });
    expect(code).toBe(2);
    expect(err).toMatch(/credentials refused:\n {2}poweroffice-go: /);
  });
});
