/**
 * `$link` lookups of one mapping's links during a run: which target id a source id is
 * linked to. The same few records are asked for over and over (every order of a customer,
 * every line of a product), and each store read is a statement of its own; so positive
 * answers are kept for the run (bounded), and misses asked for in the same tick go to the
 * store as one `getMany`.
 *
 * Coherent with the run's own writes: the mapping's state reports every link it writes or
 * deletes (`MappingStateOptions.onLinkChange`), and an entry that is cached is updated or
 * dropped. A record not linked yet is never cached (it may be linked later in the run).
 */
import type { LinkRecord, MappingState } from '../store/sync-state.ts';

/** Entries kept at most; beyond it the cache starts over (it is only a cache). */
const MAX_ENTRIES = 20_000;

interface Waiter {
  resolve(targetId: string | undefined): void;
  reject(error: unknown): void;
}

export class LinkCache {
  private readonly known = new Map<string, string>();
  private pending: Map<string, Waiter[]> | undefined;
  /** Ids being read right now, and those of them written meanwhile (not cached then). */
  private readonly reading = new Set<string>();
  private readonly dirty = new Set<string>();
  private changes = 0;

  constructor(private readonly state: MappingState) {}

  /** The target id linked to `sourceId`, or undefined when it is not linked. */
  targetOf(sourceId: string): Promise<string | undefined> {
    const hit = this.known.get(sourceId);
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      if (!this.pending) {
        this.pending = new Map();
        queueMicrotask(() => void this.flush());
      }
      const waiters = this.pending.get(sourceId) ?? [];
      waiters.push({ resolve, reject });
      this.pending.set(sourceId, waiters);
    });
  }

  /** Moves on every link written or deleted: answers given before may be stale (EvaluationContext.linkScope). */
  get generation(): number {
    return this.changes;
  }

  /** A link of this mapping was written (or deleted: undefined) in this run. */
  changed(sourceId: string, link: LinkRecord | undefined): void {
    this.changes++;
    if (this.reading.has(sourceId)) this.dirty.add(sourceId);
    if (!this.known.has(sourceId)) return;
    if (link) this.known.set(sourceId, link.targetId);
    else this.known.delete(sourceId);
  }

  private async flush(): Promise<void> {
    const batch = this.pending!;
    this.pending = undefined;
    const ids = [...batch.keys()];
    for (const id of ids) this.reading.add(id);
    let links: Array<LinkRecord | undefined>;
    try {
      links = await this.state.getLinks(ids);
    } catch (error) {
      for (const id of ids) this.reading.delete(id);
      // A failed read is never "not linked": every waiter gets the store's error.
      for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
      return;
    }
    if (this.known.size + ids.length > MAX_ENTRIES) this.known.clear();
    ids.forEach((id, i) => {
      const targetId = links[i]?.targetId;
      this.reading.delete(id);
      const written = this.dirty.delete(id);
      if (targetId !== undefined && !written) this.known.set(id, targetId);
      for (const w of batch.get(id)!) w.resolve(targetId);
    });
  }
}
