/**
 * A PowerOffice edit that lands between the engine's read of a customer and its PATCH (the
 * chaos run's lost edit: shop phone edited, PowerOffice phone edited 1.2 s later, the
 * engine's PATCH with the older shop value 1.5 s after that). The sandbox's PATCH hook
 * makes the PowerOffice edit at exactly that moment, so nothing depends on timing.
 *
 * - With `test` honoured (the sandbox's default, ASP.NET Core JsonPatch ≥ 2.2): the PATCH
 *   carries a `test` of the phone as read, is refused (400, nothing applied), the engine
 *   reads the customer again and merges again: newest-wins keeps the newer PowerOffice edit
 *   in both systems.
 * - With `test` refused as an unknown operation (rule `jsonPatchTest: false`): the same,
 *   and from then on this connector reads each customer right before its PATCH instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchCustomer } from '../../sandbox/poweroffice-go/customers.ts';
import { adminUpdate } from '../../sandbox/woocommerce/admin.ts';
import { links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('e2e: a PowerOffice edit made between the engine read and its PATCH', () => {
  let pair: Pair;
  let targets: Array<{ sourceId: string; targetId: string }>;

  beforeAll(async () => {
    pair = await startPair({ shop: { count: 8, seed: 21 } });
    expect((await pair.sync()).ok).toBe(true);
    const opened = await pair.open();
    targets = (await links(opened.store, 'customer-person')).filter((l) => !l.virtual);
    await opened.close();
    expect(targets.length).toBeGreaterThan(2);
  });

  afterAll(async () => {
    pair.po.state.beforePatch = undefined;
    await pair?.close();
  });

  /** The shop phone is edited; the PowerOffice phone is edited when the engine's PATCH arrives. */
  async function editBothSides(
    link: { sourceId: string; targetId: string },
    shopPhone: string,
    poPhone: string,
  ) {
    // WooCommerce keeps whole seconds: the PowerOffice edit is then the newer one.
    adminUpdate(pair.woo.state, 'customer', Number(link.sourceId), { billing: { phone: shopPhone } });
    await sleep(1100);
    let hooked = 0;
    pair.po.state.beforePatch = (path) => {
      if (hooked > 0 || path.toLowerCase() !== `customers/${link.targetId}`) return;
      hooked += 1;
      patchCustomer(pair.po.state, link.targetId, [{ op: 'replace', path: '/PhoneNumber', value: poPhone }]);
    };
    return () => hooked;
  }

  function phones(state: Awaited<ReturnType<typeof snapshot>>, link: { sourceId: string; targetId: string }) {
    const shop = state.woo.customers.find((c) => String(c.id) === link.sourceId)!;
    const erp = state.po.customers.find((c) => String(c.Id) === link.targetId)!;
    return { shop: (shop.billing as Rec).phone, erp: erp.PhoneNumber };
  }

  it('the PATCH carries a test of the value read; refused, the record is merged again and the newer edit wins', async () => {
    const link = targets[0]!;
    const hooked = await editBothSides(link, '+47 41000001', '+47 42000002');
    const mark = pair.mark();
    const summary = await pair.sync();
    pair.po.state.beforePatch = undefined;
    expect(summary.ok).toBe(true);
    expect(hooked()).toBe(1);
    expect(phones(await snapshot(pair), link)).toEqual({ shop: '+47 42000002', erp: '+47 42000002' });
    const patches = pair
      .requests(mark)
      .po.filter((r) => r.method === 'PATCH' && r.path.toLowerCase().endsWith(`/customers/${link.targetId}`));
    expect(patches[0]!.status).toBe(400);
    const ops = patches[0]!.body as Rec[];
    expect(ops[0]).toMatchObject({ op: 'test', path: '/PhoneNumber' });
    expect(ops).toContainEqual({ op: 'replace', path: '/PhoneNumber', value: '+47 41000001' });
    // No PATCH applied the older shop value.
    for (const p of patches.slice(1)) expect(JSON.stringify(p.body)).not.toContain('41000001');
    expect(summary.mappings.find((m) => m.mapping === 'customer-person')!.conflicts).toEqual([
      expect.objectContaining({ property: 'PhoneNumber', winner: 'target', policy: 'newest-wins' }),
    ]);
  });

  it('an API that refuses the test op itself: merged again the same way, then each record read before its PATCH', async () => {
    pair.po.state.rules.jsonPatchTest = false;
    try {
      const [link, other] = [targets[1]!, targets[2]!];
      const hooked = await editBothSides(link, '+47 43000003', '+47 44000004');
      // A second customer edited only in the shop: its update comes after the refusal.
      adminUpdate(pair.woo.state, 'customer', Number(other.sourceId), { last_name: 'Afterwards' });
      const mark = pair.mark();
      const summary = await pair.sync();
      pair.po.state.beforePatch = undefined;
      expect(summary.ok).toBe(true);
      expect(hooked()).toBe(1);
      const state = await snapshot(pair);
      expect(phones(state, link)).toEqual({ shop: '+47 44000004', erp: '+47 44000004' });
      expect(state.po.customers.find((c) => String(c.Id) === other.targetId)!.LastName).toBe('Afterwards');
      const po = pair.requests(mark).po;
      const refused = po.filter((r) => r.method === 'PATCH' && r.status === 400);
      // The updates in flight when the first refusal came (workers run side by side) are
      // refused too, each merged again the same way.
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect((r.body as Rec[])[0]).toMatchObject({ op: 'test' });
      expect(refused.map((r) => r.path.toLowerCase())).toContain(`/v2/customers/${link.targetId}`);
      // After the refusals no PATCH carries a test op, and each is preceded by a GET of its record.
      const later = po.slice(po.indexOf(refused.at(-1)!) + 1);
      const patches = later.filter((r) => r.method === 'PATCH');
      expect(patches.length).toBeGreaterThan(0);
      for (const p of patches) {
        expect((p.body as Rec[]).map((o) => o.op)).not.toContain('test');
        const before = later
          .slice(0, later.indexOf(p))
          .filter((r) => r.method === 'GET' && r.path === p.path);
        expect(before.length).toBeGreaterThan(0);
      }
    } finally {
      pair.po.state.rules.jsonPatchTest = true;
    }
  });
});
