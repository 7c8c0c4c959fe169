/**
 * The WooCommerce connector's config, as it appears in mapsync.yaml after `${ENV}`
 * interpolation, checked once at construction. Secrets (`consumer_key`,
 * `consumer_secret`, `webhook_secret`) come from the environment and are never echoed in
 * error messages.
 */
import { ConfigError } from '../../errors.ts';

/**
 * How requests authenticate:
 * - `basic`: HTTP Basic with the key pair (WooCommerce accepts it over HTTPS only).
 * - `query`: `consumer_key`/`consumer_secret` in the query string (HTTPS servers that strip
 *   the Authorization header).
 * - `oauth1`: one-legged OAuth 1.0a, HMAC-SHA256 (the only way over plain HTTP).
 * - `auto`: `basic` for https URLs, `oauth1` for http URLs.
 */
export type AuthMode = 'auto' | 'basic' | 'query' | 'oauth1';

export interface WooCommerceConfig {
  /** Shop base URL (`https://shop.example`); the API lives under `/wp-json/wc/v3`. */
  url: string;
  consumer_key: string;
  consumer_secret: string;
  /** Secret of the shop's webhooks; needed only to receive webhooks. */
  webhook_secret?: string;
  auth?: AuthMode;
  /** Whole-request timeout in ms (default 30000). */
  timeout_ms?: number;
  /** Records per listing request, 1–100 (default 100). */
  page_size?: number;
  /** How far back before the cursor incremental listings start, in seconds (default 300). */
  overlap_seconds?: number;
  /** Shops with "plain" permalinks: address the API as `/?rest_route=/wc/v3/...`. */
  plain_permalinks?: boolean;
  /** Optional client-side limit in requests per second (WooCommerce itself has none). */
  max_rps?: number;
  /** Extra trusted CA certificate (PEM), for shops with a private or self-signed certificate. */
  tls_ca?: string;
  /**
   * Send PUT/DELETE as POST with `X-HTTP-Method-Override`, for hosts whose firewall
   * (ModSecurity) answers 501 to PUT and DELETE. Such POSTs are not retried on 5xx.
   */
  method_override?: boolean;
}

export interface ResolvedConfig {
  /** Base URL without a trailing slash. */
  baseUrl: string;
  https: boolean;
  consumerKey: string;
  consumerSecret: string;
  webhookSecret?: string;
  auth: Exclude<AuthMode, 'auto'>;
  timeoutMs: number;
  pageSize: number;
  overlapMs: number;
  plainPermalinks: boolean;
  maxRps?: number;
  tlsCa?: string;
  methodOverride: boolean;
}

const AUTH_MODES: readonly AuthMode[] = ['auto', 'basic', 'query', 'oauth1'];

export function resolveConfig(raw: Record<string, unknown>): ResolvedConfig {
  const problems: string[] = [];
  const str = (key: string, required: boolean): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null || value === '') {
      if (required) problems.push(`"${key}" is required`);
      return undefined;
    }
    if (typeof value !== 'string') {
      problems.push(`"${key}" must be a string`);
      return undefined;
    }
    return value;
  };
  const num = (key: string, min: number, max: number, integer = true): number | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (
      typeof n !== 'number' ||
      !Number.isFinite(n) ||
      n < min ||
      n > max ||
      (integer && !Number.isInteger(n))
    ) {
      problems.push(`"${key}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
      return undefined;
    }
    return n;
  };

  const url = str('url', true);
  let parsed: URL | undefined;
  if (url !== undefined) {
    try {
      parsed = new URL(url);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
        problems.push('"url" must be an http(s) URL');
      if (parsed.username || parsed.password) problems.push('"url" must not contain credentials');
      if (parsed.search)
        problems.push('"url" must not contain a query string (set plain_permalinks instead)');
      if (/\/wp-json(\/|$)/.test(parsed.pathname)) {
        problems.push('"url" must be the shop base URL, without /wp-json/… (the connector adds it)');
      }
    } catch {
      problems.push('"url" is not a valid URL');
    }
  }
  const consumerKey = str('consumer_key', true);
  const consumerSecret = str('consumer_secret', true);
  const webhookSecret = str('webhook_secret', false);
  const authValue = raw.auth ?? 'auto';
  if (!AUTH_MODES.includes(authValue as AuthMode))
    problems.push(`"auth" must be one of ${AUTH_MODES.join(', ')}`);
  const timeoutMs = num('timeout_ms', 100, 600_000) ?? 30_000;
  const pageSize = num('page_size', 1, 100) ?? 100;
  const overlapSeconds = num('overlap_seconds', 0, 86_400) ?? 300;
  const maxRps = num('max_rps', 0.1, 1000, false);
  const tlsCa = str('tls_ca', false);
  const flag = (key: string): boolean => {
    // After ${ENV} interpolation a flag may arrive as the string "true"/"false".
    const value = raw[key] ?? false;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false' || value === '') return false;
    problems.push(`"${key}" must be true or false`);
    return false;
  };
  const plain = flag('plain_permalinks');
  const override = flag('method_override');

  if (problems.length > 0 || !parsed || !consumerKey || !consumerSecret) {
    throw new ConfigError('CONFIG_INVALID', `woocommerce connector config: ${problems.join('; ')}`);
  }
  const https = parsed.protocol === 'https:';
  let auth = authValue as AuthMode;
  if (auth === 'auto') auth = https ? 'basic' : 'oauth1';
  return {
    baseUrl: `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`,
    https,
    consumerKey,
    consumerSecret,
    ...(webhookSecret !== undefined ? { webhookSecret } : {}),
    auth,
    timeoutMs,
    pageSize,
    overlapMs: overlapSeconds * 1000,
    plainPermalinks: plain,
    methodOverride: override,
    ...(maxRps !== undefined ? { maxRps } : {}),
    ...(tlsCa !== undefined ? { tlsCa } : {}),
  };
}
