/**
 * The sandbox's unique-field index (sandbox/poweroffice-go/record-map.ts) answers exactly as
 * the scan it replaces: text case-folded and trimmed, numbers by value, replaced and deleted
 * records no longer holding their values, and the running maximum of a numeric field.
 */
import { describe, expect, it } from 'vitest';
import { ensureUnique } from '../../sandbox/poweroffice-go/domain.ts';
import { RecordMap } from '../../sandbox/poweroffice-go/record-map.ts';

describe('RecordMap', () => {
  it('finds holders the way ensureUnique compares, and forgets replaced and deleted values', () => {
    const map = new RecordMap(['Ref', 'Number'], [['1', { Id: 1, Ref: ' Abc ', Number: 10 }]]);
    map.set('2', { Id: 2, Ref: 'x', Number: 11 });
    expect(map.holders('Ref', 'abc')).toEqual(['1']);
    expect(map.holders('Number', 11)).toEqual(['2']);
    expect(map.holders('Number', '11')).toEqual([]);
    expect(() => ensureUnique('customer', map, 'Ref', 'ABC')).toThrow(/already in use.*Id = 1/);
    expect(() => ensureUnique('customer', map, 'Ref', 'ABC', 1)).not.toThrow();
    map.set('1', { Id: 1, Ref: 'def', Number: 10 });
    expect(map.holders('Ref', 'abc')).toEqual([]);
    expect(() => ensureUnique('customer', map, 'Ref', 'DEF')).toThrow();
    map.delete('1');
    expect(() => ensureUnique('customer', map, 'Ref', 'def')).not.toThrow();
    // Fields without an index are scanned as before.
    map.set('3', { Id: 3, Other: 'q' });
    expect(() => ensureUnique('customer', map, 'Other', 'Q')).toThrow();
  });

  it('keeps the maximum of a numeric field through inserts, replacements, deletes and clear', () => {
    const map = new RecordMap([]);
    expect(map.max('Number')).toBe(0);
    map.set('a', { Number: 5 });
    map.set('b', { Number: 9 });
    expect(map.max('Number')).toBe(9);
    map.set('c', { Number: 12 });
    expect(map.max('Number')).toBe(12);
    map.delete('c');
    expect(map.max('Number')).toBe(9);
    map.set('b', { Number: 1 });
    expect(map.max('Number')).toBe(5);
    map.clear();
    expect(map.max('Number')).toBe(0);
  });
});
