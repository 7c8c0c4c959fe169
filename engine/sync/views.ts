/**
 * The two views of a record the merge works on, computed once per record:
 *
 * - a source view: what the source record yields for the target (to-target/both
 *   properties) and its raw values at the source paths;
 * - a target view: the target record's raw values at the target paths, what it yields for
 *   the source (to-source/both), whether it is locked, and when it was last modified.
 *
 * When a side did not change since the last sync (it is absent from this run's change
 * listing), its view is rebuilt from the link's snapshot instead of fetching the record:
 * no per-record GET is ever needed to merge.
 */
import type { EntityRecord } from '../connectors/types.ts';
import { MappingRuntimeError } from '../errors.ts';
import type { CompiledMapping, EvaluationContext } from '../mapping/model.ts';
import { getPath } from '../mapping/values.ts';
import type { LinkRecord } from '../store/sync-state.ts';
import { RecordFailure } from './failures.ts';
import type { MappingEval } from './mapping-eval.ts';
import { objectPathsOf } from './patch.ts';

export interface SourceView {
  id: string;
  /** The record itself (absent when rebuilt from the snapshot). */
  record?: unknown;
  /** Target path → value the source yields. */
  yields: Map<string, unknown>;
  /** Source path → raw value. */
  raw: Map<string, unknown>;
  objects: string[];
  modifiedAt?: Date;
  fromBase: boolean;
}

export interface TargetView {
  id: string;
  /** Target path → value, in comparison form (coerced to the property's type). */
  values: Map<string, unknown>;
  /**
   * Target path → the value exactly as the record holds it (absent for a view rebuilt from
   * the snapshot): what an update's precondition tests (patch.ts), since the comparison
   * form may differ from it (a date-time read as a date, '' as null).
   */
  raw?: Map<string, unknown>;
  /** Source path → value the target yields (two-way mappings). */
  desiredSource: Map<string, unknown>;
  objects: string[];
  modifiedAt?: Date;
  locked: boolean;
  fromBase: boolean;
  /**
   * Set when the mapping fails on this target record (a value the source side cannot take,
   * a to_source expression that fails): `desiredSource` is then empty, and whoever merges or
   * adopts the record fails that one record with this error ({@link readable}).
   */
  unreadable?: MappingRuntimeError | RecordFailure;
}

export async function sourceViewOf(
  evaluator: MappingEval,
  mapping: CompiledMapping,
  id: string,
  record: unknown,
  ctx: EvaluationContext,
  modifiedAt?: Date,
): Promise<SourceView> {
  const yields = await evaluator.valuesForTarget(mapping, record, ctx);
  const raw = evaluator.readSourceValues(mapping, record);
  return {
    id,
    record,
    yields,
    raw,
    objects: objectPathsOf(record, raw.keys()),
    ...(modifiedAt ? { modifiedAt } : {}),
    fromBase: false,
  };
}

export async function targetViewOf(
  evaluator: MappingEval,
  mapping: CompiledMapping,
  id: string,
  record: EntityRecord,
  ctx: EvaluationContext,
  modifiedAt?: Date,
): Promise<TargetView> {
  const values = evaluator.readTargetValues(mapping, record);
  const twoWay = mapping.properties.some((p) => p.direction !== 'to-target');
  const desiredSource = twoWay
    ? await evaluator.valuesForSource(mapping, record, ctx)
    : new Map<string, unknown>();
  // A to-source property reads the target only through its expression: its "target
  // value" (what a change is detected on) is what it yields, in the source's vocabulary.
  for (const p of mapping.properties) {
    if (p.direction === 'to-source' && p.source !== undefined)
      values.set(p.target, desiredSource.get(p.source));
  }
  return {
    id,
    values,
    raw: rawTargetValues(mapping, record),
    desiredSource,
    objects: objectPathsOf(
      record,
      mapping.properties.filter((p) => p.direction !== 'to-source').map((p) => p.target),
    ),
    ...(modifiedAt ? { modifiedAt } : {}),
    locked: mapping.target.lockedWhen ? await evaluator.isLocked(mapping, record, ctx) : false,
    fromBase: false,
  };
}

/**
 * {@link targetViewOf} for a record of a listing (the target pass, a match index): one
 * record the mapping fails on must not stop the listing of all the others — before, a
 * PowerOffice stock figure the shop's integer could not take stopped every run of the
 * mapping for good. The view carries the error instead, with the raw values (what change
 * detection compares), and fails only the record that merges or adopts it.
 */
export async function listedTargetViewOf(
  evaluator: MappingEval,
  mapping: CompiledMapping,
  id: string,
  record: EntityRecord,
  ctx: EvaluationContext,
  modifiedAt?: Date,
): Promise<TargetView> {
  try {
    return await targetViewOf(evaluator, mapping, id, record, ctx, modifiedAt);
  } catch (error) {
    if (!(error instanceof MappingRuntimeError || error instanceof RecordFailure)) throw error;
    return {
      id,
      values: evaluator.readTargetValues(mapping, record),
      raw: rawTargetValues(mapping, record),
      desiredSource: new Map(),
      objects: objectPathsOf(
        record,
        mapping.properties.filter((p) => p.direction !== 'to-source').map((p) => p.target),
      ),
      ...(modifiedAt ? { modifiedAt } : {}),
      locked: false,
      fromBase: false,
      unreadable: error,
    };
  }
}

function rawTargetValues(mapping: CompiledMapping, record: EntityRecord): Map<string, unknown> {
  return new Map(
    mapping.properties
      .filter((p) => p.direction !== 'to-source')
      .map((p) => [p.target, getPath(record, p.target)]),
  );
}

/** The view, or the error of a target record the mapping fails on (see `unreadable`). */
export function readable(view: TargetView): TargetView {
  if (view.unreadable) throw view.unreadable;
  return view;
}

/** The source as it was at the last sync (it has not changed since). */
export function sourceFromBase(link: LinkRecord): SourceView {
  return {
    id: link.sourceId,
    yields: new Map(Object.entries(link.base.yields ?? {})),
    raw: new Map(Object.entries(link.base.source)),
    objects: link.base.sourceObjects ?? [],
    fromBase: true,
  };
}

/** The target as it was at the last sync (it has not changed since). */
export function targetFromBase(link: LinkRecord): TargetView {
  return {
    id: link.targetId,
    values: new Map(Object.entries(link.base.target)),
    desiredSource: new Map(),
    objects: link.base.targetObjects ?? [],
    locked: link.locked === true,
    fromBase: true,
  };
}

/** Whether a target view differs from the link's snapshot (values or lock). */
export function targetDiffers(
  evaluator: MappingEval,
  mapping: CompiledMapping,
  link: LinkRecord,
  view: TargetView,
): boolean {
  if ((link.locked === true) !== view.locked) return true;
  return mapping.properties.some(
    (p) =>
      !(p.target in link.base.target) ||
      !evaluator.sameValue(
        view.values.get(p.target),
        link.base.target[p.target],
        p.direction === 'to-source' ? (p.sourceType ?? p.type) : p.type,
        p.normalize,
      ),
  );
}

/** Whether a target record belongs to this mapping (`target.where`). */
export function matchesWhere(
  evaluator: MappingEval,
  mapping: CompiledMapping,
  record: EntityRecord,
): boolean {
  return Object.entries(mapping.target.where).every(([path, value]) =>
    evaluator.sameValue(getPath(record, path), value, typeof value === 'boolean' ? 'boolean' : 'string'),
  );
}
