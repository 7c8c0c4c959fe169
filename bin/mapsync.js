#!/usr/bin/env node
// Entry point of the `mapsync` command: runs the compiled engine in dist/, which
// `npm run build` makes (`npm ci` runs it). tsx is for development only (`npm run dev -- …`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/engine/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('mapsync: dist/ is not built; run `npm run build` (npm ci does it)\n');
  process.exit(70);
}
await import(main.href);
