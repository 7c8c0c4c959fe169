/**
 * The links of one mapping's records as this run last read or wrote them, kept for the
 * action pass (actions.ts) so that it does not read every candidate's link back from the
 * store (one statement per record, ~0.2 ms with SQLite) right after the record pass had it.
 *
 * Only a mapping with actions keeps any. Bounded: beyond `max` links a record's link is no
 * longer kept and the action pass reads it from the store, as it does for every record the
 * run did not see (a resumed intent, a record skipped by `when`), so a backfill of a million
 * orders never holds a million links here.
 *
 * A link kept here is this run's view, not necessarily the store's: another process may
 * have written it since. The action pass therefore only decides from it that nothing is to
 * be done; before anything is written (an operation, its intent, a failure, a plan line) it
 * reads the link from the store and decides again (actions.ts `actOn`).
 */
import type { LinkRecord } from '../store/sync-state.ts';

/** Links kept at most per mapping and run (a link is a few kB with its merge base). */
export const ACTION_LINKS_MAX = 10_000;

export class ActionLinks {
  private readonly links = new Map<string, LinkRecord>();

  constructor(
    /** Whether to keep any (the mapping has actions). */
    private readonly enabled: boolean,
    private readonly max = ACTION_LINKS_MAX,
  ) {}

  /**
   * The run read (under the record's lock) or wrote the link of `sourceId`; undefined: it
   * has none, or it was deleted. Only a real link is kept (the action pass skips the others,
   * and asks the store about them).
   */
  seen(sourceId: string, link: LinkRecord | undefined): void {
    if (!this.enabled) return;
    if (!link || link.virtual) {
      this.links.delete(sourceId);
      return;
    }
    if (!this.links.has(sourceId) && this.links.size >= this.max) return;
    this.links.set(sourceId, link);
  }

  /** The kept link of `sourceId`, forgotten here (the action pass asks once per record). */
  take(sourceId: string): LinkRecord | undefined {
    const link = this.links.get(sourceId);
    if (link) this.links.delete(sourceId);
    return link;
  }

  /** The action pass is done: nothing kept is needed any more. */
  clear(): void {
    this.links.clear();
  }

  get size(): number {
    return this.links.size;
  }
}
