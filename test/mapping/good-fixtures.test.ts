import { describe, expect, it } from 'vitest';
import { inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import { runTestFiles } from '../../engine/mapping/testing/run-tests.ts';
import { checkFixtures } from './helpers.ts';

describe('the fixture mappings', () => {
  it('validate without any diagnostic', async () => {
    const checked = await checkFixtures('good');
    expect(checked.diagnostics).toEqual([]);
    expect(checked.mappings.map((m) => m.name)).toEqual(['customer', 'order', 'orderline']);
  });

  it('their mapping tests pass', async () => {
    const checked = await checkFixtures('good');
    const results = await runTestFiles(
      inProcessEvaluator,
      checked.tests,
      new Map(checked.mappings.map((m) => [m.name, m])),
    );
    expect(results.map((r) => [r.name, r.passed, r.details])).toEqual([
      ['to target', true, []],
      ['to source', true, []],
      ['one line is still an array', true, []],
    ]);
  });

  it('compiles defaults, directions and types from the schemas', async () => {
    const { mappings } = await checkFixtures('good');
    const customer = mappings.find((m) => m.name === 'customer')!;
    expect(customer.conflict).toBe('newest-wins');
    expect(customer.create).toEqual({ inTarget: true, inSource: false });
    expect(customer.delete).toEqual({ toTarget: 'ignore', toSource: 'ignore' });
    expect(customer.deleteLimit).toBe(0.1);
    expect(customer.target.where).toEqual({ IsPerson: true });
    expect(customer.properties.map((p) => [p.target, p.direction, p.type, p.sourceType])).toEqual([
      ['ExternalImportReference', 'to-target', 'string', 'integer'],
      ['EmailAddress', 'both', 'string', 'string'],
      ['FirstName', 'both', 'string', 'string'],
      ['MailAddress.City', 'both', 'string', 'string'],
      ['LastName', 'both', 'string', 'string'],
    ]);
    const order = mappings.find((m) => m.name === 'order')!;
    expect(order.dependencies).toEqual([{ mapping: 'customer', onMissing: 'create' }]);
    expect(order.properties.find((p) => p.target === 'CustomerId')?.type).toBe('integer');
    const line = mappings.find((m) => m.name === 'orderline')!;
    expect(line.fanOut?.parent).toBe('order');
    expect(line.properties.find((p) => p.target === 'SortOrder')?.position).toMatchObject({
      line: 29,
      col: 5,
    });
  });
});
