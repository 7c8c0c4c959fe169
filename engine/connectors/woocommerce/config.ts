/**
 * The WooCommerce connector's config, as it appears in mapsync.yaml after `${ENV}`
 * interpolation, checked once at construction. Secrets (`consumer_key`,
 * `consumer_secret`, `webhook_secret`) come from the environment and are never echoed in
 * error messages.
 */
import { OptionReader } from '../options.ts';

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

/** Every option the connector understands (the factory exposes it; see options.ts). */
export const OPTION_KEYS = [
  'url',
  'consumer_key',
  'consumer_secret',
  'webhook_secret',
  'auth',
  'timeout_ms',
  'page_size',
  'overlap_seconds',
  'plain_permalinks',
  'max_rps',
  'tls_ca',
  'method_override',
] as const satisfies ReadonlyArray<keyof WooCommerceConfig>;

export function resolveConfig(raw: Record<string, unknown>): ResolvedConfig {
  const read = new OptionReader('woocommerce', raw, OPTION_KEYS);
  const parsed = read.url('url', true);
  if (parsed && /\/wp-json(\/|$)/.test(parsed.pathname)) {
    read.problem('"url" must be the shop base URL, without /wp-json/… (the connector adds it)');
  }
  const consumerKey = read.string('consumer_key', true);
  const consumerSecret = read.string('consumer_secret', true);
  const webhookSecret = read.string('webhook_secret', false);
  const authValue = read.oneOf('auth', AUTH_MODES, 'auto');
  const timeoutMs = read.number('timeout_ms', 100, 600_000, true) ?? 30_000;
  const pageSize = read.number('page_size', 1, 100, true) ?? 100;
  const overlapSeconds = read.number('overlap_seconds', 0, 86_400, true) ?? 300;
  const maxRps = read.number('max_rps', 0.1, 1000, false);
  const tlsCa = read.string('tls_ca', false);
  const plain = read.flag('plain_permalinks');
  const override = read.flag('method_override');
  read.finish();
  if (!parsed || !consumerKey || !consumerSecret) throw new Error('unreachable: checked above');

  const https = parsed.protocol === 'https:';
  const auth: Exclude<AuthMode, 'auto'> = authValue === 'auto' ? (https ? 'basic' : 'oauth1') : authValue;
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
