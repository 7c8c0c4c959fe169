#!/usr/bin/env node
// Entry point of the `mapsync` command: runs the compiled engine in dist/, which
// `npm run build` makes (`npm ci` runs it). tsx is for development only (`npm run dev -- …`).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

// Node ≥ 22.1 (the container image runs Node 24) keeps the compiled code of the modules on
// disk across starts (in the OS temp folder), so a start compiles only what changed. Node 20
// has no such cache: there this is skipped. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
module.enableCompileCache?.();

// Short commands (help, validate, test, docs: well under a second of work) never run long
// enough for V8's optimizing compiler to pay for itself: its compile jobs cost a third of
// `mapsync validate`'s CPU. They run on V8's baseline tiers alone. Set before any of the
// engine is loaded; long-running commands (sync, serve…) keep the optimizer.
// The young generation of short commands keeps its first size (1 MB) instead of growing to
// 16 MB: memory a process touches for the first time costs a page fault each 4 kB (~10 µs on
// the benchmark machine's VM), and a young generation grown to 16 MB (two halves) was ~5,000
// of `validate`'s ~13,500 faults; kept small, its pages are reused by each collection, which
// copies only what is still alive (cheap: ~50 collections of ~1 ms). Nor does V8 start
// marking the old generation as it nears its first limit (a full collection before the
// end, ~15 ms, of a heap that is about to be thrown away). docs/benchmarks.md §6.
const SHORT = new Set([undefined, 'validate', 'test', 'docs', 'help', '--help', '-h', '--version', '-V']);
const command = process.argv[2];
const optimize = Boolean(process.env.MAPSYNC_OPTIMIZE);
if (SHORT.has(command) && !optimize) v8.setFlagsFromString('--no-opt');
if (SHORT.has(command)) {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--no-incremental-marking');
}

// `validate` and `test` run the CLI bundled into one CommonJS file, dist/cli/check.cjs, whose
// compiled code V8 keeps on disk between runs (below). The other short commands run the CLI
// bundled into a few ES module files (dist/cli/, bin/bundle.js): on Node 20, which has no
// compile cache, loading ~120 modules one by one was a third of `validate`. The long-running
// commands run the modules of dist/engine/ as compiled. The CommonJS bundle `require`s the ES
// module packages it leaves outside (Node ≥ 20.19); an older Node runs the ES module bundle,
// and so does a run that cannot keep a cache (compiling the one file costs more than the
// chunks a command loads).
const CACHED = new Set(['validate', 'test']);
const cacheDir =
  CACHED.has(command) && process.features.require_module === true && !process.env.NODE_DISABLE_COMPILE_CACHE
    ? codeCacheDir()
    : undefined;
const cached = cacheDir !== undefined;
const short = SHORT.has(command);
const main = new URL(
  cached ? '../dist/cli/check.cjs' : short ? '../dist/cli/main.js' : '../dist/engine/cli/main.js',
  import.meta.url,
);
if (!existsSync(main)) {
  process.stderr.write('mapsync: dist/ is not built; run `npm run build` (npm ci does it)\n');
  process.exit(70);
}
if (cached) await runCached(fileURLToPath(main));
else await import(main.href);

/**
 * Runs the CommonJS bundle through `vm.Script` with V8's code cache: the bytecode of every
 * function the command compiled, written when the process exits and given back to V8 by the
 * next run of the same command, which then neither parses nor compiles them (Node 20 has no
 * such cache for ES modules; `validate` saved ~100 ms of CPU, docs/benchmarks.md §6). What
 * is cached is code only, never a result. The cache lives in `<os temp>/mapsync-code-cache-
 * <uid>/` (a folder only this user can write, else it is not used), one file per command,
 * bundle (the hash on its last line), Node version and flags (node's, NODE_OPTIONS,
 * --no-opt); V8 itself refuses data made for another source length, V8 version or flags,
 * and the file is then made again. A full temp folder only means compiling as without the
 * cache; without a usable one (or with NODE_DISABLE_COMPILE_CACHE=1) the command runs from
 * the ES module bundle.
 *
 * MAPSYNC_TRACE_MODULES=FILE appends to FILE every module of the bundle as it runs and every
 * package or file it loads from outside (the tests of what a command loads).
 */
async function runCached(file) {
  // ASCII (bin/bundle.js): read as Latin-1, a one-byte string, without decoding UTF-8.
  const source = readFileSync(file, 'latin1');
  const hash = /\/\/# mapsync-bundle (\w+)\n$/.exec(source.slice(-64))?.[1];
  const cache = hash ? cacheFile(cacheDir, hash) : undefined;
  let cachedData;
  try {
    if (cache) cachedData = readFileSync(cache);
  } catch {
    // No cache yet: compiled as without one, and written at exit.
  }
  const url = new URL(`file://${file}`).href;
  // The file is the expression of the function called below (bin/bundle.js, CACHED_WRAPPER):
  // the string read is compiled as it is, not copied into a wrapped one. (A bundle built
  // before that is the body alone.)
  const code = source.startsWith('(function (exports, ')
    ? source
    : `(function (exports, require, module, __filename, __dirname, __mapsyncUrl, __mapsyncImport, __mapsyncTrace) {${source}\n})`;
  const script = new vm.Script(code, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (cache && (!cachedData || script.cachedDataRejected)) {
    process.once('exit', () => {
      try {
        const temp = `${cache}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cache);
        // Files of older bundles (each ~1 MB) go after a week; one in use is made again then.
        const dir = dirname(cache);
        for (const name of readdirSync(dir)) {
          const old = `${dir}/${name}`;
          if (Date.now() - statSync(old).mtimeMs > 7 * 86_400_000) rmSync(old, { force: true });
        }
      } catch {
        // A read-only or full temp folder: the next run compiles again.
      }
    });
  }
  let require = createRequire(file);
  let load = (specifier) => import(specifier);
  let trace;
  const traceFile = process.env.MAPSYNC_TRACE_MODULES;
  if (traceFile) {
    const plain = require;
    trace = (name) => writeFileSync(traceFile, `${name}\n`, { flag: 'a' });
    require = Object.assign((id) => {
      trace(id.startsWith('node:') ? id : plain.resolve(id));
      return plain(id);
    }, plain);
    load = (specifier) => {
      trace(specifier);
      return import(specifier);
    };
  }
  const bundle = { exports: {} };
  const dir = fileURLToPath(new URL('.', url));
  script.runInThisContext()(bundle.exports, require, bundle, file, dir, url, load, trace);
  await bundle.exports.runProcess();
}

/** The folder of the code cache, made when missing; undefined when none can be kept. */
function codeCacheDir() {
  try {
    const uid = process.getuid?.() ?? 'user';
    const dir = `${tmpdir()}/mapsync-code-cache-${uid}`;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = statSync(dir);
    // Code another user could have written is never run.
    if (!stat.isDirectory() || (process.getuid && stat.uid !== uid) || (stat.mode & 0o022) !== 0)
      return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** The cache file of this command, bundle, Node and flags. */
function cacheFile(dir, hash) {
  // V8 refuses a cache made under other flags: one file per set of them, so that runs with
  // different flags do not overwrite each other's.
  let flags = 0x811c9dc5;
  for (const char of `${optimize} ${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`)
    flags = Math.imul(flags ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return `${dir}/${command}-${hash}-${process.version}-${process.arch}-${flags.toString(36)}.bin`;
}
