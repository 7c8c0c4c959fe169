/**
 * What a run holds per record stays small: the match index keeps one id string per key
 * (not a Set) and only the partner's id for linked records; records created in the run are
 * added to it only when a later record of the same run could match them (a guest's synthetic
 * customer); the per-run id sets keep integer ids as numbers.
 */
import { describe, expect, it } from 'vitest';
import { inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime } from '../../engine/runtime.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { IdSet } from '../../engine/sync/id-set.ts';
import { MappingRuns } from '../../engine/sync/mapping-run.ts';
import { MatchIndex } from '../../engine/sync/match-index.ts';
import { runOrder } from '../../engine/sync/order.ts';
import { runMapping } from '../../engine/sync/phases.ts';
import { recordWork } from '../../engine/sync/record-work.ts';
import { RunContext } from '../../engine/sync/run-context.ts';
import { customerMapping, orderMappings, productMapping, systems, testValidator } from './helpers/setup.ts';

describe('MatchIndex', () => {
  it('finds by guard first, then by rule; linked entries only for includeLinked or self; duplicates are all returned', () => {
    const index = new MatchIndex<{ name: string }>(1);
    index.add({ id: 'a', projection: { name: 'A' } }, 'g1', ['a@x']);
    index.add({ id: 'b', linkedTo: 's2' }, 'g2', ['b@x']);
    index.add({ id: 'c', projection: { name: 'C' } }, undefined, ['dup@x']);
    index.add({ id: 'd', projection: { name: 'D' } }, undefined, ['dup@x']);
    expect(index.find('g1', ['b@x'])).toEqual({
      via: 'guard',
      entries: [{ id: 'a', projection: { name: 'A' } }],
    });
    expect(index.find(undefined, ['a@x'])).toEqual({
      via: 'match:0',
      entries: [{ id: 'a', projection: { name: 'A' } }],
    });
    expect(index.find('g2', ['b@x'])).toEqual({ via: 'none', entries: [] });
    expect(index.find('g2', [], { self: 's2' }).entries).toEqual([{ id: 'b', linkedTo: 's2' }]);
    expect(index.find(undefined, ['b@x'], { includeLinked: true }).entries).toEqual([
      { id: 'b', linkedTo: 's2' },
    ]);
    expect(index.find(undefined, ['dup@x']).entries.map((e) => e.id)).toEqual(['c', 'd']);
    index.markLinked('a', 's1');
    expect(index.get('a')).toEqual({ id: 'a', linkedTo: 's1' });
    expect(index.find(undefined, ['a@x']).entries).toEqual([]);
    // The same record added twice stays one candidate.
    index.add({ id: 'c', projection: { name: 'C' } }, undefined, ['dup@x']);
    expect(index.find(undefined, ['dup@x']).entries).toHaveLength(2);
    expect(index.size).toBe(4);
  });
});

describe('IdSet', () => {
  it('holds integer ids as numbers and anything else as strings, without mixing them up', () => {
    const set = new IdSet(['1', '42', '007', 'a1b2', '3f2504e0-4f89-11d3-9a0c-0305e82c3301']);
    expect(set.has('42')).toBe(true);
    expect(set.has('7')).toBe(false);
    expect(set.has('007')).toBe(true);
    expect(set.has('3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe(true);
    expect(set.size).toBe(5);
    expect(set.delete('42')).toBe(true);
    expect(set.has('42')).toBe(false);
  });
});

describe('created records in the match index', () => {
  async function backfill(mappings: string[]) {
    const { shop, erp } = systems();
    const all = runOrder([customerMapping(), productMapping(), ...orderMappings()]);
    const run = new MappingRuns(
      new RunContext(
        {
          mappings: all,
          connectors: new Map([
            ['shop', shop],
            ['erp', erp],
          ]),
          store: openStore('memory://'),
          runtime: createRuntime({ logger: createLogger({ level: 'silent' }) }),
          events: {},
          evaluator: inProcessEvaluator,
          validator: testValidator,
          concurrency: 4,
        },
        { mode: 'incremental', dryRun: false, mappings },
      ),
      recordWork,
    );
    shop.system.seed(
      'customer',
      Array.from({ length: 20 }, (_, i) => ({
        id: String(i + 1),
        email: `c${i}@example.com`,
        first_name: 'C',
        last_name: String(i),
        billing: {},
      })),
    );
    const mappingRun = run.get('customer');
    await runMapping(mappingRun);
    expect(erp.system.all('customer')).toHaveLength(20);
    return (await mappingRun.indexes.targetIndex()).size;
  }

  it('are not indexed when nothing later in the run can match them', async () => {
    expect(await backfill(['customer'])).toBe(0);
  });

  it('are indexed when a mapping of the run may create customers for guests by e-mail', async () => {
    expect(await backfill(['customer', 'product', 'salesorder', 'salesorderline'])).toBe(20);
  });
});
