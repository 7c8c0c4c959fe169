/**
 * The PowerOffice Go connector's config, as it appears in mapsync.yaml after `${ENV}`
 * interpolation, checked once at construction. The three keys are secrets: they come from
 * the environment and never appear in error messages.
 */
import { ConfigError } from '../../errors.ts';

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
   * How far before the cursor incremental listings start, in seconds (default 0). Raise it
   * if changes show up late because reads come from a replica.
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
  const num = (key: string, min: number, max: number, integer: boolean): number | undefined => {
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
  const httpUrl = (key: string, value: string | undefined): URL | undefined => {
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
        problems.push(`"${key}" must be an http(s) URL`);
      if (parsed.username || parsed.password) problems.push(`"${key}" must not contain credentials`);
      if (parsed.search) problems.push(`"${key}" must not contain a query string`);
      return parsed;
    } catch {
      problems.push(`"${key}" is not a valid URL`);
      return undefined;
    }
  };

  const api = httpUrl('url', str('url', true));
  const apiUrl = api ? `${api.origin}${api.pathname.replace(/\/+$/, '')}` : undefined;
  if (apiUrl && !/\/v2$/i.test(apiUrl)) problems.push('"url" must be the API base ending in /v2');
  const tokenRaw = str('token_url', false);
  const token = httpUrl('token_url', tokenRaw);
  const tokenUrl = token
    ? `${token.origin}${token.pathname.replace(/\/+$/, '')}`
    : apiUrl?.replace(/\/v2$/i, '/OAuth/Token');
  const applicationKey = str('application_key', true);
  const clientKey = str('client_key', true);
  const subscriptionKey = str('subscription_key', true);
  const rateLimit = num('rate_limit', 1, 1000, true) ?? 10;
  const pageSize = num('page_size', 1, 20_000, true) ?? 1000;
  const timeoutMs = num('timeout_ms', 100, 600_000, true) ?? 30_000;
  const connectTimeoutMs = num('connect_timeout_ms', 100, 120_000, true) ?? 5_000;
  const overlapSeconds = num('overlap_seconds', 0, 86_400, false) ?? 0;
  const customerChanges = raw.customer_changes ?? 'scan';
  if (customerChanges !== 'scan' && customerChanges !== 'filter')
    problems.push('"customer_changes" must be "scan" or "filter"');

  if (problems.length > 0 || !apiUrl || !tokenUrl || !applicationKey || !clientKey || !subscriptionKey) {
    throw new ConfigError('CONFIG_INVALID', `poweroffice-go connector config: ${problems.join('; ')}`);
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
    customerChanges: customerChanges as 'scan' | 'filter',
  };
}
