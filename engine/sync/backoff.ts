/**
 * When a failed record is tried again: 1 minute after the first failure, doubling with
 * each attempt, capped at 6 hours. Validation failures are retried on the same schedule
 * (the source may have been fixed meanwhile; an unchanged record fails again cheaply), and
 * `mapsync retry` makes any of them due at once.
 *
 * A failure that is likely to pass by itself — transport (5xx, network), an unknown outcome,
 * rate limiting, a dependency not linked yet, a record changed while it was being synced —
 * is retried early the first time: it is due at
 * once, i.e. on the next run (or the server's `Retry-After`); from the second failure on the
 * schedule above applies (1 min, 2 min, 4 min, …).
 */
export const BACKOFF_BASE_MS = 60_000;
export const BACKOFF_CAP_MS = 6 * 60 * 60_000;

/** Failure kinds whose first retry is early (the next run). */
export const EARLY_RETRY_KINDS: ReadonlySet<string> = new Set([
  'transport',
  'ambiguous',
  'rate-limited',
  'dependency',
  'stale',
]);

/** Delay before attempt number `attempts + 1`, given `attempts` failures so far (≥ 1). */
export function backoffMs(attempts: number, retryAfterMs?: number, kind?: string): number {
  const early = kind !== undefined && EARLY_RETRY_KINDS.has(kind);
  if (early && attempts <= 1) return Math.max(0, retryAfterMs ?? 0);
  const steps = Math.max(0, attempts - (early ? 2 : 1));
  const exponential = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** steps);
  return Math.max(exponential, retryAfterMs ?? 0);
}

export function nextAttemptAt(now: Date, attempts: number, retryAfterMs?: number, kind?: string): Date {
  return new Date(now.getTime() + backoffMs(attempts, retryAfterMs, kind));
}

/**
 * Failures that will not pass by themselves get a bounded number of automatic attempts;
 * after that the failed record is marked `stoppedAt` and only a person retries it
 * (`mapsync retry`, the status page's retry button), or a change of the record itself
 * brings it back. A dependency deleted in its system is one: waiting never links it.
 */
export const RETRY_LIMITS: Readonly<Record<string, number>> = {
  DEPENDENCY_GONE: 6,
  // A target locked for good (an invoiced order, by our action or by a person in the
  // target system): a shop change cannot be written; it is reported a few times, then left.
  ACTION_LOCKED: 3,
  CONNECTOR_LOCKED: 3,
};

/**
 * Whether a failed record is to be tried in this run: named by `mapsync retry ID`, or all
 * of them (`--all`), or its next attempt has come and its retries have not stopped.
 */
export function isDue(
  failure: { id: string; mapping: string; nextAttemptAt: string; stoppedAt?: string },
  now: number,
  options: { retryIds?: ReadonlySet<string>; retryAllNow?: boolean },
): boolean {
  if (options.retryIds)
    return options.retryIds.has(failure.id) || options.retryIds.has(`${failure.mapping}:${failure.id}`);
  if (options.retryAllNow === true) return true;
  // Stopped records wait for a person (retryIds / retryAllNow above).
  return failure.stoppedAt === undefined && new Date(failure.nextAttemptAt).getTime() <= now;
}

/** Whether automatic retries stop with this (the `attempts`-th) failure of `code`. */
export function retriesExhausted(code: string, attempts: number): boolean {
  const limit = RETRY_LIMITS[code];
  return limit !== undefined && attempts >= limit;
}
