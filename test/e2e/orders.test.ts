/**
 * E2E 3 — Order changes while the PowerOffice order is a Draft become line PATCH / POST /
 * DELETE; once the order is Confirmed the difference is reported (a LOCKED failed record),
 * never written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedProject } from '../../engine/compose.ts';
import type { Connector } from '../../engine/connectors/types.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

describe('e2e 3: order changes, Draft and Confirmed', () => {
  let pair: Pair;
  let opened: OpenedProject;
  let po: Connector;
  let order: { wooId: string; poId: string; lines: Rec[] };

  const wooEdit = async (id: string, body: Rec) => {
    const res = await fetch(`${pair.woo.url}/__admin/records/order/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.text()).toBe(200);
  };

  beforeAll(async () => {
    // Orders that stay Drafts while the shop edits them: the shipped mappings as they are
    // (invoicing off: completed orders would be invoiced, and locked, otherwise).
    pair = await startPair({
      shop: { count: 40, seed: 9, anchor: new Date('2026-01-15T00:00:00Z') },
    });
    expect((await pair.sync()).ok).toBe(true);
    opened = await pair.open();
    po = opened.connectors.get('poweroffice-go')!;
    const state = await snapshot(pair);
    const orderLinks = await links(opened.store, 'salesorder');
    const candidate = orderLinks
      .map((l) => ({ link: l, woo: state.woo.orders.find((o) => String(o.id) === l.sourceId)! }))
      .find(({ woo }) => (woo.line_items as Rec[]).length >= 2)!;
    order = {
      wooId: candidate.link.sourceId,
      poId: candidate.link.targetId,
      lines: candidate.woo.line_items as Rec[],
    };
  });

  afterAll(async () => {
    await opened?.close();
    await pair?.close();
  });

  it('while Draft: quantity changed → line PATCH, line added → POST, line removed → DELETE', async () => {
    const [first, second] = order.lines as [Rec, Rec];
    const lineLink = (await new MappingState('salesorderline', opened.store).getLink(order.wooId))!;
    const firstLineId = lineLink.children![String(first.id)]!.targetId;
    const secondLineId = lineLink.children![String(second.id)]!.targetId;
    await wooEdit(order.wooId, {
      line_items: [
        { id: first.id, quantity: Number(first.quantity) + 2 },
        { id: second.id, quantity: 0 },
        { product_id: first.product_id, quantity: 1 },
      ],
    });
    const mark = pair.mark();
    const summary = await pair.sync();
    expect(summary.ok).toBe(true);
    const writes = pair.writes(mark);
    expect(writes.woo).toEqual([]);
    const lines = writes.po.filter((r) => /\/Lines/i.test(r.path));
    const base = `/v2/SalesOrders/${order.poId}/Lines`;
    const patchFirst = lines.find(
      (r) => r.method === 'PATCH' && r.path.toLowerCase() === `${base}/${firstLineId}`.toLowerCase(),
    );
    expect(patchFirst?.body).toEqual(
      expect.arrayContaining([{ op: 'replace', path: '/Quantity', value: Number(first.quantity) + 2 }]),
    );
    expect(
      lines.filter((r) => r.method === 'POST' && r.path.toLowerCase() === base.toLowerCase()),
    ).toHaveLength(1);
    expect(lines.filter((r) => r.method === 'DELETE')).toEqual([
      expect.objectContaining({ path: expect.stringMatching(new RegExp(`${secondLineId}$`, 'i')) }),
    ]);
    // Nothing else than line writes (the header did not change).
    expect(writes.po.filter((r) => !/\/Lines/i.test(r.path))).toEqual([]);
    // The PowerOffice order now has the shop's lines.
    const poOrder = (await snapshot(pair)).po.salesorders.find((o) => String(o.Id) === order.poId)!;
    const wooOrder = (await snapshot(pair)).woo.orders.find((o) => String(o.id) === order.wooId)!;
    const wooLineCount =
      (wooOrder.line_items as Rec[]).length +
      (wooOrder.shipping_lines as Rec[]).length +
      (wooOrder.fee_lines as Rec[]).length;
    expect(poOrder.SalesOrderLines as Rec[]).toHaveLength(wooLineCount);
    const again = pair.mark();
    await pair.sync();
    expect(pair.writes(again)).toEqual({ woo: [], po: [] });
  });

  it('after Confirmed: a change is reported as a LOCKED failed record, and nothing is written', async () => {
    await po.update('salesorder', order.poId, [
      { op: 'replace', path: '/SalesOrderStatus', value: 'Confirmed' },
    ]);
    const quiet = pair.mark();
    expect((await pair.sync()).ok).toBe(true);
    expect(pair.writes(quiet)).toEqual({ woo: [], po: [] });

    const wooOrder = (await snapshot(pair)).woo.orders.find((o) => String(o.id) === order.wooId)!;
    const line = (wooOrder.line_items as Rec[])[0]!;
    await wooEdit(order.wooId, { line_items: [{ id: line.id, quantity: Number(line.quantity) + 5 }] });
    const mark = pair.mark();
    const summary = await pair.sync();
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
    expect(summary.ok).toBe(false);
    const failed = await new MappingState('salesorderline', opened.store).getFailed('source', order.wooId);
    expect(failed).toMatchObject({ code: 'LOCKED', kind: 'locked' });
    expect(failed!.reason).toMatch(/Quantity/);
  });
});
