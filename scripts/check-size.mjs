// `npm run check:size`: lists the TypeScript files under engine/ longer than the limit (400
// lines) and fails when there is one. Small files with one job are a rule of the house
// (docs/architecture.md); this keeps the biggest ones from growing back. Only the engine's
// TypeScript: the status page's browser script (engine/service/ui/) is not engine code.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const LIMIT = 400;
const root = new URL('..', import.meta.url).pathname;

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

const sizes = [...sources(join(root, 'engine'))]
  .map((path) => ({ path: relative(root, path), lines: readFileSync(path, 'utf8').split('\n').length - 1 }))
  .sort((a, b) => b.lines - a.lines);
const over = sizes.filter((f) => f.lines > LIMIT);
for (const f of over) console.log(`${f.path}: ${f.lines} lines (limit ${LIMIT})`);
const biggest = sizes[0];
console.log(
  over.length === 0
    ? `check:size: no file under engine/ over ${LIMIT} lines (biggest: ${biggest?.path}, ${biggest?.lines})`
    : `check:size: ${over.length} file(s) under engine/ over ${LIMIT} lines`,
);
process.exitCode = over.length === 0 ? 0 : 1;
