/**
 * `mapsync plan` is a dry run: it lists what `sync` would do, per mapping and per record
 * with property-level diffs, and sends nothing but reads — proven from both sandboxes'
 * request logs. Afterwards `sync` does what the plan said.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../engine/sync/events.ts';
import { type Pair, startPair } from './helpers/pair.ts';

describe('mapsync plan', () => {
  let pair: Pair;

  beforeAll(async () => {
    pair = await startPair({
      shop: { count: 20, seed: 31, anchor: new Date('2026-01-15T00:00:00Z') },
      poweroffice: (woo) => ({
        customers: [
          {
            IsPerson: true,
            FirstName: 'Old',
            LastName: 'Name',
            EmailAddress: woo.state.data.customers[0]!.email,
          },
        ],
      }),
    });
  });

  afterAll(async () => {
    await pair?.close();
  });

  const onlyReads = (since: ReturnType<Pair['mark']>) => {
    const { woo, po } = pair.requests(since);
    const writes = [...woo, ...po].filter((r) => r.method !== 'GET' && !/oauth\/token/i.test(r.path));
    return { writes, reads: woo.length + po.length };
  };

  it('before a backfill: counts and diffs, and only GETs sent', async () => {
    const mark = pair.mark();
    const result = await pair.cli(['plan']);
    expect(result.code, result.err).toBe(0);
    const { writes, reads } = onlyReads(mark);
    expect(writes).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    // 19 shop customers and 2 guest buyers to create, 1 existing customer to link and update.
    expect(result.out).toMatch(/^customer-person: 21 to create, 1 to update, 0 unchanged/m);
    expect(result.out).toMatch(
      /= link source 1 \(partner \d+\) → target\n\s+note: linked to existing customer/,
    );
    expect(result.out).toMatch(/FirstName: "Old" → /);
    expect(result.out).toMatch(/plan only: nothing was written/);
    // Orders of guests: the customer they need is created first, as the plan notes.
    expect(result.out).toMatch(/note: depends on customer-person guest-\d+, which this plan creates first/);
    const planJson = JSON.parse((await pair.cli(['plan', '--json'])).out) as RunSummary;
    expect(onlyReads(mark).writes).toEqual([]);

    const synced = JSON.parse((await pair.cli(['sync', '--json'])).out) as RunSummary;
    for (const m of planJson.mappings) {
      const s = synced.mappings.find((x) => x.mapping === m.mapping)!;
      expect({ mapping: m.mapping, ...s.counts }).toEqual({ mapping: m.mapping, ...m.counts });
    }
  });

  it('after an edit: the diff of exactly that property, still only GETs', async () => {
    const wooId = pair.woo.state.data.customers[3]!.id;
    const res = await fetch(`${pair.woo.url}/__admin/records/customer/${wooId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ billing: { postcode: '9990' } }),
    });
    expect(res.status).toBe(200);
    const mark = pair.mark();
    const plan = JSON.parse((await pair.cli(['plan', '--json'])).out) as RunSummary;
    expect(onlyReads(mark).writes).toEqual([]);
    const customers = plan.mappings.find((m) => m.mapping === 'customer-person')!;
    expect(customers.counts.updated).toBe(1);
    expect(customers.changes).toEqual([
      expect.objectContaining({
        action: 'update',
        id: String(wooId),
        direction: 'to-target',
        diffs: [{ path: 'MailAddress.ZipCode', from: expect.any(String), to: '9990', reason: 'changed' }],
      }),
    ]);
  });
});
