/**
 * engine/mapping/evaluator/direct.ts against JSONata: every shipped-mapping expression that
 * compiles to a closure, and a few hand-written ones, evaluated both ways on random records
 * (strings, numeric strings, numbers, booleans, null, missing values, objects and arrays
 * under the names the expression reads). Whenever the closure answers, JSONata gives the
 * same value (and does not fail); where JSONata fails or maps over arrays, the closure
 * gives up.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GIVE_UP } from '../../engine/mapping/evaluator/direct.ts';
import { DEFAULT_LIMITS } from '../../engine/mapping/evaluator/prepare.ts';
import { compileExpression } from '../../engine/mapping/expression.ts';
import type { CompiledExpression } from '../../engine/mapping/model.ts';

const MAPPINGS = fileURLToPath(new URL('../../mappings/', import.meta.url));

function compile(text: string, variables: Record<string, unknown> = {}): CompiledExpression | undefined {
  return compileExpression(
    text,
    { file: 'm.yaml', mapping: 'm', label: 'test', locate: () => ({ file: 'm.yaml', line: 1, col: 1 }) },
    { limits: DEFAULT_LIMITS, variables, contextVariables: ['parent', 'position', 'source_settings'] },
  ).expression;
}

/** Every expression-looking string of the shipped mappings that direct.ts compiles. */
function shippedDirect(): Array<{ where: string; expression: CompiledExpression }> {
  const found: Array<{ where: string; expression: CompiledExpression }> = [];
  for (const file of readdirSync(MAPPINGS).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))) {
    const doc = parse(readFileSync(join(MAPPINGS, file), 'utf8')) as Record<string, unknown>;
    const variables = (doc.variables ?? {}) as Record<string, unknown>;
    const visit = (value: unknown, where: string) => {
      if (typeof value === 'string') {
        const expression = compile(value, variables);
        if (expression?.direct) found.push({ where, expression });
      } else if (value && typeof value === 'object' && !where.endsWith('.variables')) {
        for (const [key, child] of Object.entries(value)) visit(child, `${where}.${key}`);
      }
    };
    visit(doc, file);
  }
  return found;
}

const NAMES = [
  'kind',
  'line',
  'quantity',
  'subtotal',
  'total',
  'status',
  'number',
  'id',
  'name',
  'email',
  'first_name',
  'last_name',
  'billing',
  'company',
  'price',
  'zero',
  'net',
  'vat',
  'rate',
  'ref',
  'sku',
  'type',
  'date_created_gmt',
  'currency',
  'calc_taxes',
  'regular_price',
  'sale_price',
  'tax_status',
];
const scalar = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom(
    '',
    '0',
    '1.5',
    '19.90',
    '-3',
    'processing',
    'completed',
    'product',
    'shipping',
    'rounding',
    'true',
  ),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.boolean(),
  fc.constant(null),
);
const record = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    scalar,
    tie('object'),
    fc.array(scalar, { maxLength: 2 }),
  ),
  object: fc.dictionary(fc.constantFrom(...NAMES), tie('value'), { maxKeys: 8 }),
}));

async function bothWays(expression: CompiledExpression, input: unknown, bindings: Record<string, unknown>) {
  const direct = expression.direct!(input, bindings);
  let jsonata: { value: unknown } | { error: unknown };
  try {
    jsonata = { value: await expression.evaluate(input, { link: async () => undefined, bindings }) };
  } catch (error) {
    jsonata = { error };
  }
  return { direct, jsonata };
}

describe('direct evaluation (evaluator/direct.ts) agrees with JSONata', () => {
  const shipped = shippedDirect();

  it('compiles a good share of the shipped expressions', () => {
    expect(shipped.length).toBeGreaterThan(20);
  });

  it.each(shipped.map((s) => [s.where, s.expression] as const))('%s', async (_where, expression) => {
    await fc.assert(
      fc.asyncProperty(record.object, record.object, fc.boolean(), async (input, parent, calc) => {
        const bindings = { parent, position: 0, source_settings: { calc_taxes: calc } };
        const { direct, jsonata } = await bothWays(expression, input, bindings);
        if (direct === GIVE_UP) return;
        expect(jsonata, expression.text).toEqual({ value: direct });
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['status in ["processing", "completed"]', { status: 'completed' }, true],
    [
      'kind = "product" ? $percentOff(line.subtotal, line.total, 6) : 0',
      { kind: 'product', line: { subtotal: '100', total: '90' } },
      10,
    ],
    [
      '($p := $divide(line.subtotal, line.quantity, 6); $p >= 0 ? $p : $error("negative"))',
      { line: { subtotal: '10', quantity: 4 } },
      2.5,
    ],
    ['$string(id) & "-" & name', { id: 7, name: 'x' }, '7-x'],
    ['$exists(a) and $not(b)', { a: 1, b: false }, true],
    ['a + 1', { a: 'x' }, GIVE_UP], // JSONata: T2001
    ['a = 1', { a: [1] }, GIVE_UP], // an array: JSONata compares sequences
    ['name', [{ name: 'x' }], undefined], // a plain path: not a closure
    ['($p := -1; $p >= 0 ? $p : $error("negative"))', {}, GIVE_UP], // JSONata raises the error
    ['kind = "r" ? $sumDecimal([net, vat]) : "no"', { kind: 'p', net: 1, vat: 2 }, 'no'],
    ['kind = "r" ? $sumDecimal([net, vat]) : "no"', { kind: 'r', net: 1, vat: 2 }, GIVE_UP], // the branch JSONata evaluates
  ] as const)('%s', async (text, input, expected) => {
    const expression = compile(text)!;
    if (expected === undefined) {
      expect(expression.direct).toBeUndefined();
      return;
    }
    const { direct, jsonata } = await bothWays(expression, input, {});
    expect(direct).toBe(expected);
    if (direct !== GIVE_UP) expect(jsonata).toEqual({ value: direct });
  });

  it('never compiles $link, $htmlToText or anything with a loop', () => {
    for (const text of [
      '$link("product", id)',
      '$htmlToText(d)',
      '$map(a, function($v) { $v })',
      'a[b = 1]',
      '[1, 2]',
    ]) {
      expect(compile(text)?.direct, text).toBeUndefined();
    }
  });
});
