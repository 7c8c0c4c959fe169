import { describe, expect, it } from 'vitest';
import { decodeCursor, splitProductCursor } from '../../engine/connectors/woocommerce/cursor.ts';
import { collect, sandboxes } from './helpers.ts';

const { pair } = sandboxes();

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString().slice(0, 19);

describe('listing', () => {
  it('customers: full scan with role=all, orderby=id asc, every page complete, no cursor', async () => {
    const { sandbox, connector } = await pair({}, { page_size: 10 });
    const records = Array.from({ length: 25 }, (_, i) => ({
      email: `c${i}@example.no`,
      first_name: `Z${25 - i}`,
    }));
    records.push({ email: 'admin@example.no', first_name: 'Admin', role: 'administrator' } as never);
    sandbox.state.data.customers = [];
    const { insertRecords } = await import('../../sandbox/woocommerce/admin.ts');
    insertRecords(sandbox.state, 'customer', records);
    const pages = await collect(connector.list('customer'));
    expect(pages.map((p) => p.records.length)).toEqual([10, 10, 6]);
    expect(pages.every((p) => p.cursor === undefined)).toBe(true);
    const ids = pages.flatMap((p) => p.records.map((r) => r.id as number));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids).toHaveLength(26); // the administrator is listed too (role=all)
    const first = sandbox.log.list()[0]!;
    expect(first.query).toMatchObject({ role: 'all', orderby: 'id', order: 'asc', per_page: '10' });
  });

  it('customers: a delete during the scan does not make the scan skip a survivor', async () => {
    const { sandbox, connector } = await pair({ seed: { count: 30, seed: 5 } }, { page_size: 10 });
    const seen: number[] = [];
    let deleted = false;
    for await (const page of connector.list('customer')) {
      seen.push(...page.records.map((r) => r.id as number));
      if (!deleted) {
        deleted = true;
        sandbox.state.data.customers = sandbox.state.data.customers.filter((c) => c.id !== 2 && c.id !== 3);
      }
    }
    const survivors = sandbox.state.data.customers.map((c) => c.id as number);
    for (const id of survivors) expect(seen).toContain(id);
  });

  it('orders/products: status=any, orderby=modified asc, dates_are_gmt, pages carry a growing cursor', async () => {
    const { sandbox, connector } = await pair({ seed: { count: 23, seed: 9 } }, { page_size: 10 });
    const pages = await collect(connector.list('order'));
    const all = pages.flatMap((p) => p.records);
    expect(all).toHaveLength(23);
    expect(new Set(all.map((r) => r.id)).size).toBe(23);
    const times = all.map((r) => String(r.date_modified_gmt));
    expect(times).toEqual([...times].sort());
    const cursors = pages.map((p) => decodeCursor(p.cursor!)!);
    for (let i = 1; i < cursors.length; i++)
      expect(cursors[i]!.modifiedGmt >= cursors[i - 1]!.modifiedGmt).toBe(true);
    expect(cursors.at(-1)!.modifiedGmt).toBe(times.at(-1));
    const q = sandbox.log.list()[0]!.query;
    expect(q).toMatchObject({ status: 'any', orderby: 'modified', order: 'asc', dates_are_gmt: 'true' });
  });

  it('since a cursor: starts at cursor minus the overlap (UTC, no suffix) and lists later changes', async () => {
    const { sandbox, connector } = await pair({}, { page_size: 10, overlap_seconds: 300 });
    const { insertRecords } = await import('../../sandbox/woocommerce/admin.ts');
    insertRecords(sandbox.state, 'product', [
      { name: 'Old', sku: 'OLD', date_created_gmt: at(600), date_modified_gmt: at(600) },
      { name: 'Mid', sku: 'MID', date_created_gmt: at(60), date_modified_gmt: at(60) },
      { name: 'Near', sku: 'NEAR', date_created_gmt: at(62), date_modified_gmt: at(62) },
    ]);
    const first = await collect(connector.list('product'));
    const cursor = first.at(-1)!.cursor!;
    // The product cursor is `<products part>|<variations part>` (no variations here).
    const [products, variations] = splitProductCursor(cursor);
    expect(variations).toBeUndefined();
    expect(decodeCursor(products!)!.modifiedGmt).toBe(at(60));
    const mark = sandbox.log.mark();
    const again = await collect(connector.list('product', { since: cursor }));
    // Overlap of 5 minutes: "Mid" (the cursor record) and "Near" (2 minutes earlier) come again.
    expect(again.flatMap((p) => p.records.map((r) => r.sku)).sort()).toEqual(['MID', 'NEAR']);
    const q = sandbox.log.list(mark)[0]!.query;
    const expected = new Date(Date.parse(`${decodeCursor(products!)!.modifiedGmt}Z`) - 300_000)
      .toISOString()
      .slice(0, 19);
    expect(q.modified_after).toBe(expected);
    // A change after the cursor is picked up.
    await connector.update('product', String(first[0]!.records[0]!.id), [
      { op: 'replace', path: '/name', value: 'Renamed' },
    ]);
    const later = await collect(connector.list('product', { since: again.at(-1)!.cursor! }));
    expect(later.flatMap((p) => p.records.map((r) => r.name))).toContain('Renamed');
  });

  it('keyset pagination: many records in one second across pages, and an edit mid-listing skips nothing', async () => {
    const { sandbox, connector } = await pair({}, { page_size: 10 });
    const { insertRecords } = await import('../../sandbox/woocommerce/admin.ts');
    const same = at(30);
    insertRecords(
      sandbox.state,
      'product',
      Array.from({ length: 35 }, (_, i) => ({
        name: `P${i}`,
        sku: `P${i}`,
        date_created_gmt: i < 25 ? same : at(20 - i / 10),
        date_modified_gmt: i < 25 ? same : at(20 - i / 10),
      })),
    );
    const seen = new Set<string>();
    let edited = false;
    for await (const page of connector.list('product')) {
      for (const r of page.records) seen.add(String(r.sku));
      if (!edited) {
        edited = true;
        // Touch an early record: it moves to the end of the modified order.
        await connector.update('product', String(page.records[0]!.id), [
          { op: 'replace', path: '/name', value: 'moved' },
        ]);
      }
    }
    expect(seen.size).toBe(35);
  });

  it('an empty shop gives no pages; an unknown cursor is a validation error', async () => {
    const { connector } = await pair();
    expect(await collect(connector.list('order'))).toEqual([]);
    await expect(collect(connector.list('order', { since: 'garbage' }))).rejects.toMatchObject({
      kind: 'validation',
    });
  });

  it('the sandbox paginates like WordPress: totals, Link, out-of-range page, per_page bounds, order defaults', async () => {
    const { sandbox } = await pair({ seed: { count: 12, seed: 3 } });
    const auth = `Basic ${Buffer.from(`${sandbox.consumerKey}:${sandbox.consumerSecret}`).toString('base64')}`;
    const get = (q: string) => fetch(`${sandbox.apiUrl}/${q}`, { headers: { authorization: auth } });
    let r = await get('orders?per_page=5&page=2');
    expect(r.headers.get('x-wp-total')).toBe('12');
    expect(r.headers.get('x-wp-totalpages')).toBe('3');
    expect(r.headers.get('link')).toContain('rel="prev"');
    expect(r.headers.get('link')).toContain('page=3>; rel="next"');
    const orders = (await r.json()) as Array<{ date_created_gmt: string }>;
    expect(orders.map((o) => o.date_created_gmt)).toEqual(
      [...orders.map((o) => o.date_created_gmt)].sort().reverse(),
    );
    r = await get('orders?page=9');
    expect(await r.json()).toEqual([]);
    expect(r.headers.get('x-wp-total')).toBe('12');
    r = await get('orders?per_page=101');
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({
      code: 'rest_invalid_param',
      data: {
        status: 400,
        params: { per_page: 'per_page must be between 1 (inclusive) and 100 (inclusive)' },
      },
    });
    r = await get('customers?role=nope');
    expect(r.status).toBe(400);
    r = await get('customers');
    const customers = (await r.json()) as Array<{ role: string }>;
    expect(customers.every((c) => c.role === 'customer')).toBe(true);
    r = await get('orders?modified_after=not-a-date');
    expect(
      ((await r.json()) as { data: { params: Record<string, string> } }).data.params.modified_after,
    ).toBe('Invalid date.');
  });

  it('modified_after without dates_are_gmt compares the site-local column (the classic pitfall)', async () => {
    const { sandbox } = await pair({ utcOffsetMinutes: 120 });
    const { insertRecords } = await import('../../sandbox/woocommerce/admin.ts');
    insertRecords(sandbox.state, 'order', [
      { date_created_gmt: '2025-01-31T23:30:00', date_modified_gmt: '2025-01-31T23:30:00' },
    ]);
    const auth = `Basic ${Buffer.from(`${sandbox.consumerKey}:${sandbox.consumerSecret}`).toString('base64')}`;
    const count = async (q: string) =>
      (
        (await (
          await fetch(`${sandbox.apiUrl}/orders?${q}`, { headers: { authorization: auth } })
        ).json()) as unknown[]
      ).length;
    expect(await count('modified_after=2025-02-01T00:00:00&dates_are_gmt=true')).toBe(0);
    expect(await count('modified_after=2025-02-01T00:00:00')).toBe(1); // local time is 01:30
    expect(await count('modified_after=2025-01-31T23:30:00&dates_are_gmt=true')).toBe(0); // strictly after
  });
});
