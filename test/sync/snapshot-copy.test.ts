/**
 * copySnapshot (engine/sync/snapshot-copy.ts) stands in for structuredClone of a merge base:
 * the same value, keys in the same order, nothing mutable shared with the original.
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../engine/store/records.ts';
import { copySnapshot } from '../../engine/sync/snapshot-copy.ts';

describe('copySnapshot', () => {
  const base = (): Snapshot => ({
    target: { Name: 'Alice', Amount: 19.9, Lines: [{ Id: 1 }], Address: { City: 'Oslo' }, Gone: null },
    source: { name: 'Alice', total: '19.90', when: undefined },
    yields: { Name: 'Alice', Amount: 19.9, Lines: [{ Id: 1 }], Address: { City: 'Oslo' }, Gone: null },
    targetObjects: ['Address'],
    sourceObjects: [],
  });

  it('gives what structuredClone gives, keys in the same order', () => {
    const original = base();
    const copy = copySnapshot(original);
    expect(copy).toStrictEqual(structuredClone(original));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
    expect(Object.keys(copy)).toEqual(Object.keys(original));
    expect(Object.keys(copy.source)).toEqual(Object.keys(original.source));
  });

  it('shares nothing mutable with the original', () => {
    const original = base();
    const copy = copySnapshot(original);
    copy.target.Name = 'Bob';
    (copy.target.Lines as Array<{ Id: number }>)[0]!.Id = 2;
    (copy.yields.Address as { City: string }).City = 'Bergen';
    copy.targetObjects!.push('Other');
    expect(original).toStrictEqual(base());
  });

  it('keeps an old link without yields without them', () => {
    const old = { source: { a: 1 }, target: { A: 1 } } as unknown as Snapshot;
    const copy = copySnapshot(old);
    expect(copy).toStrictEqual(structuredClone(old));
    expect('yields' in copy).toBe(false);
  });
});
