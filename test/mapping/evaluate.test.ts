/**
 * The runtime API the sync engine calls (engine/mapping/evaluate.ts): values in both
 * directions, fan-out (the singleton trap), guardrails, error positions, and the canonical
 * comparison rules.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, MappingRuntimeError } from '../../engine/errors.ts';
import {
  buildRecord,
  childContext,
  coerce,
  inProcessEvaluator,
  matchKey,
  readSourceValues,
  readTargetValues,
  sameValue,
} from '../../engine/mapping/evaluate.ts';
import { loadMappings } from '../../engine/mapping/load.ts';
import type { CompiledMapping, EvaluationContext } from '../../engine/mapping/model.ts';
import { sourcePayload, targetPayload } from '../../engine/mapping/payload.ts';
import { checkFixtures, checkWritten, probeMapping, registry, schemasDir } from './helpers.ts';

const { expandChildren, isLocked, passesWhen, valuesForSource, valuesForTarget } = inProcessEvaluator;

const noLinks: EvaluationContext = { link: async () => undefined };
const links = (table: Record<string, Record<string, unknown>>): EvaluationContext => ({
  link: async (mapping, key) => table[mapping]?.[String(key)],
});

async function fixture(name: string): Promise<CompiledMapping> {
  const { mappings, diagnostics } = await checkFixtures('good');
  expect(diagnostics).toEqual([]);
  return mappings.find((m) => m.name === name)!;
}

/** A one-property mapping (shop customer → erp customer) around a to_target expression. */
async function withExpression(expression: string, limits?: { timeoutMs?: number; maxDepth?: number }) {
  const { dir } = await checkWritten({ 'probe.yaml': probeMapping(expression) });
  const loaded = await loadMappings(['.'], { registry, schemasDir, cwd: dir, ...(limits ? { limits } : {}) });
  expect(loaded.diagnostics).toEqual([]);
  return loaded.mappings[0]!;
}

describe('values in both directions', () => {
  it('to the target: every to-target/both property, converted to its type, keyed by target path', async () => {
    const customer = await fixture('customer');
    const values = await valuesForTarget(
      customer,
      { id: 7, email: 'a@b.no', last_name: 'Nordmann' },
      noLinks,
    );
    expect([...values]).toEqual([
      ['ExternalImportReference', '7'],
      ['EmailAddress', 'a@b.no'],
      ['FirstName', undefined],
      ['MailAddress.City', undefined],
      ['LastName', 'NORDMANN'],
    ]);
  });

  it('to the source: every to-source/both property, keyed by source path, in source types', async () => {
    const customer = await fixture('customer');
    const values = await valuesForSource(
      customer,
      { EmailAddress: 'a@b.no', LastName: 'NORDMANN', MailAddress: { City: 'Oslo' } },
      noLinks,
    );
    expect([...values]).toEqual([
      ['email', 'a@b.no'],
      ['first_name', undefined],
      ['billing.city', 'Oslo'],
      ['last_name', 'nordmann'],
    ]);
    // The create in the source sends the non-empty values only (payload.ts).
    expect(sourcePayload(await valuesForSource(customer, { EmailAddress: 'a@b.no' }, noLinks))).toEqual({
      email: 'a@b.no',
    });
  });

  it('the create payload nests paths, includes the where values and leaves empty values out', async () => {
    const customer = await fixture('customer');
    const yields = await valuesForTarget(customer, { id: 7, email: '', billing: { city: 'Oslo' } }, noLinks);
    expect(yields.get('EmailAddress')).toBe('');
    expect(targetPayload(customer, yields)).toEqual({
      IsPerson: true,
      ExternalImportReference: '7',
      MailAddress: { City: 'Oslo' },
    });
    expect(
      targetPayload(customer, [
        ['Name', null],
        ['MailAddress.City', ''],
      ]),
    ).toEqual({ IsPerson: true });
  });

  it('reads what records hold at the property paths, in comparison form', async () => {
    const customer = await fixture('customer');
    expect(
      readTargetValues(customer, { ExternalImportReference: 7, MailAddress: { City: 'Oslo' } }).get(
        'ExternalImportReference',
      ),
    ).toBe('7');
    expect([...readSourceValues(customer, { email: 'x@y.no', billing: { city: 'Oslo' } }).keys()]).toEqual([
      'email',
      'first_name',
      'billing.city',
      'last_name',
    ]);
  });

  it('$link ids arrive as the target type (integer), and the engine answers links', async () => {
    const order = await fixture('order');
    const values = await valuesForTarget(
      order,
      { id: 1, customer_id: 42 },
      links({ customer: { '42': '10001' } }),
    );
    expect(values.get('CustomerId')).toBe(10001);
    expect(
      (await valuesForTarget(order, { id: 1, customer_id: 43 }, noLinks)).get('CustomerId'),
    ).toBeUndefined();
  });

  it('errors raised by the link resolver pass through unchanged', async () => {
    const order = await fixture('order');
    const failure = new ConfigError('STORE_DOWN', 'store unavailable');
    const ctx: EvaluationContext = { link: async () => Promise.reject(failure) };
    await expect(valuesForTarget(order, { id: 1, customer_id: 42 }, ctx)).rejects.toBe(failure);
  });

  it('when and locked_when', async () => {
    const order = await fixture('order');
    expect(await passesWhen(order, { status: 'processing' }, noLinks)).toBe(true);
    expect(await passesWhen(order, { status: 'pending' }, noLinks)).toBe(false);
    expect(await passesWhen(order, {}, noLinks)).toBe(false);
    expect(await isLocked(order, { Status: 'Confirmed' }, noLinks)).toBe(true);
    expect(await isLocked(order, { Status: 'Draft' }, noLinks)).toBe(false);
    expect(await passesWhen(await fixture('customer'), {}, noLinks)).toBe(true);
  });
});

describe('fan-out', () => {
  it('an order with exactly one line yields an array of one child (the singleton trap)', async () => {
    const line = await fixture('orderline');
    const order = { id: 1, line_items: [{ id: 11, name: 'Cup', quantity: 3, total: '100.00' }] };
    const children = await expandChildren(line, order, noLinks);
    expect(children).toEqual([{ key: '11', child: order.line_items[0], position: 0 }]);
    const values = await valuesForTarget(line, children[0]!.child, childContext(noLinks, order, 0));
    expect(buildRecord(values)).toEqual({
      ExternalImportReference: '11',
      Description: 'Cup',
      Quantity: 3,
      UnitPrice: 33.33,
      SortOrder: 0,
    });
  });

  it('an each expression that yields a single object is still one child, nothing is no child', async () => {
    const { dir } = await checkWritten({
      'parent.yaml': `version: 1
name: parent
source: { system: shop, entity: order }
target: { system: erp, entity: salesorder }
create: { in_target: false }
properties:
  - { source: status, target: Status }
`,
      'lines.yaml': `version: 1
name: lines
source: { system: shop, entity: order }
target: { system: erp, entity: salesorderline }
create: { in_target: false }
parent: parent
each: |
  line_items.{ "ref": $string(id), "name": name }
key: ref
properties:
  - { source: name, target: Description }
`,
    });
    const { mappings, diagnostics } = await loadMappings(['.'], { registry, schemasDir, cwd: dir });
    expect(diagnostics).toEqual([]);
    const lines = mappings.find((m) => m.name === 'lines')!;
    expect(await expandChildren(lines, { line_items: [{ id: 5, name: 'A' }] }, noLinks)).toEqual([
      { key: '5', child: { ref: '5', name: 'A' }, position: 0 },
    ]);
    expect(await expandChildren(lines, { line_items: [] }, noLinks)).toEqual([]);
    expect(await expandChildren(lines, {}, noLinks)).toEqual([]);
    expect(mappings.map((m) => m.name)).toEqual(['parent', 'lines']); // dependency order
  });

  it('duplicate or missing child keys fail the record with MAP_CHILD_KEY', async () => {
    const line = await fixture('orderline');
    await expect(expandChildren(line, { line_items: [{ id: 1 }, { id: 1 }] }, noLinks)).rejects.toMatchObject(
      { code: 'MAP_CHILD_KEY' },
    );
    await expect(expandChildren(line, { line_items: [{ name: 'x' }] }, noLinks)).rejects.toMatchObject({
      code: 'MAP_CHILD_KEY',
    });
  });
});

describe('runtime guardrails', () => {
  it('a runaway recursion fails with MAP_EVAL_DEPTH naming file and line', async () => {
    const mapping = await withExpression('($f := function($n) { 1 + $f($n + 1) }; $f(0))');
    const error = await valuesForTarget(mapping, {}, noLinks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingRuntimeError);
    expect(error).toMatchObject({ code: 'MAP_EVAL_DEPTH', mapping: 'probe' });
    expect((error as Error).message).toMatch(/probe\.yaml:9:\d+: mapping "probe"/);
  });

  it('an endless loop fails with MAP_EVAL_TIMEOUT instead of hanging', async () => {
    const mapping = await withExpression('($loop := function($n) { $loop($n) }; $loop(1))', {
      timeoutMs: 100,
    });
    const started = Date.now();
    await expect(valuesForTarget(mapping, {}, noLinks)).rejects.toMatchObject({ code: 'MAP_EVAL_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a failing expression is MAP_EVAL_ERROR at the failing token', async () => {
    const mapping = await withExpression('$uppercase(first_name) & $decimal("abc")');
    const error = (await valuesForTarget(mapping, { first_name: 'x' }, noLinks).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ code: 'MAP_EVAL_ERROR' });
    expect(error.message).toContain('probe.yaml:9:');
    expect(error.message).toContain('"abc" is not a number');
  });

  it('a value that does not fit the property type is MAP_COERCE_ERROR', async () => {
    const order = await fixture('order');
    await expect(
      valuesForTarget(order, { id: 1, customer_id: 1 }, links({ customer: { '1': 'abc' } })),
    ).rejects.toMatchObject({
      code: 'MAP_COERCE_ERROR',
    });
  });
});

describe('canonical values', () => {
  it('coerce converts to the property type', () => {
    expect(coerce('10001', 'integer')).toBe(10001);
    expect(coerce('19.90', 'decimal')).toBe(19.9);
    expect(coerce(19.9, 'string')).toBe('19.9');
    expect(coerce(1e21, 'string')).toBe('1000000000000000000000');
    expect(coerce('yes', 'boolean')).toBe(true);
    expect(coerce('', 'integer')).toBeNull();
    expect(coerce('', 'string')).toBe('');
    expect(coerce(undefined, 'integer')).toBeUndefined();
    expect(coerce('2024-05-01T10:00:00Z', 'date')).toBe('2024-05-01');
    expect(coerce('x', 'array')).toEqual(['x']);
    expect(() => coerce('2.5', 'integer')).toThrow('cannot convert');
    expect(() => coerce({}, 'number')).toThrow('cannot convert');
  });

  it('a whole number beyond 2^53 is refused: the double no longer holds what the system holds', () => {
    // JSON.parse('9007199254740993') is 9007199254740992: sending that on changes the figure.
    expect(coerce(Number.MAX_SAFE_INTEGER, 'number')).toBe(Number.MAX_SAFE_INTEGER);
    expect(coerce(-Number.MAX_SAFE_INTEGER, 'number')).toBe(-Number.MAX_SAFE_INTEGER);
    for (const value of [2 ** 53, -(2 ** 53), 1e21, '9007199254740993']) {
      expect(() => coerce(value, 'number')).toThrow(/whole numbers must lie within ±9007199254740991/);
    }
    expect(coerce(1.5e10, 'number')).toBe(1.5e10);
    expect(coerce(0.1, 'number')).toBe(0.1);
  });

  it('sameValue: "" = null = missing, decimals by value, instants by time', () => {
    expect(sameValue('', null)).toBe(true);
    expect(sameValue(undefined, '')).toBe(true);
    expect(sameValue('', 'x')).toBe(false);
    expect(sameValue('19.90', 19.9, 'decimal')).toBe(true);
    expect(sameValue('19.90', 19.91, 'decimal')).toBe(false);
    expect(sameValue(3, '3.0', 'integer')).toBe(true);
    expect(sameValue('2024-05-01T10:00:00Z', '2024-05-01T12:00:00.0000000+02:00', 'date-time')).toBe(true);
    expect(sameValue('true', true, 'boolean')).toBe(true);
    expect(sameValue({ City: 'Oslo', Zip: '' }, { City: 'Oslo' }, 'object')).toBe(true);
    expect(sameValue([1, 2], [2, 1], 'array')).toBe(false);
    expect(sameValue('a', 'A')).toBe(false);
  });

  it('matchKey normalises e-mail addresses, trims, or keeps values exact', () => {
    expect(matchKey('  Kari.Nordmann@Example.NO ', 'email')).toBe('kari.nordmann@example.no');
    expect(matchKey(' KOPP-01 ', 'trim')).toBe('KOPP-01');
    expect(matchKey(' KOPP-01 ', 'exact')).toBe(' KOPP-01 ');
    expect(matchKey('', 'email')).toBeUndefined();
    expect(matchKey('   ', 'trim')).toBeUndefined();
    expect(matchKey(42, 'exact')).toBe('42');
  });

  it('buildRecord nests dotted paths and leaves undefined out', () => {
    expect(
      buildRecord([
        ['a.b', 1],
        ['a.c', undefined],
        ['d', null],
        ['e', 'x'],
      ]),
    ).toEqual({ a: { b: 1 }, d: null, e: 'x' });
  });
});
