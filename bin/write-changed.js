/**
 * Builds run side by side in one checkout (a test run's global setup beside a benchmark,
 * CI's parallel steps) while other processes read dist/: a file is written only when its
 * content changed, through a temporary file renamed over it, so a build of unchanged code
 * touches nothing and a reader never sees a half-written or missing file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Write `contents` to `path` unless it holds them already. */
export function writeIfChanged(path, contents) {
  if (existsSync(path) && Buffer.compare(readFileSync(path), contents) === 0) return;
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, path);
}
