/**
 * PowerOffice reads come from a replica that can lag behind writes. The sandbox models it
 * (opt-in) and the connector's incremental listings overlap the cursor by a few seconds
 * and skip what they already delivered — without the overlap a change that shows up late
 * is lost for good.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCursor } from '../../engine/connectors/poweroffice-go/cursor.ts';
import { minusMs } from '../../engine/connectors/poweroffice-go/timestamps.ts';
import type { EntityRecord, Page } from '../../engine/connectors/types.ts';
import { formatTicks, parseTicks } from '../../sandbox/poweroffice-go/clock.ts';
import { RecordMap } from '../../sandbox/poweroffice-go/record-map.ts';
import { Replica } from '../../sandbox/poweroffice-go/replica.ts';
import { type Fixture, raw, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const admin = (f: Fixture, method: string, path: string, body?: unknown) =>
  fetch(`${f.sb.adminUrl}/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function collect(
  iterable: AsyncIterable<Page>,
): Promise<{ codes: unknown[]; cursor: string | undefined }> {
  const pages: Page[] = [];
  for await (const p of iterable) pages.push(p);
  return { codes: pages.flatMap((p) => p.records.map((r) => r.Code)), cursor: pages.at(-1)?.cursor };
}

describe('the replica model', () => {
  it('shows each record as before its oldest write that is not visible yet; writes never overtake', () => {
    const replica = new Replica();
    const primary = new RecordMap([]);
    primary.onWrite = (id, before) => replica.record('products', id, before, now);
    let now = 1000;
    primary.set('1', { Id: 1, Name: 'v0' });
    replica.lagMs = 100;
    primary.set('1', { Id: 1, Name: 'v1' }); // visible at 1100
    replica.lagMs = 10;
    now = 1005;
    primary.set('1', { Id: 1, Name: 'v2' }); // own lag ends at 1015, but not before v1
    primary.set('2', { Id: 2, Name: 'new' }); // visible at 1015
    const name = (at: number, id: string) => replica.view('products', primary, at).get(id)?.Name;
    expect([name(1010, '1'), name(1010, '2')]).toEqual(['v0', undefined]);
    expect([name(1050, '1'), name(1050, '2')]).toEqual(['v0', 'new']);
    expect(name(1100, '1')).toBe('v2');
    expect(replica.hidesAnything(1050)).toBe(true);
    expect(replica.hidesAnything(1100)).toBe(false);
  });
});

describe('PowerOffice Go sandbox: replica lag', () => {
  it('hides a write from every read until the lag has passed (or the replica catches up)', async () => {
    fx = await start({ rateLimit: false, seed: false, replicaLagMs: 60_000 });
    const created = await raw(fx.sb, 'POST', 'Products', { Code: 'A', Name: 'A' });
    // The write answers from the primary.
    expect(created.status).toBe(200);
    const id = (created.json as EntityRecord).Id;
    expect((await raw(fx.sb, 'GET', `Products/${id}`)).status).toBe(404);
    expect((await raw(fx.sb, 'GET', 'Products')).status).toBe(204);
    // Writes see the primary: the duplicate code is refused although reads do not show it.
    expect((await raw(fx.sb, 'POST', 'Products', { Code: 'A', Name: 'again' })).status).toBe(400);
    await admin(fx, 'POST', 'replica/catch-up');
    expect((await raw(fx.sb, 'GET', `Products/${id}`)).json).toMatchObject({ Code: 'A' });
    const patched = await raw(fx.sb, 'PATCH', `Products/${id}`, [
      { op: 'replace', path: '/Name', value: 'B' },
    ]);
    expect(patched.json).toMatchObject({ Name: 'B' });
    expect((await raw(fx.sb, 'GET', `Products/${id}`)).json).toMatchObject({ Name: 'A' });
    const since = String((created.json as EntityRecord).LastChangedDateTimeOffset);
    const filtered = await raw(
      fx.sb,
      'GET',
      `Products?lastChangedDateTimeOffsetGreaterThan=${encodeURIComponent(since)}`,
    );
    expect(filtered.status).toBe(204);
  });
});

describe('PowerOffice Go connector: overlapping incremental listings', () => {
  it('finds a change that became visible after a later one, which a listing without overlap loses', async () => {
    fx = await start({ rateLimit: false, seed: false });
    const insert = (records: EntityRecord[]) => admin(fx!, 'POST', 'records/product', records);
    await insert([{ Code: 'OLD', Name: 'old' }]);
    const strictOverlap = fx.connect({ overlap_seconds: 0 });
    const overlapping = fx.connect(); // default: 5 s
    const none = await collect(strictOverlap.list('product'));
    const five = await collect(overlapping.list('product'));
    const base = parseTicks(decodeCursor(five.cursor!)!.newest)!;
    const at = (ms: number) => formatTicks(base + BigInt(ms) * 10_000n);

    // X is written first but its commit reaches the replica late; Y is written after it
    // and is visible at once.
    await admin(fx, 'PUT', 'settings', { replicaLagMs: 60_000 });
    await insert([{ Code: 'X', Name: 'late', LastChangedDateTimeOffset: at(1000) }]);
    await admin(fx, 'PUT', 'settings', { replicaLagMs: 0 });
    await insert([{ Code: 'Y', Name: 'early', LastChangedDateTimeOffset: at(1001) }]);
    const first = await collect(strictOverlap.list('product', { since: none.cursor! }));
    const firstOverlap = await collect(overlapping.list('product', { since: five.cursor! }));
    expect([first.codes, firstOverlap.codes]).toEqual([['Y'], ['Y']]);

    await admin(fx, 'POST', 'replica/catch-up');
    const lost = await collect(strictOverlap.list('product', { since: first.cursor! }));
    expect(lost.codes).toEqual([]);
    const found = await collect(overlapping.list('product', { since: firstOverlap.cursor! }));
    expect(found.codes).toEqual(['X']);
    expect(fx.sb.log.list().at(-1)?.query.lastChangedDateTimeOffsetGreaterThan).toBe(minusMs(at(1001), 5000));
    // What the overlap lists again is not delivered twice; a new change of it is.
    expect((await collect(overlapping.list('product', { since: found.cursor! }))).codes).toEqual([]);
    const y = [...fx.sb.state.products.values()].find((p) => p.Code === 'Y')!;
    await raw(fx.sb, 'PATCH', `Products/${String(y.Id)}`, [
      { op: 'replace', path: '/Name', value: 'edited' },
    ]);
    expect((await collect(overlapping.list('product', { since: found.cursor! }))).codes).toEqual(['Y']);
  });

  it('skips the window in customer scans too, and keeps the window small', async () => {
    fx = await start({ rateLimit: false, seed: false });
    const c = fx.connect();
    await c.create('customer', {
      Name: 'A AS',
      EmailAddress: 'a@a.no',
      MailAddress: { City: 'Oslo', ZipCode: '0150' },
    });
    const full = await collect(c.list('customer'));
    const again = await collect(c.list('customer', { since: full.cursor! }));
    expect(again.codes).toEqual([]);
    expect(decodeCursor(again.cursor!)!.seen.size).toBe(1);
  });
});
