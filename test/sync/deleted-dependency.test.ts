/**
 * An order whose product was deleted in the shop failed forever with "not linked yet",
 * retried with backoff without end (issue 9 item 6). Now the reason says the product is
 * gone (a lookup confirmed it), automatic retries stop after a bounded number of attempts
 * (visible in `mapsync failed` and in the status page's data), and a person's retry tries it
 * again — and completes it once the product is back.
 */
import { describe, expect, it } from 'vitest';
import { formatFailed } from '../../engine/cli/report.ts';
import { engineAdapter } from '../../engine/service/engine-adapter.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { RETRY_LIMITS } from '../../engine/sync/backoff.ts';
import { customerMapping, makeEngine, orderMappings, productMapping } from './helpers/setup.ts';

const alice = { id: '1', email: 'alice@example.com', first_name: 'Alice', last_name: 'A', billing: {} };
const order = {
  id: '5001',
  status: 'processing',
  customer_id: 1,
  note: 'n',
  billing: { email: 'alice@example.com', first_name: 'Alice' },
  line_items: [{ id: 1, product_id: 11, quantity: 1, price: '10.00' }],
};

describe('a dependency deleted in its system', () => {
  it('says so, stops retrying after a bounded number of attempts, and a person can retry it', async () => {
    const store = openStore('memory://');
    const skew = { ms: 0 };
    const mappings = [customerMapping(), productMapping(), ...orderMappings()];
    const { engine, shop, erp } = makeEngine(mappings, { store, skew });
    shop.system.seed('customer', [alice]);
    shop.system.seed('order', [order]); // product 11 was deleted from the shop
    const state = new MappingState('salesorder', store);

    await engine.run();
    const first = (await state.getFailed('source', '5001'))!;
    expect(first).toMatchObject({ code: 'DEPENDENCY_GONE', kind: 'not-found', attempts: 1 });
    expect(first.reason).toBe(
      'salesorderline needs product record 11, which no longer exists in shop (product 11: not found when looked up); restore it or change this record, then retry',
    );
    expect(first.stoppedAt).toBeUndefined();

    // Automatic retries, each when due (the clock jumps past the longest backoff).
    const limit = RETRY_LIMITS.DEPENDENCY_GONE!;
    for (let attempt = 2; attempt <= limit + 2; attempt++) {
      skew.ms += 7 * 3_600_000;
      await engine.run();
    }
    const stopped = (await state.getFailed('source', '5001'))!;
    expect(stopped.attempts).toBe(limit);
    expect(stopped.stoppedAt).toBeDefined();
    expect(formatFailed([stopped])).toContain(
      'attempts 6, retries stopped (a person retries: mapsync retry salesorder:5001)',
    );
    const adapter = engineAdapter({
      engine,
      mappings,
      store,
      systemKinds: { shop: 'memory', erp: 'memory' },
    });
    const [view] = await adapter.failedRecords('salesorder');
    expect(view).toMatchObject({ id: '5001', code: 'DEPENDENCY_GONE', attempts: limit, stopped: true });
    expect(view!.nextRetryAt).toBeUndefined();

    // A person retries: tried again (and stopped again while the product is missing) …
    await engine.run({ retryAllNow: true });
    expect((await state.getFailed('source', '5001'))!.attempts).toBe(limit + 1);
    // … and once the product is back, the retry completes the order.
    shop.system.seed('product', [{ id: '11', sku: 'MUG', name: 'Mug', price: '10.00' }]);
    await engine.run({ retryIds: new Set(['salesorder:5001']) });
    expect(await state.getFailed('source', '5001')).toBeUndefined();
    expect(erp.system.all('salesorder')).toHaveLength(1);
  });
});
