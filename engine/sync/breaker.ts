/**
 * The delete circuit breaker. A run first counts the deletions it has *confirmed* (absent
 * from a complete listing and answered "not found" by a lookup); if they exceed the
 * mapping's `delete_limit` share of its links it writes nothing and says why. An empty or
 * truncated answer from an API must never wipe an accounting system.
 */
export interface BreakerVerdict {
  tripped: boolean;
  confirmed: number;
  links: number;
  limit: number;
  /** The largest number of deletions the limit allows for this many links. */
  allowed: number;
}

export function checkDeleteLimit(confirmed: number, links: number, limit: number): BreakerVerdict {
  // Always allow a single deletion: a mapping with three links must be able to lose one.
  const allowed = Math.max(1, Math.floor(links * limit));
  return { tripped: confirmed > allowed, confirmed, links, limit, allowed };
}

export function describeBreaker(mapping: string, verdict: BreakerVerdict): string {
  return (
    `${mapping}: ${verdict.confirmed} of ${verdict.links} linked records would be deleted or archived, ` +
    `more than the delete_limit of ${Math.round(verdict.limit * 100)}% (${verdict.allowed}); nothing was removed. ` +
    'Check the source system; if the deletions are real, raise delete_limit for one run.'
  );
}
