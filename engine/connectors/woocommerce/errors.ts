/**
 * WooCommerce error bodies (`{code, message, data: {status, params}}`, the WordPress REST
 * shape) translated into the `ConnectorError` kinds the engine acts on. Only this file
 * reads vendor error codes. Anything that is not such a body (a proxy's HTML 502, a
 * truncated response) is a `transport` error, never a crash.
 */
import { ConnectorError, type ConnectorErrorKind } from '../errors.ts';
import { parseRetryAfter } from '../http/retry-policy.ts';

export const SYSTEM = 'woocommerce';

/** A WordPress REST error body. */
export interface WpError {
  code: string;
  message: string;
  data?: { status?: number; params?: Record<string, unknown> } | null;
}

export function isWpError(value: unknown): value is WpError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as WpError).code === 'string' &&
    typeof (value as WpError).message === 'string'
  );
}

/** Codes that mean "this value is already taken by another record". */
const CONFLICT_CODES = new Set([
  'registration-error-email-exists',
  'registration-error-username-exists',
  'woocommerce_rest_customer_invalid_email',
  'product_invalid_sku',
  'woocommerce_rest_product_sku_already_exists',
]);

/** Codes that mean "the addressed record does not exist" whatever the status says. */
function isMissingRecordCode(code: string): boolean {
  return (
    code === 'woocommerce_rest_invalid_id' ||
    code === 'wc_user_invalid_id' ||
    code === 'woocommerce_rest_already_trashed' ||
    /^woocommerce_rest_(shop_order|product|product_variation)_invalid_id$/.test(code)
  );
}

function kindFor(status: number, code: string | undefined): ConnectorErrorKind {
  if (code !== undefined) {
    if (CONFLICT_CODES.has(code)) return 'conflict';
    if (isMissingRecordCode(code)) return 'not-found';
  }
  if (status === 401 || status === 403) return 'auth';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate-limited';
  if (status === 501 && code !== undefined) return 'validation';
  if (status >= 500) return 'transport';
  if (status >= 400) return 'validation';
  return 'transport';
}

export interface ResponseLike {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The error for a non-2xx response (or an unusable 2xx body). */
export function errorFromResponse(response: ResponseLike, method: string, path: string): ConnectorError {
  const status = response.statusCode;
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    parsed = undefined;
  }
  const retryAfter = parseRetryAfter(header(response.headers, 'retry-after'));
  const base = {
    system: SYSTEM,
    status,
    method,
    path,
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
  };
  if (!isWpError(parsed)) {
    // The front server (nginx, PHP's post_max_size) refused the body before WordPress saw it:
    // the same record would be refused again, so it fails as invalid rather than being retried.
    if (status === 413) {
      return new ConnectorError(
        `${SYSTEM}: ${method} ${path} answered 413: the request body is larger than the shop's web server accepts (nginx client_max_body_size, PHP post_max_size)`,
        { ...base, kind: 'validation' },
      );
    }
    const kind: ConnectorErrorKind =
      status === 429 ? 'rate-limited' : status === 401 || status === 403 ? 'auth' : 'transport';
    const what = status < 300 ? 'an unparsable body' : `${status} with a non-WordPress body`;
    return new ConnectorError(`${SYSTEM}: ${method} ${path} answered ${what}`, { ...base, kind });
  }
  return fromWpError(parsed, status, method, path, retryAfter);
}

/** The error for one WP error body (also used for batch item errors). */
export function fromWpError(
  error: WpError,
  httpStatus: number,
  method: string,
  path: string,
  retryAfterMs?: number,
): ConnectorError {
  const status = typeof error.data?.status === 'number' ? error.data.status : httpStatus;
  const kind = kindFor(status, error.code);
  const fields = fieldsOf(error);
  let message = `${SYSTEM}: ${method} ${path} → ${status} ${error.code}: ${error.message}`;
  if (error.code === 'woocommerce_rest_cannot_view' && status === 401) {
    // The shop treated the request as anonymous: keys ignored (Basic over plain HTTP, a
    // proxy that hides HTTPS from WordPress, a stripped Authorization header) or unknown.
    message +=
      ' (the credentials were ignored or the consumer key is unknown: over plain http use auth "oauth1"; behind a proxy that strips Authorization use auth "query")';
  }
  // A duplicate SKU names the product holding it (`data.resource_id`): the engine can link to it.
  const holder = error.data && (error.data as { resource_id?: unknown }).resource_id;
  const existingId =
    kind === 'conflict' &&
    (typeof holder === 'number' || typeof holder === 'string') &&
    String(holder) !== '0'
      ? String(holder)
      : undefined;
  return new ConnectorError(message, {
    system: SYSTEM,
    kind,
    status,
    vendorCode: error.code,
    ...(existingId !== undefined ? { existingId } : {}),
    method,
    path,
    ...(fields ? { fields } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function fieldsOf(error: WpError): Record<string, string> | undefined {
  const params = error.data?.params;
  if (!params || typeof params !== 'object') return undefined;
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(params))
    fields[key] = typeof value === 'string' ? value : JSON.stringify(value);
  return Object.keys(fields).length > 0 ? fields : undefined;
}

export function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A cursor this connector did not write (corrupt store, or another kind's cursor). */
export function invalidCursor(route: string): ConnectorError {
  return new ConnectorError(`${SYSTEM}: cannot resume listing ${route}: unrecognised cursor`, {
    system: SYSTEM,
    kind: 'validation',
    method: 'GET',
    path: `/wp-json/wc/v3/${route}`,
  });
}
