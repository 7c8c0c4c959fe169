/**
 * Issue 10: no JSONata evaluation at all for a mapping made only of plain paths. An order
 * and its lines (fan-out `each: line_items`, `key: id`) mapped with `source:` paths and
 * path-only expressions are created, updated and found unchanged while every compiled
 * expression counts its JSONata evaluations (each one's `evaluate`, which the in-process
 * runner and the calling thread both use): none.
 */
import { describe, expect, it } from 'vitest';
import type { CompiledExpression, CompiledMapping } from '../../engine/mapping/model.ts';
import { makeEngine, systems } from './helpers/setup.ts';
import { compileYaml } from './helpers/yaml.ts';

const FILES = {
  salesorder: `
version: 1
name: salesorder
source: { system: shop, entity: order }
target: { system: erp, entity: salesorder }
direction: one-way
create: { in_target: true }
identity: { target: ExternalImportReference }
properties:
  - source: id
    target: ExternalImportReference
    type: string
  - target: CustomerReference
    to_target: billing.first_name
`,
  salesorderline: `
version: 1
name: salesorderline
source: { system: shop, entity: order }
target: { system: erp, entity: salesorderline }
direction: one-way
create: { in_target: true }
identity: { target: ExternalImportReference }
parent: salesorder
each: line_items
key: id
properties:
  - source: id
    target: ExternalImportReference
    type: string
  - source: quantity
    target: Quantity
    type: decimal
  - target: ProductUnitPrice
    to_target: price
    type: decimal
`,
};

/** Every compiled expression of the mappings, its `evaluate` (JSONata) counted. */
function countJsonata(mappings: CompiledMapping[]): { expressions: number; evaluations: () => number } {
  let evaluations = 0;
  const found = new Set<CompiledExpression>();
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    const candidate = value as Partial<CompiledExpression>;
    if (
      typeof candidate.evaluate === 'function' &&
      candidate.spec &&
      !found.has(value as CompiledExpression)
    ) {
      const expression = value as CompiledExpression;
      found.add(expression);
      const evaluate = expression.evaluate.bind(expression);
      Object.defineProperty(expression, 'evaluate', {
        value: (input: unknown, context: Parameters<CompiledExpression['evaluate']>[1]) => {
          evaluations++;
          return evaluate(input, context);
        },
      });
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(mappings);
  return { expressions: found.size, evaluations: () => evaluations };
}

describe('a mapping made only of plain paths', () => {
  it('creates, updates and compares orders and their lines without one JSONata evaluation', async () => {
    const mappings = await compileYaml(FILES, systems());
    const counted = countJsonata(mappings);
    // billing.first_name, price, each and key: the path-only expressions.
    expect(counted.expressions).toBe(4);
    const { engine, shop, erp } = makeEngine(mappings);
    shop.system.seed(
      'order',
      [1, 2, 3].map((n) => ({
        id: 100 + n,
        billing: { first_name: `Buyer ${n}` },
        line_items: [
          { id: 10 * n + 1, quantity: 2, price: '9.50' },
          { id: 10 * n + 2, quantity: 1, price: '120.00' },
        ],
      })),
    );
    const created = await engine.run();
    expect(created.ok).toBe(true);
    expect(created.mappings.find((m) => m.mapping === 'salesorder')!.counts.created).toBe(3);
    expect(erp.system.all('salesorderline')).toHaveLength(6);
    expect(
      erp.system
        .all('salesorder')
        .map((o) => o.CustomerReference)
        .sort(),
    ).toEqual(['Buyer 1', 'Buyer 2', 'Buyer 3']);

    shop.system.edit('order', '101', (r) => {
      (r.billing as Record<string, unknown>).first_name = 'Buyer One';
      (r.line_items as Array<Record<string, unknown>>)[0]!.quantity = 5;
      (r.line_items as Array<Record<string, unknown>>).push({ id: 19, quantity: 1, price: '1.00' });
    });
    const updated = await engine.run();
    expect(updated.ok).toBe(true);
    expect(updated.mappings.find((m) => m.mapping === 'salesorderline')!.counts.updated).toBe(1);
    expect(erp.system.all('salesorderline').map((l) => l.Quantity)).toContain(5);
    expect(erp.system.all('salesorderline')).toHaveLength(7);

    const unchanged = await engine.run({ mode: 'full' });
    expect(unchanged.ok).toBe(true);
    expect(unchanged.mappings.find((m) => m.mapping === 'salesorder')!.counts.unchanged).toBe(3);
    expect(counted.evaluations()).toBe(0);
  });
});
