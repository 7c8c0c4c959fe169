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
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json', '--noCheck'], {
  cwd: root,
  stdio: 'inherit',
});

/** The schemas folder is copied whole, relative to the repository and to dist/ alike. */
rmSync(`${root}dist/schemas`, { recursive: true, force: true });
cpSync(`${root}schemas`, `${root}dist/schemas`, { recursive: true });
/** Non-TypeScript files beside the code (ui/, *.json, *.mjs) go where the compiled code is. */
for (const top of ['engine', 'sandbox']) {
  for (const entry of readdirSync(`${root}${top}`, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
    const file = `${entry.parentPath}/${entry.name}`.slice(root.length);
    cpSync(`${root}${file}`, `${root}dist/${file}`);
  }
}
