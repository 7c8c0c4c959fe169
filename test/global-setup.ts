/**
 * Runs once before any test: builds dist/ (bin/build.js, incremental: half a second when
 * nothing changed), so that every test that spawns `bin/mapsync.js` runs the code of this
 * very tree, never a stale build.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildDist(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../bin/build.js', import.meta.url))], {
    stdio: 'inherit',
  });
}
