/**
 * Decide, for one linked pair, without side effects: from the mapping, the link (its
 * snapshot is the merge base) and the two views, what to write to each side (one JSON Patch
 * per side with exactly the changed paths), which decisions to report, what stays in
 * conflict, and the snapshot for the properties found equal. `pair.ts` applies the plan.
 *
 * A plan is plain data (no Maps, no functions, no records read after the views): the same
 * inputs give the same plan, and it can be logged or compared as it is.
 */
import type { Operation } from 'fast-json-patch';
import type { CompiledMapping, CompiledProperty, ConflictPolicy } from '../mapping/model.ts';
import type { LinkRecord } from '../store/sync-state.ts';
import { ACTION_LOCKED, describeLock, lockingAction } from './actions.ts';
import type { ConflictDecision, PropertyDiff } from './events.ts';
import type { ClassifiedFailure } from './failures.ts';
import {
  mergePair,
  type PropertyBase,
  type PropertyInput,
  type PropertyOutcome,
  type Same,
} from './merge.ts';
import { buildPatch } from './patch.ts';
import { copySnapshot } from './snapshot-copy.ts';
import type { SourceView, TargetView } from './views.ts';

export type ToTarget = Extract<PropertyOutcome, { action: 'to-target' }>;
export type ToSource = Extract<PropertyOutcome, { action: 'to-source' }>;
type Conflict = Extract<PropertyOutcome, { action: 'conflict' }>;

/** The write of one side: one patch, the diffs it carries (for the report). */
export interface SideWrite<O> {
  ops: Operation[];
  diffs: PropertyDiff[];
  outcomes: O[];
}

export interface PairPlan {
  /** The merge of every property (merge.ts), in the mapping's order. */
  outcomes: PropertyOutcome[];
  /** Properties changed on both sides: what the policy decided (reported, then applied). */
  decisions: ConflictDecision[];
  /** The snapshot with the properties both sides agree on advanced; writes advance the rest. */
  base: LinkRecord['base'];
  /** Values flowing to the target (even when `refused`: their paths are reported). */
  toTarget: ToTarget[];
  /** The target write; undefined when nothing flows there or when it is refused. */
  targetWrite?: SideWrite<ToTarget>;
  /** Why values flowing to the target are not written (a locked target record). */
  refused?: ClassifiedFailure;
  /** The source write (two-way mappings), grouped by source path; never for a virtual link. */
  sourceWrite?: SideWrite<ToSource> & {
    changes: Array<{ sourcePath: string; value: unknown; outcomes: ToSource[] }>;
  };
  /** Properties in conflict under `manual`: nothing is written for them. */
  conflicts: Conflict[];
  conflict?: ClassifiedFailure;
}

export function planPair(
  mapping: CompiledMapping,
  link: LinkRecord,
  source: SourceView,
  target: TargetView,
  same: Same,
  options: { preconditions?: boolean } = {},
): PairPlan {
  const byTarget = new Map(mapping.properties.map((p) => [p.target, p]));
  const inputs = mapping.properties.map((p) => propertyInput(p, mapping.conflict, link, source, target));
  const outcomes = mergePair(
    {
      properties: inputs,
      firstSync: mapping.firstSync,
      ...(source.modifiedAt ? { sourceModifiedAt: source.modifiedAt } : {}),
      ...(target.modifiedAt ? { targetModifiedAt: target.modifiedAt } : {}),
    },
    same,
  );
  const base = copySnapshot(link.base);
  base.yields ??= {};
  for (const o of outcomes) if (o.action === 'converge') setBase(base, byTarget.get(o.path)!, o.base);

  const plan: PairPlan = {
    outcomes,
    decisions: decisionsOf(mapping, link, inputs, outcomes, source, target),
    base,
    toTarget: outcomes.filter((o): o is ToTarget => o.action === 'to-target'),
    conflicts: outcomes.filter((o): o is Conflict => o.action === 'conflict'),
  };

  if (plan.toTarget.length > 0) {
    const diffs: PropertyDiff[] = plan.toTarget.map((o) => ({
      path: o.path,
      from: o.from,
      to: o.value,
      reason: o.reason,
    }));
    // A done locking action (an invoiced order) locks the target as locked_when does.
    const lock = lockingAction(link);
    if (target.locked || lock) {
      const why = lock ? `locked: action ${describeLock(lock)} was done` : 'locked (target.locked_when)';
      plan.refused = {
        code: lock ? ACTION_LOCKED : 'LOCKED',
        kind: 'locked',
        reason: `${mapping.target.system} ${mapping.target.entity} ${link.targetId} is ${why}; not written: ${diffs.map((d) => d.path).join(', ')} (the values are in the details)`,
        details: { diffs },
      };
    } else {
      // Only a two-way property's value may have to win over ours when edited there since.
      const ops = buildPatch(
        target.values,
        target.objects,
        plan.toTarget.map((o) => ({
          path: o.path,
          value: o.value,
          guarded: options.preconditions === true && byTarget.get(o.path)!.direction === 'both',
          ...(target.raw?.has(o.path) ? { expected: { value: target.raw.get(o.path) } } : {}),
        })),
      );
      plan.targetWrite = { ops, diffs, outcomes: plan.toTarget };
    }
  }

  const toSource = outcomes.filter((o): o is ToSource => o.action === 'to-source');
  if (toSource.length > 0 && !link.virtual) {
    const bySourcePath = new Map<string, { value: unknown; outcomes: ToSource[] }>();
    for (const o of toSource) {
      const sourcePath = byTarget.get(o.path)!.source!;
      const entry = bySourcePath.get(sourcePath) ?? { value: o.value, outcomes: [] };
      entry.outcomes.push(o);
      bySourcePath.set(sourcePath, entry);
    }
    const changes = [...bySourcePath].map(([sourcePath, c]) => ({ sourcePath, ...c }));
    plan.sourceWrite = {
      ops: buildPatch(
        source.raw,
        source.objects,
        changes.map((c) => ({ path: c.sourcePath, value: c.value })),
      ),
      diffs: changes.map((c) => ({
        path: c.outcomes[0]!.path,
        sourcePath: c.sourcePath,
        from: source.raw.get(c.sourcePath),
        to: c.value,
        reason: c.outcomes[0]!.reason,
      })),
      outcomes: toSource,
      changes,
    };
  }

  if (plan.conflicts.length > 0) {
    const details = plan.conflicts.map((c) => ({
      path: c.path,
      base: c.base,
      source: c.desiredTarget,
      target: c.targetValue,
    }));
    // The values are what a person needs to decide, and personal data: details only.
    plan.conflict = {
      code: 'CONFLICT',
      kind: 'conflict',
      reason: `changed on both sides to different values (conflict: manual): ${details.map((d) => d.path).join(', ')}; make them equal in either system (the values are in the details: mapsync failed)`,
      details,
    };
  }
  return plan;
}

const DECIDED_BY_POLICY = new Set(['newest-wins', 'source-wins', 'target-wins']);

/** Every property changed in both systems to different values: what the policy decided. */
function decisionsOf(
  mapping: CompiledMapping,
  link: LinkRecord,
  inputs: readonly PropertyInput[],
  outcomes: readonly PropertyOutcome[],
  source: SourceView,
  target: TargetView,
): ConflictDecision[] {
  return outcomes.flatMap((o, i) => {
    let winner: ConflictDecision['winner'];
    if (o.action === 'conflict') winner = 'none';
    else if ((o.action === 'to-target' || o.action === 'to-source') && DECIDED_BY_POLICY.has(o.reason))
      winner = o.action === 'to-target' ? 'source' : 'target';
    else return [];
    const input = inputs[i]!;
    return [
      {
        mapping: mapping.name,
        sourceId: link.sourceId,
        targetId: link.targetId,
        property: o.path,
        sourceValue: input.sourceValue !== undefined ? input.sourceValue : input.desiredTarget,
        targetValue: input.targetValue,
        winner,
        policy: input.conflict,
        ...(source.modifiedAt ? { sourceModifiedAt: source.modifiedAt.toISOString() } : {}),
        ...(target.modifiedAt ? { targetModifiedAt: target.modifiedAt.toISOString() } : {}),
      },
    ];
  });
}

function propertyInput(
  p: CompiledProperty,
  conflict: ConflictPolicy,
  link: LinkRecord,
  source: SourceView,
  target: TargetView,
): PropertyInput {
  return {
    path: p.target,
    type: p.type,
    sourceType: p.sourceType ?? p.type,
    direction: p.direction,
    conflict: p.conflict ?? conflict,
    ...(p.normalize ? { normalize: p.normalize } : {}),
    sourceValue: p.source !== undefined ? source.raw.get(p.source) : undefined,
    ...(p.direction !== 'to-source' ? { desiredTarget: source.yields.get(p.target) } : {}),
    targetValue: target.values.get(p.target),
    ...(p.direction !== 'to-target' && p.source !== undefined
      ? { desiredSource: target.desiredSource.get(p.source) }
      : {}),
    ...baseOf(link.base, p),
  };
}

/** One property's merge base as the link's snapshot holds it (none before it was first synced). */
export function baseOf(base: LinkRecord['base'], p: CompiledProperty): { base?: PropertyBase } {
  if (!(p.target in base.target)) return {};
  return {
    base: {
      yielded: base.yields?.[p.target],
      source: p.source !== undefined ? base.source[p.source] : undefined,
      target: base.target[p.target],
    },
  };
}

/** Advance the snapshot of one property to what both sides hold now. */
export function setBase(
  base: LinkRecord['base'],
  p: CompiledProperty,
  value: { yielded?: unknown; source?: unknown; target: unknown },
): void {
  base.target[p.target] = value.target ?? null;
  if (p.direction !== 'to-source') base.yields[p.target] = value.yielded ?? null;
  if (p.source !== undefined) base.source[p.source] = value.source ?? null;
}
