/**
 * Server-side rate limit as the sandboxes enforce it: at most `limit` requests in any
 * window of `windowMs`, per key. Rejected requests count too (the stricter reading of an
 * undocumented rule), so a client that ignores 429s stays locked out.
 */
export class SlidingWindowLimit {
  private readonly hits = new Map<string, number[]>();

  constructor(
    public limit: number,
    public windowMs = 1000,
  ) {}

  /** Record a request; returns 0 when allowed, else ms until a slot frees up. */
  hit(key: string, now = Date.now()): number {
    const list = this.hits.get(key) ?? [];
    while (list.length > 0 && list[0]! <= now - this.windowMs) list.shift();
    const allowed = list.length < this.limit;
    list.push(now);
    this.hits.set(key, list);
    return allowed ? 0 : Math.max(1, list[list.length - this.limit]! + this.windowMs - now);
  }
}
