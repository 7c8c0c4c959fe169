/**
 * When a failed record is tried again: 1 minute after the first failure, doubling with
 * each attempt, capped at 6 hours. Validation failures are retried on the same schedule
 * (the source may have been fixed meanwhile; an unchanged record fails again cheaply), and
 * `mapsync retry` makes any of them due at once.
 */
export const BACKOFF_BASE_MS = 60_000;
export const BACKOFF_CAP_MS = 6 * 60 * 60_000;

/** Delay before attempt number `attempts + 1`, given `attempts` failures so far (≥ 1). */
export function backoffMs(attempts: number, retryAfterMs?: number): number {
  const exponential = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.max(exponential, retryAfterMs ?? 0);
}

export function nextAttemptAt(now: Date, attempts: number, retryAfterMs?: number): Date {
  return new Date(now.getTime() + backoffMs(attempts, retryAfterMs));
}
