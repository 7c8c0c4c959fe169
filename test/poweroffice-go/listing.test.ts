/**
 * Listing: PageNumber/PageSize paging, 204 and empty pages, cursors with the full 7-digit
 * precision, records changed in the same second (and millisecond) as the cursor, Fields,
 * the customer address scan, lines under their order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCursor } from '../../engine/connectors/poweroffice-go/cursor.ts';
import type { EntityRecord, Page } from '../../engine/connectors/types.ts';
import { type Fixture, raw, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function pages(iterable: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const p of iterable) out.push(p);
  return out;
}
const ids = (ps: Page[]) => ps.flatMap((p) => p.records.map((r) => r.Id));
/** The newest timestamp a cursor covers (cursors also carry their overlap window). */
const newest = (cursor: string | undefined) =>
  cursor === undefined ? undefined : decodeCursor(cursor)?.newest;

function insert(fx: Fixture, entity: string, records: EntityRecord[]): Promise<Response> {
  return fetch(`${fx.sb.adminUrl}/records/${entity}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(records),
  });
}

describe('PowerOffice Go listing', () => {
  it('pages with PageNumber/PageSize, ordered by LastChangedDateTimeOffset, and stops on a short page', async () => {
    fx = await start({ seed: false });
    await insert(
      fx,
      'product',
      Array.from({ length: 7 }, (_, i) => ({ Code: `P${i}`, Name: `Product ${i}` })),
    );
    const c = fx.connect({ page_size: 3 });
    const ps = await pages(c.list('product'));
    expect(ps.map((p) => p.records.length)).toEqual([3, 3, 1]);
    const queries = fx.sb.log
      .list()
      .filter((r) => r.path === '/v2/Products')
      .map((r) => r.query);
    expect(queries).toEqual(
      [1, 2, 3].map((n) => ({ PageSize: '3', OrderBy: 'LastChangedDateTimeOffset', PageNumber: String(n) })),
    );
    // Each page's cursor is the newest timestamp seen so far.
    const stamps = ps.flatMap((p) => p.records.map((r) => String(r.LastChangedDateTimeOffset)));
    expect(ps.map((p) => newest(p.cursor))).toEqual([stamps[2], stamps[5], stamps[6]]);
  });

  it('halves the page size after a page of more than 4 MiB of JSON, and still lists every record once', async () => {
    // Found by `npm run fuzz`: every customer listed on every scan, some with names of
    // hundreds of kB, made one page tens of MB parsed in one go on the service's event loop.
    fx = await start({ seed: false });
    for (let i = 0; i < 12; i++) {
      const res = await insert(fx, 'product', [
        { Code: `BIG${i}`, Name: `Big ${i}`, Description: 'x'.repeat(1_000_000) },
      ]);
      expect(res.status).toBeLessThan(300);
    }
    await insert(fx, 'product', [{ Code: 'SMALL', Name: 'small' }]);
    const c = fx.connect({ page_size: 8 });
    const listed = ids(await pages(c.list('product')));
    expect(listed).toHaveLength(13);
    expect(new Set(listed).size).toBe(13);
    const queries = fx.sb.log
      .list()
      .filter((r) => r.path === '/v2/Products')
      .map((r) => `${r.query.PageSize}:${r.query.PageNumber}`);
    // 8 records (8 MB) → 4 per page from record 9 on (page 3 of size 4: 4 MB, under the
    // bound, so the size stays) → records 13 on (page 4 of size 4: the short last page).
    expect(queries).toEqual(['8:1', '4:3', '4:4']);
  });

  it('stops on X-Pagination without an extra request', async () => {
    fx = await start({ seed: false });
    await insert(fx, 'product', [
      { Code: 'A', Name: 'A' },
      { Code: 'B', Name: 'B' },
    ]);
    const ps = await pages(fx.connect({ page_size: 2 }).list('product'));
    expect(ps.map((p) => p.records.length)).toEqual([2]);
    expect(fx.sb.log.list()).toHaveLength(2); // token + one page
  });

  it('without X-Pagination: handles an exactly full last page (204 on the next) and an empty listing', async () => {
    fx = await start({ seed: false, paginationHeader: false });
    const c = fx.connect({ page_size: 2 });
    const empty = await pages(c.list('customer'));
    expect(empty).toEqual([{ records: [] }]);
    expect(fx.sb.log.list().at(-1)?.status).toBe(204);
    await insert(fx, 'product', [
      { Code: 'A', Name: 'A' },
      { Code: 'B', Name: 'B' },
    ]);
    const ps = await pages(c.list('product'));
    expect(ps.map((p) => p.records.length)).toEqual([2, 0]);
    expect(ps[1]!.cursor).toBe(ps[0]!.cursor);
    expect(fx.sb.log.list().at(-1)?.status).toBe(204);
  });

  it('keeps the cursor as the API returned it (7 digits) and finds a change in the same second and millisecond', async () => {
    fx = await start({ seed: false });
    await insert(fx, 'product', [
      { Code: 'OLD', Name: 'old', LastChangedDateTimeOffset: '2024-03-01T10:00:00.1234567+00:00' },
      { Code: 'SAME-MS', Name: 'same ms', LastChangedDateTimeOffset: '2024-03-01T10:00:00.1234568+00:00' },
      { Code: 'SAME-S', Name: 'same s', LastChangedDateTimeOffset: '2024-03-01T10:00:00.9000000+00:00' },
    ]);
    const c = fx.connect();
    const since = '2024-03-01T10:00:00.1234567+00:00';
    const ps = await pages(c.list('product', { since }));
    expect(ps.flatMap((p) => p.records.map((r) => r.Code))).toEqual(['SAME-MS', 'SAME-S']);
    expect(newest(ps.at(-1)?.cursor)).toBe('2024-03-01T10:00:00.9000000+00:00');
    const query = fx.sb.log.list().at(-1)?.query;
    // The query starts the default 5 s overlap before the cursor, with full precision.
    expect(query?.lastChangedDateTimeOffsetGreaterThan).toBe('2024-03-01T09:59:55.1234567+00:00');
    // The cursor of the last change returns nothing more, although the overlap lists them.
    const again = await pages(c.list('product', { since: ps.at(-1)!.cursor! }));
    expect(ids(again)).toEqual([]);
    expect(fx.sb.log.list().at(-1)?.status).toBe(200);
    // A plain timestamp (an older cursor) knows only the record that carried it: the rest
    // of its overlap window is delivered once more.
    const plain = await pages(c.list('product', { since: '2024-03-01T10:00:00.9000000+00:00' }));
    expect(plain.flatMap((p) => p.records.map((r) => r.Code))).toEqual(['OLD', 'SAME-MS']);
  });

  it('compares cursors by instant, whatever offset the service uses', async () => {
    fx = await start({ seed: false });
    await insert(fx, 'product', [
      { Code: 'X', Name: 'x', LastChangedDateTimeOffset: '2024-03-01T12:00:00.5000000+02:00' },
    ]);
    const c = fx.connect();
    // 10:00:00.5 UTC; a cursor just before it in another notation still finds it.
    const ps = await pages(c.list('product', { since: '2024-03-01T10:00:00.4999999Z' }));
    expect(ps.flatMap((p) => p.records.map((r) => r.Code))).toEqual(['X']);
    expect(newest(ps.at(-1)?.cursor)).toBe('2024-03-01T10:00:00.5000000+00:00');
  });

  it('applies the configured overlap with full precision', async () => {
    fx = await start({ seed: false });
    await insert(fx, 'product', [
      { Code: 'A', Name: 'a', LastChangedDateTimeOffset: '2024-03-01T10:00:00.0000001+00:00' },
      { Code: 'B', Name: 'b', LastChangedDateTimeOffset: '2024-03-01T10:00:05.0000000+00:00' },
    ]);
    const c = fx.connect({ overlap_seconds: 2 });
    const ps = await pages(c.list('product', { since: '2024-03-01T10:00:02.0000001+00:00' }));
    expect(fx.sb.log.list().at(-1)?.query.lastChangedDateTimeOffsetGreaterThan).toBe(
      '2024-03-01T10:00:00.0000001+00:00',
    );
    expect(ps.flatMap((p) => p.records.map((r) => r.Code))).toEqual(['B']);
    expect(newest(ps.at(-1)?.cursor)).toBe('2024-03-01T10:00:05.0000000+00:00');
  });

  it('trims responses with Fields, always keeping Id and LastChangedDateTimeOffset', async () => {
    fx = await start();
    const c = fx.connect();
    const ps = await pages(c.list('product', { fields: ['Code', 'Name'] }));
    expect(fx.sb.log.list().at(-1)?.query.Fields).toBe('Id,LastChangedDateTimeOffset,Code,Name');
    expect(Object.keys(ps[0]!.records[0]!).sort()).toEqual([
      'Code',
      'Id',
      'LastChangedDateTimeOffset',
      'Name',
    ]);
  });

  it('finds customers whose address changed (scan mode) although their own timestamp did not move', async () => {
    fx = await start({ seed: false });
    const c = fx.connect();
    const a = await c.create('customer', {
      Name: 'A AS',
      EmailAddress: 'a@a.no',
      MailAddress: { City: 'Oslo', ZipCode: '0150' },
    });
    await c.create('customer', { Name: 'B AS', EmailAddress: 'b@b.no' });
    const first = await pages(c.list('customer'));
    const cursor = first.at(-1)!.cursor!;
    const updated = await c.update('customer', String(a.Id), [
      { op: 'replace', path: '/MailAddress/City', value: 'Bergen' },
    ]);
    expect(updated.LastChangedDateTimeOffset).toBe(a.LastChangedDateTimeOffset);
    const scan = await pages(c.list('customer', { since: cursor }));
    expect(ids(scan)).toEqual([a.Id]);
    expect(newest(scan.at(-1)?.cursor)).toBe((updated.MailAddress as EntityRecord).LastChangedDateTimeOffset);
    // The server-side filter alone misses it (the reason for the scan mode).
    const filtered = await pages(
      fx.connect({ customer_changes: 'filter' }).list('customer', { since: cursor }),
    );
    expect(ids(filtered)).toEqual([]);
  });

  it('lists the lines of one order and needs the parent id', async () => {
    fx = await start();
    const c = fx.connect({ page_size: 2 });
    const customer = await c.create('customer', { Name: 'C AS', EmailAddress: 'c@c.no' });
    const order = await c.create('salesorder', {
      CustomerId: customer.Id,
      SalesOrderLines: [1, 2, 3].map((q) => ({ ProductCode: 'FRAKT', Quantity: q, ProductUnitPrice: 10 })),
    });
    const ps = await pages(c.list('salesorderline', { parentId: String(order.Id) }));
    expect(ps.flatMap((p) => p.records.map((r) => r.Quantity))).toEqual([1, 2, 3]);
    expect(ps.every((p) => p.cursor === undefined)).toBe(true);
    await expect(pages(c.list('salesorderline'))).rejects.toThrow(/parent/);
  });

  it('refuses OData paging and unknown Fields in the sandbox', async () => {
    fx = await start();
    const top = await raw(fx.sb, 'GET', 'Products?$top=1');
    expect(top.status).toBe(400);
    const fields = await raw(fx.sb, 'GET', 'Products?fields=Nope');
    expect(fields.status).toBe(400);
    const big = await raw(fx.sb, 'GET', 'Products?PageSize=20001');
    expect(big.status).toBe(400);
    // The seed holds 12 service products (FRAKT, GEBYR and AVRUNDING at each VAT rate): the last page
    // of one, ordered by code descending, is the lowest code.
    const lower = await raw(fx.sb, 'GET', 'products?pagesize=1&pagenumber=12&orderby=Code%20desc');
    expect((lower.json as EntityRecord[]).map((p) => p.Code)).toEqual(['AVRUNDING']);
    expect(JSON.parse(lower.headers.get('x-pagination')!)).toMatchObject({
      totalCount: 12,
      currentPage: 12,
      nextPageLink: null,
    });
    const unencodedPlus = await raw(
      fx.sb,
      'GET',
      'Products?lastChangedDateTimeOffsetGreaterThan=2024-01-01T00:00:00.0000000+00:00',
    );
    expect(unencodedPlus.status).toBe(400);
  });
});
