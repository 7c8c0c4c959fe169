/**
 * The compiled CLI: `bin/mapsync.js` runs dist/ (built by test/global-setup.ts before any
 * test, as `npm ci` builds it), dist/ carries every file the code reads at run time, and the
 * commands load only what they use (`--help` none of the engine).
 */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DOCUMENT_KINDS,
  DocumentSchemas,
  schemaLine,
  writeValidators,
} from '../../engine/yaml/document-schemas.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-dist-'));
  temps.push(dir);
  return dir;
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(REPO, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(REPO, join(e.parentPath, e.name)));
}

/** `node <bin> args` in `cwd`; never rejects: code, stdout and stderr. */
async function mapsync(
  bin: string,
  args: string[],
  cwd: string,
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...nodeArgs, bin, ...args], {
      cwd,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * A copy of the runtime tree as the container image has it: bin/mapsync.js, dist/ and
 * package.json, no engine/ or sandbox/ sources (node_modules linked from the repository).
 */
function runtimeCopy(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'bin'));
  cpSync(join(REPO, 'bin/mapsync.js'), join(dir, 'bin/mapsync.js'));
  cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('dist/', () => {
  it('holds every file the code reads at run time, as in the sources', () => {
    const assets = [
      ...filesUnder('schemas'),
      ...[...filesUnder('engine'), ...filesUnder('sandbox')].filter((f) => !f.endsWith('.ts')),
    ];
    expect(assets.length).toBeGreaterThan(10);
    for (const file of assets) {
      expect(readFileSync(join(REPO, 'dist', file)).equals(readFileSync(join(REPO, file))), file).toBe(true);
    }
  });

  it('runs on its own: --help, --version and validate from a copy without the TypeScript sources', async () => {
    const dir = runtimeCopy();
    cpSync(join(REPO, 'mappings'), join(dir, 'mappings'), { recursive: true });
    cpSync(join(REPO, 'mapsync.yaml'), join(dir, 'mapsync.yaml'));
    const bin = join(dir, 'bin/mapsync.js');
    const help = await mapsync(bin, ['--help'], dir);
    expect(help.code).toBe(0);
    for (const command of [
      'validate',
      'test',
      'docs',
      'playground',
      'sandbox',
      'serve',
      'plan',
      'sync',
      'links',
      'failed',
      'retry',
    ])
      expect(help.stdout).toContain(`  ${command}`);
    const version = await mapsync(bin, ['--version'], dir);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
    const validate = await mapsync(bin, ['validate'], dir);
    expect(validate).toMatchObject({ code: 0, stdout: '' });
    expect(validate.stderr).toContain('0 errors');
    // The schemas come from dist/: a broken mapping is still reported with its schema's words.
    writeFileSync(join(dir, 'mappings/product.yaml'), 'version: 1\nname: product\nsurprise: 1\n');
    const broken = await mapsync(bin, ['validate'], dir);
    expect(broken.code).toBe(2);
    expect(broken.stdout).toMatch(/mappings\/product\.yaml:\d+:\d+ error \S+ /);
  });

  it('without the sandboxes (a production image leaves them out) serve still loads and the sandbox commands say why they cannot run', async () => {
    const dir = runtimeCopy();
    rmSync(join(dir, 'dist/sandbox'), { recursive: true });
    const bin = join(dir, 'bin/mapsync.js');
    // serve gets as far as reading its configuration (here: none) instead of failing to load.
    const serve = await mapsync(bin, ['serve', '--config', 'missing.yaml'], dir);
    expect(serve.code).toBe(2);
    expect(serve.stderr).not.toContain('internal error');
    expect(serve.stdout + serve.stderr).toContain('missing.yaml');
    // The sandboxes start once the configuration is read (only the kinds its systems use).
    cpSync(join(REPO, 'mappings'), join(dir, 'mappings'), { recursive: true });
    cpSync(join(REPO, 'mapsync.yaml'), join(dir, 'mapsync.yaml'));
    for (const args of [['sandbox'], ['serve', '--sandbox', '--port', '0']]) {
      const result = await mapsync(bin, args, dir);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('the sandboxes are not part of this installation');
    }
  });

  it('bin/mapsync.js says how to build when dist/ is missing', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'bin'));
    cpSync(join(REPO, 'bin/mapsync.js'), join(dir, 'bin/mapsync.js'));
    cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
    const result = await mapsync(join(dir, 'bin/mapsync.js'), ['--help'], dir);
    expect(result.code).toBe(70);
    expect(result.stderr).toContain('npm run build');
  });
});

describe('lazy commands', () => {
  /**
   * The modules a command loads, from a module-resolution hook (node's `module.register`):
   * every ESM import resolved, as package names and paths under dist/; and for the commands
   * that run the CommonJS bundle (validate, test), its modules as they run and what it
   * requires or imports from outside (MAPSYNC_TRACE_MODULES, bin/mapsync.js).
   */
  async function modulesLoadedBy(args: string[]): Promise<{ packages: Set<string>; dist: string[] }> {
    const dir = tempDir();
    const trace = join(dir, 'trace.txt');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(trace)}, result.url + '\\n');
  return result;
}
`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
    );
    writeFileSync(trace, '');
    const bundleTrace = join(dir, 'bundle-trace.txt');
    const result = await mapsync(
      join(REPO, 'bin/mapsync.js'),
      args,
      REPO,
      ['--import', join(dir, 'register.mjs')],
      { MAPSYNC_TRACE_MODULES: bundleTrace },
    );
    expect(result.code, result.stderr).toBe(0);
    const ran = existsSync(bundleTrace)
      ? readFileSync(bundleTrace, 'utf8')
          .split('\n')
          .filter((line) => line && !line.startsWith('node:') && line.includes('/'))
          .map((line) => (line.startsWith('dist/') ? `file://${REPO}${line}` : pathToFileURL(line).href))
      : [];
    // A file of the bundle (dist/cli/, the short commands) stands for the sources it holds.
    const bundle = JSON.parse(readFileSync(join(REPO, 'dist/cli/meta.json'), 'utf8')) as Record<
      string,
      string[]
    >;
    const urls = [...readFileSync(trace, 'utf8').split('\n'), ...ran].filter(Boolean).flatMap((u) => {
      const chunk = /\/dist\/cli\/(.+)$/.exec(u)?.[1];
      if (chunk === undefined) return [u];
      // The CommonJS bundle reports its modules one by one (above).
      if (chunk.endsWith('.cjs')) return [];
      expect(bundle[chunk], u).toBeDefined();
      return bundle[chunk]!.map((source) => `file://${REPO}${source}`);
    });
    const packages = new Set(
      urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []),
    );
    const dist = [...new Set(urls.flatMap((u) => /\/dist\/(.+)$/.exec(u)?.[1] ?? []))].sort();
    return { packages, dist };
  }

  it('mapsync --help loads commander and the command declarations, nothing of the engine', async () => {
    const { packages, dist } = await modulesLoadedBy(['--help']);
    expect([...packages]).toEqual(['commander']);
    expect(dist.filter((f) => !f.startsWith('engine/cli/'))).toEqual([
      'engine/errors.js',
      'engine/sandbox-import.js',
      'engine/version.js',
    ]);
  });

  it('mapsync validate loads neither the sync engine, the service, the HTTP stack, a connector nor the sandboxes', async () => {
    const { packages, dist } = await modulesLoadedBy(['validate', 'mappings']);
    // What it does load (the trace sees the modules of the bundle it runs).
    expect(dist).toContain('engine/cli/commands/validate.js');
    expect(dist).toContain('engine/mapping/check-files.js');
    expect(dist).toContain('schemas/mapping.schema.validate.mjs');
    for (const heavy of [
      // The document schemas come precompiled (dist/schemas/*.schema.validate.mjs).
      'ajv',
      // The connectors' HTTP client loads got on its first request (http/client.ts).
      'got',
      'fastify',
      'pino',
      'prom-client',
      'better-sqlite3',
      'cli-progress',
      'html-to-text',
      'tsx',
      // The connector registry loads the kinds' declarations only (ConnectorSpec.create
      // imports the connector): no OAuth library, no JSON Patch, no connector code.
      'oauth-1.0a',
      'fast-json-patch',
    ])
      expect(packages, heavy).not.toContain(heavy);
    expect(dist.filter((f) => /^(engine\/(sync|service|store)|sandbox)\//.test(f))).toEqual([]);
    expect(
      dist.filter((f) => /^engine\/connectors\/(http\/|[^/]+\/(connector|api|listing)\.js$)/.test(f)),
    ).toEqual([]);
  });
});

describe('precompiled document validators (dist/schemas/*.schema.validate.mjs)', () => {
  /** A folder inside the repository, so the generated code finds AJV's runtime helpers. */
  function schemasCopy(): string {
    const cache = join(REPO, 'node_modules/.cache');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'mapsync-validators-'));
    temps.push(dir);
    for (const kind of DOCUMENT_KINDS)
      cpSync(join(REPO, 'schemas', `${kind}.schema.json`), join(dir, `${kind}.schema.json`));
    return dir;
  }

  it('the build writes one per document schema, carrying the text of the schema it was made from', () => {
    for (const kind of DOCUMENT_KINDS) {
      const code = readFileSync(join(REPO, 'dist/schemas', `${kind}.schema.validate.mjs`), 'utf8');
      const text = readFileSync(join(REPO, 'schemas', `${kind}.schema.json`), 'utf8');
      expect(code, kind).toContain(schemaLine(text));
      expect(schemaLine(text)).toBe(`export const schemaText = ${JSON.stringify(text)};`);
    }
  });

  it('a stale one is refused at run time (the schema is compiled instead) and rebuilt by the build step', async () => {
    const dir = schemasCopy();
    // A stale validator that accepts anything: it must never be used for the schema as it is now.
    const stale = 'export const schemaText = "{}";\nexport default function validate() { return true; }\n';
    writeFileSync(join(dir, 'mapping-test.schema.validate.mjs'), stale);
    const refused = await new DocumentSchemas(dir).validator('mapping-test');
    expect(refused({ surprise: 1 })).toBe(false);
    expect(refused.errors?.length).toBeGreaterThan(0);

    const written = await writeValidators(dir);
    expect(written.sort()).toEqual([...DOCUMENT_KINDS].sort());
    expect(readFileSync(join(dir, 'mapping-test.schema.validate.mjs'), 'utf8')).not.toBe(stale);
    // Fresh ones are kept.
    expect(await writeValidators(dir)).toEqual([]);
    // An edited schema makes its validator stale again.
    const schemaFile = join(dir, 'tenant.schema.json');
    writeFileSync(schemaFile, `${readFileSync(schemaFile, 'utf8')}\n`);
    expect(await writeValidators(dir)).toEqual(['tenant']);
  });

  it('report exactly the errors of the schema compiled at run time', async () => {
    const dir = schemasCopy();
    const compiled = new DocumentSchemas(dir);
    const kinds = ['mapping', 'mapping-test', 'mapsync'] as const;
    const runtime = await Promise.all(kinds.map((kind) => compiled.validator(kind)));
    await writeValidators(dir);
    const fresh = new DocumentSchemas(dir);
    const precompiled = await Promise.all(kinds.map((kind) => fresh.validator(kind)));
    const mapping = parse(readFileSync(join(REPO, 'mappings/salesorder.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const tests = parse(readFileSync(join(REPO, 'mappings/product.test.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const config = parse(readFileSync(join(REPO, 'mapsync.yaml'), 'utf8')) as Record<string, unknown>;
    const documents: Array<[number, unknown]> = [
      [0, mapping],
      [0, { ...mapping, surprise: 1, version: 'one', properties: [{ target: 3 }, { souce: 'x' }] }],
      [0, { ...mapping, source: { system: 1 }, target: [] }],
      [1, tests],
      [1, { ...tests, cases: [{ name: 1, input: 'x', equals: {} }, {}] }],
      [2, config],
      [2, { ...config, systems: { shop: { connector: 'woocommerce', rate_limit: 'fast' } }, extra: true }],
    ];
    for (const [i, document] of documents) {
      const a = runtime[i]!;
      const b = precompiled[i]!;
      expect(b, `${kinds[i]} precompiled`).not.toBe(a);
      expect(b(document), kinds[i]).toBe(a(document));
      expect(b.errors ?? null, kinds[i]).toEqual(a.errors ?? null);
    }
  });
});

describe('the bundle of the short commands (dist/cli/, bin/bundle.js)', () => {
  const bundle = JSON.parse(readFileSync(join(REPO, 'dist/cli/meta.json'), 'utf8')) as Record<
    string,
    string[]
  >;

  it('is made by the build from dist/engine/, with the sandboxes and the packages outside its list left as imports', async () => {
    const { BUNDLED } = (await import(join(REPO, 'bin/bundle.js'))) as { BUNDLED: Set<string> };
    const sources = Object.values(bundle).flat();
    expect(sources).toContain('dist/engine/cli/main.js');
    expect(sources).toContain('dist/engine/cli/commands/validate.js');
    // check.cjs carries the precompiled validators: their compiled code is in the code cache.
    expect(bundle['check.cjs']).toContain('dist/schemas/mapping.schema.validate.mjs');
    for (const source of sources) {
      // Compiled modules, the JSON they import (a connector's entity schemas), the precompiled
      // document validators (in check.cjs, bin/bundle.js) and packages; never a sandbox.
      expect(source, source).toMatch(
        /^(dist\/engine\/|dist\/schemas\/(.+\.json|[a-z-]+\.schema\.validate\.mjs)$|node_modules\/)/,
      );
      const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1];
      if (pkg !== undefined) expect(BUNDLED.has(pkg), source).toBe(true);
    }
    // Every file of the bundle is what the last build wrote, and parses.
    expect(
      readdirSync(join(REPO, 'dist/cli'))
        .filter((f) => !f.endsWith('.tmp'))
        .sort(),
    ).toEqual([...Object.keys(bundle), 'meta.json'].sort());
    const checks = await Promise.all(
      Object.keys(bundle).map((file) => mapsync(join(REPO, 'dist/cli', file), [], REPO, ['--check'])),
    );
    for (const [i, file] of Object.keys(bundle).entries())
      expect(checks[i]!.code, `${file}: ${checks[i]!.stderr}`).toBe(0);
  });

  it('validate loads neither node:crypto nor node:child_process (commander requires it on first use)', async () => {
    const dir = tempDir();
    const probe = join(dir, 'probe.mjs');
    writeFileSync(
      probe,
      `process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(process.moduleLoadList) + '\\n'));\n`,
    );
    const result = await mapsync(join(REPO, 'bin/mapsync.js'), ['validate', 'mappings'], REPO, [
      '--import',
      probe,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const loaded = JSON.parse(/LOADED (.*)/.exec(result.stderr)![1]!) as string[];
    expect(loaded).toContain('NativeModule fs');
    expect(loaded).not.toContain('NativeModule child_process');
    expect(loaded).not.toContain('NativeModule crypto');
  });

  it('validate and test run the CommonJS bundle with a code cache: written by a first run, kept by the next, never needed', async () => {
    // ASCII: bin/mapsync.js reads it as Latin-1.
    const code = readFileSync(join(REPO, 'dist/cli/check.cjs'));
    expect(code.findIndex((byte) => byte > 0x7f)).toBe(-1);
    const tmp = tempDir();
    const bin = join(REPO, 'bin/mapsync.js');
    const cacheDir = join(tmp, `mapsync-code-cache-${process.getuid?.() ?? 'user'}`);
    const validate = () =>
      mapsync(bin, ['validate', 'mappings', '--format', 'json'], REPO, [], { TMPDIR: tmp });
    const cold = await validate();
    expect(cold.code, cold.stderr).toBe(0);
    const [file, ...others] = readdirSync(cacheDir);
    expect(others).toEqual([]);
    expect(file).toMatch(new RegExp(`^validate-\\w+-${process.version}-${process.arch}-\\w+\\.bin$`));
    const written = statSync(join(cacheDir, file!));
    expect(written.size).toBeGreaterThan(100_000);
    // Accepted by V8: a rejected cache would be written again.
    const warm = await validate();
    expect(warm).toEqual(cold);
    expect(statSync(join(cacheDir, file!)).mtimeMs).toBe(written.mtimeMs);
    const test = await mapsync(bin, ['test', 'mappings'], REPO, [], { TMPDIR: tmp });
    expect(test.code, test.stderr).toBe(0);
    expect(readdirSync(cacheDir).filter((f) => f.startsWith('test-'))).toHaveLength(1);
    // Without a usable temp folder (not a folder; writable by others: never read) or with the
    // cache turned off, the same output from the ES module bundle (the CommonJS one traces
    // its modules; it did not run).
    writeFileSync(join(tmp, 'a-file'), '');
    const shared = tempDir();
    const sharedCache = join(shared, `mapsync-code-cache-${process.getuid?.() ?? 'user'}`);
    mkdirSync(sharedCache, { mode: 0o777 });
    chmodSync(sharedCache, 0o777);
    const envs: Record<string, string>[] = [
      { TMPDIR: join(tmp, 'a-file') },
      { TMPDIR: shared },
      { TMPDIR: tmp, NODE_DISABLE_COMPILE_CACHE: '1' },
      { TMPDIR: tmp },
    ];
    for (const env of envs) {
      const trace = join(tmp, 'trace.txt');
      rmSync(trace, { force: true });
      const result = await mapsync(bin, ['validate', 'mappings', '--format', 'json'], REPO, [], {
        ...env,
        MAPSYNC_TRACE_MODULES: trace,
      });
      expect(result, JSON.stringify(env)).toEqual(cold);
      expect(existsSync(trace), JSON.stringify(env)).toBe(
        env.TMPDIR === tmp && !('NODE_DISABLE_COMPILE_CACHE' in env),
      );
    }
    expect(readdirSync(sharedCache)).toEqual([]);
  });

  it('is what bin/mapsync.js runs for the short commands; a module keeps its own import.meta.url', async () => {
    expect(readFileSync(join(REPO, 'bin/mapsync.js'), 'utf8')).toContain("'../dist/cli/main.js'");
    // version.js finds package.json beside dist/ (the runtime copy above: the schemas too).
    const version = await mapsync(join(REPO, 'bin/mapsync.js'), ['--version'], REPO);
    expect(version.stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version,
    );
    const [file] = Object.entries(bundle).find(([, s]) =>
      s.includes('dist/engine/yaml/document-schemas.js'),
    )!;
    const text = readFileSync(join(REPO, 'dist/cli', file), 'utf8');
    expect(text).toContain('new URL("../engine/yaml/document-schemas.js", import.meta.url).href');
    // Not in a string: the validator code document-schemas.js generates keeps its own.
    expect(text).toContain('"const require = createRequire(import.meta.url);"');
  });
});
