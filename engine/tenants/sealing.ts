/**
 * Tenant credentials at rest: AES-256-GCM (node:crypto) under a master key from
 * `MAPSYNC_MASTER_KEY`, never stored anywhere else.
 *
 * `MAPSYNC_MASTER_KEY` is a key ring: `<id>:<base64 of 32 bytes>[,<id>:<base64>…]`. The first
 * key seals everything new; the others only open what they sealed before. Each sealed value
 * names the key id it was sealed with, so a key can be rotated: put the new key first, run
 * `mapsync tenant rotate-key` (everything is sealed again with it), then drop the old one
 * (docs/fleet.md, "Key rotation").
 *
 * The associated data binds each value to its tenant, system and option, so a sealed value
 * copied to another tenant or option does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.ts';

export interface SealedSecret {
  /** Key id of the master key it was sealed with. */
  kid: string;
  /** 12-byte nonce, tag and ciphertext, base64. */
  iv: string;
  tag: string;
  data: string;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export class KeyRing {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly activeId: string,
  ) {}

  /** Parse `MAPSYNC_MASTER_KEY`; errors never repeat the key material. */
  static parse(value: string | undefined): KeyRing {
    if (!value || value.trim() === '') {
      throw new ConfigError(
        'TENANT_MASTER_KEY_MISSING',
        'MAPSYNC_MASTER_KEY is not set: tenant credentials are encrypted with it (docs/fleet.md, "Master key")',
      );
    }
    const keys = new Map<string, Buffer>();
    let active: string | undefined;
    for (const [i, entry] of value.split(',').entries()) {
      const colon = entry.indexOf(':');
      const id = entry.slice(0, colon).trim();
      const key = Buffer.from(entry.slice(colon + 1).trim(), 'base64');
      if (colon < 0 || !KEY_ID.test(id) || key.length !== 32) {
        throw new ConfigError(
          'TENANT_MASTER_KEY_INVALID',
          `MAPSYNC_MASTER_KEY entry ${i + 1} must be <key id>:<base64 of 32 random bytes> (key id: letters, digits, _ and -)`,
        );
      }
      if (keys.has(id))
        throw new ConfigError('TENANT_MASTER_KEY_INVALID', `MAPSYNC_MASTER_KEY names key id "${id}" twice`);
      keys.set(id, key);
      active ??= id;
    }
    return new KeyRing(keys, active!);
  }

  seal(plaintext: string, context: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      kid: this.activeId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  open(sealed: SealedSecret, context: string): string {
    const key = this.keys.get(sealed.kid);
    if (!key) {
      throw new ConfigError(
        'TENANT_KEY_UNKNOWN',
        `${context}: sealed with master key "${sealed.kid}", which MAPSYNC_MASTER_KEY does not hold`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new ConfigError(
        'TENANT_DECRYPT_FAILED',
        `${context}: does not open with master key "${sealed.kid}" (a different key under the same id, or the value was altered)`,
      );
    }
  }
}

/** A new master key entry for MAPSYNC_MASTER_KEY: `<id>:<32 random bytes, base64>`. */
export function newMasterKey(id: string): string {
  if (!KEY_ID.test(id))
    throw new ConfigError('TENANT_MASTER_KEY_INVALID', `key id "${id}": letters, digits, _ and - only`);
  return `${id}:${randomBytes(32).toString('base64')}`;
}
