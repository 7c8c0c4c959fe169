#!/usr/bin/env node
/**
 * Builds dist/, the code `bin/mapsync.js` runs (`npm run build`; `npm ci` runs it through
 * `prepare`, and every vitest run before its first test, so a test never spawns a stale copy).
 *
 * 1. tsc compiles engine/ and sandbox/ (tsconfig.build.json), rewriting `./x.ts` imports to
 *    `./x.js`. It only emits (`--noCheck`): type checking is `npm run lint`'s job, and an
 *    incremental build with nothing changed takes half a second.
 * 2. The files read at run time beside the code are copied next to the compiled code, so
 *    dist/ works on its own (the container image ships only dist/ and production
 *    dependencies): the JSON Schemas, the status page's static files, and every other file
 *    under engine/ and sandbox/ that is not TypeScript (a connector's own entity schemas).
 * 3. The document schemas (mapping, mapping test, mapsync.yaml, tenant) are precompiled to
 *    standalone AJV validators, dist/schemas/<kind>.schema.validate.mjs, each carrying the
 *    text of its schema: a missing or stale one is (re)generated, one whose schema did not
 *    change is kept (engine/yaml/document-schemas.ts; the run time refuses a stale one).
 * 4. The CLI is bundled into dist/cli/ for the short commands (bin/bundle.js).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeIfChanged } from './write-changed.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json', '--noCheck'], {
  cwd: root,
  stdio: 'inherit',
});

/**
 * The schemas folder is mirrored, relative to the repository and to dist/ alike; only the
 * precompiled validators (3.) are kept beside it, each checked against its schema. Files
 * are written through writeIfChanged and nothing is removed first: CI runs the benchmarks,
 * which build first, beside the crash loop, whose mapsync processes read dist/schemas.
 */
/** Files under `dir`, relative to it. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

const schemaFiles = new Set(filesUnder(`${root}schemas`));
for (const file of schemaFiles)
  writeIfChanged(`${root}dist/schemas/${file}`, readFileSync(`${root}schemas/${file}`));
for (const file of filesUnder(`${root}dist/schemas`)) {
  if (!schemaFiles.has(file) && !file.endsWith('.schema.validate.mjs')) rmSync(`${root}dist/schemas/${file}`);
}
/** Non-TypeScript files beside the code (ui/, *.json, *.mjs) go where the compiled code is. */
for (const top of ['engine', 'sandbox']) {
  for (const file of filesUnder(`${root}${top}`)) {
    if (!file.endsWith('.ts'))
      writeIfChanged(`${root}dist/${top}/${file}`, readFileSync(`${root}${top}/${file}`));
  }
}

const { writeValidators } = await import(`${root}dist/engine/yaml/document-schemas.js`);
await writeValidators(`${root}dist/schemas`);

const { bundleCli } = await import('./bundle.js');
await bundleCli(root);
