/**
 * Variations in a seeded shop (seed option `variations`: every fifth physical product is a
 * variable product with size variations, some keeping stock per variation, some through the
 * parent; orders buy variations): everything syncs, every variation line is booked on its
 * variation's PowerOffice Go product, no variable product becomes one, and a second run
 * writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

describe('e2e: a seeded shop with variations', () => {
  let pair: Pair;

  beforeAll(async () => {
    pair = await startPair({ shop: { count: 0, seed: 1 } });
    const res = await fetch(`${pair.woo.url}/__admin/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 40, seed: 21, anchor: '2026-02-01T00:00:00Z', variations: true }),
    });
    expect(res.status, await res.text()).toBeLessThan(300);
  }, 60_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('books every variation line on its variation, makes no product of a variable one, then writes nothing', async () => {
    const summary = await pair.sync();
    expect(summary.ok, JSON.stringify(summary.mappings.map((m) => [m.mapping, m.errors, m.counts]))).toBe(
      true,
    );
    const state = await snapshot(pair);
    const poByCode = new Map((state.po.products as Rec[]).map((p) => [String(p.Code), p]));
    const parents = (state.woo.products as Rec[]).filter((p) => p.type === 'variable');
    expect(parents.length).toBeGreaterThan(0);
    for (const p of parents) if (p.sku) expect(poByCode.has(String(p.sku))).toBe(false);
    const poProductOf = new Map((state.po.products as Rec[]).map((p) => [p.Id, String(p.Code)]));
    const variationLines = (state.woo.orders as Rec[])
      .filter((o) => ['processing', 'completed'].includes(String(o.status)))
      .flatMap((o) => (o.line_items as Rec[]).map((l) => ({ order: o, line: l })))
      .filter(({ line }) => Number(line.variation_id) > 0);
    expect(variationLines.length).toBeGreaterThan(0);
    for (const { order, line } of variationLines) {
      const po = state.po.salesorders.find((s) =>
        (s.SalesOrderLines as Rec[] | undefined)?.some((l) => l.ExternalImportReference === String(line.id)),
      );
      expect(po, `order ${String(order.id)} line ${String(line.id)}`).toBeDefined();
      const poLine = (po!.SalesOrderLines as Rec[]).find(
        (l) => l.ExternalImportReference === String(line.id),
      )!;
      expect(poProductOf.get(poLine.ProductId)).toBe(String(line.sku));
    }
    const mark = pair.mark();
    expect((await pair.sync()).ok).toBe(true);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  }, 180_000);
});
