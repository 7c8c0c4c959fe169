/**
 * A create answered by a transient failure (a 5xx, a timeout, a reset, an unreadable body) is
 * settled within the run through its identity guard: found → linked, not found → sent again,
 * a bounded number of times. Records that depend on it are not failed meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError, type ConnectorErrorKind } from '../../engine/connectors/errors.ts';
import { inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime } from '../../engine/runtime.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { recordContext } from '../../engine/sync/dependencies.ts';
import { CREATE_ATTEMPTS } from '../../engine/sync/guarded-create.ts';
import { MappingRuns } from '../../engine/sync/mapping-run.ts';
import { runOrder } from '../../engine/sync/order.ts';
import { recordWork } from '../../engine/sync/record-work.ts';
import { RunContext } from '../../engine/sync/run-context.ts';
import {
  customerMapping,
  makeEngine,
  orderMappings,
  productMapping,
  systems,
  testValidator,
} from './helpers/setup.ts';

const alice = { id: '1', email: 'alice@example.com', first_name: 'Alice', last_name: 'A', billing: {} };
const products = [{ id: '10', sku: 'MUG', name: 'Mug', price: '99.00' }];
const order = {
  id: '5001',
  status: 'processing',
  customer_id: 1,
  note: 'first',
  billing: { email: 'alice@example.com', first_name: 'Alice' },
  line_items: [{ id: 1, product_id: 10, quantity: 2, price: '99.00' }],
};

const failure = (kind: ConnectorErrorKind) =>
  new ConnectorError(`injected ${kind}`, { system: 'erp', kind, method: 'POST', path: '/customer' });

describe('a create answered by a transient failure', () => {
  it('a 500 is sent again after the guard found nothing, and linked in the same run', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice]);
    erp.system.failNext('create', 'customer', 'transport');
    erp.system.failNext('create', 'customer', 'transport');
    const summary = await engine.run();
    expect(summary.ok).toBe(true);
    expect(erp.system.all('customer')).toHaveLength(1);
    expect(erp.system.reads.filter((r) => r.method === 'findByGuard')).toHaveLength(2);
    const state = new MappingState('customer', store);
    expect(await state.getLink('1')).toMatchObject({ origin: 'created-in-target' });
    expect(await state.getFailed('source', '1')).toBeUndefined();
    expect((await state.scanMeta()).intents).toEqual([]);
  });

  it('a 500 from a create that was applied anyway is found by its guard and linked, never duplicated', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice]);
    erp.system.failNext('create', 'customer', (data) => {
      erp.system.seed('customer', [data as Record<string, unknown>]);
      return failure('transport');
    });
    const summary = await engine.run();
    expect(summary.ok).toBe(true);
    expect(erp.system.all('customer')).toHaveLength(1);
    expect(await new MappingState('customer', store).getLink('1')).toMatchObject({
      targetId: erp.system.all('customer')[0]!.Id,
      origin: 'recovered',
    });
  });

  it(`gives up after ${CREATE_ATTEMPTS} unanswered attempts: the intent is kept, the record due on the next run`, async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice]);
    for (let i = 0; i < CREATE_ATTEMPTS; i++) erp.system.failNext('create', 'customer', 'ambiguous');
    const summary = await engine.run();
    expect(summary.ok).toBe(false);
    const state = new MappingState('customer', store);
    const failed = await state.getFailed('source', '1');
    expect(failed).toMatchObject({ code: 'CREATE_OUTCOME_UNKNOWN', kind: 'ambiguous', attempts: 1 });
    expect(failed!.nextAttemptAt).toBe(failed!.at);
    expect(await state.getIntent('source', '1')).toBeDefined();
    // The next plain run settles it (intent resolved by guard: nothing there; created once).
    const next = await engine.run();
    expect(next.ok).toBe(true);
    expect(erp.system.all('customer')).toHaveLength(1);
    expect(await state.getFailed('source', '1')).toBeUndefined();
  });

  it('a validation refusal is not sent again and its intent is dropped', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice]);
    erp.system.failNext('create', 'customer', 'validation');
    await engine.run();
    const state = new MappingState('customer', store);
    expect(await state.getFailed('source', '1')).toMatchObject({ code: 'CONNECTOR_VALIDATION' });
    expect(await state.getIntent('source', '1')).toBeUndefined();
    expect(erp.system.reads.filter((r) => r.method === 'findByGuard')).toHaveLength(0);
  });

  it('an order whose customer (policy wait) had a transient create failure syncs in the same run', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine(
      [customerMapping(), productMapping(), ...orderMappings({ customerPolicy: 'wait' })],
      { store },
    );
    shop.system.seed('customer', [alice]);
    shop.system.seed('product', products);
    shop.system.seed('order', [order]);
    erp.system.failNext('create', 'customer', 'transport');
    erp.system.failNext('create', 'product', (data) => {
      erp.system.seed('product', [data as Record<string, unknown>]);
      return failure('ambiguous');
    });
    const summary = await engine.run();
    expect(summary.ok).toBe(true);
    expect(erp.system.all('salesorder')).toHaveLength(1);
    expect(erp.system.all('product')).toHaveLength(1);
    for (const m of summary.mappings) expect(m.counts.failed).toBe(0);
  });

  it('a dependent record (policy wait) waits for the create of its dependency in flight instead of failing', async () => {
    const { shop, erp } = systems();
    const store = openStore('memory://');
    const mappings = runOrder([
      customerMapping(),
      productMapping(),
      ...orderMappings({ customerPolicy: 'wait' }),
    ]);
    const run = new MappingRuns(
      new RunContext(
        {
          mappings,
          connectors: new Map([
            ['shop', shop],
            ['erp', erp],
          ]),
          store,
          runtime: createRuntime({ logger: createLogger({ level: 'silent' }) }),
          events: {},
          evaluator: inProcessEvaluator,
          validator: testValidator,
          concurrency: 2,
        },
        { mode: 'incremental', dryRun: false },
      ),
      recordWork,
    );
    const [record] = shop.system.seed('customer', [alice]);
    // The customer's create is held at the server until released.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const create = erp.create.bind(erp);
    erp.create = async (...args: Parameters<typeof erp.create>) => {
      await held;
      return create(...args);
    };
    const creating = run.get('customer').processSource(record!, 'change');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const dependent = recordContext(run.get('salesorder'));
    const linking = dependent.ctx.link('customer', '1');
    release();
    const [created, targetId] = await Promise.all([creating, linking]);
    expect(created.outcome).toBe('created');
    expect(targetId).toBe(erp.system.all('customer')[0]!.Id);
    expect(dependent.missing).toEqual([]);
  });
});
