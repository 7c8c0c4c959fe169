/**
 * When a failed HTTP attempt may be tried again, and after how long. Pure, so it is tested
 * on its own; the got client below plugs it into got's `retry.calculateDelay`.
 *
 * Rules
 * - 429 means the server did not process the request: every method may retry, after at
 *   least 1 s or the server's `Retry-After` (bounded by `maxRetryAfterMs`; beyond that the
 *   call fails as rate-limited instead of sleeping for minutes).
 * - Idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) also retry on 408/5xx and on
 *   network errors, with exponential backoff and jitter.
 * - POST and PATCH are never retried blindly: only when the connection was refused before
 *   anything was sent. A POST that timed out may have been applied; the engine resolves
 *   that through the record's identity guard.
 */
export interface RetrySettings {
  /** Attempts after the first one (default 4). */
  limit: number;
  /** Upper bound for any wait, including `Retry-After` (default 30 s). */
  maxRetryAfterMs: number;
  /** Base of the exponential backoff (default 250 ms). */
  baseDelayMs: number;
  /** Minimum wait after a 429 (default 1000 ms, as PowerOffice asks). */
  min429DelayMs: number;
}

export const defaultRetrySettings: RetrySettings = {
  limit: 4,
  maxRetryAfterMs: 30_000,
  baseDelayMs: 250,
  min429DelayMs: 1000,
};

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const RETRY_STATUS = new Set([408, 500, 502, 503, 504, 521, 522, 524]);
const NETWORK_CODES = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'EADDRINUSE',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ERR_GOT_REQUEST_ERROR',
]);
/** Failures that prove the request never reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH']);

export interface AttemptOutcome {
  method: string;
  /** 1 for the first retry decision, 2 for the second… */
  attemptCount: number;
  status?: number;
  /** Network error code when there was no response. */
  errorCode?: string;
  /** Parsed `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** Overrides the method's idempotency (true for side-effect-free POSTs such as token calls). */
  idempotent?: boolean;
}

/** Milliseconds to wait before the next attempt, or 0 for "do not retry". */
export function retryDelay(outcome: AttemptOutcome, settings: RetrySettings = defaultRetrySettings): number {
  if (outcome.attemptCount > settings.limit) return 0;
  const method = outcome.method.toUpperCase();
  if (outcome.status === 429) {
    const wanted = Math.max(settings.min429DelayMs, outcome.retryAfterMs ?? 0);
    return wanted > settings.maxRetryAfterMs ? 0 : wanted;
  }
  const idempotent = outcome.idempotent ?? IDEMPOTENT.has(method);
  if (outcome.status !== undefined) {
    if (!idempotent || !RETRY_STATUS.has(outcome.status)) return 0;
    if (outcome.retryAfterMs !== undefined) {
      return outcome.retryAfterMs > settings.maxRetryAfterMs ? 0 : outcome.retryAfterMs;
    }
    return backoff(outcome.attemptCount, settings);
  }
  const code = outcome.errorCode ?? '';
  if (idempotent ? NETWORK_CODES.has(code) : NOT_SENT_CODES.has(code)) {
    return backoff(outcome.attemptCount, settings);
  }
  return 0;
}

function backoff(attempt: number, settings: RetrySettings): number {
  const exp = Math.min(settings.baseDelayMs * 2 ** (attempt - 1), settings.maxRetryAfterMs);
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/** `Retry-After` in ms: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
