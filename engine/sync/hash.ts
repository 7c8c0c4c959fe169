/** Content hashes: stable over key order, so a re-serialised record hashes the same. */
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';

export function contentHash(value: unknown): string {
  return createHash('sha256')
    .update(stringify(value) ?? 'undefined')
    .digest('base64url')
    .slice(0, 22);
}
