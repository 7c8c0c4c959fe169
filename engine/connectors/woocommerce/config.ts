// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VARIABLE} references are mapsync.yaml syntax, not templates
/**
 * The WooCommerce connector's options: one fragment (types, ranges, defaults, secrets, help
 * text) from which the generated mapsync.schema.json, the options' type and their reader
 * all derive. Secrets (`consumer_key`, `consumer_secret`, `webhook_secret`) come from the
 * environment and are never echoed in error messages.
 */
import { baseUrlOf, httpUrlProblems, optionsReader } from '../options.ts';
import type { OptionsOf } from '../spec.ts';

/**
 * How requests authenticate:
 * - `basic`: HTTP Basic with the key pair (WooCommerce accepts it over HTTPS only).
 * - `query`: `consumer_key`/`consumer_secret` in the query string (HTTPS servers that strip
 *   the Authorization header).
 * - `oauth1`: one-legged OAuth 1.0a, HMAC-SHA256 (the only way over plain HTTP).
 * - `auto`: `basic` for https URLs, `oauth1` for http URLs.
 */
export type AuthMode = 'auto' | 'basic' | 'query' | 'oauth1';

export const options = {
  type: 'object',
  required: ['url', 'consumer_key', 'consumer_secret'],
  properties: {
    url: {
      type: 'string',
      title: 'Shop URL',
      description: 'Base URL of the shop; the API lives under /wp-json/wc/v3.',
      examples: ['${WOOCOMMERCE_URL}'],
    },
    consumer_key: {
      type: 'string',
      writeOnly: true,
      title: 'Consumer key',
      description: 'REST API consumer key (`ck_…`).',
      examples: ['${WOOCOMMERCE_CONSUMER_KEY}'],
    },
    consumer_secret: {
      type: 'string',
      writeOnly: true,
      title: 'Consumer secret',
      description: 'REST API consumer secret (`cs_…`).',
      examples: ['${WOOCOMMERCE_CONSUMER_SECRET}'],
    },
    webhook_secret: {
      type: 'string',
      writeOnly: true,
      title: 'Webhook secret',
      description: 'Secret the shop signs webhooks with; needed only to receive webhooks.',
      examples: ['${WOOCOMMERCE_WEBHOOK_SECRET}'],
    },
    auth: {
      type: 'string',
      enum: ['auto', 'basic', 'query', 'oauth1'],
      default: 'auto',
      title: 'Authentication',
      description: '`auto` (default: basic over https, oauth1 over http), `basic`, `query` or `oauth1`.',
      examples: ['auto'],
    },
    timeout_ms: {
      type: 'integer',
      minimum: 100,
      maximum: 600_000,
      default: 30_000,
      title: 'Request timeout',
      description: 'Whole-request timeout in milliseconds (default 30000).',
      examples: [30000],
    },
    page_size: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 100,
      title: 'Page size',
      description: 'Records per listing request, 1–100 (default 100).',
      examples: [100],
    },
    overlap_seconds: {
      type: 'integer',
      minimum: 0,
      maximum: 86_400,
      default: 300,
      title: 'Listing overlap',
      description: 'How far before the cursor incremental listings start, in seconds (default 300).',
      examples: [300],
    },
    plain_permalinks: {
      type: 'boolean',
      default: false,
      title: 'Plain permalinks',
      description: 'The shop uses plain permalinks: address the API as /?rest_route=/wc/v3/….',
      examples: [false],
    },
    method_override: {
      type: 'boolean',
      default: false,
      title: 'Method override',
      description:
        'Send PUT and DELETE as POST with X-HTTP-Method-Override, for hosts whose firewall (ModSecurity) answers 501 to PUT and DELETE. Such POSTs are not retried on 5xx.',
      examples: [false],
    },
    max_rps: {
      type: 'number',
      minimum: 0.1,
      maximum: 1000,
      title: 'Client-side rate limit',
      description: 'Optional limit in requests per second (WooCommerce itself has none).',
      examples: [5],
    },
    max_body_bytes: {
      type: 'integer',
      minimum: 4096,
      maximum: 1_073_741_824,
      default: 1_048_576,
      title: 'Largest request body',
      description:
        "Largest request body the shop's web server accepts, in bytes (default 1048576: nginx's client_max_body_size default of 1 MiB). Batched updates are split to stay under it; one record's update over it fails alone, naming its size.",
      examples: [1048576],
    },
    tls_ca: {
      type: 'string',
      title: 'Extra CA certificate',
      description: 'PEM of a trusted CA, for shops with a private or self-signed certificate.',
      examples: ['${WOOCOMMERCE_TLS_CA}'],
    },
  },
} as const;

export type WooCommerceOptions = OptionsOf<typeof options>;

export function check(o: Partial<WooCommerceOptions>): string[] {
  const problems = httpUrlProblems('url', o.url);
  if (o.url !== undefined && problems.length === 0 && /\/wp-json(\/|$)/.test(new URL(o.url).pathname)) {
    problems.push('"url" must be the shop base URL, without /wp-json/… (the connector adds it)');
  }
  return problems;
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
  /** Largest request body in bytes (batches are split to fit). */
  maxBodyBytes: number;
}

/** What the connector works with, derived from checked options. */
export function resolve(o: WooCommerceOptions): ResolvedConfig {
  const https = new URL(o.url).protocol === 'https:';
  return {
    baseUrl: baseUrlOf(o.url),
    https,
    consumerKey: o.consumer_key,
    consumerSecret: o.consumer_secret,
    ...(o.webhook_secret !== undefined ? { webhookSecret: o.webhook_secret } : {}),
    auth: o.auth === 'auto' ? (https ? 'basic' : 'oauth1') : o.auth,
    timeoutMs: o.timeout_ms,
    pageSize: o.page_size,
    overlapMs: o.overlap_seconds * 1000,
    plainPermalinks: o.plain_permalinks,
    methodOverride: o.method_override,
    maxBodyBytes: o.max_body_bytes,
    ...(o.max_rps !== undefined ? { maxRps: o.max_rps } : {}),
    ...(o.tls_ca !== undefined ? { tlsCa: o.tls_ca } : {}),
  };
}

/** Read and resolve a raw options block (as the registry does; for direct use and tests). */
export function resolveConfig(raw: Record<string, unknown>): ResolvedConfig {
  return resolve(optionsReader({ kind: 'woocommerce', options, check })(raw));
}
