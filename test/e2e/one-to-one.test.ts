/**
 * Links are one-to-one (issue 9 item 2), against both real sandboxes and the shipped
 * product mapping: a SKU that differs from another product's only by whitespace is not
 * linked to that product's PowerOffice record (duplicate answer → guard → taken), nor is a
 * create intent left by a crash resolved onto it; a SKU in the space reserved for generated
 * codes fails; `mapsync links --check` finds many-to-one links already in a store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedRecord, LinkRecord } from '../../engine/store/sync-state.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

describe('e2e: links are one-to-one', () => {
  let pair: Pair;
  const product = async (body: Rec) => {
    const res = await fetch(`${pair.woo.url}/__admin/records/product`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'publish', regular_price: '10', ...body }),
    });
    expect(res.status, await res.text()).toBe(200);
  };
  const failed = async () => JSON.parse((await pair.cli(['failed', '--json'])).out) as FailedRecord[];
  const productLinks = async () => {
    const opened = await pair.open();
    try {
      return await links(opened.store, 'product');
    } finally {
      await opened.close();
    }
  };

  beforeAll(async () => {
    pair = await startPair({ shop: { count: 4, seed: 5, anchor: new Date('2026-01-15T00:00:00Z') } });
    await product({ id: 701, name: 'Uten SKU', sku: '' });
    await product({ id: 702, name: 'Reservert', sku: 'WOO-701' });
    await product({ id: 703, name: 'Kopp', sku: 'KOPP-9' });
    await product({ id: 704, name: 'Kopp med mellomrom', sku: ' KOPP-9 ' });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('links one of two SKUs equal after trimming; the other fails naming both', async () => {
    const result = await pair.cli(['sync']);
    expect(result.code, result.out + result.err).toBe(1);
    const linked = new Map((await productLinks()).map((l) => [l.sourceId, l.targetId]));
    // Whichever of 703/704 ran first got KOPP-9; the other was refused as a duplicate,
    // found the holder by its guard, and saw it is another record's partner.
    const [winner, loser] = linked.has('703') ? ['703', '704'] : ['704', '703'];
    expect(linked.has(winner)).toBe(true);
    expect(linked.has(loser)).toBe(false);
    const targets = [...linked.values()];
    expect(new Set(targets).size).toBe(targets.length);
    const taken = (await failed()).find((f) => f.mapping === 'product' && f.id === loser)!;
    expect(taken).toMatchObject({ code: 'LINK_TAKEN', kind: 'conflict' });
    expect(taken.reason).toContain(`woocommerce product ${loser}`);
    expect(taken.reason).toContain(`already linked to woocommerce product ${winner}`);
    expect(taken.reason).toContain(linked.get(winner)!);
    const state = await snapshot(pair);
    expect(state.po.products.filter((p) => p.Code === 'KOPP-9')).toHaveLength(1);
  });

  it('a SKU in the reserved space of generated codes fails instead of taking WOO-701', async () => {
    const linked = new Map((await productLinks()).map((l) => [l.sourceId, l.targetId]));
    expect(linked.has('701')).toBe(true);
    expect(linked.has('702')).toBe(false);
    const reserved = (await failed()).find((f) => f.mapping === 'product' && f.id === '702')!;
    expect(reserved.code).toBe('MAP_EVAL_ERROR');
    expect(reserved.reason).toMatch(/reserved for generated product codes/);
    const state = await snapshot(pair);
    expect(state.po.products.filter((p) => String(p.Code).toUpperCase() === 'WOO-701')).toHaveLength(1);
  });

  it('a create intent left by a crash is not resolved onto another record’s partner', async () => {
    const [winner, loser] = (await productLinks()).some((l) => l.sourceId === '703')
      ? ['703', '704']
      : ['704', '703'];
    const opened = await pair.open();
    try {
      // As if the process had died after storing the intent of the loser's create.
      await new MappingState('product', opened.store).setIntent('source', loser, {
        guard: { field: 'Code', value: 'KOPP-9' },
        side: 'target',
        at: new Date().toISOString(),
        payloadHash: 'x',
      });
    } finally {
      await opened.close();
    }
    expect((await pair.cli(['sync'])).code).toBe(1);
    const linked = await productLinks();
    expect(linked.map((l) => l.sourceId)).not.toContain(loser);
    const taken = (await failed()).find((f) => f.mapping === 'product' && f.id === loser)!;
    expect(taken.code).toBe('LINK_TAKEN');
    expect(taken.reason).toContain(`already linked to woocommerce product ${winner}`);
    const check = await pair.cli(['links', '--check']);
    expect(check.code, check.out).toBe(0);
    expect(check.out).toMatch(/every link is one-to-one/);
  });

  it('`mapsync links --check` lists target records linked more than once (exit 1); --unlink mends', async () => {
    const opened = await pair.open();
    let shared: LinkRecord;
    try {
      const state = new MappingState('product', opened.store);
      shared = (await links(opened.store, 'product')).find((l) => l.sourceId === '701')!;
      // What a store written before the engine checked adoptions may hold.
      await state.links.set('799', { ...shared, sourceId: '799' });
    } finally {
      await opened.close();
    }
    const check = await pair.cli(['links', '--check']);
    expect(check.code).toBe(1);
    expect(check.out).toContain(
      `product: poweroffice-go product ${shared.targetId} is linked from 2 woocommerce product records: 701, 799`,
    );
    const json = JSON.parse((await pair.cli(['links', 'product', '--check', '--json'])).out) as {
      manyToOne: Array<{ mapping: string; targetId: string; sourceIds: string[] }>;
    };
    expect(json.manyToOne).toEqual([
      { mapping: 'product', targetId: shared.targetId, sourceIds: ['701', '799'] },
    ]);
    // Mended by unlinking the record that must not hold it.
    const unlinked = await pair.cli(['links', '--unlink', 'product:799']);
    expect(unlinked.out).toContain(
      `product: unlinked source record 799 from target record ${shared.targetId}`,
    );
    expect((await pair.cli(['links', '--check'])).code).toBe(0);
    expect((await pair.cli(['links', '--unlink', 'product:799'])).code).toBe(1);
  });
});
