/**
 * The PowerOffice Go connector's config, as it appears in mapsync.yaml after `${ENV}`
 * interpolation, checked once at construction. The three keys are secrets: they come from
 * the environment and never appear in error messages.
 */
import { OptionReader } from '../options.ts';

export interface PowerOfficeGoConfig {
  /**
   * API base ending in `/v2`: `https://goapi.poweroffice.net/v2` (production) or
   * `https://goapi.poweroffice.net/Demo/v2` (demo clients).
   */
  url: string;
  /** Token endpoint; default: `url` with its trailing `/v2` replaced by `/OAuth/Token`. */
  token_url?: string;
  /** Identifies the integration (OAuth client id). */
  application_key: string;
  /** Identifies the PowerOffice Go client (tenant) that added the integration (OAuth client secret). */
  client_key: string;
  /** Developer-portal subscription key (`Ocp-Apim-Subscription-Key`). */
  subscription_key: string;
  /** Requests per second for this subscription key, shared by the whole process (default 10). */
  rate_limit?: number;
  /** Records per listing request, 1–20000 (default 1000; the API's own default is 5000). */
  page_size?: number;
  /** Whole-request timeout in ms (default 30000). */
  timeout_ms?: number;
  /** Connect timeout in ms (default 5000). */
  connect_timeout_ms?: number;
  /**
   * How far before the cursor incremental listings start, in seconds (default 5): reads
   * come from a replica that can lag about a second behind writes, so a change can show
   * up after a later one. What the overlap lists again is skipped unless it changed.
   */
  overlap_seconds?: number;
  /**
   * How changed customers are found: `scan` (default) lists every customer and keeps those
   * whose own or whose MailAddress timestamp is past the cursor, because an address-only
   * change may not move the customer's LastChangedDateTimeOffset; `filter` trusts the
   * server-side `lastChangedDateTimeOffsetGreaterThan` filter alone (cheaper).
   */
  customer_changes?: 'scan' | 'filter';
}

export interface ResolvedConfig {
  /** API base without a trailing slash, ending in `/v2`. */
  apiUrl: string;
  tokenUrl: string;
  applicationKey: string;
  clientKey: string;
  subscriptionKey: string;
  rateLimit: number;
  pageSize: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  overlapMs: number;
  customerChanges: 'scan' | 'filter';
}

/** Every option the connector understands (the factory exposes it; see options.ts). */
export const OPTION_KEYS = [
  'url',
  'token_url',
  'application_key',
  'client_key',
  'subscription_key',
  'rate_limit',
  'page_size',
  'timeout_ms',
  'connect_timeout_ms',
  'overlap_seconds',
  'customer_changes',
] as const satisfies ReadonlyArray<keyof PowerOfficeGoConfig>;

export function resolveConfig(raw: Record<string, unknown>): ResolvedConfig {
  const read = new OptionReader('poweroffice-go', raw, OPTION_KEYS);
  const api = read.url('url', true);
  const apiUrl = api ? `${api.origin}${api.pathname.replace(/\/+$/, '')}` : undefined;
  if (apiUrl && !/\/v2$/i.test(apiUrl)) read.problem('"url" must be the API base ending in /v2');
  const token = read.url('token_url', false);
  const tokenUrl = token
    ? `${token.origin}${token.pathname.replace(/\/+$/, '')}`
    : apiUrl?.replace(/\/v2$/i, '/OAuth/Token');
  const applicationKey = read.string('application_key', true);
  const clientKey = read.string('client_key', true);
  const subscriptionKey = read.string('subscription_key', true);
  const rateLimit = read.number('rate_limit', 1, 1000, true) ?? 10;
  const pageSize = read.number('page_size', 1, 20_000, true) ?? 1000;
  const timeoutMs = read.number('timeout_ms', 100, 600_000, true) ?? 30_000;
  const connectTimeoutMs = read.number('connect_timeout_ms', 100, 120_000, true) ?? 5_000;
  const overlapSeconds = read.number('overlap_seconds', 0, 86_400, false) ?? 5;
  const customerChanges = read.oneOf('customer_changes', ['scan', 'filter'] as const, 'scan');
  read.finish();
  if (!apiUrl || !tokenUrl || !applicationKey || !clientKey || !subscriptionKey) {
    throw new Error('unreachable: checked above');
  }
  return {
    apiUrl,
    tokenUrl,
    applicationKey,
    clientKey,
    subscriptionKey,
    rateLimit,
    pageSize,
    timeoutMs,
    connectTimeoutMs,
    overlapMs: overlapSeconds * 1000,
    customerChanges,
  };
}
