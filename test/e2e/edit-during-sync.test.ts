/**
 * A shop customer edited while a sync run is working on it, after the engine read its page
 * but before the shop write it decided is sent (the chaos run's lost edit): right before
 * the `customers/batch` PUT, the engine reads those customers again (one `include=` GET),
 * drops the one whose modification time moved, and merges it again. The PowerOffice edit
 * was older, so newest-wins gives the shop's value to both systems; the shop edit survives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors as builtIn } from '../../engine/connectors/index.ts';
import { ConnectorRegistry } from '../../engine/connectors/registry.ts';
import type { Connector, ListOptions, Page } from '../../engine/connectors/types.ts';
import { adminUpdate } from '../../sandbox/woocommerce/admin.ts';
import { links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('e2e: a shop edit made while the run works on that record', () => {
  let pair: Pair;
  /**
   * Runs once right after customer-person has read a page of shop customers: mappings that
   * run before it and list shop customers too (customer-company) are let through first.
   */
  let afterCustomerPage: (() => void) | undefined;
  let listingsBefore = 0;
  let skip = 0;

  beforeAll(async () => {
    const woocommerce = builtIn.get('woocommerce')!.spec;
    const registry = new ConnectorRegistry();
    registry.add({
      ...woocommerce,
      async create(options, runtime) {
        const connector = await woocommerce.create(options, runtime);
        const list = connector.list.bind(connector);
        connector.list = async function* (entity: string, options?: ListOptions): AsyncIterable<Page> {
          for await (const page of list(entity, options)) {
            if (entity === 'customer' && afterCustomerPage && skip-- <= 0) {
              const hook = afterCustomerPage;
              afterCustomerPage = undefined;
              hook();
            }
            yield page;
          }
        } as Connector['list'];
        return connector;
      },
    });
    registry.add(builtIn.get('poweroffice-go')!.spec);
    pair = await startPair({ shop: { count: 12, seed: 8 }, registry });
    expect((await pair.sync()).ok).toBe(true);
    const opened = await pair.open();
    const order = opened.project.mappings;
    await opened.close();
    listingsBefore = order
      .slice(
        0,
        order.findIndex((m) => m.name === 'customer-person'),
      )
      .filter((m) => m.source.system === 'woocommerce' && m.source.entity === 'customer').length;
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('the newer shop edit is not overwritten: both systems end with it, decided by newest-wins', async () => {
    const opened = await pair.open();
    const link = (await links(opened.store, 'customer-person')).find((l) => !l.virtual)!;
    await opened.close();
    const po = opened.connectors.get('poweroffice-go')!;
    // PowerOffice first…
    await po.update('customer', link.targetId, [
      { op: 'replace', path: '/PhoneNumber', value: '+47 11111111' },
    ]);
    // …the shop over a second later (WooCommerce times have one-second resolution), while
    // the run works: after its customer page was read.
    await sleep(1100);
    skip = listingsBefore;
    afterCustomerPage = () => {
      adminUpdate(pair.woo.state, 'customer', Number(link.sourceId), { billing: { phone: '+47 22222222' } });
    };
    const mark = pair.mark();
    const summary = await pair.sync();
    expect(summary.ok).toBe(true);
    expect(afterCustomerPage).toBeUndefined();
    const state = await snapshot(pair);
    const shop = state.woo.customers.find((c) => String(c.id) === link.sourceId)!;
    const erp = state.po.customers.find((c) => String(c.Id) === link.targetId)!;
    expect((shop.billing as Record<string, unknown>).phone).toBe('+47 22222222');
    expect(erp.PhoneNumber).toBe('+47 22222222');
    const requests = pair.requests(mark);
    // No shop write carried the older PowerOffice value; one re-read of the batch's records.
    expect(JSON.stringify(pair.writes(mark).woo)).not.toContain('11111111');
    expect(requests.woo.filter((r) => r.method === 'GET' && r.query.include === link.sourceId)).toHaveLength(
      1,
    );
    expect(summary.mappings.find((m) => m.mapping === 'customer-person')!.conflicts).toEqual([
      expect.objectContaining({ property: 'PhoneNumber', winner: 'source', policy: 'newest-wins' }),
    ]);
  });

  it('an edit in the same second as the one read (WooCommerce keeps whole seconds) is seen by its values', async () => {
    const opened = await pair.open();
    const link = (await links(opened.store, 'customer-person')).filter((l) => !l.virtual)[1]!;
    await opened.close();
    const po = opened.connectors.get('poweroffice-go')!;
    const id = Number(link.sourceId);
    // PowerOffice first…
    await po.update('customer', link.targetId, [
      { op: 'replace', path: '/PhoneNumber', value: '+47 33333333' },
    ]);
    // …then, over a second later, two shop edits within one second (the shop's clock is held
    // still, so this is no timing luck): one before the run reads its customers, one after.
    await sleep(1100);
    const settings = pair.woo.state.settings;
    const clock = settings.now;
    const second = new Date();
    settings.now = () => second;
    try {
      adminUpdate(pair.woo.state, 'customer', id, { last_name: 'Samesecond' });
      const readAt = pair.woo.state.data.customers.find((c) => c.id === id)!.date_modified;
      skip = listingsBefore;
      afterCustomerPage = () => {
        adminUpdate(pair.woo.state, 'customer', id, { billing: { phone: '+47 44444444' } });
      };
      const mark = pair.mark();
      const summary = await pair.sync();
      expect(summary.ok).toBe(true);
      expect(afterCustomerPage).toBeUndefined();
      const state = await snapshot(pair);
      const shop = state.woo.customers.find((c) => c.id === id)!;
      const erp = state.po.customers.find((c) => String(c.Id) === link.targetId)!;
      // The edit did not move the record's modification time: only its values tell.
      expect(shop.date_modified).toBe(readAt);
      expect((shop.billing as Record<string, unknown>).phone).toBe('+47 44444444');
      expect(erp.PhoneNumber).toBe('+47 44444444');
      expect(erp.LastName).toBe('Samesecond');
      expect(JSON.stringify(pair.writes(mark).woo)).not.toContain('33333333');
      expect(summary.mappings.find((m) => m.mapping === 'customer-person')!.conflicts).toEqual([
        expect.objectContaining({ property: 'PhoneNumber', winner: 'source', policy: 'newest-wins' }),
      ]);
    } finally {
      if (clock) settings.now = clock;
      else delete settings.now;
    }
  });
});
