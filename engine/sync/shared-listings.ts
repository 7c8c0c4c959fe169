/**
 * Complete listings of one entity shared within a run: mappings of the same run level that
 * list the same target entity completely (customer-company and customer-person both list
 * PowerOffice Go's customers, each keeping its own `where`) ask the connector once.
 *
 * Only a listing still in flight is joined. Mappings of one level start side by side; before
 * its target listing a mapping writes nothing to a connector (phase 0 only looks guards up
 * and stores links), and the writes of the other mappings of the level were never ordered
 * against a listing of this level; so a joiner sees what its own request, sent a moment
 * later, could have shown, and takes the shared listing's start as the age of its views
 * (live-target.ts re-reads by it). A listing that is complete is forgotten at once: a later
 * phase, a later level, the scans and the next run list again. Pages are fetched when a
 * consumer needs one, never ahead; they are held until the last consumer is done with the
 * listing (a match index of the same records is built from them anyway). Incremental listings (`since`), projections
 * (`fields`) and children (`parentId`) are never shared. A joiner gets its own copy of each
 * record (structuredClone), so no consumer sees another's changes; an error of the listing
 * is every consumer's error, as its own request's would have been.
 */
import type { Connector, ListOptions, Page } from '../connectors/types.ts';

interface Shared {
  pages: Page[];
  done: boolean;
  error?: unknown;
  /** The next page being asked for: pages are fetched when a consumer needs one, never ahead. */
  fetching?: Promise<void>;
  iterator: AsyncIterator<Page>;
  /** When the listing's first request was asked for (epoch ms). */
  startedAt: number;
  /** Consumers still reading: when the last one stops early, the listing is forgotten. */
  consumers: number;
  forget: () => void;
}

export class SharedListings {
  private readonly inFlight = new Map<string, Shared>();
  /** Listings joined (connector requests not sent), for diagnostics and tests. */
  joined = 0;

  constructor(private readonly now: () => number) {}

  /**
   * The pages of `connector.list(entity, options)`, from a listing in flight when there is
   * one, and when that listing began (the age of every record it shows).
   */
  list(
    system: string,
    connector: Connector,
    entity: string,
    options: ListOptions = {},
  ): { pages: AsyncIterable<Page>; startedAt: number } {
    const shareable =
      options.since === undefined && options.fields === undefined && options.parentId === undefined;
    if (!shareable) return { pages: connector.list(entity, options), startedAt: this.now() };
    const key = `${system}\u0000${entity}`;
    const existing = this.inFlight.get(key);
    if (existing) {
      this.joined++;
      existing.consumers++;
      return { pages: read(existing, true), startedAt: existing.startedAt };
    }
    const shared: Shared = {
      pages: [],
      done: false,
      startedAt: this.now(),
      consumers: 1,
      iterator: connector.list(entity, options)[Symbol.asyncIterator](),
      forget: () => {
        if (this.inFlight.get(key) === shared) this.inFlight.delete(key);
      },
    };
    this.inFlight.set(key, shared);
    return { pages: read(shared, false), startedAt: shared.startedAt };
  }
}

/** Fetch the next page into `shared` (one request for every consumer waiting for it). */
function fetchNext(shared: Shared): Promise<void> {
  shared.fetching ??= shared.iterator.next().then(
    (result) => {
      shared.fetching = undefined;
      if (result.done) {
        shared.done = true;
        shared.forget();
      } else shared.pages.push(result.value);
    },
    (error: unknown) => {
      shared.fetching = undefined;
      shared.error = error ?? new Error('listing failed');
      shared.done = true;
      shared.forget();
    },
  );
  return shared.fetching;
}

async function* read(shared: Shared, copy: boolean): AsyncIterable<Page> {
  let next = 0;
  try {
    for (;;) {
      if (next < shared.pages.length) {
        const page = shared.pages[next++]!;
        yield copy ? structuredClone(page) : page;
        continue;
      }
      if (shared.error !== undefined) throw shared.error;
      if (shared.done) return;
      await fetchNext(shared);
    }
  } finally {
    // Every consumer stopped before the end (an error of its own, a run that stops): no
    // later mapping of the run may join a listing nobody drives, so it is forgotten and the
    // connector's own listing is closed.
    if (--shared.consumers === 0 && !shared.done) {
      shared.done = true;
      shared.forget();
      void shared.iterator.return?.()?.catch(() => {});
    }
  }
}
