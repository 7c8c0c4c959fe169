/** The mapsync version, from package.json (for --version and the tool entry of reports). */
import { readFileSync } from 'node:fs';

export const MAPSYNC_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
