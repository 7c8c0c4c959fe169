/**
 * SharedListings (engine/sync/shared-listings.ts) on its own: one listing for the consumers
 * that ask while it is in flight, pages fetched only when needed, and nothing left behind
 * for a later mapping of the run once the listing ended or every consumer stopped early.
 * The connector is a plain object with only `list` (the class uses nothing else); the
 * end-to-end proof against the sandboxes is test/e2e/shared-listings.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Connector, ListOptions, Page } from '../../engine/connectors/types.ts';
import { SharedListings } from '../../engine/sync/shared-listings.ts';

function pagedSystem(pageCount: number) {
  const calls: ListOptions[] = [];
  let fetched = 0;
  let closed = 0;
  const connector = {
    list(_entity: string, options: ListOptions = {}): AsyncIterable<Page> {
      calls.push(options);
      return (async function* () {
        try {
          for (let i = 0; i < pageCount; i++) {
            fetched++;
            yield { records: [{ id: `${i}`, n: i }] };
          }
        } finally {
          closed++;
        }
      })();
    },
  } as unknown as Connector;
  return {
    connector,
    calls,
    fetched: () => fetched,
    closed: () => closed,
  };
}

async function drain(pages: AsyncIterable<Page>) {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('shared listings', () => {
  it('joins a complete listing in flight: one connector listing, the same pages, copies for the joiner', async () => {
    const system = pagedSystem(3);
    const listings = new SharedListings(() => 1000);
    const a = listings.list('po', system.connector, 'customers');
    const b = listings.list('po', system.connector, 'customers');
    const [pa, pb] = await Promise.all([drain(a.pages), drain(b.pages)]);
    expect(system.calls).toHaveLength(1);
    expect(listings.joined).toBe(1);
    expect(pb).toEqual(pa);
    expect(pb[0]!.records[0]).not.toBe(pa[0]!.records[0]);
    expect(system.fetched()).toBe(3);
  });

  it('lists again once a listing is complete, and never shares incremental, trimmed or child listings', async () => {
    const system = pagedSystem(1);
    const listings = new SharedListings(() => 1000);
    await drain(listings.list('po', system.connector, 'customers').pages);
    await drain(listings.list('po', system.connector, 'customers').pages);
    listings.list('po', system.connector, 'customers');
    listings.list('po', system.connector, 'customers', { since: 'c1' });
    listings.list('po', system.connector, 'customers', { fields: ['Id'] });
    listings.list('po', system.connector, 'customers', { parentId: '7' });
    expect(system.calls).toHaveLength(6);
    expect(listings.joined).toBe(0);
  });

  it('fetches pages only as a consumer needs them', async () => {
    const system = pagedSystem(5);
    const listings = new SharedListings(() => 1000);
    const iterator = listings.list('po', system.connector, 'customers').pages[Symbol.asyncIterator]();
    await iterator.next();
    expect(system.fetched()).toBe(1);
    await iterator.return?.();
  });

  it('forgets a listing every consumer left early, and closes the connector listing', async () => {
    const system = pagedSystem(5);
    const listings = new SharedListings(() => 1000);
    for await (const _page of listings.list('po', system.connector, 'customers').pages) break;
    expect(system.closed()).toBe(1);
    // A later mapping of the run lists anew instead of joining a listing nobody drives.
    const again = await drain(listings.list('po', system.connector, 'customers').pages);
    expect(again).toHaveLength(5);
    expect(system.calls).toHaveLength(2);
    expect(listings.joined).toBe(0);
  });

  it("gives every consumer the listing's error", async () => {
    const connector = {
      list(): AsyncIterable<Page> {
        return (async function* () {
          yield { records: [{ id: '1' }] };
          throw new Error('PowerOffice answered 503');
        })();
      },
    } as unknown as Connector;
    const listings = new SharedListings(() => 1000);
    const a = drain(listings.list('po', connector, 'customers').pages);
    const b = drain(listings.list('po', connector, 'customers').pages);
    await expect(a).rejects.toThrow('503');
    await expect(b).rejects.toThrow('503');
  });
});
