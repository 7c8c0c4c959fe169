/**
 * PowerOffice Go failures → ConnectorError kinds.
 *
 * The API answers errors as RFC 7807 ProblemDetails; the published schema spells the
 * properties in PascalCase while the examples (and ASP.NET Core) use lower case, so every
 * property is read case-insensitively. The gateway in front of it (Azure API Management)
 * answers `{statusCode, message}` for subscription-key and throttling problems, and the
 * token endpoint answers OAuth errors (`{error, error_description}`).
 *
 * | status | kind |
 * |---|---|
 * | 400 "… is already in use. 'X' is used on (…) Id = N." | `conflict`, `existingId` = N |
 * | 400 "The current value … is not equal to the test value …" (a failed JSON Patch `test`) | `stale` |
 * | 400 naming a locked / confirmed order | `locked` |
 * | 400, 422, other 4xx with ProblemDetails; 405, 413, 415 | `validation` |
 * | 401, 403 | `auth` |
 * | 404 with ProblemDetails | `not-found` (on POST: `validation`, a referenced record is missing) |
 * | 409 ("in use and cannot be deleted") | `conflict` |
 * | 429 | `rate-limited` |
 * | 5xx, or no ProblemDetails where one was expected (HTML from a proxy) | `transport` |
 * | POST/PATCH answered by a gateway error page (5xx without ProblemDetails) | `ambiguous` |
 *
 * Messages name the method and path only, never the query string or any key or token.
 */
import { ConnectorError, type ConnectorErrorKind } from '../errors.ts';

export const SYSTEM = 'poweroffice-go';

export interface ProblemDetails {
  title?: string;
  detail?: string;
  status?: number;
  /** ASP.NET model-binding errors: JSON path → messages. */
  errors?: Record<string, string[]>;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function lowerKeys(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]),
  );
}

/** ProblemDetails from a response body, whatever the casing; undefined when it is none. */
export function parseProblem(body: string): ProblemDetails | undefined {
  const o = lowerKeys(parseJson(body));
  if (!o || (typeof o.title !== 'string' && typeof o.detail !== 'string' && typeof o.errors !== 'object')) {
    return undefined;
  }
  const problem: ProblemDetails = {};
  if (typeof o.title === 'string') problem.title = o.title;
  if (typeof o.detail === 'string') problem.detail = o.detail;
  if (typeof o.status === 'number') problem.status = o.status;
  if (o.errors && typeof o.errors === 'object') {
    problem.errors = {};
    for (const [k, v] of Object.entries(o.errors as Record<string, unknown>)) {
      problem.errors[k] = Array.isArray(v) ? v.map(String) : [String(v)];
    }
  }
  return problem;
}

/** "… is used on (contact) Id = 123456789." → "123456789" (ids may also be uuids). */
export function existingIdFrom(detail: string | undefined): string | undefined {
  const m = detail ? /\bis used on\b[^.]*?\bId\s*=\s*([0-9A-Za-z-]+)/i.exec(detail) : null;
  return m?.[1];
}

const DUPLICATE = /\balready in use\b/i;
// ASP.NET Core JsonPatch's text for a failed `test` (checked first: the values it quotes
// may read like anything).
const TEST_FAILED = /\bis not equal to the test value\b/i;
const LOCKED = /\b(locked|is confirmed)\b/i;

/** Seconds from an APIM throttling message ("Try again in 1 seconds."). */
function retryAfterFromMessage(body: string): number | undefined {
  const m = /try again in (\d+) seconds?/i.exec(body);
  return m ? Number(m[1]) * 1000 : undefined;
}

export interface ResponseInfo {
  method: string;
  /** Path only (no query string). */
  path: string;
  status: number;
  body: string;
  retryAfterMs?: number;
}

/** The detail and every model-binding message (ASP.NET may put a patch error in either). */
function problemText(problem: ProblemDetails): string {
  return [problem.detail ?? '', ...Object.values(problem.errors ?? {}).flat()].join(' ');
}

/** Map a non-2xx API response to a ConnectorError. */
export function responseError(info: ResponseInfo): ConnectorError {
  const { method, path, status, body } = info;
  const problem = parseProblem(body);
  const gateway = lowerKeys(parseJson(body));
  const gatewayMessage = typeof gateway?.message === 'string' ? gateway.message : undefined;
  const text = [problem?.title, problem?.detail].filter(Boolean).join(': ') || gatewayMessage || '';
  let kind: ConnectorErrorKind;
  let existingId: string | undefined;

  if (status === 401 || status === 403) kind = 'auth';
  else if (status === 429) kind = 'rate-limited';
  // A gateway error page for a write means the API may or may not have applied it.
  else if (status >= 500)
    kind = !problem && (method === 'POST' || method === 'PATCH') ? 'ambiguous' : 'transport';
  // Refusals of the request as such (method, size, media type) come without a body.
  else if (status === 405 || status === 413 || status === 415) kind = 'validation';
  else if (!problem) kind = 'transport';
  else if (status === 404) kind = method === 'POST' ? 'validation' : 'not-found';
  else if (status === 409) kind = 'conflict';
  else if (status === 400 && TEST_FAILED.test(problemText(problem))) kind = 'stale';
  else if (DUPLICATE.test(problem.detail ?? '')) {
    kind = 'conflict';
    existingId = existingIdFrom(problem.detail);
  } else if (LOCKED.test(problem.detail ?? '')) kind = 'locked';
  else kind = 'validation';

  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(problem?.errors ?? {}))
    fields[k.replace(/^\$\.?/, '') || '$'] = v.join(' ');
  const duplicateField = problem?.detail?.match(/^(\w+) is already in use\b/)?.[1];
  if (duplicateField) fields[duplicateField] = problem!.detail!;

  const what = kind === 'transport' && !problem && status < 500 ? ' (no ProblemDetails: check the url)' : '';
  const message = `${SYSTEM}: ${method} ${path} → ${status}${text ? ` ${text}` : ''}${what}`;
  return new ConnectorError(message, {
    system: SYSTEM,
    kind,
    status,
    ...(problem?.title ? { vendorCode: problem.title } : {}),
    method,
    path,
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
    ...(kind === 'rate-limited'
      ? { retryAfterMs: info.retryAfterMs ?? retryAfterFromMessage(body) ?? 1000 }
      : {}),
    ...(existingId !== undefined ? { existingId } : {}),
  });
}

/** Map a non-200 token endpoint response (OAuth error object, or the gateway's). */
export function tokenError(info: ResponseInfo): ConnectorError {
  const { method, path, status, body } = info;
  const o = lowerKeys(parseJson(body));
  const oauthError = typeof o?.error === 'string' ? o.error : undefined;
  const description = typeof o?.error_description === 'string' ? o.error_description : undefined;
  const gatewayMessage = typeof o?.message === 'string' ? o.message : undefined;
  const kind: ConnectorErrorKind =
    status === 429
      ? 'rate-limited'
      : status >= 500 || (!oauthError && status !== 401 && status !== 403)
        ? 'transport'
        : 'auth';
  const text = oauthError ? `${oauthError}${description ? `: ${description}` : ''}` : (gatewayMessage ?? '');
  return new ConnectorError(
    `${SYSTEM}: token request ${method} ${path} → ${status}${text ? ` ${text}` : ''}`,
    {
      system: SYSTEM,
      kind,
      status,
      ...(oauthError ? { vendorCode: oauthError } : {}),
      method,
      path,
      ...(kind === 'rate-limited'
        ? { retryAfterMs: info.retryAfterMs ?? retryAfterFromMessage(body) ?? 1000 }
        : {}),
    },
  );
}

/** A connector-side misuse (wrong entity, missing parentId…), reported as validation. */
export function usageError(message: string): ConnectorError {
  return new ConnectorError(`${SYSTEM}: ${message}`, { system: SYSTEM, kind: 'validation' });
}
