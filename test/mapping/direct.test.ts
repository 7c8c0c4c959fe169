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
import { GIVE_UP, LinkCall } from '../../engine/mapping/evaluator/direct.ts';
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
  'variation_id',
  'product_id',
  'date_paid_gmt',
  'payment_method',
  'customer_id',
  'meta_data',
  'key',
  'value',
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
    'boom',
    ' a  b ',
    '\t x\n',
    '12345',
    '1e3',
    '0x1F',
    '1e400',
    '007',
    '_billing_org_nr',
    '_base_currency_exchange_rate',
    '_woocs_order_rate',
    'NOK',
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
    fc.array(tie('object'), { maxLength: 3 }),
  ),
  object: fc.dictionary(fc.constantFrom(...NAMES), tie('value'), { maxKeys: 8 }),
}));

/** A link resolver that answers from its arguments and records every call. */
function recordingLink() {
  const calls: unknown[] = [];
  const link = async (mapping: string, key: unknown) => {
    calls.push([mapping, key]);
    if (key === 'boom') throw new Error('no such record');
    return typeof key === 'object' ? `${mapping}:object` : `${mapping}:${String(key)}`;
  };
  return { calls, link };
}

/**
 * The closure's answer (a deferred `$link` made as local.ts makes it) and JSONata's, each
 * with the `$link` calls it made.
 */
async function bothWays(expression: CompiledExpression, input: unknown, bindings: Record<string, unknown>) {
  const byClosure = recordingLink();
  let direct = expression.direct!(input, bindings);
  if (direct instanceof LinkCall) {
    try {
      direct = await byClosure.link(direct.mapping, direct.key);
    } catch (error) {
      direct = { error: (error as Error).message };
    }
  }
  const byJsonata = recordingLink();
  let jsonata: { value: unknown } | { error: unknown };
  try {
    jsonata = { value: await expression.evaluate(input, { link: byJsonata.link, bindings }) };
  } catch (error) {
    jsonata = { error };
  }
  return { direct, jsonata, links: { closure: byClosure.calls, jsonata: byJsonata.calls } };
}

/** The closure answers "no value" (undefined in a row means: not compiled). */
const NOTHING = Symbol('nothing');

describe('direct evaluation (evaluator/direct.ts) agrees with JSONata', () => {
  const shipped = shippedDirect();

  it('compiles a good share of the shipped expressions', () => {
    expect(shipped.length).toBeGreaterThan(20);
  });

  it.each(shipped.map((s) => [s.where, s.expression] as const))('%s', async (_where, expression) => {
    await fc.assert(
      fc.asyncProperty(
        record.object,
        record.object,
        fc.boolean(),
        fc.constantFrom(undefined, 'NOK', 'EUR'),
        async (input, parent, calc, currency) => {
          const bindings = { parent, position: 0, source_settings: { calc_taxes: calc, currency } };
          const { direct, jsonata, links } = await bothWays(expression, input, bindings);
          if (direct === GIVE_UP) return;
          if (direct && typeof direct === 'object' && 'error' in direct) {
            expect((jsonata as { error: Error }).error?.message, expression.text).toContain(direct.error);
          } else expect(jsonata, expression.text).toEqual({ value: direct });
          expect(links.closure, expression.text).toEqual(links.jsonata);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees on the inputs of every shipped mapping test, and on the order lines they fan out to', async () => {
    const inputs: Array<{ input: unknown; bindings: Record<string, unknown> }> = [];
    const settings = { source_settings: { calc_taxes: true, currency: 'NOK' } };
    const lines = parse(readFileSync(join(MAPPINGS, 'salesorderline.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const each = compile(lines.each as string, lines.variables as Record<string, unknown>)!;
    for (const file of readdirSync(MAPPINGS).filter((f) => f.endsWith('.test.yaml'))) {
      const doc = parse(readFileSync(join(MAPPINGS, file), 'utf8')) as { cases: Array<{ input: unknown }> };
      for (const { input } of doc.cases) {
        inputs.push({ input, bindings: { parent: {}, position: 0, ...settings } });
        const children = await each
          .evaluate(input, { link: async () => undefined, bindings: settings })
          .catch(() => undefined);
        for (const [position, child] of (Array.isArray(children) ? children : []).entries())
          inputs.push({ input: child, bindings: { parent: input, position, ...settings } });
      }
    }
    expect(inputs.length).toBeGreaterThan(80);
    let answered = 0;
    for (const { where, expression } of shipped) {
      for (const { input, bindings } of inputs) {
        const { direct, jsonata, links } = await bothWays(expression, input, bindings);
        if (direct === GIVE_UP) continue;
        answered++;
        expect(jsonata, `${where} on ${JSON.stringify(input)}`).toEqual({ value: direct });
        expect(links.closure).toEqual(links.jsonata);
      }
    }
    // Most of them answer without JSONata (the rest give up: JSONata evaluates them).
    expect(answered).toBeGreaterThan((shipped.length * inputs.length) / 2);
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
    ['kind = "r" ? $sumDecimal([net, vat]) : "no"', { kind: 'r', net: 1, vat: 2 }, 3],
    // $link in tail position: deferred, made once (recorded), never by a closure that gives up
    ['kind = "p" ? $link("product", id > 0 ? id : pid)', { kind: 'p', id: 0, pid: 7 }, 'product:7'],
    ['kind = "p" ? $link("product", id)', { kind: 'q', id: 7 }, NOTHING],
    ['$link("product", id)', { id: '' }, NOTHING],
    ['$link("product", id)', { id: null }, NOTHING],
    ['$link("product", id)', {}, NOTHING],
    ['$link("product", id)', { id: { a: 1 } }, 'product:object'],
    ['$link("product", id)', { id: [1, 2] }, GIVE_UP],
    ['$link("product", $error("x"))', {}, GIVE_UP],
    ['(a ? $link("c", a) : $link("c", b))', { a: '', b: 'B' }, 'c:B'],
    // JSONata built-ins restated
    ['$number(n)', { n: '12.50' }, 12.5],
    ['$number(n)', { n: '-3e2' }, -300],
    ['$number(n)', { n: '007' }, 7],
    ['$number(n)', { n: true }, 1],
    ['$number(n)', {}, NOTHING],
    ['$number(n)', { n: '0x1F' }, GIVE_UP],
    ['$number(n)', { n: '1e400' }, GIVE_UP],
    ['$number(n)', { n: '1.' }, GIVE_UP], // D3030
    ['$number(n)', { n: null }, GIVE_UP],
    ['$trim(s)', { s: '  a \n\t b  ' }, 'a b'],
    ['$trim(s)', { s: '' }, ''],
    ['$trim(s)', {}, NOTHING],
    ['$trim(s)', { s: 5 }, GIVE_UP],
    ['$type(v)', { v: 1.5 }, 'number'],
    ['$type(v)', { v: null }, 'null'],
    ['$type(v)', { v: { a: 1 } }, 'object'],
    ['$type(v)', {}, NOTHING],
    ['$type(v)', { v: [1] }, GIVE_UP],
    ['$contains(s, /^[0-9]{1,3}$/)', { s: '123' }, true],
    ['$contains(s, /^[0-9]{1,3}$/)', { s: '1234' }, false],
    ['$contains(s, /b/i)', { s: 'ABC' }, true],
    ['$contains(s, /x/)', {}, NOTHING],
    ['$contains(s, /x/)', { s: 12 }, GIVE_UP],
    ['$contains(s, "b")', { s: 'abc' }, true],
    ['$contains(s, t)', { s: 'abc' }, NOTHING],
    ['$join([a, b], " ")', { a: 'x', b: 'y' }, 'x y'],
    ['$join([a, b], " ")', { b: 'y' }, 'y'],
    ['$join([a, b], " ")', {}, ''],
    ['$join([a, b])', { a: 'x', b: 'y' }, 'xy'],
    ['$join([a, b], " ")', { a: 1, b: 'y' }, GIVE_UP], // T0412
    ['$join([a, b], " ")', { a: ['x'], b: 'y' }, GIVE_UP], // flattened by JSONata
    ['$join(a, "-")', { a: 'x' }, 'x'],
    ['$join(a, "-")', {}, NOTHING],
    ['$join(a, "-")', { a: ['x', 'y'] }, GIVE_UP],
    ['$join([a], sep)', { a: 'x', sep: 1 }, GIVE_UP],
    [
      '$trim($join([billing.first_name, billing.last_name], " "))',
      { billing: { first_name: ' A ', last_name: '' } },
      'A',
    ],
    ['($trim := "x"; $trim)', {}, 'x'], // a variable named like a function, bound: its value
    ['($trim := "x"; $trim(" a "))', {}, undefined], // …and called: not compiled
    ['$trim', {}, GIVE_UP], // unbound: JSONata's function
    ['$string(v)', {}, NOTHING],
    // $lookup: an own field of one object
    ['$lookup(m, k)', { m: { a: 'x' }, k: 'a' }, 'x'],
    ['$lookup($lookup(m, k), "b")', { m: { a: { b: 2 } }, k: 'a' }, 2],
    ['$lookup(m, k)', { m: { a: 1 }, k: 'toString' }, NOTHING], // not an own field
    ['$lookup(m, "a")', { m: null }, NOTHING],
    ['$lookup(m, "a")', {}, NOTHING],
    ['$lookup(m, k)', { m: { a: 1 } }, GIVE_UP], // no key: JSONata looks up "undefined"
    ['$lookup(m, k)', { m: { a: 1 }, k: 1 }, GIVE_UP], // T0410
    ['$lookup(m, "a")', { m: { a: [1] } }, GIVE_UP],
    ['$lookup(m, "a")', { m: [{ a: 1 }] }, GIVE_UP], // JSONata looks it up in every item
    // a missing argument of a mandatory parameter reaches the helper, as with JSONata
    ['$decimal(a, 6)', {}, NOTHING],
    ['kind = "p" ? $divide(a, b, 6) : $decimal(a, 6)', { kind: 'r' }, NOTHING],
    ['$decimal(a, n)', { a: '1.5' }, GIVE_UP], // missing optional argument: JSONata's matching decides
    // a list argument of a helper taking any value: the defined items
    ['$sumDecimal([a, b, c])', { a: '1.10', c: 2 }, 3.1],
    ['$sumDecimal([a, b])', {}, 0],
    ['$sumDecimal([a, b])', { a: [1], b: 2 }, GIVE_UP], // JSONata flattens it
    ['$sumDecimal([a, b])', { a: { x: 1 }, b: 2 }, GIVE_UP],
    ['$decimal([a])', { a: 1 }, undefined], // not a parameter taking an array: not compiled
    ['$string([a])', { a: 1 }, undefined],
    // filtered steps, object constructors, $merge
    [
      'm[k = "a"][0].v',
      {
        m: [
          { k: 'b', v: 1 },
          { k: 'a', v: 2 },
          { k: 'a', v: 3 },
        ],
      },
      2,
    ],
    [
      'm[k = "a"][-1].v',
      {
        m: [
          { k: 'b', v: 1 },
          { k: 'a', v: 2 },
          { k: 'a', v: 3 },
        ],
      },
      3,
    ],
    ['m[k = "a"].v', { m: [{ k: 'a', v: 2 }] }, 2],
    ['m[k = "a"].v', { m: { k: 'a', v: 2 } }, 2],
    [
      'm[k = "a"].v',
      {
        m: [
          { k: 'a', v: 2 },
          { k: 'a', v: 3 },
        ],
      },
      GIVE_UP,
    ], // a sequence of two
    ['m[k = "z"][0].v', { m: [{ k: 'a', v: 2 }] }, NOTHING],
    ['m[0].v', { m: [] }, NOTHING],
    ['m[0].v', { m: [[{ v: 1 }]] }, GIVE_UP], // nested arrays: JSONata flattens
    ['m[1.7]', { m: ['a', 'b', 'c'] }, 'b'],
    ['m[k]', { m: [{ k: 1 }] }, GIVE_UP], // a numeric predicate is an index
    [
      'm[k].v',
      {
        m: [
          { k: 'x', v: 1 },
          { k: '', v: 2 },
        ],
      },
      1,
    ],
    ['m[0]', { m: 'abc' }, 'abc'],
    ['m[0].v', { m: [null] }, NOTHING],
    ['$merge([{ "a": x }, v])', { x: 1, v: 3 }, GIVE_UP], // T0412
    ['{ "a": 1, "a": 2 }', {}, GIVE_UP], // D1009 (a grouping: direct-seq.ts gives up)
    ['$link("c", { "id": "g-" & $string(id), "m": m })', { id: 4, m: [{ k: 1 }] }, 'c:object'],
    ['$link("c", { "id": "g-" & $string(id), "m": m.k })', { id: 4, m: [{ k: 1 }] }, GIVE_UP],
  ] as const)('%s', async (text, input, expected) => {
    const expression = compile(text)!;
    if (expected === undefined) {
      expect(expression.direct).toBeUndefined();
      return;
    }
    const { direct, jsonata, links } = await bothWays(expression, input, {});
    expect(direct).toBe(expected === NOTHING ? undefined : expected);
    if (direct !== GIVE_UP) expect(jsonata).toEqual({ value: direct });
    expect(links.closure).toEqual(direct === GIVE_UP ? [] : links.jsonata);
  });

  it.each([
    ['{ "a": x, "b": y & "!" }', { x: 1, y: 'y' }, { a: 1, b: 'y!' }],
    ['{ "a": x, "b": y }', { x: 1 }, { a: 1 }],
    ['{ "m": m, "n": n.k }', { m: [1, { a: 2 }], n: { k: [3] } }, { m: [1, { a: 2 }], n: [3] }],
    ['$merge([{ "a": x, "b": 1 }, { "a": y }])', { x: 1, y: 2 }, { a: 2, b: 1 }],
    ['$merge([{ "a": x }, v])', { x: 1 }, { a: 1 }],
    ['$merge([])', {}, {}],
  ] as const)('%s (an object)', async (text, input, expected) => {
    const { direct, jsonata } = await bothWays(compile(text)!, input, {});
    expect(direct).toEqual(expected);
    expect(jsonata).toEqual({ value: direct });
  });

  it('never compiles $link outside tail position, $htmlToText or anything with a loop', () => {
    for (const text of [
      '$string($link("product", id))',
      '$link("product", id) & "x"',
      '($p := $link("product", id); $p)',
      '$link(m, id)',
      '$htmlToText(d)',
      '$map(a, function($v) { $v })',
      'a{ "k": b }', // not bounded (bounded.ts): JSONata, in a worker
    ]) {
      expect(compile(text)?.direct, text).toBeUndefined();
    }
    // A list: only the sequence compiler's (direct-seq.ts), on inputs of ordinary size.
    expect(compile('[1, 2]')?.directSized).toBe(true);
  });
});
