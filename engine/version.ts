/**
 * mapsync's version, read from its package.json: one folder up from the sources
 * (engine/version.ts), two from the build (dist/engine/version.js).
 */
import { existsSync, readFileSync } from 'node:fs';

function packageJson(): URL {
  const candidates = ['../package.json', '../../package.json'].map((p) => new URL(p, import.meta.url));
  const found = candidates.find((url) => existsSync(url));
  if (!found) throw new Error(`package.json not found beside ${import.meta.url}`);
  return found;
}

export const VERSION = (JSON.parse(readFileSync(packageJson(), 'utf8')) as { version: string }).version;
