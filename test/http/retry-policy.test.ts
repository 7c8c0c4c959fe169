/** The retry rules of the shared HTTP client, as a pure function. */
import { describe, expect, it } from 'vitest';
import {
  defaultRetrySettings,
  parseRetryAfter,
  retryDelay,
} from '../../engine/connectors/http/retry-policy.ts';

describe('retryDelay', () => {
  it('waits at least 1 s on 429 for every method, or Retry-After, bounded', () => {
    expect(retryDelay({ method: 'POST', attemptCount: 1, status: 429 })).toBe(1000);
    expect(retryDelay({ method: 'GET', attemptCount: 1, status: 429, retryAfterMs: 3000 })).toBe(3000);
    expect(retryDelay({ method: 'GET', attemptCount: 1, status: 429, retryAfterMs: 200 })).toBe(1000);
    expect(retryDelay({ method: 'GET', attemptCount: 1, status: 429, retryAfterMs: 60_000 })).toBe(0);
    expect(retryDelay({ method: 'GET', attemptCount: defaultRetrySettings.limit + 1, status: 429 })).toBe(0);
  });

  it('retries idempotent methods on 5xx and network errors, never POST/PATCH unless nothing was sent', () => {
    expect(retryDelay({ method: 'GET', attemptCount: 1, status: 502 })).toBeGreaterThan(0);
    expect(retryDelay({ method: 'DELETE', attemptCount: 1, errorCode: 'ECONNRESET' })).toBeGreaterThan(0);
    expect(retryDelay({ method: 'POST', attemptCount: 1, status: 502 })).toBe(0);
    expect(retryDelay({ method: 'PATCH', attemptCount: 1, errorCode: 'ETIMEDOUT' })).toBe(0);
    expect(retryDelay({ method: 'POST', attemptCount: 1, errorCode: 'ECONNREFUSED' })).toBeGreaterThan(0);
    expect(retryDelay({ method: 'GET', attemptCount: 1, status: 400 })).toBe(0);
  });

  it('lets side-effect-free POSTs (token calls) retry like reads', () => {
    expect(
      retryDelay({ method: 'POST', attemptCount: 1, errorCode: 'ECONNRESET', idempotent: true }),
    ).toBeGreaterThan(0);
    expect(retryDelay({ method: 'POST', attemptCount: 1, status: 503, idempotent: true })).toBeGreaterThan(0);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
