/**
 * Anything that changes state (retry, pause, resume, run now) needs the admin token from
 * `MAPSYNC_ADMIN_TOKEN`, sent as `Authorization: Bearer <token>`. Without a configured
 * token those endpoints are refused with 403 (and the status page says how to enable them):
 * a service bound to loopback is still reachable by every local user and every page a
 * local browser opens, so "no token" must not mean "no check".
 *
 * Tokens are compared in constant time: both sides are hashed first, so neither the
 * comparison time nor an early length mismatch tells an attacker anything.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type AdminDecision = { ok: true } | { ok: false; status: 401 | 403; error: string };

/** Shorter tokens are refused at start: a guessable admin token is worse than none. */
export const MIN_TOKEN_LENGTH = 16;

export class AdminAuth {
  private readonly digest: Buffer | undefined;

  constructor(token: string | undefined) {
    this.digest = token ? sha256(token) : undefined;
  }

  get enabled(): boolean {
    return this.digest !== undefined;
  }

  check(authorization: string | undefined): AdminDecision {
    if (!this.digest) {
      return {
        ok: false,
        status: 403,
        error: 'admin actions are disabled: start the service with MAPSYNC_ADMIN_TOKEN set',
      };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match || !timingSafeEqual(sha256(match[1]!), this.digest)) {
      return { ok: false, status: 401, error: 'missing or wrong admin token' };
    }
    return { ok: true };
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
