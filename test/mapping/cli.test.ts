/**
 * The validate / test / docs commands, run in-process with captured output: what they
 * print, and their exit codes. A last test runs the real `bin/mapsync.js --help`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCommands } from './helpers.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const cli = (args: string[], cwd = FIXTURES) => runCommands(args, { cwd });

describe('mapsync validate', () => {
  it('prints nothing on stdout and exits 0 for good files', async () => {
    const result = await cli(['validate', 'good']);
    expect(result).toEqual({ out: '', err: 'mapsync validate: 0 errors, 0 warnings\n', code: 0 });
  });

  it('prints every problem as path:line:col severity CODE message, sorted, and exits 2', async () => {
    const result = await cli(['validate', 'bad/unknown-property.yaml', 'bad/read-only.yaml']);
    expect(result.code).toBe(2);
    expect(result.out.trimEnd().split('\n')).toEqual([
      'bad/read-only.yaml:17:13 error MAP_READ_ONLY_TARGET property "SalesOrderNo": "SalesOrderNo" is read-only in erp salesorder and cannot be written',
      'bad/read-only.yaml:18:13 error MAP_READ_ONLY_TARGET property "NetAmount": "NetAmount" is read-only in erp salesorder and cannot be written',
      'bad/unknown-property.yaml:19:13 error MAP_UNKNOWN_PROPERTY erp customer has no property "EmailAdress" (did you mean "EmailAddress"?)',
      'bad/unknown-property.yaml:20:13 error MAP_UNKNOWN_PROPERTY "billing" in shop customer has no property "cty" (did you mean "city"?)',
    ]);
  });

  it('exits 0 when there are only warnings', async () => {
    expect((await cli(['validate', 'bad/type-mismatch.yaml'])).code).toBe(0);
  });

  it('--json prints the same diagnostics as a JSON array', async () => {
    const result = await cli(['validate', '--json', 'bad/unknown-system.yaml']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.out)).toEqual([
      {
        file: 'bad/unknown-system.yaml',
        line: 5,
        col: 11,
        severity: 'error',
        code: 'MAP_UNKNOWN_SYSTEM',
        message: 'unknown system "shopp" (did you mean "shop"?); systems: erp, shop',
      },
    ]);
  });

  it('reads systems from mapsync.yaml and checks it too; the default path is its mappings folder', async () => {
    const result = await cli(['validate'], join(FIXTURES, 'project'));
    expect(result).toMatchObject({ out: '', code: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-cli-'));
    writeFileSync(
      join(dir, 'mapsync.yaml'),
      'version: 1\nsystems:\n  shop:\n    connector: shop\n    api_key: secret\n',
    );
    const bad = await cli(['validate'], dir);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('mapsync.yaml:5:14 error CFG_SECRET_LITERAL');
    expect(bad.out).toContain('mappings:0:0 error FILE_NOT_FOUND');
  });

  it('MAPSYNC_CONFIG names mapsync.yaml as --config does (and --config wins)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-cli-'));
    writeFileSync(
      join(dir, 'broken.yaml'),
      'version: 1\nsystems:\n  shop:\n    connector: shop\n    api_key: secret\n',
    );
    const viaEnv = await runCommands(['validate'], { cwd: dir, env: { MAPSYNC_CONFIG: 'broken.yaml' } });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.out).toContain('broken.yaml:5:14 error CFG_SECRET_LITERAL');
    const missing = await runCommands(['validate'], { cwd: dir, env: { MAPSYNC_CONFIG: 'absent.yaml' } });
    expect(missing.code).toBe(2);
    expect(missing.out).toContain('absent.yaml');
    const flagWins = await runCommands(['validate', '--config', join(FIXTURES, 'project', 'mapsync.yaml')], {
      cwd: join(FIXTURES, 'project'),
      env: { MAPSYNC_CONFIG: join(dir, 'broken.yaml') },
    });
    expect(flagWins).toMatchObject({ out: '', code: 0 });
  });

  it('an unknown option is a usage error (exit 2) without a stack trace', async () => {
    const result = await cli(['validate', '--jsn']);
    expect(result.code).toBe(2);
    expect(result.err).toContain("unknown option '--jsn'");
    expect(result.err).not.toContain('    at ');
  });
});

describe('mapsync test', () => {
  it('runs every case and prints the closing count', async () => {
    const result = await cli(['test', 'good']);
    expect(result.out).toBe('3 passed, 0 failed\n');
    expect(result.code).toBe(0);
  });

  it('reports a failing case at its line with one line per difference, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-cli-'));
    writeFileSync(join(dir, 'customer.yaml'), readFileSync(join(FIXTURES, 'good', 'customer.yaml')));
    writeFileSync(
      join(dir, 'customer.test.yaml'),
      'version: 1\ncases:\n  - name: wrong name\n    input: { id: 1, first_name: Kari }\n    contains: { FirstName: Ola }\n',
    );
    const result = await cli(['test', '.'], dir);
    expect(result.code).toBe(1);
    expect(result.out).toBe(
      'customer.test.yaml:3:5 error TEST_FAILED case "wrong name" of mapping "customer" failed:\n' +
        '    FirstName: expected "Ola", got "Kari"\n' +
        '0 passed, 1 failed\n',
    );
  });

  it('does not run anything when the files have errors (exit 2)', async () => {
    const result = await cli(['test', 'bad/unknown-system.yaml']);
    expect(result.code).toBe(2);
    expect(result.out).toContain('MAP_UNKNOWN_SYSTEM');
    expect(result.out).not.toContain('passed');
  });
});

describe('mapsync docs', () => {
  it('writes one reStructuredText file per direction between two systems', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mapsync-docs-'));
    const result = await cli(['docs', 'good', '--out', out]);
    expect(result.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['erp-shop.rst', 'shop-erp.rst']);
    const text = readFileSync(join(out, 'shop-erp.rst'), 'utf8');
    expect(text.split('\n').slice(0, 6)).toEqual([
      '====================',
      'Shop to Erp Dataflow',
      '====================',
      '',
      'Generated: 2024-05-01 10:00:00',
      '',
    ]);
    expect(text).toContain('Shop Customer to Erp Customer\n-----------------------------');
    expect(text).toContain(
      '   * - Shop Order Property\n     - Erp Salesorderline Property\n     - Erp Data Type',
    );
  });

  it('refuses to write documents for mappings with errors (exit 2)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mapsync-docs-'));
    const result = await cli(['docs', 'bad/unknown-system.yaml', '--out', out]);
    expect(result.code).toBe(2);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('the mapsync binary', () => {
  it('npx mapsync --help lists the commands', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO, 'bin/mapsync.js'), '--help'], {
      cwd: REPO,
    });
    expect(stdout).toContain('Usage: mapsync');
    for (const command of ['validate', 'test', 'docs'])
      expect(stdout).toMatch(new RegExp(`\\n  ${command} `));
  });
});
