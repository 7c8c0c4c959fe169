/**
 * Request authentication for WooCommerce REST API keys, as got hooks so that every attempt
 * (including retries) is authenticated afresh: an OAuth nonce may be used only once, so a
 * retried request must be signed again.
 *
 * - basic: `Authorization: Basic base64(key:secret)`; WooCommerce honours it over HTTPS only.
 * - query: `consumer_key`/`consumer_secret` query parameters (HTTPS shops whose server strips
 *   the Authorization header).
 * - oauth1: one-legged OAuth 1.0a with HMAC-SHA256, parameters in the query string. The
 *   signature base string is `METHOD&enc(signed URL)&enc(sorted, RFC 3986-encoded params)`,
 *   the key is `consumer_secret&`; the body is not signed. The signed URL is what
 *   WooCommerce rebuilds with `get_home_url(null, $path)` (see `oauthSignedUrl`).
 *
 * Credentials are added here, in the last step, so they never appear in the paths and
 * options the connector builds (and therefore never in its error messages).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { BeforeRequestHook } from 'got';
import OAuth from 'oauth-1.0a';
import type { ResolvedConfig } from './config.ts';

const OAUTH_PARAMS = [
  'oauth_consumer_key',
  'oauth_nonce',
  'oauth_signature_method',
  'oauth_timestamp',
  'oauth_signature',
  'oauth_version',
];

/** Percent-encoding of RFC 3986 (also `!*'()`), as OAuth requires. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!*'()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The URL WooCommerce's signature check uses: the request path relative to the site's base
 * (`<home path>/`) appended to the home URL only when it is not empty. A plain-permalink
 * request to `https://shop.example/?rest_route=/wc/v3/…` is therefore signed as
 * `https://shop.example` (no trailing slash); `…/wp-json/wc/v3/x` as it is.
 * `home` is the configured shop URL without trailing slash.
 */
export function oauthSignedUrl(home: string, url: URL): string {
  const wpBase = `${new URL(home).pathname.replace(/\/+$/, '')}/`;
  const rest = url.pathname.startsWith(wpBase) ? url.pathname.slice(wpBase.length) : url.pathname;
  return rest === '' ? home : `${home}/${rest.replace(/^\/+/, '')}`;
}

/** Static headers for the mode (Basic), or none. */
export function authHeaders(config: ResolvedConfig): Record<string, string> {
  if (config.auth !== 'basic') return {};
  const token = Buffer.from(`${config.consumerKey}:${config.consumerSecret}`).toString('base64');
  return { authorization: `Basic ${token}` };
}

/** The per-attempt hook that adds query-string keys or an OAuth signature. */
export function authHook(
  config: ResolvedConfig,
  now: () => Date = () => new Date(),
): BeforeRequestHook | undefined {
  if (config.auth === 'query') {
    return (options) => {
      const url = options.url as URL;
      setParams(url, { consumer_key: config.consumerKey, consumer_secret: config.consumerSecret });
    };
  }
  if (config.auth === 'oauth1') {
    const oauth = new OAuth({
      consumer: { key: config.consumerKey, secret: config.consumerSecret },
      signature_method: 'HMAC-SHA256',
      hash_function: (base, key) => createHmac('sha256', key).update(base).digest('base64'),
    });
    return (options) => {
      const url = options.url as URL;
      for (const name of OAUTH_PARAMS) removeParam(url, name);
      // No oauth_version: WooCommerce does not need it and its docs say to leave it out.
      const data = {
        oauth_consumer_key: config.consumerKey,
        oauth_nonce: randomBytes(16).toString('hex'),
        oauth_signature_method: 'HMAC-SHA256',
        oauth_timestamp: Math.floor(now().getTime() / 1000),
      } as OAuth.Data;
      const signed = `${oauthSignedUrl(config.baseUrl, url)}${url.search}`;
      const signature = oauth.getSignature({ url: signed, method: options.method }, undefined, data);
      setParams(url, {
        oauth_consumer_key: data.oauth_consumer_key,
        oauth_nonce: data.oauth_nonce,
        oauth_signature_method: data.oauth_signature_method,
        oauth_timestamp: String(data.oauth_timestamp),
        oauth_signature: signature,
      });
    };
  }
  return undefined;
}

/** Append parameters keeping the existing query text byte for byte (`%20`, never `+`). */
function setParams(url: URL, params: Record<string, string>): void {
  for (const name of Object.keys(params)) removeParam(url, name);
  const added = Object.entries(params).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`);
  const current = url.search.replace(/^\?/, '');
  url.search = `?${[current, ...added].filter((part) => part !== '').join('&')}`;
}

function removeParam(url: URL, name: string): void {
  const parts = url.search
    .replace(/^\?/, '')
    .split('&')
    .filter((part) => part !== '' && decodeURIComponent(part.split('=')[0]!) !== name);
  url.search = parts.length > 0 ? `?${parts.join('&')}` : '';
}
