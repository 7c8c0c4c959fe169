/**
 * The promise behind salesorderline.yaml's 6-decimal unit price and discount: PowerOffice Go
 * computes a line's NetAmount as round2(Quantity × UnitPrice × (1 − Allowance/100)), and with
 * the mapped values that equals WooCommerce's line total to the cent. Checked here for 1,000
 * generated orders (seeded, so a failure is reproducible) through the shipped mapping.
 */
import { Decimal } from 'decimal.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { childContext, inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import type { CompiledMapping, EvaluationContext } from '../../engine/mapping/model.ts';
import { loadProject } from '../../engine/mapping/project.ts';

const { expandChildren, valuesForTarget } = inProcessEvaluator;

const REPO = new URL('../../', import.meta.url).pathname;
const D = Decimal.clone({ rounding: Decimal.ROUND_HALF_UP });
let lines: CompiledMapping;

beforeAll(async () => {
  const project = await loadProject({
    configPath: 'mapsync.yaml',
    env: {},
    requireEnv: false,
    registry: connectors,
    cwd: REPO,
  });
  lines = project.mappings.find((m) => m.name === 'salesorderline')!;
});

/** mulberry32: a tiny seeded PRNG. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function order(rand: () => number, id: number) {
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  const items = Array.from({ length: int(1, 5) }, (_, i) => {
    // Line subtotals up to 400,000: with 6-decimal allowances the method is exact to the cent
    // below ~500,000 per line (the allowance's rounding error is subtotal × 5e-9).
    const quantity = int(1, 40);
    const unit = new D(int(1, 1_000_000)).dividedBy(100); // 0.01 … 10,000.00
    const subtotal = unit.times(quantity).toDecimalPlaces(2);
    // No discount, a percentage coupon, or a fixed amount off.
    const kind = int(0, 2);
    const discount =
      kind === 0
        ? new D(0)
        : kind === 1
          ? subtotal.times(int(1, 95)).dividedBy(100).toDecimalPlaces(2)
          : D.min(subtotal, new D(int(1, 50_000)).dividedBy(100));
    return {
      id: id * 10 + i,
      name: `Line ${i}`,
      product_id: 1,
      variation_id: 0,
      quantity,
      subtotal: subtotal.toFixed(2),
      total: subtotal.minus(discount).toFixed(2),
    };
  });
  return { id, status: 'processing', line_items: items };
}

describe('sales order line money', () => {
  it('NetAmount computed by PowerOffice Go equals the WooCommerce line total for 1,000 orders', async () => {
    const rand = random(20240501);
    const ctx: EvaluationContext = { link: async () => '1' };
    let checked = 0;
    for (let id = 1; id <= 1000; id++) {
      const source = order(rand, id);
      for (const { child, position } of await expandChildren(lines, source, ctx)) {
        const values = await valuesForTarget(lines, child, childContext(ctx, source, position));
        const quantity = new D(values.get('Quantity') as number);
        const price = new D(values.get('ProductUnitPrice') as number);
        const allowance = new D(values.get('Allowance') as number);
        const net = quantity
          .times(price)
          .times(new D(1).minus(allowance.dividedBy(100)))
          .toDecimalPlaces(2);
        const line = source.line_items[position]!;
        expect(net.toFixed(2), `order ${id} line ${line.id}: ${JSON.stringify(line)}`).toBe(line.total);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });
});

describe('money helpers on hostile numbers', () => {
  it('refuse a numeric string over 400 characters (their arithmetic goes digit by digit), accept 400', async () => {
    const { multiply, sumDecimal } = await import('../../engine/mapping/functions/money.ts');
    const long = `0.${'1'.repeat(398)}`;
    expect(long).toHaveLength(400);
    expect(multiply(long, '1', 2)).toBe(0.11);
    expect(() => multiply(`${long}1`, `${long}1`, 2)).toThrow(/too long for a number/);
    expect(() => sumDecimal([`${long}1`])).toThrow(/too long for a number/);
  });
});
