/**
 * Sync one linked pair: merge property by property (merge.ts), write only the changed
 * paths to each side (one JSON Patch per side), advance the snapshot for what was written
 * or found equal, and leave it alone for what failed or is in conflict.
 *
 * The snapshot is advanced from what each system *stored* (the record its update returns),
 * so a system that normalises a value does not make it look changed next time.
 */
import type { EntityRecord } from '../connectors/types.ts';
import type { CompiledProperty, ConflictPolicy } from '../mapping/model.ts';
import type { LinkRecord } from '../store/sync-state.ts';
import { ACTION_LOCKED, describeLock, lockingAction } from './actions.ts';
import type { StillAsRead } from './batch-queue.ts';
import { assertResolved, recordContext } from './dependencies.ts';
import type { ConflictDecision, FlowDirection, PropertyDiff, RecordOutcome } from './events.ts';
import { ChangedSinceRead, type ClassifiedFailure, classify } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';
import { mergePair, type PropertyInput, type PropertyOutcome } from './merge.ts';
import { buildPatch, objectPathsOf } from './patch.ts';
import { type SourceView, sourceViewOf, type TargetView, targetDiffers } from './views.ts';

export interface PairResult {
  outcome: RecordOutcome;
  direction: FlowDirection;
  properties: string[];
  failure?: ClassifiedFailure;
  link: LinkRecord;
}

export async function syncPair(
  mr: MappingRun,
  link: LinkRecord,
  source: SourceView,
  target: TargetView,
  options: { created?: boolean; remerged?: boolean } = {},
): Promise<PairResult> {
  const { mapping } = mr;
  const evalr = mr.run.evalr;
  const byTarget = new Map(mapping.properties.map((p) => [p.target, p]));
  const inputs: PropertyInput[] = mapping.properties.map((p) =>
    propertyInput(p, mapping.conflict, link, source, target),
  );
  const outcomes = mergePair(
    {
      properties: inputs,
      firstSync: mapping.firstSync,
      ...(source.modifiedAt ? { sourceModifiedAt: source.modifiedAt } : {}),
      ...(target.modifiedAt ? { targetModifiedAt: target.modifiedAt } : {}),
    },
    evalr.sameValue,
  );

  reportConflicts(mr, link, inputs, outcomes, source, target);

  const base = structuredClone(link.base);
  base.yields ??= {};
  const failures: ClassifiedFailure[] = [];
  const written: string[] = [];
  let wroteTarget = false;
  let wroteSource = false;
  let targetObjectsStored = false;
  let sourceObjectsStored = false;
  /** What the target holds now for the paths written to it (for a merge again). */
  const writtenTarget = new Map<string, unknown>();
  /** The source write was dropped: the record changed after it was read. */
  let changed: ChangedSinceRead | undefined;

  for (const o of outcomes) {
    if (o.action !== 'converge') continue;
    const p = byTarget.get(o.path)!;
    setBase(base, p, o.base);
  }

  // Target side: one patch with exactly the changed paths.
  const toTarget = outcomes.filter((o) => o.action === 'to-target');
  if (toTarget.length > 0 && !options.remerged && !options.created && mr.targetReadLongAgo()) {
    // Nothing is written yet: when the target changed since the listing, merge again with it.
    const fresh = await mr.liveTarget(link);
    if (fresh && changedSince(mr, link, target, fresh)) {
      mr.run.deps.runtime.logger.info(
        { mapping: mapping.name, sourceId: link.sourceId, targetId: link.targetId },
        'the target record changed since it was listed: merged again with the current record',
      );
      return syncPair(mr, link, source, fresh, { ...options, remerged: true });
    }
  }
  if (toTarget.length > 0) {
    const diffs: PropertyDiff[] = toTarget.map((o) => ({
      path: o.path,
      from: o.from,
      to: o.value,
      reason: o.reason,
    }));
    const lock = lockingAction(link);
    if (target.locked || lock) {
      const why = lock ? `locked: action ${describeLock(lock)} was done` : 'locked (target.locked_when)';
      failures.push({
        code: lock ? ACTION_LOCKED : 'LOCKED',
        kind: 'locked',
        reason: `${mapping.target.system} ${mapping.target.entity} ${link.targetId} is ${why}; not written: ${diffs.map((d) => d.path).join(', ')} (the values are in the details)`,
        details: { diffs },
      });
    } else {
      const invalid = sourceInvalid(mr, link, source);
      if (invalid) {
        failures.push(invalid);
      } else {
        const ops = buildPatch(
          target.values,
          target.objects,
          toTarget.map((o) => ({ path: o.path, value: o.value })),
        );
        try {
          const stored = await mr.run.update(mr.target, link.targetId, ops);
          const storedValues = stored ? evalr.readTargetValues(mapping, stored) : undefined;
          for (const o of toTarget) {
            const p = byTarget.get(o.path)!;
            const now = storedValues?.has(o.path) ? storedValues.get(o.path) : o.value;
            setBase(base, p, { yielded: o.value, source: o.sourceValue, target: now });
            writtenTarget.set(o.path, now);
          }
          if (stored) {
            base.targetObjects = objectPathsOf(
              stored,
              mapping.properties.map((p) => p.target),
            );
            targetObjectsStored = true;
          }
          wroteTarget = true;
          written.push(...toTarget.map((o) => o.path));
          mr.run.change({
            mapping: mapping.name,
            side: 'source',
            id: link.sourceId,
            action: 'update',
            direction: 'to-target',
            partnerId: link.targetId,
            diffs,
          });
        } catch (error) {
          failures.push(classify(error));
        }
      }
    }
  }

  // Source side (two-way mappings): one patch over the source paths.
  const toSource = outcomes.filter((o) => o.action === 'to-source');
  if (toSource.length > 0 && !link.virtual) {
    const changes = new Map<string, { value: unknown; outcomes: typeof toSource }>();
    for (const o of toSource) {
      const sourcePath = byTarget.get(o.path)!.source!;
      const entry = changes.get(sourcePath) ?? { value: o.value, outcomes: [] };
      entry.outcomes.push(o);
      changes.set(sourcePath, entry);
    }
    const diffs: PropertyDiff[] = [...changes].map(([path, c]) => ({
      path: c.outcomes[0]!.path,
      sourcePath: path,
      from: source.raw.get(path),
      to: c.value,
      reason: c.outcomes[0]!.reason,
    }));
    const ops = buildPatch(
      source.raw,
      source.objects,
      [...changes].map(([path, c]) => ({ path, value: c.value })),
    );
    try {
      const stored = await mr.run.update(mr.source, link.sourceId, ops, {
        stillAsRead: stillAsRead(mr, source),
      });
      const storedRaw = stored ? evalr.readSourceValues(mapping, stored) : undefined;
      const storedYields = stored ? await yieldsOf(mr, stored) : undefined;
      for (const [path, c] of changes) {
        for (const o of c.outcomes) {
          const p = byTarget.get(o.path)!;
          setBase(base, p, {
            yielded: storedYields?.has(o.path) ? storedYields.get(o.path) : o.targetValue,
            source: storedRaw?.has(path) ? storedRaw.get(path) : c.value,
            target: o.targetValue,
          });
        }
      }
      if (stored) {
        base.sourceObjects = objectPathsOf(stored, storedRaw?.keys() ?? []);
        sourceObjectsStored = true;
      }
      wroteSource = true;
      written.push(...toSource.map((o) => o.path));
      mr.run.change({
        mapping: mapping.name,
        side: 'target',
        id: link.targetId,
        action: 'update',
        direction: 'to-source',
        partnerId: link.sourceId,
        diffs,
      });
    } catch (error) {
      if (error instanceof ChangedSinceRead && !options.remerged) changed = error;
      else failures.push(classify(error));
    }
  }

  const conflicts = outcomes.filter(
    (o): o is Extract<PropertyOutcome, { action: 'conflict' }> => o.action === 'conflict',
  );
  if (conflicts.length > 0) {
    const details = conflicts.map((c) => ({
      path: c.path,
      base: c.base,
      source: c.desiredTarget,
      target: c.targetValue,
    }));
    // The values are what a person needs to decide, and personal data: details only.
    failures.push({
      code: 'CONFLICT',
      kind: 'conflict',
      reason: `changed on both sides to different values (conflict: manual): ${details.map((d) => d.path).join(', ')}; make them equal in either system (the values are in the details: mapsync failed)`,
      details,
    });
  }

  if (!target.fromBase && !targetObjectsStored) base.targetObjects = target.objects;
  if (!source.fromBase && !sourceObjectsStored) base.sourceObjects = source.objects;

  const next: LinkRecord = {
    ...link,
    base,
    locked: target.locked,
    syncedAt: link.syncedAt,
  };
  if (!target.locked) delete next.locked;
  if (source.record !== undefined && mr.sourceIsFullScan && !wroteSource) {
    next.sourceHash = mr.hashSource(source.record);
  }
  if (options.created || JSON.stringify(next) !== JSON.stringify(link)) {
    next.syncedAt = mr.run.now().toISOString();
    await mr.state.putLink(next, options.created ? undefined : link);
  }
  if (changed) {
    // A newer edit reached the source while this record waited for its write: merge again
    // with the record as it is now (the target as we left it), once.
    const again = await remerge(mr, next, changed, target, writtenTarget, base);
    if (again) return combine({ wroteTarget, wroteSource, written }, again);
    failures.push(classify(changed));
  }

  const direction: FlowDirection =
    wroteTarget && wroteSource ? 'both' : wroteTarget ? 'to-target' : wroteSource ? 'to-source' : 'none';
  const failure = failures[0]
    ? {
        ...failures[0],
        ...(failures.length > 1 ? { reason: failures.map((f) => f.reason).join(' | ') } : {}),
      }
    : undefined;
  const outcome: RecordOutcome = failure
    ? failure.kind === 'conflict'
      ? 'conflict'
      : 'failed'
    : wroteTarget || wroteSource
      ? 'updated'
      : 'unchanged';
  const properties = failure
    ? [...written, ...toTarget.map((o) => o.path), ...conflicts.map((c) => c.path)].filter(unique)
    : written;
  return { outcome, direction, properties, ...(failure ? { failure } : {}), link: next };
}

/** Whether the target as read now differs from the view the merge was decided on. */
function changedSince(mr: MappingRun, link: LinkRecord, before: TargetView, now: TargetView): boolean {
  if (before.modifiedAt && now.modifiedAt) return now.modifiedAt.getTime() > before.modifiedAt.getTime();
  return targetDiffers(mr.run.evalr, mr.mapping, link, now);
}

/**
 * Merge a pair again after its source write was dropped (the source record changed since
 * it was read), with the fresh source record and the target as this sync left it. Returns
 * undefined when the record is gone (the delete phase or the next run deals with it).
 */
async function remerge(
  mr: MappingRun,
  link: LinkRecord,
  changed: ChangedSinceRead,
  target: TargetView,
  writtenTarget: ReadonlyMap<string, unknown>,
  base: LinkRecord['base'],
): Promise<PairResult | undefined> {
  const fresh = changed.fresh;
  if (!fresh) return undefined;
  mr.run.deps.runtime.logger.info(
    { mapping: mr.mapping.name, sourceId: link.sourceId, targetId: link.targetId },
    'the source record changed while its write waited: not sent, merged again with the current record',
  );
  const rc = recordContext(mr);
  const view = await sourceViewOf(
    mr.run.evalr,
    mr.mapping,
    link.sourceId,
    fresh,
    rc.ctx,
    mr.source.descriptor.modifiedAt(fresh),
  );
  assertResolved(rc);
  const values = new Map(target.values);
  for (const [path, value] of writtenTarget) values.set(path, value);
  const now: TargetView = { ...target, values, objects: base.targetObjects ?? target.objects };
  return syncPair(mr, link, view, now, { remerged: true });
}

/** The result of a first merge whose source write was dropped, followed by a second merge. */
function combine(
  first: { wroteTarget: boolean; wroteSource: boolean; written: string[] },
  again: PairResult,
): PairResult {
  const target = first.wroteTarget || again.direction === 'to-target' || again.direction === 'both';
  const source = first.wroteSource || again.direction === 'to-source' || again.direction === 'both';
  const direction: FlowDirection =
    target && source ? 'both' : target ? 'to-target' : source ? 'to-source' : 'none';
  return {
    ...again,
    outcome: again.failure ? again.outcome : target || source ? 'updated' : again.outcome,
    direction,
    properties: [...first.written, ...again.properties].filter(unique),
  };
}

/**
 * The check a batched source write makes right before it is sent: is the record as it is
 * now still the one this merge read? By modification time when both are known (a later
 * time means an edit since); otherwise by the mapped values.
 */
function stillAsRead(mr: MappingRun, source: SourceView): StillAsRead {
  return (fresh) => {
    if (!fresh) return false;
    const now = mr.source.descriptor.modifiedAt(fresh);
    if (source.modifiedAt && now) return now.getTime() <= source.modifiedAt.getTime();
    const values = mr.run.evalr.readSourceValues(mr.mapping, fresh);
    return mr.mapping.properties.every(
      (p) =>
        p.source === undefined ||
        !source.raw.has(p.source) ||
        mr.run.evalr.sameValue(values.get(p.source), source.raw.get(p.source), p.sourceType ?? p.type),
    );
  };
}

const DECIDED_BY_POLICY = new Set(['newest-wins', 'source-wins', 'target-wins']);

/** Every property changed in both systems to different values: what the policy decided. */
function reportConflicts(
  mr: MappingRun,
  link: LinkRecord,
  inputs: readonly PropertyInput[],
  outcomes: readonly PropertyOutcome[],
  source: SourceView,
  target: TargetView,
): void {
  outcomes.forEach((o, i) => {
    let winner: ConflictDecision['winner'];
    if (o.action === 'conflict') winner = 'none';
    else if ((o.action === 'to-target' || o.action === 'to-source') && DECIDED_BY_POLICY.has(o.reason))
      winner = o.action === 'to-target' ? 'source' : 'target';
    else return;
    const input = inputs[i]!;
    mr.run.conflict({
      mapping: mr.mapping.name,
      sourceId: link.sourceId,
      targetId: link.targetId,
      property: o.path,
      sourceValue: input.sourceValue !== undefined ? input.sourceValue : input.desiredTarget,
      targetValue: input.targetValue,
      winner,
      policy: input.conflict,
      ...(source.modifiedAt ? { sourceModifiedAt: source.modifiedAt.toISOString() } : {}),
      ...(target.modifiedAt ? { targetModifiedAt: target.modifiedAt.toISOString() } : {}),
    });
  });
}

function propertyInput(
  p: CompiledProperty,
  conflict: ConflictPolicy,
  link: LinkRecord,
  source: SourceView,
  target: TargetView,
): PropertyInput {
  const b = link.base;
  const hasBase = p.target in b.target;
  return {
    path: p.target,
    type: p.type,
    sourceType: p.sourceType ?? p.type,
    direction: p.direction,
    conflict: p.conflict ?? conflict,
    sourceValue: p.source !== undefined ? source.raw.get(p.source) : undefined,
    ...(p.direction !== 'to-source' ? { desiredTarget: source.yields.get(p.target) } : {}),
    targetValue: target.values.get(p.target),
    ...(p.direction !== 'to-target' && p.source !== undefined
      ? { desiredSource: target.desiredSource.get(p.source) }
      : {}),
    ...(hasBase
      ? {
          base: {
            yielded: b.yields?.[p.target],
            source: p.source !== undefined ? b.source[p.source] : undefined,
            target: b.target[p.target],
          },
        }
      : {}),
  };
}

function setBase(
  base: LinkRecord['base'],
  p: CompiledProperty,
  value: { yielded?: unknown; source?: unknown; target: unknown },
): void {
  base.target[p.target] = value.target ?? null;
  if (p.direction !== 'to-source') base.yields[p.target] = value.yielded ?? null;
  if (p.source !== undefined) base.source[p.source] = value.source ?? null;
}

async function yieldsOf(mr: MappingRun, record: EntityRecord): Promise<Map<string, unknown>> {
  const context = recordContext(mr);
  return mr.run.evalr.valuesForTarget(mr.mapping, record, context.ctx);
}

function sourceInvalid(mr: MappingRun, link: LinkRecord, source: SourceView): ClassifiedFailure | undefined {
  if (link.virtual || source.record === undefined) return undefined;
  try {
    mr.checkSourceValues(source.record);
    return undefined;
  } catch (error) {
    return classify(error);
  }
}

export function show(value: unknown): string {
  if (value === undefined || value === null || value === '') return '∅';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function unique<T>(value: T, index: number, all: T[]): boolean {
  return all.indexOf(value) === index;
}
