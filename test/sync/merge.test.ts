import { describe, expect, it } from 'vitest';
import { sameValue } from '../../engine/mapping/values.ts';
import { mergePair, type PropertyInput, type Same } from '../../engine/sync/merge.ts';

const blank = (v: unknown) => v === null || v === undefined || v === '';
const same: Same = (a, b) => (blank(a) && blank(b)) || String(a) === String(b);

function prop(over: Partial<PropertyInput>): PropertyInput {
  return {
    path: 'P',
    type: 'string',
    direction: 'both',
    conflict: 'newest-wins',
    sourceValue: 'a',
    desiredTarget: 'A',
    targetValue: 'A',
    desiredSource: 'a',
    base: { yielded: 'A', source: 'a', target: 'A' },
    ...over,
  };
}

function one(
  p: Partial<PropertyInput>,
  pair: { s?: Date; t?: Date; firstSync?: 'source-wins' | 'target-wins' } = {},
) {
  return mergePair(
    {
      properties: [prop(p)],
      firstSync: pair.firstSync ?? 'source-wins',
      sourceModifiedAt: pair.s,
      targetModifiedAt: pair.t,
    },
    same,
  )[0]!;
}

const changedSource = { sourceValue: 'b', desiredTarget: 'B' };
const changedTarget = { targetValue: 'C', desiredSource: 'c' };
const early = new Date('2025-01-01T00:00:00Z');
const late = new Date('2025-01-02T00:00:00Z');

describe('three-way merge, the table', () => {
  it.each([
    ['both, nothing changed', {}, 'none'],
    ['both, source changed', changedSource, 'to-target'],
    ['both, target changed', changedTarget, 'to-source'],
    ['to-target, source changed', { ...changedSource, direction: 'to-target' as const }, 'to-target'],
    [
      'to-target, only target changed: left alone',
      { ...changedTarget, direction: 'to-target' as const },
      'none',
    ],
    ['to-source, target changed', { ...changedTarget, direction: 'to-source' as const }, 'to-source'],
    [
      'to-source, only source changed: left alone',
      { ...changedSource, direction: 'to-source' as const },
      'none',
    ],
  ])('%s', (_name, over, action) => {
    expect(one(over).action).toBe(action);
  });

  it('a one-sided change carries the new value and the old one', () => {
    expect(one(changedSource)).toMatchObject({
      action: 'to-target',
      from: 'A',
      value: 'B',
      reason: 'changed',
    });
    expect(one(changedTarget)).toMatchObject({
      action: 'to-source',
      from: 'a',
      value: 'c',
      reason: 'changed',
    });
  });

  it('both changed to the same value converges without a write', () => {
    const out = one({ sourceValue: 'x', desiredTarget: 'X', targetValue: 'X', desiredSource: 'x' });
    expect(out).toEqual({ path: 'P', action: 'converge', base: { yielded: 'X', source: 'x', target: 'X' } });
  });

  it.each([
    ['source-wins', {}, 'to-target'],
    ['target-wins', {}, 'to-source'],
    ['newest-wins', { s: late, t: early }, 'to-target'],
    ['newest-wins', { s: early, t: late }, 'to-source'],
    ['newest-wins', { s: early, t: early }, 'to-target'],
    ['newest-wins', { t: late }, 'to-target'],
    ['manual', {}, 'conflict'],
  ] as const)('both changed differently, %s %o → %s', (policy, times, action) => {
    const out = one({ ...changedSource, ...changedTarget, conflict: policy }, times);
    expect(out.action).toBe(action);
    if (out.action !== 'conflict' && out.action !== 'none' && out.action !== 'converge')
      expect(out.reason).toBe(policy);
  });

  it('manual conflict reports both values and the base', () => {
    expect(one({ ...changedSource, ...changedTarget, conflict: 'manual' })).toEqual({
      path: 'P',
      action: 'conflict',
      sourceValue: 'b',
      targetValue: 'C',
      desiredTarget: 'B',
      base: 'A',
    });
  });

  it('a source change whose mapped value already equals the target converges', () => {
    expect(one({ sourceValue: 'b', desiredTarget: 'B', targetValue: 'B' })).toEqual({
      path: 'P',
      action: 'converge',
      base: { yielded: 'B', source: 'b', target: 'B' },
    });
  });

  it('a raw source change that yields the same target value is no change', () => {
    expect(one({ sourceValue: 'a ' }).action).toBe('none');
  });

  it('a target that normalises what we wrote does not loop: each side is compared with itself', () => {
    // We wrote "A@X.NO"; the target stored "a@x.no"; base.target is what it stored.
    const base = { yielded: 'A@X.NO', source: 'A@X.NO', target: 'a@x.no' };
    expect(one({ sourceValue: 'A@X.NO', desiredTarget: 'A@X.NO', targetValue: 'a@x.no', base }).action).toBe(
      'none',
    );
  });

  it('canonical equality: null, missing and "" are the same value (no echo)', () => {
    expect(
      one({
        sourceValue: null,
        desiredTarget: '',
        targetValue: undefined,
        desiredSource: null,
        base: { yielded: undefined, source: '', target: null },
      }).action,
    ).toBe('none');
  });
});

describe('first-time link (no base)', () => {
  it('source-wins writes only differing both/to-target properties to the target', () => {
    const out = mergePair(
      {
        firstSync: 'source-wins',
        properties: [
          prop({ path: 'same', base: undefined }),
          prop({ path: 'diff', base: undefined, desiredTarget: 'S', targetValue: 'T', desiredSource: 't' }),
          prop({ path: 'oneway', direction: 'to-source', base: undefined, desiredSource: 'z' }),
        ],
      },
      same,
    );
    expect(out.map((o) => o.action)).toEqual(['converge', 'to-target', 'to-source']);
    expect(out[1]).toMatchObject({ value: 'S', reason: 'first-sync' });
  });

  it('target-wins writes the target values to the source', () => {
    const out = one(
      { base: undefined, desiredTarget: 'S', targetValue: 'T', desiredSource: 't' },
      { firstSync: 'target-wins' },
    );
    expect(out).toMatchObject({ action: 'to-source', value: 't' });
  });

  it('an empty source value never blanks a filled target value: the target fills the source', () => {
    const both = one({
      base: undefined,
      sourceValue: '',
      desiredTarget: '',
      targetValue: 'T',
      desiredSource: 't',
    });
    expect(both).toMatchObject({ action: 'to-source', value: 't', reason: 'first-sync' });
    const oneWay = one({
      base: undefined,
      direction: 'to-target',
      sourceValue: '',
      desiredTarget: '',
      targetValue: 'T',
    });
    expect(oneWay.action).toBe('converge');
  });

  it('an empty target value never blanks a filled source value under target-wins', () => {
    const out = one(
      { base: undefined, sourceValue: 's', desiredTarget: 'S', targetValue: null, desiredSource: '' },
      { firstSync: 'target-wins' },
    );
    expect(out).toMatchObject({ action: 'to-target', value: 'S' });
    const oneWay = one({ base: undefined, direction: 'to-source', sourceValue: 's', desiredSource: '' });
    expect(oneWay.action).toBe('converge');
  });

  it('a property added to the mapping later is treated as a first sync for that property only', () => {
    const out = mergePair(
      {
        firstSync: 'source-wins',
        properties: [
          prop({ path: 'old' }),
          prop({ path: 'new', base: undefined, desiredTarget: 'N', targetValue: '' }),
        ],
      },
      same,
    );
    expect(out.map((o) => o.action)).toEqual(['none', 'to-target']);
  });
});

describe('a property compared with normalize: email', () => {
  const mail = (over: Partial<PropertyInput>) =>
    mergePair(
      { firstSync: 'source-wins', properties: [prop({ normalize: 'email', ...kari, ...over })] },
      sameValue,
    )[0]!;
  const base = { yielded: 'kari@example.no', source: 'kari@example.no', target: 'kari@example.no' };
  const kari = {
    sourceValue: 'kari@example.no',
    desiredTarget: 'kari@example.no',
    targetValue: 'kari@example.no',
    desiredSource: 'kari@example.no',
  };

  it('a case-only edit on either side is no change, so nothing is written', () => {
    const shop = mail({ base, sourceValue: 'Kari@Example.no', desiredTarget: 'Kari@Example.no' });
    expect(shop.action).toBe('none');
    const po = mail({ base, targetValue: 'KARI@EXAMPLE.NO', desiredSource: 'KARI@EXAMPLE.NO' });
    expect(po.action).toBe('none');
    const exact = mergePair(
      {
        firstSync: 'source-wins',
        properties: [
          prop({ ...kari, base, targetValue: 'KARI@EXAMPLE.NO', desiredSource: 'KARI@EXAMPLE.NO' }),
        ],
      },
      sameValue,
    )[0]!;
    expect(exact.action).toBe('to-source');
  });

  it('the first link of two records whose addresses differ in case writes nothing', () => {
    const out = mail({
      base: undefined,
      sourceValue: 'Kari@Example.no',
      desiredTarget: 'Kari@Example.no',
      targetValue: 'kari@example.no',
      desiredSource: 'kari@example.no',
    });
    expect(out.action).toBe('converge');
  });

  it('a real change still flows', () => {
    const out = mail({ base, targetValue: 'kari@nordmann.no', desiredSource: 'kari@nordmann.no' });
    expect(out).toMatchObject({ action: 'to-source', value: 'kari@nordmann.no' });
  });
});
