/**
 * The limits in the shipped entity schemas, as the payload validator enforces them: ranges
 * (`minimum`/`maximum`) and decimals (`x-decimals`, checked in decimal arithmetic, so 19.99
 * fits 2 decimals although 19.99 / 0.01 is not an integer in binary floating point), for
 * creates and for the values an update writes. Reasons name the property and the limit;
 * the values are in the details only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MemoryConnector } from '../../engine/connectors/memory/index.ts';
import { inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime } from '../../engine/runtime.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { SyncEngine } from '../../engine/sync/engine.ts';
import { RecordFailure } from '../../engine/sync/failures.ts';
import { PayloadValidator } from '../../engine/sync/payload-validator.ts';
import { productMapping, systems } from './helpers/setup.ts';

const PRODUCT = 'poweroffice-go/product.schema.json';
const LINE = 'poweroffice-go/salesorderline.schema.json';

function failure(fn: () => void): RecordFailure {
  try {
    fn();
  } catch (error) {
    if (error instanceof RecordFailure) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('payload validator: limits from the entity schemas', () => {
  const v = new PayloadValidator();

  it('decimals: exact in decimal arithmetic', () => {
    for (const price of [19.99, 0.07, 1234567.89, 0.1 + 0.7, 100]) {
      expect(() => v.check(PRODUCT, { Name: 'x', UnitPrice: Number(price.toFixed(2)) }, 'p')).not.toThrow();
    }
    expect(() => v.check(LINE, { ProductUnitPrice: 123456789.123456, Quantity: 1 }, 'l')).not.toThrow();
    // A net price keeps the shop decimals + 2 (docs/tax-model.md): 4 decimals fit UnitPrice.
    expect(() => v.check(PRODUCT, { Name: 'x', UnitPrice: 30.3478 }, 'p')).not.toThrow();
    const f = failure(() => v.check(PRODUCT, { Name: 'x', UnitCost: 19.995 }, 'product 7 create payload'));
    expect(f.code).toBe('VALIDATION');
    expect(f.message).toBe(
      `product 7 create payload does not fit ${PRODUCT}: /UnitCost must have at most 2 decimals`,
    );
    expect(f.extra.details).toEqual({
      violations: [{ path: '/UnitCost', rule: 'must have at most 2 decimals', value: 19.995 }],
    });
    // 0.1 + 0.2 is 0.30000000000000004: not a 2-decimal amount.
    expect(() => v.check(PRODUCT, { UnitCost: 0.1 + 0.2 }, 'p')).toThrow(/at most 2 decimals/);
    expect(() => v.check(PRODUCT, { UnitPrice: 0.1 + 0.2 }, 'p')).toThrow(/at most 6 decimals/);
    expect(() => v.check(LINE, { ProductUnitPrice: 1.0000001 }, 'l')).toThrow(/at most 6 decimals/);
  });

  it('ranges: a documented vendor range, and a 32-bit integer', () => {
    const f = failure(() => v.check(LINE, { Allowance: 250, SortOrder: 2 ** 31 }, 'salesorderline line 14'));
    expect(f.message).toContain('/Allowance must be <= 100');
    expect(f.message).toContain('/SortOrder must be <= 2147483647');
    expect(f.message).not.toContain('250');
    expect(() => v.check(LINE, { Allowance: -1000, SortOrder: 0 }, 'l')).not.toThrow();
  });

  it('updates: the values an RFC 6902 patch writes are checked; removals and nulls pass', () => {
    expect(() =>
      v.checkPatch(
        PRODUCT,
        [
          { op: 'replace', path: '/UnitPrice', value: 10.5 },
          { op: 'remove', path: '/UnitCost' },
          { op: 'replace', path: '/Name', value: null },
        ],
        'product 5000001 update',
      ),
    ).not.toThrow();
    const f = failure(() =>
      v.checkPatch(LINE, [{ op: 'replace', path: '/Allowance', value: 150.5 }], 'salesorderline 9 update'),
    );
    expect(f.message).toBe(`salesorderline 9 update does not fit ${LINE}: /Allowance must be <= 100`);
    expect(f.extra.details).toEqual({
      violations: [{ path: '/Allowance', rule: 'must be <= 100', value: 150.5 }],
    });
    // A nested object written whole is checked inside too (required properties are not asked for).
    expect(() =>
      v.checkPatch(
        'poweroffice-go/customer.schema.json',
        [{ op: 'add', path: '/Allowance', value: -1001 }],
        'customer 1 update',
      ),
    ).toThrow(/Allowance must be >= -1000/);
  });
});

describe('payload validator: schemas compiled before a run, a turn each', () => {
  it('prepare compiles each schema in an event-loop turn of its own, so the run compiles nothing', async () => {
    const v = new PayloadValidator();
    const seen: number[] = [];
    let done = false;
    const tick = () => {
      seen.push(v.compiledKeys().length);
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    await v.prepare([
      { schema: PRODUCT, partial: false },
      { schema: PRODUCT, partial: true },
      { schema: LINE, partial: false },
    ]);
    done = true;
    expect(v.compiledKeys()).toEqual([PRODUCT, `partial:${PRODUCT}`, LINE]);
    // Another callback ran between compilations: the loop saw 1 and 2 compiled, never a jump.
    expect(seen).toContain(1);
    expect(seen).toContain(2);
    await v.prepare([{ schema: PRODUCT, partial: false }]);
    expect(v.compiledKeys()).toHaveLength(3);
  });
});

/** A folder with the erp's and the shop's product schemas (two properties each). */
function productSchemas(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, properties] of [
    ['erp/product.schema.json', { Code: { type: 'string' }, Name: { type: 'string' } }],
    ['shop/product.schema.json', { sku: { type: 'string' }, name: { type: 'string' } }],
  ] as const) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), JSON.stringify({ type: 'object', properties }));
  }
  return root;
}

/** The validators a two-way product mapping needs: the erp's create, and an update on each side. */
const PRODUCT_VALIDATORS = [
  'erp/product.schema.json',
  'partial:erp/product.schema.json',
  'partial:shop/product.schema.json',
];

/** An engine running the product mapping between the two systems, checked by `validator`. */
function productEngine(shop: MemoryConnector, erp: MemoryConnector, validator: PayloadValidator): SyncEngine {
  return new SyncEngine({
    mappings: [productMapping()],
    connectors: new Map([
      ['shop', shop],
      ['erp', erp],
    ]),
    store: openStore('memory://'),
    runtime: createRuntime({ logger: createLogger({ level: 'silent' }) }),
    evaluator: inProcessEvaluator,
    validator,
  });
}

describe('SyncEngine.warmUp (what `mapsync serve` awaits before it listens)', () => {
  it('compiles every validator of every mapping, so the first run compiles none between its records', async () => {
    const root = productSchemas('mapsync-warm-');
    try {
      const validator = new PayloadValidator(pathToFileURL(`${root}/`));
      const { shop, erp } = systems();
      const engine = productEngine(shop, erp, validator);
      expect(validator.compiledKeys()).toEqual([]);
      await engine.warmUp();
      const warmed = validator.compiledKeys();
      expect(warmed.sort()).toEqual(PRODUCT_VALIDATORS);
      shop.system.seed('product', [{ id: '1', sku: 'MUG', name: 'Mug' }]);
      expect((await engine.run()).ok).toBe(true);
      expect(validator.compiledKeys().sort()).toEqual(warmed);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('SyncEngine.run: validators compiled after the first reads, not before them', () => {
  it("sends the target's listing before compiling any validator, and has them all compiled by the run's end", async () => {
    const root = productSchemas('mapsync-late-');
    try {
      const validator = new PayloadValidator(pathToFileURL(`${root}/`));
      const { shop, erp } = systems();
      // How many validators were compiled when each system was first asked for a listing.
      const compiledAtList: Record<string, number> = {};
      for (const [name, connector] of [
        ['shop', shop],
        ['erp', erp],
      ] as const) {
        const list = connector.list.bind(connector);
        connector.list = (...args: Parameters<typeof list>) => {
          compiledAtList[name] ??= validator.compiledKeys().length;
          return list(...args);
        };
      }
      const engine = productEngine(shop, erp, validator);
      shop.system.seed('product', [{ id: '1', sku: 'MUG', name: 'Mug' }]);
      expect((await engine.run()).ok).toBe(true);
      // The target's listing comes before the mapping starts reading its records, so before
      // any compilation (the source's may come after the first compilation turn).
      expect(compiledAtList.erp).toBe(0);
      expect(compiledAtList.shop).toBeDefined();
      expect(validator.compiledKeys().sort()).toEqual(PRODUCT_VALIDATORS);
      expect(erp.system.all('product')).toHaveLength(1);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
