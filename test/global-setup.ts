/**
 * Runs once before any test: builds dist/ (bin/build.js, incremental: half a second when
 * nothing changed), so that every test that spawns `bin/mapsync.js` runs the code of this
 * very tree, never a stale build. Both projects of vitest.config.ts name it (a run of one
 * shared file must build too); vitest runs their global setups one after the other in its
 * own process, so a mark there keeps the second from building again.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BUILT = Symbol.for('mapsync.test.dist-built');

export default function buildDist(): void {
  const marks = globalThis as { [BUILT]?: boolean };
  if (marks[BUILT]) return;
  execFileSync(process.execPath, [fileURLToPath(new URL('../bin/build.js', import.meta.url))], {
    stdio: 'inherit',
  });
  marks[BUILT] = true;
}
