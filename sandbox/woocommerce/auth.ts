/**
 * Who is calling, decided the way WooCommerce's `WC_REST_Authentication` decides it.
 *
 * - HTTPS: query-string keys (`consumer_key`/`consumer_secret`) first, then HTTP Basic.
 *   An unknown key is not an error: the request continues anonymously and fails at the
 *   endpoint's permission check (401 `woocommerce_rest_cannot_view` …). A known key with a
 *   wrong secret is 401 "Consumer secret is invalid.".
 * - Plain HTTP: OAuth 1.0a one-legged (HMAC-SHA1/-SHA256, ±15 min timestamp, nonces
 *   remembered 15 min per key). DELIBERATE DIFFERENCE: the sandbox also accepts HTTP Basic
 *   over plain HTTP (as WooCommerce test set-ups do, and as WooCommerce's own API test
 *   suites assume); query-string keys over plain HTTP are ignored, as in the real shop.
 * - Key permissions: reads need `read`/`read_write`, writes `write`/`read_write`.
 */
import { randomBytes } from 'node:crypto';
import { baseString, OAUTH_REQUIRED, parseOAuthHeader, sign, signatureMatches } from './oauth.ts';
import { WpError } from './wp-error.ts';

export type Permission = 'read' | 'write' | 'read_write';

export interface ApiKey {
  consumerKey: string;
  consumerSecret: string;
  permissions: Permission;
}

export interface AuthRequest {
  method: string;
  https: boolean;
  /** The URL OAuth signs (no query): `signedUrl()` of the request, as WooCommerce builds it. */
  baseUrl: string;
  query: Record<string, string | string[]>;
  /** Form-encoded body params (signed by OAuth), if any. */
  form: Record<string, string | string[]>;
  authorization?: string;
}

/** `undefined` = anonymous. */
export type Caller = { key: ApiKey } | undefined;

const WINDOW_SECONDS = 15 * 60;

export function generateKey(permissions: Permission): ApiKey {
  return {
    consumerKey: `ck_${randomBytes(20).toString('hex')}`,
    consumerSecret: `cs_${randomBytes(20).toString('hex')}`,
    permissions,
  };
}

export class Authenticator {
  private readonly nonces = new Map<string, Map<string, number>>();

  constructor(
    private readonly keys: () => ApiKey[],
    private readonly now: () => Date,
    private readonly basicOverHttp = true,
  ) {}

  authenticate(request: AuthRequest): Caller {
    if (request.https) {
      const fromQuery = this.basicLike(
        first(request.query.consumer_key),
        first(request.query.consumer_secret),
      );
      if (fromQuery !== null) return fromQuery;
      return this.basicLike(...basicCredentials(request.authorization)) ?? undefined;
    }
    const oauth = this.oauth(request);
    if (oauth !== null) return oauth;
    if (this.basicOverHttp) return this.basicLike(...basicCredentials(request.authorization)) ?? undefined;
    return undefined;
  }

  /** Write/read permission of the key for this method (`rest_pre_dispatch`). */
  checkPermission(caller: Caller, method: string): void {
    if (!caller) return;
    const p = caller.key.permissions;
    const reading = method === 'GET' || method === 'HEAD';
    if (method === 'OPTIONS') return;
    if (reading && p === 'write') {
      throw authError('The API key provided does not have read permissions.');
    }
    if (!reading && p === 'read') {
      throw authError('The API key provided does not have write permissions.');
    }
  }

  /** `null` = no such credentials in the request; `undefined` = unknown key (anonymous). */
  private basicLike(key: string | undefined, secret: string | undefined): Caller | null {
    if (!key || secret === undefined) return null;
    const found = this.keys().find((k) => k.consumerKey === key);
    if (!found) return undefined;
    if (!signatureMatches(secret, found.consumerSecret)) throw authError('Consumer secret is invalid.');
    return { key: found };
  }

  private oauth(request: AuthRequest): Caller | null {
    const header = parseOAuthHeader(request.authorization);
    const params: Record<string, string | string[]> = { ...request.query, ...request.form, ...header };
    const present = OAUTH_REQUIRED.filter((p) => params[p] !== undefined);
    if (present.length === 0) return null;
    if (present.length < OAUTH_REQUIRED.length) {
      const missing = OAUTH_REQUIRED.filter((p) => params[p] === undefined);
      throw new WpError(
        'woocommerce_rest_authentication_missing_parameter',
        `Missing OAuth parameter(s) ${missing.join(', ')}`,
        401,
      );
    }
    const key = this.keys().find((k) => k.consumerKey === first(params.oauth_consumer_key));
    if (!key) throw authError('Consumer key is invalid.');
    const method = first(params.oauth_signature_method);
    if (method !== 'HMAC-SHA1' && method !== 'HMAC-SHA256') {
      throw authError('Invalid signature - signature method is invalid.');
    }
    const expected = sign(baseString(request.method, request.baseUrl, params), key.consumerSecret, method);
    const given = (first(params.oauth_signature) ?? '').replace(/ /g, '+');
    if (!signatureMatches(given, expected))
      throw authError('Invalid signature - provided signature does not match.');
    const timestamp = Number(first(params.oauth_timestamp));
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    if (!Number.isFinite(timestamp) || Math.abs(nowSeconds - timestamp) > WINDOW_SECONDS) {
      throw authError('Invalid timestamp.');
    }
    const nonce = first(params.oauth_nonce) ?? '';
    const used = this.nonces.get(key.consumerKey) ?? new Map<string, number>();
    for (const [n, at] of used) if (at < nowSeconds - WINDOW_SECONDS) used.delete(n);
    if (used.has(nonce)) throw authError('Invalid nonce - nonce has already been used.');
    used.set(nonce, timestamp);
    this.nonces.set(key.consumerKey, used);
    return { key };
  }
}

export function authError(message: string): WpError {
  return new WpError('woocommerce_rest_authentication_error', message, 401);
}

function basicCredentials(header: string | undefined): [string | undefined, string | undefined] {
  if (!header || !/^Basic\s/i.test(header)) return [undefined, undefined];
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return [decoded, undefined];
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
