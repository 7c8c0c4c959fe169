/**
 * One listing of PowerOffice Go's customers per run: customer-company and customer-person
 * both list the customers completely on a first run (same request), in the same run level;
 * the second joins the first's listing (engine/sync/shared-listings.ts) instead of sending
 * it again. Each mapping still applies its own `where` to the shared records: a company
 * with a shop customer's e-mail is never matched by customer-person. Incremental runs list
 * since each mapping's own cursor, never shared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../engine/sync/events.ts';
import type { LoggedRequest } from '../../sandbox/common/request-log.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

const customerListings = (requests: LoggedRequest[]) =>
  requests.filter((r) => r.method === 'GET' && /\/Customers$/i.test(r.path));

describe('e2e: mappings listing the same entity share one listing within a run', () => {
  let pair: Pair;
  let first: RunSummary;
  let firstRequests: LoggedRequest[];
  let person: Rec;
  let sameMail: Rec;

  beforeAll(async () => {
    pair = await startPair({
      shop: { count: 6, seed: 73, anchor: new Date('2026-03-01T00:00:00Z') },
      poweroffice: (woo) => {
        person = woo.state.data.customers[0] as Rec;
        sameMail = woo.state.data.customers[1] as Rec;
        return {
          customers: [
            { IsPerson: true, FirstName: 'Kari', LastName: 'Nordmann', EmailAddress: person.email },
            // A company with a shop person's e-mail: customer-person's `where` (IsPerson: true)
            // must keep it out of that mapping's matches, shared listing or not.
            {
              IsPerson: false,
              Name: 'Havbruk AS',
              OrganizationNumber: '984851006',
              EmailAddress: sameMail.email,
            },
          ],
        };
      },
    });
    const mark = pair.mark();
    first = await pair.sync();
    firstRequests = pair.requests(mark).po;
  }, 60_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('lists PowerOffice Go customers once on a first run (two mappings, one request)', () => {
    expect(first.mappings.flatMap((m) => m.errors)).toEqual([]);
    expect(first.ok).toBe(true);
    const listings = customerListings(firstRequests);
    expect(listings.map((r) => `${r.path} ${JSON.stringify(r.query)}`)).toHaveLength(1);
  });

  it('each mapping keeps its own where: the person is matched, the company is not', async () => {
    const customers = [...pair.po.state.customers.values()] as Rec[];
    const byMail = (mail: unknown) =>
      customers.filter((c) => String(c.EmailAddress).toLowerCase() === String(mail).toLowerCase());
    // The existing person was matched (not created again); a person was created beside the company.
    expect(byMail(person.email).length).toBe(1);
    expect(
      byMail(sameMail.email)
        .map((c) => c.IsPerson)
        .sort(),
    ).toEqual([false, true]);
    const created = firstRequests.filter((r) => r.method === 'POST' && /\/Customers$/i.test(r.path));
    expect(created.length).toBe(5);
  });

  it('an incremental run lists since each mapping cursor and writes nothing', async () => {
    const mark = pair.mark();
    const second = await pair.sync();
    expect(second.ok).toBe(true);
    expect(pair.writes(mark).po).toEqual([]);
    expect(customerListings(pair.requests(mark).po).length).toBe(2);
  });
});
