/**
 * E2E 4 — Money: for 1,000 generated orders (discounts, shipping, fees), the net amounts of
 * the PowerOffice Go lines add up to the WooCommerce order total minus its total tax, to
 * the cent, for every single order.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

describe('e2e 4: money to the cent', () => {
  let pair: Pair;
  let ms = 0;

  beforeAll(async () => {
    pair = await startPair({
      shop: { count: 1000, seed: 21, anchor: new Date('2026-01-15T00:00:00Z') },
      concurrency: 8,
    });
    // Every order takes part (the mapping's `when` keeps processing and completed ones).
    for (const order of pair.woo.state.data.orders as Rec[]) order.status = 'processing';
    const started = Date.now();
    const summary = await pair.sync();
    ms = Date.now() - started;
    expect(summary.mappings.flatMap((m) => m.errors)).toEqual([]);
    expect(summary.ok).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('sum of line net amounts = order total − total tax, for each of 1,000 orders', async () => {
    const state = await snapshot(pair);
    const opened = await pair.open();
    try {
      const orderLinks = await links(opened.store, 'salesorder');
      expect(orderLinks).toHaveLength(1000);
      const poOrders = new Map(state.po.salesorders.map((o) => [String(o.Id), o]));
      const wooOrders = new Map(state.woo.orders.map((o) => [String(o.id), o]));
      const off: string[] = [];
      let discounted = 0;
      let withShipping = 0;
      let withFees = 0;
      for (const link of orderLinks) {
        const woo = wooOrders.get(link.sourceId)!;
        const po = poOrders.get(link.targetId)!;
        const expected = new Decimal(String(woo.total)).minus(String(woo.total_tax));
        const lines = po.SalesOrderLines as Rec[];
        const net = lines.reduce((sum, l) => sum.plus(String(l.NetAmount ?? 0)), new Decimal(0));
        if (!net.toDecimalPlaces(2).equals(expected.toDecimalPlaces(2))) {
          off.push(`order ${link.sourceId}: lines ${net.toFixed(2)} vs shop ${expected.toFixed(2)}`);
        }
        if (
          new Decimal(String(woo.discount_total ?? 0)).gt(0) ||
          (woo.line_items as Rec[]).some((l) => l.subtotal !== l.total)
        )
          discounted++;
        if ((woo.shipping_lines as Rec[]).length > 0) withShipping++;
        if ((woo.fee_lines as Rec[]).length > 0) withFees++;
      }
      console.info(
        `money: ${orderLinks.length} orders synced in ${ms} ms (${discounted} discounted, ${withShipping} with shipping, ${withFees} with fees); ${off.length} off`,
      );
      expect(off).toEqual([]);
      expect(discounted).toBeGreaterThan(50);
      expect(withShipping).toBeGreaterThan(100);
      expect(withFees).toBeGreaterThan(10);
    } finally {
      await opened.close();
    }
  });
});
