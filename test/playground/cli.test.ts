/**
 * `mapsync playground` as a person runs it (bin/mapsync.js, the compiled code): it serves the
 * project's mappings on 127.0.0.1 without any credentials, says it is not connected, stops
 * cleanly on SIGTERM; `--connect` without the systems' variables names them and exits 2;
 * `--help` tells what it does.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { copyProject, REPO, send } from './helpers.ts';

const BIN = join(REPO, 'bin/mapsync.js');
const projects: Array<ReturnType<typeof copyProject>> = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const project of projects.splice(0)) project.remove();
});

/** Environment without any of the systems' variables. */
function bareEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(WOOCOMMERCE|POWEROFFICE|MAPSYNC)_/.test(k)),
  );
}

describe('mapsync playground', () => {
  it('serves the mappings of --project on 127.0.0.1 without system credentials, behind a session token, until SIGTERM', async () => {
    const project = copyProject();
    projects.push(project);
    const child = spawn(process.execPath, [BIN, 'playground', '--port', '0', '--project', project.dir], {
      env: { ...bareEnv(), FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await expect
      .poll(() => out, { timeout: 60_000 })
      .toMatch(/^mapsync playground: http:\/\/127\.0\.0\.1:\d+\/playground#token=[\w-]{24}$/m);
    // stderr and stdout are two pipes: the notice may arrive after the address line.
    await expect.poll(() => err, { timeout: 60_000 }).toContain('not connected');
    const [, url, token] = /(http:\/\/127\.0\.0\.1:\d+)\/playground#token=(\S+)/.exec(out)!;
    // Another local process that did not see the address is refused.
    expect((await send(url!, 'GET', '/playground/api/mappings')).status).toBe(401);
    const authorization = `Bearer ${token}`;
    const list = await send<{ mappings: { name: string }[]; connected: boolean }>(
      url!,
      'GET',
      '/playground/api/mappings',
      { headers: { authorization } },
    );
    expect(list.status).toBe(200);
    expect(list.body.connected).toBe(false);
    expect(list.body.mappings.map((m) => m.name)).toContain('product');
    const live = await send(url!, 'POST', '/playground/api/evaluate', {
      body: { file: 'mappings/product.yaml', live: { id: '1' } },
      headers: { origin: url!, authorization },
    });
    expect(live.status).toBe(400);
    expect(String(live.body.error)).toContain('not connected');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('--connect without the variables of mapsync.yaml names what is missing and exits 2', async () => {
    const project = copyProject();
    projects.push(project);
    cpSync(join(REPO, 'mapsync.yaml'), join(project.dir, 'mapsync.yaml'));
    const result = await promisify(execFile)(
      process.execPath,
      [BIN, 'playground', '--connect', '--port', '0', '--project', project.dir],
      { env: bareEnv() },
    ).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(result).toMatchObject({ code: 2 });
    expect((result as { stdout: string }).stdout).toContain('WOOCOMMERCE_URL');
    expect((result as { stderr: string }).stderr).toContain('cannot connect');
  });

  it('--help says what it serves, where, and what it writes', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'playground', '--help']);
    expect(stdout).toContain('127.0.0.1');
    expect(stdout).toContain('Save to file');
    expect(stdout).toContain('--connect');
    expect(stdout).toContain('--project <dir>');
  });
});
