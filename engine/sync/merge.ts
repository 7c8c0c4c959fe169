/**
 * The three-way merge of one linked pair, property by property. Pure: no I/O, no clock.
 *
 * For every property the caller supplies what each side holds now, what each side would
 * receive from the other, and the snapshot both held after the last sync (the base). A
 * side "changed" when its value differs from its base value. Then:
 *
 * | direction | source changed | target changed | outcome                                   |
 * |-----------|----------------|----------------|-------------------------------------------|
 * | any       | no             | no             | nothing                                   |
 * | both      | yes            | no             | source value flows to the target          |
 * | both      | no             | yes            | target value flows to the source          |
 * | both      | yes            | yes            | equal → converge; different → policy      |
 * | to-target | yes            | any            | source value flows to the target          |
 * | to-target | no             | yes            | left alone until the source changes       |
 * | to-source | any            | yes            | target value flows to the source          |
 * | to-source | yes            | no             | left alone until the target changes       |
 *
 * Without a base (first link of two existing records, or a property added to the mapping
 * since) the `first_sync` side wins for `both` properties; one-way properties flow their
 * way. An empty value never wins over a filled one at a first link: a shop account without
 * a billing address must not blank the address an existing PowerOffice customer holds, so
 * the filled side's value is kept (and, for `both`, copied to the empty side). Only values
 * that differ are written. A flow whose value already equals the other
 * side's converges silently (the base advances, nothing is written). Equality is the
 * caller's canonical `same` (null = missing = "", decimals by value) and nothing else.
 */
import type { ConflictPolicy, MatchNormalization, PropertyDirection } from '../mapping/model.ts';
import type { FlowReason } from './events.ts';

export type Same = (a: unknown, b: unknown, type: string, normalize?: MatchNormalization) => boolean;

export interface PropertyInput {
  /** Target path: the property's identity within the mapping. */
  path: string;
  /** Type of target-side values (`desiredTarget`, `targetValue`). */
  type: string;
  /** Type of source-side values (`sourceValue`, `desiredSource`); defaults to `type`. */
  sourceType?: string;
  direction: PropertyDirection;
  /** The property's own policy, or the mapping's. */
  conflict: ConflictPolicy;
  /** The property's comparison (`email`: case-insensitive); absent = exact. */
  normalize?: MatchNormalization;
  /** The source record's raw value at the property's source path now. */
  sourceValue: unknown;
  /** The target value the source yields now (to-target/both). */
  desiredTarget?: unknown;
  /**
   * The target record's value now. For a to-source property: the value the target yields
   * for the source (source vocabulary), since that is all such a property reads.
   */
  targetValue: unknown;
  /** The source value the target yields now (to-source/both). */
  desiredSource?: unknown;
  /** Absent when there is no base for this property yet. */
  base?: PropertyBase;
}

/**
 * The property's merge base. The source side changed when what it *yields* for the target
 * differs from what it yielded last time (to-target/both), or when its raw value differs
 * (to-source); the target side changed when its raw value differs. Comparing each side with
 * its own earlier value (never with the other side's) means a system that normalises what
 * we write (case, whitespace, rounding) cannot start a loop.
 */
export interface PropertyBase {
  yielded?: unknown;
  source?: unknown;
  target: unknown;
}

export interface PairInput {
  properties: PropertyInput[];
  firstSync: 'source-wins' | 'target-wins';
  /** Modification times, for `newest-wins`. */
  sourceModifiedAt?: Date;
  targetModifiedAt?: Date;
}

export type PropertyOutcome =
  | { path: string; action: 'none' }
  /** Both sides already agree; the base advances to `base`. */
  | { path: string; action: 'converge'; base: PropertyBase }
  | {
      path: string;
      action: 'to-target';
      from: unknown;
      value: unknown;
      sourceValue: unknown;
      reason: FlowReason;
    }
  | {
      path: string;
      action: 'to-source';
      from: unknown;
      value: unknown;
      targetValue: unknown;
      reason: FlowReason;
    }
  | {
      path: string;
      action: 'conflict';
      sourceValue: unknown;
      targetValue: unknown;
      desiredTarget: unknown;
      base: unknown;
    };

/** Why a value flows: a one-sided change, a conflict decided by policy, or a first sync. */
export type { FlowReason } from './events.ts';

export function mergePair(input: PairInput, same: Same): PropertyOutcome[] {
  return input.properties.map((p) => mergeProperty(p, input, same));
}

// The helpers of mergeProperty are module functions, not closures made per property: the
// merge runs for every property of every line of every record (bench/engine-cost.ts).
const eq = (p: PropertyInput, same: Same, a: unknown, b: unknown) => same(a, b, p.type, p.normalize);
const eqSource = (p: PropertyInput, same: Same, a: unknown, b: unknown) =>
  same(a, b, p.sourceType ?? p.type, p.normalize);
const eqTargetSide = (p: PropertyInput, same: Same, a: unknown, b: unknown) =>
  p.direction === 'to-source' ? eqSource(p, same, a, b) : eq(p, same, a, b);

function toTarget(p: PropertyInput, same: Same, reason: FlowReason): PropertyOutcome {
  return eq(p, same, p.desiredTarget, p.targetValue)
    ? converge(p, same)
    : {
        path: p.path,
        action: 'to-target',
        from: p.targetValue,
        value: p.desiredTarget,
        sourceValue: p.sourceValue,
        reason,
      };
}

function toSource(p: PropertyInput, same: Same, reason: FlowReason): PropertyOutcome {
  return eqSource(p, same, p.desiredSource, p.sourceValue)
    ? converge(p, same)
    : {
        path: p.path,
        action: 'to-source',
        from: p.sourceValue,
        value: p.desiredSource,
        targetValue: p.targetValue,
        reason,
      };
}

function converge(p: PropertyInput, same: Same): PropertyOutcome {
  if (
    p.base &&
    eqSource(p, same, p.base.source, p.sourceValue) &&
    eqTargetSide(p, same, p.base.target, p.targetValue) &&
    (p.direction === 'to-source' || eq(p, same, p.base.yielded, p.desiredTarget))
  )
    return { path: p.path, action: 'none' };
  const base: PropertyBase = {
    ...(p.direction === 'to-source' ? {} : { yielded: p.desiredTarget }),
    source: p.sourceValue,
    target: p.targetValue,
  };
  return { path: p.path, action: 'converge', base };
}

function mergeProperty(p: PropertyInput, pair: PairInput, same: Same): PropertyOutcome {
  if (!p.base) {
    const sourceEmpty = eq(p, same, p.desiredTarget, undefined);
    const targetEmpty =
      p.direction === 'to-source'
        ? eqSource(p, same, p.desiredSource, undefined)
        : eq(p, same, p.targetValue, undefined);
    if (p.direction === 'to-target')
      return sourceEmpty && !targetEmpty ? converge(p, same) : toTarget(p, same, 'first-sync');
    if (p.direction === 'to-source')
      return targetEmpty && !eqSource(p, same, p.sourceValue, undefined)
        ? converge(p, same)
        : toSource(p, same, 'first-sync');
    const targetWins =
      pair.firstSync === 'target-wins' ? !targetEmpty || sourceEmpty : targetEmpty ? false : sourceEmpty;
    return targetWins ? toSource(p, same, 'first-sync') : toTarget(p, same, 'first-sync');
  }

  const sourceChanged =
    p.direction === 'to-source'
      ? !eqSource(p, same, p.sourceValue, p.base.source)
      : !eq(p, same, p.desiredTarget, p.base.yielded);
  const targetChanged = !eqTargetSide(p, same, p.targetValue, p.base.target);

  if (p.direction === 'to-target') {
    // A target-side edit of a one-way property is left alone (and the base keeps the old
    // target value) until the source changes again.
    return sourceChanged ? toTarget(p, same, 'changed') : { path: p.path, action: 'none' };
  }
  if (p.direction === 'to-source') {
    return targetChanged ? toSource(p, same, 'changed') : { path: p.path, action: 'none' };
  }
  if (!sourceChanged && !targetChanged) return { path: p.path, action: 'none' };
  if (sourceChanged && !targetChanged) return toTarget(p, same, 'changed');
  if (!sourceChanged && targetChanged) return toSource(p, same, 'changed');
  // Changed on both sides.
  if (eq(p, same, p.desiredTarget, p.targetValue)) return converge(p, same);
  switch (p.conflict) {
    case 'source-wins':
      return toTarget(p, same, 'source-wins');
    case 'target-wins':
      return toSource(p, same, 'target-wins');
    case 'newest-wins':
      return newer(pair.targetModifiedAt, pair.sourceModifiedAt)
        ? toSource(p, same, 'newest-wins')
        : toTarget(p, same, 'newest-wins');
    case 'manual':
      return {
        path: p.path,
        action: 'conflict',
        sourceValue: p.sourceValue,
        targetValue: p.targetValue,
        desiredTarget: p.desiredTarget,
        base: p.base.target,
      };
  }
}

/**
 * Whether the target's time `a` is strictly newer than the source's `b`. A tie, or a
 * missing time on either side, goes to the source: deterministic, never a coin flip.
 */
function newer(a: Date | undefined, b: Date | undefined): boolean {
  if (!a || Number.isNaN(a.getTime()) || !b || Number.isNaN(b.getTime())) return false;
  return a.getTime() > b.getTime();
}
