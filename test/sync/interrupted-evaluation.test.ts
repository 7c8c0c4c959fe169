/**
 * A run stopped while an expression is still evaluating (the service shutting down, a mapping
 * paused): the evaluation is stopped in its worker at once, the run returns, and the record
 * fails as interrupted (EVAL_INTERRUPTED, kind `interrupted`), not as an expression error,
 * due at once and not counted as an attempt. Nothing vanishes: the next run syncs it.
 *
 * No timing luck: the expression needs minutes of CPU and the pool's hard limit is ten
 * minutes, so without the signal honoured the run does not return before vitest's timeout;
 * the bound asserted below is a minute for work that takes milliseconds. The waits for a
 * worker to start are hang guards (at load 15-20 a worker takes many seconds to start).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { mappingEvaluator } from '../../engine/mapping/evaluate.ts';
import { EvaluatorPool } from '../../engine/mapping/evaluator/pool.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime } from '../../engine/runtime.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { SyncEngine } from '../../engine/sync/engine.ts';
import { PRODUCT_YAML, systems, testValidator } from './helpers/setup.ts';
import { compileYaml } from './helpers/yaml.ts';

/** The product's name goes through a built-in whose cost grows with the data (minutes for 1,000,000). */
const RUNAWAY_NAME = `  - source: name
    target: Name
    direction: to-target
    to_target: |
      $contains(name, /^[0-9]+$/) ? $string($count($distinct([1..$number(name)]))) : name
`;
const NAME_PROPERTY = / {2}- source: name\n {4}target: Name\n/;
const RUNAWAY_YAML = PRODUCT_YAML.replace(NAME_PROPERTY, RUNAWAY_NAME);
const BOUND_MS = 60_000;

/** The engine of one test, with an evaluator pool of its own (no worker left busy by another test). */
async function setup() {
  const pool = new EvaluatorPool({ size: 2, hardTimeoutMs: 600_000 });
  onTestFinished(() => pool.close());
  const connectors = systems();
  const [runaway] = await compileYaml({ product: RUNAWAY_YAML }, connectors);
  const [plain] = await compileYaml({ product: PRODUCT_YAML }, connectors);
  expect(RUNAWAY_YAML).not.toBe(PRODUCT_YAML);
  const store = openStore('memory://');
  let tick = 0;
  const engine = (mapping = runaway!) =>
    new SyncEngine({
      mappings: [mapping],
      connectors: new Map([
        ['shop', connectors.shop],
        ['erp', connectors.erp],
      ]),
      store,
      runtime: createRuntime({
        logger: createLogger({ level: 'silent' }),
        now: () => new Date(Date.UTC(2025, 5, 1) + ++tick * 1000),
      }),
      evaluator: mappingEvaluator(pool),
      validator: testValidator,
    });
  const state = new MappingState('product', store);
  return { ...connectors, engine, plain: plain!, state, pool };
}

/** Once the runaway evaluation is the only one in a worker, stop `run` and time the rest. */
async function abortDuringRunaway(pool: EvaluatorPool, run: AbortController, work: Promise<unknown>) {
  await expect.poll(() => pool.busy, { timeout: 90_000, interval: 50 }).toBe(1);
  const started = Date.now();
  run.abort(new Error('service shutting down'));
  const result = await work;
  return { result, ms: Date.now() - started };
}

describe('a run stopped while an expression runs away', () => {
  it('returns at once; the record fails as interrupted, due now, and the next run syncs it', async () => {
    const { shop, erp, engine, plain, state, pool } = await setup();
    shop.system.seed('product', [
      { id: '10', sku: 'SPIN', name: '1000000', price: '1.00' },
      { id: '11', sku: 'MUG', name: 'Mug', price: '2.00' },
    ]);
    const run = new AbortController();
    const work = engine().run({ signal: run.signal });
    // The mug is synced; the spinning record's evaluation is the one left in a worker.
    await expect.poll(() => erp.system.all('product').length, { timeout: 90_000, interval: 50 }).toBe(1);
    const { result: summary, ms } = await abortDuringRunaway(pool, run, work);
    expect(ms).toBeLessThan(BOUND_MS);
    expect(summary).toMatchObject({ aborted: true, ok: false });
    expect(pool.busy).toBe(0);

    const failed = await state.getFailed('source', '10');
    expect(failed).toMatchObject({ code: 'EVAL_INTERRUPTED', kind: 'interrupted', attempts: 1 });
    expect(failed!.reason).toContain('evaluation interrupted (service shutting down)');
    expect(failed!.stoppedAt).toBeUndefined();
    expect(Date.parse(failed!.nextAttemptAt)).toBeLessThanOrEqual(Date.parse(failed!.at));
    expect(erp.system.all('product').map((p) => p.Code)).toEqual(['MUG']);

    // The next run (the mapping fixed meanwhile) takes the record up: nothing vanished.
    const next = await engine(plain).run();
    expect(next.ok, JSON.stringify(next.mappings)).toBe(true);
    expect(
      erp.system
        .all('product')
        .map((p) => [p.Code, p.Name])
        .sort(),
    ).toEqual([
      ['MUG', 'Mug'],
      ['SPIN', '1000000'],
    ]);
    expect(await state.getFailed('source', '10')).toBeUndefined();
  }, 240_000);

  it('a webhook record (syncRecord) stopped the same way keeps the count of its earlier failure', async () => {
    const { shop, engine, state, pool } = await setup();
    shop.system.seed('product', [{ id: '12', sku: 'SPIN', name: '1000000', price: '1.00' }]);
    const first = new AbortController();
    const request = { mapping: 'product', side: 'source', id: '12', reason: 'webhook' } as const;
    const { result } = await abortDuringRunaway(pool, first, engine().syncRecord(request, first.signal));
    expect(result).toMatchObject({ outcome: 'failed', failure: { code: 'EVAL_INTERRUPTED' } });
    const once = await state.getFailed('source', '12');
    expect(once).toMatchObject({ code: 'EVAL_INTERRUPTED', attempts: 1 });
    // Interrupted again: still one attempt, still due at once.
    const again = new AbortController();
    await abortDuringRunaway(pool, again, engine().syncRecord(request, again.signal));
    const twice = await state.getFailed('source', '12');
    expect(twice).toMatchObject({ code: 'EVAL_INTERRUPTED', attempts: 1, firstAt: once!.firstAt });
    expect(Date.parse(twice!.nextAttemptAt)).toBeLessThanOrEqual(Date.parse(twice!.at));
  }, 240_000);
});
