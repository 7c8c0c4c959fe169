/**
 * The decision for one linked pair on its own (engine/sync/pair-plan.ts): no connector, no
 * store — the mapping, a link and two views in, a plain-data plan out. Named cases for each
 * kind of decision, then every combination of base / source / target values over a small
 * domain, checked against the invariants the applier relies on.
 */
import { describe, expect, it } from 'vitest';
import type { CompiledMapping, ConflictPolicy } from '../../engine/mapping/model.ts';
import { sameValue } from '../../engine/mapping/values.ts';
import type { LinkRecord } from '../../engine/store/sync-state.ts';
import { planPair } from '../../engine/sync/pair-plan.ts';
import type { SourceView, TargetView } from '../../engine/sync/views.ts';
import { mapping, prop } from './helpers/builders.ts';

function contacts(conflict: ConflictPolicy = 'manual'): CompiledMapping {
  return mapping({
    name: 'contact',
    source: { system: 'shop', entity: 'customer' },
    target: { system: 'erp', entity: 'contact', where: {} },
    conflict,
    properties: [
      prop({ source: 'first_name', target: 'FirstName' }),
      prop({ source: 'billing.city', target: 'Address.City' }),
      prop({ source: 'id', target: 'Ref', direction: 'to-target' }),
    ],
  });
}

interface Side {
  first?: string;
  city?: string;
  ref?: string;
}

function link(base: Side | undefined, extra: Partial<LinkRecord> = {}): LinkRecord {
  const b = base ?? {};
  return {
    v: 1,
    sourceId: '7',
    targetId: '100',
    origin: 'matched',
    linkedAt: '2026-01-01T00:00:00.000Z',
    syncedAt: '2026-01-01T00:00:00.000Z',
    base: base
      ? {
          source: { first_name: b.first ?? null, 'billing.city': b.city ?? null, id: b.ref ?? null },
          target: { FirstName: b.first ?? null, 'Address.City': b.city ?? null, Ref: b.ref ?? null },
          yields: { FirstName: b.first ?? null, 'Address.City': b.city ?? null, Ref: b.ref ?? null },
          sourceObjects: ['billing'],
          targetObjects: ['Address'],
        }
      : { source: {}, target: {}, yields: {} },
    ...extra,
  };
}

function sourceView(s: Side): SourceView {
  return {
    id: '7',
    yields: new Map([
      ['FirstName', s.first],
      ['Address.City', s.city],
      ['Ref', s.ref],
    ]),
    raw: new Map([
      ['first_name', s.first],
      ['billing.city', s.city],
      ['id', s.ref],
    ]),
    objects: ['billing'],
    fromBase: false,
  };
}

function targetView(t: Side, locked = false): TargetView {
  return {
    id: '100',
    values: new Map([
      ['FirstName', t.first],
      ['Address.City', t.city],
      ['Ref', t.ref],
    ]),
    desiredSource: new Map([
      ['first_name', t.first],
      ['billing.city', t.city],
    ]),
    objects: ['Address'],
    locked,
    fromBase: false,
  };
}

const same = (a: unknown, b: unknown, type: string) => sameValue(a, b, type);

describe('planPair', () => {
  const base = { first: 'Kari', city: 'Oslo', ref: '7' };

  it('nothing changed: no write, no decision, nothing in conflict', () => {
    const plan = planPair(contacts(), link(base), sourceView(base), targetView(base), same);
    expect(plan.targetWrite).toBeUndefined();
    expect(plan.sourceWrite).toBeUndefined();
    expect(plan.decisions).toEqual([]);
    expect(plan.conflict).toBeUndefined();
    expect(plan.base).toEqual(link(base).base);
  });

  it('a source change becomes one target patch with exactly that path', () => {
    const plan = planPair(
      contacts(),
      link(base),
      sourceView({ ...base, city: 'Bergen' }),
      targetView(base),
      same,
    );
    expect(plan.targetWrite?.ops).toEqual([{ op: 'replace', path: '/Address/City', value: 'Bergen' }]);
    expect(plan.targetWrite?.diffs).toEqual([
      { path: 'Address.City', from: 'Oslo', to: 'Bergen', reason: 'changed' },
    ]);
    expect(plan.sourceWrite).toBeUndefined();
  });

  it('a target change of a two-way property becomes a source patch at the source path', () => {
    const plan = planPair(
      contacts(),
      link(base),
      sourceView(base),
      targetView({ ...base, first: 'Kåre' }),
      same,
    );
    expect(plan.targetWrite).toBeUndefined();
    expect(plan.sourceWrite?.ops).toEqual([{ op: 'replace', path: '/first_name', value: 'Kåre' }]);
    expect(plan.sourceWrite?.changes.map((c) => c.sourcePath)).toEqual(['first_name']);
  });

  it('a target change of a to-target property is left alone', () => {
    const plan = planPair(contacts(), link(base), sourceView(base), targetView({ ...base, ref: '8' }), same);
    expect(plan.targetWrite).toBeUndefined();
    expect(plan.sourceWrite).toBeUndefined();
  });

  it('both changed under manual: a conflict, nothing written for it, the decision reported', () => {
    const plan = planPair(
      contacts('manual'),
      link(base),
      sourceView({ ...base, first: 'Kari Anne' }),
      targetView({ ...base, first: 'Karianne' }),
      same,
    );
    expect(plan.targetWrite).toBeUndefined();
    expect(plan.sourceWrite).toBeUndefined();
    expect(plan.conflict?.code).toBe('CONFLICT');
    expect(plan.conflict?.reason).not.toContain('Kari');
    expect(plan.decisions).toMatchObject([{ property: 'FirstName', winner: 'none', policy: 'manual' }]);
    expect(plan.base.target.FirstName).toBe('Kari');
  });

  it('both changed under source-wins: the source value is written, the decision says so', () => {
    const plan = planPair(
      contacts('source-wins'),
      link(base),
      sourceView({ ...base, first: 'Kari Anne' }),
      targetView({ ...base, first: 'Karianne' }),
      same,
    );
    expect(plan.targetWrite?.ops).toEqual([{ op: 'replace', path: '/FirstName', value: 'Kari Anne' }]);
    expect(plan.decisions).toMatchObject([
      { property: 'FirstName', winner: 'source', policy: 'source-wins' },
    ]);
  });

  it('a locked target is refused, with the paths it would have written', () => {
    const plan = planPair(
      contacts(),
      link(base),
      sourceView({ ...base, city: 'Bergen' }),
      targetView(base, true),
      same,
    );
    expect(plan.targetWrite).toBeUndefined();
    expect(plan.refused?.code).toBe('LOCKED');
    expect(plan.toTarget.map((o) => o.path)).toEqual(['Address.City']);
  });

  it('a virtual link never writes to the source', () => {
    const plan = planPair(
      contacts(),
      link(base, { virtual: true }),
      sourceView(base),
      targetView({ ...base, first: 'Kåre' }),
      same,
    );
    expect(plan.sourceWrite).toBeUndefined();
  });

  it('both sides agreeing on a new value converge the base without a write', () => {
    const now = { ...base, city: 'Bergen' };
    const plan = planPair(contacts(), link(base), sourceView(now), targetView(now), same);
    expect(plan.targetWrite).toBeUndefined();
    expect(plan.sourceWrite).toBeUndefined();
    expect(plan.base.target['Address.City']).toBe('Bergen');
    expect(plan.base.source['billing.city']).toBe('Bergen');
  });

  describe('every combination of base, source and target values', () => {
    const values = ['Kari', 'Kåre', '', undefined];
    const policies: ConflictPolicy[] = ['manual', 'source-wins', 'target-wins', 'newest-wins'];
    const cases: Array<[ConflictPolicy, string | undefined | null, string | undefined, string | undefined]> =
      [];
    for (const policy of policies)
      for (const b of [...values, null])
        for (const s of values) for (const t of values) cases.push([policy, b, s, t]);

    it(`holds the invariants in all ${cases.length} cases`, () => {
      for (const [policy, b, s, t] of cases) {
        const theLink = b === null ? link(undefined) : link({ ...base, first: b });
        const before = structuredClone(theLink);
        const source = sourceView({ ...base, first: s });
        const target = targetView({ ...base, first: t });
        const plan = planPair(contacts(policy), theLink, source, target, same);
        const again = planPair(contacts(policy), theLink, source, target, same);
        const what = JSON.stringify({ policy, b, s, t });

        // No side effects, and the same inputs decide the same.
        expect(theLink, what).toEqual(before);
        expect(again, what).toEqual(plan);
        // Plain data: it survives a structured clone unchanged.
        expect(structuredClone(plan), what).toEqual(plan);
        // FirstName goes at most one way, and only what differs is written.
        const first = plan.outcomes.find((o) => o.path === 'FirstName')!;
        const targetOps = plan.targetWrite?.ops.filter((op) => op.path === '/FirstName') ?? [];
        const sourceOps = plan.sourceWrite?.ops.filter((op) => op.path === '/first_name') ?? [];
        expect(targetOps.length + sourceOps.length, what).toBeLessThanOrEqual(1);
        if (targetOps.length > 0) expect(sameValue(s, t, 'string'), what).toBe(false);
        if (sourceOps.length > 0) expect(sameValue(s, t, 'string'), what).toBe(false);
        expect(first.action === 'to-target', what).toBe(targetOps.length === 1);
        expect(first.action === 'to-source', what).toBe(sourceOps.length === 1);
        // Equal values are never a conflict; a conflict exists only under manual.
        if (sameValue(s, t, 'string')) expect(first.action, what).not.toBe('conflict');
        if (first.action === 'conflict') expect(policy, what).toBe('manual');
        // Nothing else of the record is ever in a patch.
        for (const op of plan.targetWrite?.ops ?? []) expect(op.path, what).toBe('/FirstName');
        for (const op of plan.sourceWrite?.ops ?? []) expect(op.path, what).toBe('/first_name');
      }
    });
  });
});
