/**
 * WooCommerce names every delivery (`X-WC-Webhook-Delivery-ID`); the same delivery arriving
 * twice (a proxy that retries, a webhook registered twice) is work done twice. The ids seen
 * recently are remembered — for {@link DEDUPE_WINDOW_MS}, at most {@link DEDUPE_MAX_IDS} of
 * them (the oldest go first) — so memory stays bounded whatever arrives. Only verified
 * deliveries are remembered: unsigned requests cannot fill it.
 *
 * The header is not signed either, so this is a saving, not a defence: a replay under a new id
 * is processed like any delivery — the engine reads the record live and confirms deletes by a
 * lookup, so doing it again changes nothing.
 */
export const DEDUPE_WINDOW_MS = 15 * 60_000;
export const DEDUPE_MAX_IDS = 10_000;

export class RecentDeliveries {
  /** Key → when it is forgotten; insertion order is age order (the window is fixed). */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = DEDUPE_WINDOW_MS,
    private readonly maxIds = DEDUPE_MAX_IDS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** True when `key` was seen within the window; otherwise it is remembered from now on. */
  seenBefore(key: string): boolean {
    const now = this.now();
    for (const [k, forgetAt] of this.seen) {
      if (forgetAt > now) break;
      this.seen.delete(k);
    }
    if (this.seen.has(key)) return true;
    this.seen.set(key, now + this.windowMs);
    if (this.seen.size > this.maxIds) this.seen.delete(this.seen.keys().next().value as string);
    return false;
  }
}
