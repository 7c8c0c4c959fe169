/**
 * Step 4 of the build (bin/build.js): bundles the compiled CLI (dist/engine/cli/main.js) into
 * dist/cli/, which bin/mapsync.js runs for the short commands (help, validate, test, docs).
 *
 * Why: Node 20 has no compile cache, and `mapsync validate` spent about a third of its time
 * loading modules — some 120 compiled ES modules, each resolved and read with asynchronous
 * file calls, and ~90 files of the CommonJS packages it uses (yaml alone is 74). In a few
 * files the same code loads with a fraction of those calls.
 *
 * - Code splitting keeps every `import()` lazy: a command loads only the chunks its action
 *   reaches, as it did the modules (test/build/dist.test.ts checks which, through
 *   dist/cli/meta.json, the sources of each chunk).
 * - Only the pure-JavaScript packages of the short commands' path are bundled ({@link BUNDLED});
 *   every other package stays an import of node_modules, as do the sandboxes (a production
 *   image leaves dist/sandbox out, and `mapsync sandbox` must then say so).
 * - `import.meta.url` in a module is rewritten to that module's own URL in dist/, so the
 *   files read beside the code (schemas, docs, package.json, worker scripts) are found as
 *   they are from the unbundled copy.
 * - commander's `require('node:child_process')` (loading it costs more than the rest of
 *   commander; mapsync has no executable subcommands, its only use) is made lazy.
 * - Names are kept (`keepNames`): errors are named after their class (`new.target.name`).
 * - check.cjs carries the precompiled document validators of dist/schemas/ (bundleValidators).
 *
 * The long-running commands (sync, serve…) keep running the unbundled dist/engine/ modules.
 * The bundle is made by every build, from dist/ only; it is never committed.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { build } from 'esbuild';
import { writeIfChanged } from './write-changed.js';

/** Pure-JavaScript packages that `--help`, `validate`, `test` and `docs` load. */
export const BUNDLED = new Set([
  'commander',
  'yaml',
  'jsonata',
  'decimal.js',
  're2js',
  'fastest-levenshtein',
  'microdiff',
]);

/** How document-schemas.js loads a precompiled validator (bundleValidators). */
export const VALIDATOR_IMPORT = 'await import(__rewriteRelativeImportExtension(pathToFileURL(file).href))';

export const YAML_LOG_TOKENS = 'if (node_process.env.LOG_TOKENS)';

export const EAGER_CHILD_PROCESS = "const childProcess = require('node:child_process');";
export const LAZY_CHILD_PROCESS =
  "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";

const packageOf = (specifier) => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};

/**
 * The CommonJS bundle of `validate` and `test` (bin/mapsync.js runs it through `vm.Script`,
 * which keeps V8's compiled code of it on disk between runs: Node 20 offers no code cache for
 * ES modules). One file without code splitting, dynamic imports of its own modules inlined
 * (still run on first use, by esbuild's lazy module wrappers). The wrapper bin/mapsync.js
 * calls it with gives it:
 * - `__mapsyncUrl`: the bundle's own URL (`import.meta.url` of the ES modules it came from);
 * - `__mapsyncImport`: `import()` of a package or a URL, for the ES modules left outside
 *   (a `vm.Script` whose code comes from the cache cannot call `import()` itself on Node 20);
 * - `__mapsyncTrace`: called with each module's path as it runs, or undefined (see
 *   MAPSYNC_TRACE_MODULES in bin/mapsync.js; the tests of what a command loads use it).
 * The file is that function's expression, `(function (exports, require, …) {…})`, so that
 * bin/mapsync.js gives V8 the string it read: wrapped there, the 2.7 MB source was a
 * concatenation that V8 copied into one more string (~700 page faults, docs/benchmarks.md §6).
 * The last line names the bundle by a hash of its content, the key of the code cache.
 */
export const CACHED_BUNDLE = 'check.cjs';
export const CACHED_WRAPPER =
  '(function (exports, require, module, __filename, __dirname, __mapsyncUrl, __mapsyncImport, __mapsyncTrace) {';
export const CACHED_ENTRY = 'engine/cli/process.js';

/** @param {string} root the repository, ending in a slash */
export async function bundleCli(root) {
  const dist = `${root}dist/`;
  const outdir = `${dist}cli`;
  const posix = (path) => path.split(sep).join('/');
  const shared = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    absWorkingDir: root.replace(/\/$/, ''),
    keepNames: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
  };
  const esm = await build({
    ...shared,
    entryPoints: [`${dist}engine/cli/main.js`],
    splitting: true,
    format: 'esm',
    outdir,
    // A bundled CommonJS package `require`s node's modules: give each chunk a `require`.
    banner: {
      js: "import { createRequire as __mapsyncCreateRequire } from 'node:module';\nconst require = __mapsyncCreateRequire(import.meta.url);",
    },
    plugins: [plugin(dist, outdir, false)],
  });
  const cjs = await build({
    ...shared,
    entryPoints: [`${dist}${CACHED_ENTRY}`],
    format: 'cjs',
    outfile: `${outdir}/${CACHED_BUNDLE}`,
    // The ES modules it is made of are strict code; a CommonJS file is not unless it says so.
    banner: { js: "'use strict';" },
    define: { 'import.meta.url': '__mapsyncUrl' },
    plugins: [plugin(dist, outdir, true)],
  });
  // Which sources each output file holds, for the tests of what a command loads.
  const meta = {};
  const files = new Map();
  for (const result of [esm, cjs]) {
    for (const [file, output] of Object.entries(result.metafile.outputs)) {
      meta[posix(relative(outdir, `${root}${file}`))] = Object.keys(output.inputs).map((input) =>
        posix(relative(root, `${root}${input}`)),
      );
    }
    for (const f of result.outputFiles) files.set(posix(relative(outdir, f.path)), Buffer.from(f.contents));
  }
  const code = Buffer.from(`${CACHED_WRAPPER}${asciiOnly(files.get(CACHED_BUNDLE).toString('utf8'))}\n})\n`);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 20);
  files.set(CACHED_BUNDLE, Buffer.concat([code, Buffer.from(`//# mapsync-bundle ${hash}\n`)]));
  files.set('meta.json', Buffer.from(`${JSON.stringify(meta, null, 1)}\n`));
  writeChanged(outdir, files);
}

/**
 * esbuild escapes every non-ASCII character of the code, but not of the comments it keeps
 * (`→`, `—` in the engine's doc comments): those are written as `\u2192` so that the file
 * is ASCII and bin/mapsync.js reads it as Latin-1, a one-byte string (one with a single
 * non-ASCII character was decoded as UTF-8 into a two-byte string twice its size: ~30 ms to
 * read, and slower for V8 to hash and scan). Any other non-ASCII line stops the build.
 */
function asciiOnly(code) {
  return code
    .split('\n')
    .map((line, i) => {
      if (!/[\u{80}-\u{10ffff}]/u.test(line)) return line;
      if (!/^\s*(\/\/|\/\*|\*)/.test(line))
        throw new Error(
          `bin/bundle.js: ${CACHED_BUNDLE} line ${i + 1} is not ASCII outside a comment: ${line}`,
        );
      return line.replace(
        /[\u{80}-\u{10ffff}]/gu,
        (c) => `\\u${c.codePointAt(0).toString(16).padStart(4, '0')}`,
      );
    })
    .join('\n');
}

/** Which imports stay outside the bundle, and the rewrites of the compiled modules. */
function plugin(dist, outdir, cjs) {
  const posix = (path) => path.split(sep).join('/');
  return {
    name: 'mapsync-dist',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:') || BUNDLED.has(packageOf(args.path))) return undefined;
        return { path: args.path, external: true };
      });
      // The sandboxes stay outside the bundle, imported from dist/sandbox/.
      b.onResolve({ filter: /\/sandbox\// }, (args) => {
        if (!args.importer.startsWith(dist)) return undefined;
        const target = new URL(args.path, `file://${args.importer}`).pathname;
        if (!target.startsWith(`${dist}sandbox/`)) return undefined;
        return {
          path: `./${posix(relative(outdir, target))}`.replace(/^\.\/\.\.\//, '../'),
          external: true,
        };
      });
      // commander requires node:child_process (with net, dgram…) for executable
      // subcommands, which mapsync has none of: it is required on first use instead.
      b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
        const code = readFileSync(args.path, 'utf8');
        if (!code.includes(EAGER_CHILD_PROCESS)) {
          console.warn(`bin/bundle.js: ${args.path} no longer has ${EAGER_CHILD_PROCESS}`);
          return undefined;
        }
        return { contents: code.replace(EAGER_CHILD_PROCESS, LAZY_CHILD_PROCESS), loader: 'js' };
      });
      // yaml's parser reads process.env.LOG_TOKENS for every token it is given (~15,000 in
      // `validate mappings`, each a call into node for the environment): read once instead.
      b.onLoad({ filter: /[\\/]yaml[\\/]dist[\\/]parse[\\/]parser\.js$/ }, (args) => {
        const code = readFileSync(args.path, 'utf8');
        if (!code.includes(YAML_LOG_TOKENS)) {
          console.warn(`bin/bundle.js: ${args.path} no longer has ${YAML_LOG_TOKENS}`);
          return undefined;
        }
        const once = `${code.replace(YAML_LOG_TOKENS, 'if (logTokens)')}\nvar logTokens = node_process.env.LOG_TOKENS;\n`;
        return { contents: once, loader: 'js' };
      });
      // The precompiled document validators in the CommonJS bundle report themselves as they run.
      if (cjs)
        b.onLoad({ filter: /\.schema\.validate\.mjs$/ }, (args) => {
          if (!args.path.startsWith(`${dist}schemas/`)) return undefined;
          return { contents: traced(readFileSync(args.path, 'utf8'), args.path, outdir), loader: 'js' };
        });
      b.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(`${dist}engine/`)) return undefined;
        let code = readFileSync(args.path, 'utf8');
        const own = `new URL(${JSON.stringify(posix(relative(outdir, args.path)))}, import.meta.url).href`;
        if (cjs && args.path === `${dist}engine/yaml/document-schemas.js`)
          code = bundleValidators(code, dist);
        if (cjs) code = commonJs(code, args.path, outdir);
        else if (!code.includes('import.meta.url')) return undefined;
        // Not inside a string (document-schemas.js writes `import.meta.url` into generated code).
        const contents = code
          .split('\n')
          .map((line) =>
            line.replace(/import\.meta\.url/g, (match, at) =>
              (line.slice(0, at).match(/'/g)?.length ?? 0) % 2 === 0 ? own : match,
            ),
          )
          .join('\n');
        return { contents, loader: 'js' };
      });
    },
  };
}

/**
 * A compiled module made ready for the CommonJS bundle: every `import()` that esbuild does not
 * inline (a package outside the bundle, a computed URL, a sandbox) goes through
 * `__mapsyncImport`, a sandbox by its URL; the module reports itself to `__mapsyncTrace`
 * when it runs.
 */
function commonJs(code, file, outdir) {
  const posix = (path) => path.split(sep).join('/');
  const imports = code
    .replace(/\bimport\((['"])(\.[^'"]*\/sandbox\/[^'"]*)\1\)/g, (_, _q, specifier) => {
      const target = posix(relative(outdir, new URL(specifier, `file://${file}`).pathname));
      return `__mapsyncImport(new URL(${JSON.stringify(target)}, __mapsyncUrl).href)`;
    })
    .replace(/\bimport\((?!\s*['"]\.)/g, '__mapsyncImport(')
    // prepare.js `require`s JSONata through createRequire (an ES module's import would scan it):
    // a plain `require` puts it in the bundle, and its compiled code in the cache.
    .replace("createRequire(import.meta.url)('jsonata')", "require('jsonata')");
  return traced(imports, file, outdir);
}

/** A module of the CommonJS bundle that reports itself to `__mapsyncTrace` when it runs. */
function traced(code, file, outdir) {
  const posix = (path) => path.split(sep).join('/');
  return `__mapsyncTrace?.(${JSON.stringify(posix(relative(`${outdir}/../..`, file)))});\n${code}`;
}

/**
 * The CommonJS bundle carries the precompiled validators of dist/schemas/ (bin/build.js, step
 * 3), so that their code is compiled once into the code cache with the rest instead of on
 * every run: imported as ES modules, the three `validate` loads (~400 kB) were parsed and
 * compiled by each run, ~30 ms of CPU. document-schemas.js imports the one of dist/schemas/
 * from the bundle and any other (a custom schemas folder) from its file, as before; either
 * is used only when it was made from the schema's text read now.
 */
function bundleValidators(code, dist) {
  if (!code.includes(VALIDATOR_IMPORT))
    throw new Error(`bin/bundle.js: document-schemas.js no longer has ${VALIDATOR_IMPORT}`);
  const bundled = readdirSync(`${dist}schemas`)
    .filter((name) => name.endsWith('.schema.validate.mjs'))
    .map((name) => {
      const kind = JSON.stringify(name.slice(0, -'.schema.validate.mjs'.length));
      return `[validatorFile(DEFAULT_SCHEMAS_DIR, ${kind})]: () => import(${JSON.stringify(`../../schemas/${name}`)})`;
    });
  return code.replace(
    VALIDATOR_IMPORT,
    `await ({ ${bundled.join(', ')} }[file]?.() ?? ${VALIDATOR_IMPORT.slice('await '.length)})`,
  );
}

/** Writes the bundle's files (writeIfChanged), then removes the files of an older bundle. */
function writeChanged(dir, files) {
  mkdirSync(dir, { recursive: true });
  for (const [name, contents] of files) writeIfChanged(`${dir}/${name}`, contents);
  for (const name of readdirSync(dir)) {
    if (!files.has(name) && !name.endsWith('.tmp')) rmSync(`${dir}/${name}`, { force: true });
  }
}
