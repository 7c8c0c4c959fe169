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
import type { CompiledMapping, EvaluationContext } from '../mapping/model.ts';
import { getPath } from '../mapping/values.ts';
import type { LinkRecord } from '../store/sync-state.ts';
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
  /** Target path → raw value. */
  values: Map<string, unknown>;
  /** Source path → value the target yields (two-way mappings). */
  desiredSource: Map<string, unknown>;
  objects: string[];
  modifiedAt?: Date;
  locked: boolean;
  fromBase: boolean;
}

export async function sourceViewOf(
  evalr: MappingEval,
  mapping: CompiledMapping,
  id: string,
  record: unknown,
  ctx: EvaluationContext,
  modifiedAt?: Date,
): Promise<SourceView> {
  const yields = await evalr.valuesForTarget(mapping, record, ctx);
  const raw = evalr.readSourceValues(mapping, record);
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
  evalr: MappingEval,
  mapping: CompiledMapping,
  id: string,
  record: EntityRecord,
  ctx: EvaluationContext,
  modifiedAt?: Date,
): Promise<TargetView> {
  const values = evalr.readTargetValues(mapping, record);
  const twoWay = mapping.properties.some((p) => p.direction !== 'to-target');
  const desiredSource = twoWay
    ? await evalr.valuesForSource(mapping, record, ctx)
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
    desiredSource,
    objects: objectPathsOf(
      record,
      mapping.properties.filter((p) => p.direction !== 'to-source').map((p) => p.target),
    ),
    ...(modifiedAt ? { modifiedAt } : {}),
    locked: mapping.target.lockedWhen ? await evalr.isLocked(mapping, record, ctx) : false,
    fromBase: false,
  };
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
  evalr: MappingEval,
  mapping: CompiledMapping,
  link: LinkRecord,
  view: TargetView,
): boolean {
  if ((link.locked === true) !== view.locked) return true;
  return mapping.properties.some(
    (p) =>
      !(p.target in link.base.target) ||
      !evalr.sameValue(
        view.values.get(p.target),
        link.base.target[p.target],
        p.direction === 'to-source' ? (p.sourceType ?? p.type) : p.type,
        p.normalize,
      ),
  );
}

/** Whether a target record belongs to this mapping (`target.where`). */
export function matchesWhere(evalr: MappingEval, mapping: CompiledMapping, record: EntityRecord): boolean {
  return Object.entries(mapping.target.where).every(([path, value]) =>
    evalr.sameValue(getPath(record, path), value, typeof value === 'boolean' ? 'boolean' : 'string'),
  );
}
