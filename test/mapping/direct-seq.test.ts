/**
 * engine/mapping/evaluator/direct-seq.ts against JSONata: the shipped `each` of
 * salesorderline.yaml on generated orders (product, shipping and fee lines, taxes, tax
 * lines, zero-rated and rounding cases), and expressions over arrays (paths mapped over
 * items, filters, groupings, lists, `$append`, `$keys`) on random records. Whenever the
 * closure answers, JSONata gives the same value and does not fail.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GIVE_UP } from '../../engine/mapping/evaluator/direct.ts';
import { DEFAULT_LIMITS } from '../../engine/mapping/evaluator/prepare.ts';
import { compileExpression } from '../../engine/mapping/expression.ts';
import type { CompiledExpression } from '../../engine/mapping/model.ts';

function compile(text: string, variables: Record<string, unknown> = {}): CompiledExpression {
  return compileExpression(
    text,
    { file: 'm.yaml', mapping: 'm', label: 'test', locate: () => ({ file: 'm.yaml', line: 1, col: 1 }) },
    { limits: DEFAULT_LIMITS, variables, contextVariables: ['parent', 'position', 'source_settings'] },
  ).expression!;
}

async function jsonataOf(expression: CompiledExpression, input: unknown, bindings: Record<string, unknown>) {
  try {
    return { value: await expression.evaluate(input, { link: async () => undefined, bindings }) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const amount = fc.oneof(
  { arbitrary: fc.integer({ min: -50_000, max: 500_000 }).map((c) => (c / 100).toFixed(2)), weight: 12 },
  { arbitrary: fc.constantFrom('0.00', '0', '', '1e3', 'x'), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 1000 }), weight: 1 },
);
const rateIds = [1, 2, 3, 4];
const tax = fc.record(
  { id: fc.constantFrom(...rateIds, 9), total: amount, subtotal: amount },
  { requiredKeys: ['id', 'total'] },
);
const line = (extra: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(
    {
      id: fc.integer({ min: 1, max: 40 }),
      total: amount,
      subtotal: amount,
      total_tax: amount,
      taxes: fc.array(tax, { maxLength: 2 }),
      ...extra,
    },
    { requiredKeys: ['id', 'total', 'taxes'] },
  );
const taxLine = fc.record(
  {
    rate_id: fc.constantFrom(...rateIds),
    rate_percent: fc.constantFrom(25, 15, 12, 0, 12.5, '25'),
    tax_total: amount,
    shipping_tax_total: amount,
  },
  { requiredKeys: ['rate_id', 'rate_percent'] },
);
const order = fc.record(
  {
    number: fc.constantFrom('1', '17'),
    total: amount,
    total_tax: amount,
    line_items: fc.array(
      line({ quantity: fc.integer({ min: -1, max: 5 }), name: fc.string(), product_id: fc.nat(9) }),
      { maxLength: 6 },
    ),
    shipping_lines: fc.array(line({ method_title: fc.string() }), { maxLength: 2 }),
    fee_lines: fc.array(line({ name: fc.string() }), { maxLength: 2 }),
    tax_lines: fc.array(taxLine, { maxLength: 3 }),
  },
  { requiredKeys: ['line_items'] },
);

describe('the sequence closures (evaluator/direct-seq.ts) agree with JSONata', () => {
  const doc = parse(readFileSync(new URL('../../mappings/salesorderline.yaml', import.meta.url), 'utf8')) as {
    each: string;
    variables: Record<string, unknown>;
  };
  const each = compile(doc.each, doc.variables);

  it("compiles salesorderline's each, run on inputs of ordinary size only", () => {
    expect(each.direct).toBeDefined();
    expect(each.directSized).toBe(true);
  });

  it("salesorderline's each on generated orders", async () => {
    let answered = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(order, fc.boolean(), async (input, calc) => {
        runs++;
        const bindings = { parent: {}, position: 0, source_settings: { calc_taxes: calc, currency: 'NOK' } };
        const direct = each.direct!(structuredClone(input), bindings);
        if (direct === GIVE_UP) return;
        answered++;
        expect(await jsonataOf(each, structuredClone(input), bindings)).toEqual({ value: direct });
      }),
      { numRuns: 400 },
    );
    // Most orders are answered by the closure (the rest: JSONata fails or a closure gives up).
    expect(answered).toBeGreaterThan(runs / 2);
  });

  it('answers the usual order (two rates, a shipping line, a rounding line) as JSONata does', async () => {
    const input = {
      total: '250.01',
      total_tax: '50.00',
      line_items: [
        { id: 1, total: '100.00', taxes: [{ id: 1, total: '25.00' }], quantity: 1 },
        { id: 2, total: '80.00', taxes: [{ id: 2, total: '12.00' }], quantity: 2 },
      ],
      shipping_lines: [{ id: 3, total: '50.00', taxes: [{ id: 1, total: '12.50' }] }],
      tax_lines: [
        { rate_id: 1, rate_percent: 25, tax_total: '25.00', shipping_tax_total: '12.50' },
        { rate_id: 2, rate_percent: 15, tax_total: '12.50', shipping_tax_total: '0.00' },
      ],
    };
    const bindings = { source_settings: { calc_taxes: true } };
    const direct = each.direct!(input, bindings);
    expect(direct).not.toBe(GIVE_UP);
    expect((direct as Array<{ ref: string }>).map((c) => c.ref)).toEqual([
      '1',
      '2',
      'shipping-3',
      'rounding-15',
      'rounding',
    ]);
    expect(await jsonataOf(each, input, bindings)).toEqual({ value: direct });
  });

  const NAMES = ['a', 'b', 'c', 'k', 'v'];
  const scalar = fc.oneof(
    fc.constantFrom('', 'r', 'b', 'x', 'xr', '1', 'a'),
    fc.integer({ min: -3, max: 3 }),
    fc.boolean(),
    fc.constant(null),
  );
  const record = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      scalar,
      tie('object'),
      fc.array(scalar, { maxLength: 3 }),
      fc.array(tie('object'), { maxLength: 3 }),
      fc.array(fc.array(tie('object'), { maxLength: 2 }), { maxLength: 2 }),
    ),
    object: fc.dictionary(fc.constantFrom(...NAMES), tie('value'), { maxKeys: 5 }),
  }));
  const expressions = [
    'a.b',
    'a.b.c',
    'a[0]',
    'a[-1].b',
    'a[1.5]',
    'a[b = 1]',
    'a[b].c',
    'a.b[0]',
    'a.(b)',
    'a.($x := b; $x)',
    'a.{ "x": b, "y": $ }',
    'a.{ "k": k }.k',
    'a{ $string(b): c }',
    'a[b > 0]{ "r" & $string(b): $sumDecimal(c) }',
    '($l := a; $l{ "r": b })',
    '[a, b]',
    '[a, [b], []]',
    '[a.b, c]',
    '$append(a, b)',
    '$append([a], b.c)',
    '$keys(a)',
    '$keys(a)[$ != "b"]',
    '$keys(a)[$ != "b"].($substringAfter($, "x"))',
    '$substringAfter(a, "x")',
    'a.$lookup($, "b")',
    'a.$string(b)',
    '$sumDecimal(a.b)',
    '$exists(a.b) ? [a.b] : []',
    '($net := $sumDecimal(a); { "n": $net })',
    '($v := a.b; $v.c)',
    'a.(-$sumDecimal([b, c]))',
  ];

  it.each(expressions)('%s on random records', async (text) => {
    const expression = compile(text);
    if (!expression.directSized) return; // not bounded, or compiled by direct.ts
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(record.object, async (input) => {
        const direct = expression.direct!(input, {});
        if (direct === GIVE_UP) return;
        answered++;
        expect(await jsonataOf(expression, input, {}), text).toEqual({ value: direct });
      }),
      { numRuns: 300 },
    );
    expect(answered, text).toBeGreaterThan(0);
  });

  it('compiles most of those expressions', () => {
    const compiled = expressions.filter((text) => compile(text).directSized);
    expect(compiled.length).toBeGreaterThan(expressions.length / 2);
  });
});
