/**
 * Numbers that cannot be sent are failed records, never dropped fields or "unchanged"
 * (issue 9 item 3), through the engine with the real payload validator and the real
 * coercion: a price the target keeps fewer decimals of fails an update and is not sent; a
 * number beyond a double's range fails the record; and later runs keep reporting the
 * record as failed until the value can be sent.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime } from '../../engine/runtime.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { SyncEngine } from '../../engine/sync/engine.ts';
import { PayloadValidator } from '../../engine/sync/payload-validator.ts';
import { productMapping, systems } from './helpers/setup.ts';

const root = mkdtempSync(join(tmpdir(), 'mapsync-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function schemas(): URL {
  const write = (path: string, schema: unknown) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), JSON.stringify(schema));
  };
  write('erp/product.schema.json', {
    type: 'object',
    properties: {
      Code: { type: 'string' },
      Name: { type: 'string' },
      SalesPrice: { type: 'number', 'x-decimals': 2 },
    },
  });
  write('shop/product.schema.json', {
    type: 'object',
    properties: { sku: { type: 'string' }, name: { type: 'string' }, price: { type: 'string' } },
  });
  return pathToFileURL(`${root}/`);
}

function engine() {
  const { shop, erp } = systems();
  const store = openStore('memory://');
  let tick = 0;
  const sync = new SyncEngine({
    mappings: [productMapping()],
    connectors: new Map([
      ['shop', shop],
      ['erp', erp],
    ]),
    store,
    runtime: createRuntime({
      logger: createLogger({ level: 'silent' }),
      now: () => new Date(Date.UTC(2025, 5, 1) + ++tick * 1000),
    }),
    evaluator: inProcessEvaluator,
    validator: new PayloadValidator(schemas()),
  });
  return { sync, shop, erp, state: new MappingState('product', store) };
}

describe('numbers that cannot be sent', () => {
  it('an update with more decimals than the target keeps fails, is not sent, and stays failed', async () => {
    const { sync, shop, erp, state } = engine();
    shop.system.seed('product', [{ id: '10', sku: 'MUG', name: 'Mug', price: '99.00' }]);
    expect((await sync.run()).ok).toBe(true);
    const [product] = erp.system.all('product');
    shop.system.edit('product', '10', (r) => {
      r.price = '99.005';
    });
    const writes = erp.system.writes.length;
    const first = await sync.run();
    expect(first.mappings[0]!.counts).toMatchObject({ failed: 1, updated: 0, unchanged: 0 });
    expect(erp.system.writes.length).toBe(writes);
    expect(erp.system.all('product')[0]!.SalesPrice).toBe(product!.SalesPrice);
    const failed = await state.getFailed('source', '10');
    expect(failed).toMatchObject({ code: 'VALIDATION', kind: 'validation' });
    expect(failed!.reason).toBe(
      `product ${String(product!.Id)} update does not fit erp/product.schema.json: /SalesPrice must have at most 2 decimals`,
    );
    expect(failed!.details).toEqual({
      violations: [{ path: '/SalesPrice', rule: 'must have at most 2 decimals', value: 99.005 }],
    });
    // A later run never calls it unchanged: retried, it fails again; fixed, it is sent.
    const again = await sync.run({ retryAllNow: true });
    expect(again.mappings[0]!.counts).toMatchObject({ failed: 1, unchanged: 0 });
    expect((await state.getFailed('source', '10'))!.attempts).toBe(2);
    shop.system.edit('product', '10', (r) => {
      r.price = '99.01';
    });
    const fixed = await sync.run();
    expect(fixed.mappings[0]!.counts).toMatchObject({ updated: 1, failed: 0 });
    expect(erp.system.all('product')[0]!.SalesPrice).toBe(99.01);
    expect(await state.getFailed('source', '10')).toBeUndefined();
  });

  it('a number beyond a double’s range fails the record with the property; the value only in the details', async () => {
    const { sync, shop, erp, state } = engine();
    shop.system.seed('product', [{ id: '11', sku: 'BIG', name: 'Big', price: '1e309' }]);
    const summary = await sync.run();
    expect(summary.mappings[0]!.counts).toMatchObject({ failed: 1, created: 0 });
    expect(erp.system.writes).toEqual([]);
    const failed = await state.getFailed('source', '11');
    expect(failed!.code).toBe('MAP_COERCE_ERROR');
    expect(failed!.reason).toContain('property "SalesPrice"');
    expect(failed!.reason).toContain('out of range: numbers must lie within ±1.798e+308');
    expect(failed!.reason).not.toContain('1e309');
    expect(failed!.details).toEqual({ property: 'SalesPrice', value: '1e309' });
    // Decimals beyond what a double holds exactly would arrive as another amount.
    shop.system.seed('product', [{ id: '12', sku: 'LONG', name: 'Long', price: '12345678901234567.89' }]);
    await sync.run();
    expect((await state.getFailed('source', '12'))!.reason).toContain(
      'has more than 15 significant digits, more than a number holds exactly',
    );
  });
});
