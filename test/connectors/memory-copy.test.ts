/**
 * The memory system's record copy (engine/connectors/memory/copy.ts) is structuredClone's
 * copy, made by hand for plain data: the same value and key order, nothing shared, and
 * everything that is not plain data (Dates, Maps, holes, functions) left to structuredClone.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { copyRecord } from '../../engine/connectors/memory/copy.ts';

/** JSON with bigints: the keys in their order, all the way down. */
const text = (value: unknown) =>
  JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}n` : v === undefined ? '(undefined)' : v));

const same = <T>(value: T): T => {
  const copy = copyRecord(value);
  expect(isDeepStrictEqual(copy, structuredClone(value))).toBe(true);
  expect(text(copy)).toBe(text(value));
  return copy;
};

describe('copyRecord', () => {
  it('copies plain records like structuredClone, keys in order, nothing shared', () => {
    const order = {
      id: 7,
      z: 'last-first',
      billing: { first_name: 'Å', last_name: null, extra: undefined },
      line_items: [
        { id: 1, meta: [{ k: 'a', v: [1, 2, [3]] }] },
        { id: 2, meta: [] },
      ],
      big: 10n,
      flag: false,
    };
    const copy = same(order);
    expect(Object.keys(copy)).toEqual(Object.keys(order));
    expect('extra' in copy.billing).toBe(true);
    expect(copy.billing).not.toBe(order.billing);
    expect(copy.line_items[0]!.meta[0]!.v).not.toBe(order.line_items[0]!.meta![0]!.v);
    copy.line_items[0]!.id = 99;
    expect(order.line_items[0]!.id).toBe(1);
  });

  it('leaves what is not plain data to structuredClone', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const copy = copyRecord({ at, tags: new Set(['a']), byId: new Map([[1, { x: 1 }]]) });
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at).not.toBe(at);
    expect(copy.at.getTime()).toBe(at.getTime());
    expect(copy.tags).toEqual(new Set(['a']));
    expect(copy.byId.get(1)).toEqual({ x: 1 });
    // biome-ignore lint/suspicious/noSparseArray: a hole, kept as a hole as structuredClone does
    const holes = copyRecord({ list: [1, , 3] });
    expect(1 in holes.list).toBe(false);
    expect(holes.list).toHaveLength(3);
    const nullProto = Object.assign(Object.create(null), { a: 1 });
    expect(copyRecord({ nullProto }).nullProto).toEqual({ a: 1 });
  });

  it('refuses functions and symbols as structuredClone does', () => {
    expect(() => copyRecord({ f: () => 1 })).toThrow(/could not be cloned/);
    expect(() => copyRecord({ s: Symbol('x') })).toThrow(/could not be cloned/);
  });

  it('copies a cycle (through structuredClone, past the depth limit) instead of recursing for ever', () => {
    const node: Record<string, unknown> = { name: 'loop' };
    node.self = node;
    const copy = copyRecord(node) as { self: { self: unknown } };
    expect(copy).not.toBe(node);
    expect(copy.self.self).toBeDefined();
  });
});
