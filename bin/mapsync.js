#!/usr/bin/env node
// Entry point of the `mapsync` command: runs the compiled engine in dist/, which
// `npm run build` makes (`npm ci` runs it). tsx is for development only (`npm run dev -- …`).
import { existsSync } from 'node:fs';
import module from 'node:module';
import v8 from 'node:v8';

// Node ≥ 22.1 (the container image runs Node 24) keeps the compiled code of the modules on
// disk across starts (in the OS temp folder), so a start compiles only what changed. Node 20
// has no such cache: there this is skipped. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
module.enableCompileCache?.();

// Short commands (help, validate, test, docs: well under a second of work) never run long
// enough for V8's optimizing compiler to pay for itself: its compile jobs cost a third of
// `mapsync validate`'s CPU. They run on V8's baseline tiers alone. Set before any of the
// engine is loaded; long-running commands (sync, serve…) keep the optimizer.
const SHORT = new Set([undefined, 'validate', 'test', 'docs', 'help', '--help', '-h', '--version', '-V']);
if (SHORT.has(process.argv[2]) && !process.env.MAPSYNC_OPTIMIZE) v8.setFlagsFromString('--no-opt');

// The short commands run the CLI bundled into a few files (dist/cli/, bin/bundle.js): on Node
// 20, which has no compile cache, loading ~120 modules one by one was a third of `validate`.
// The long-running commands run the modules of dist/engine/ as compiled.
const short = SHORT.has(process.argv[2]);
const main = new URL(short ? '../dist/cli/main.js' : '../dist/engine/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('mapsync: dist/ is not built; run `npm run build` (npm ci does it)\n');
  process.exit(70);
}
await import(main.href);
