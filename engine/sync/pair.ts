/**
 * Sync one linked pair: decide (pair-plan.ts: the merge and the patches, no side effects),
 * then apply — write only the changed paths to each side (one JSON Patch per side), advance
 * the snapshot for what was written or found equal, and leave it alone for what failed or
 * is in conflict.
 *
 * The snapshot is advanced from what each system *stored* (the record its update returns),
 * so a system that normalises a value does not make it look changed next time.
 *
 * A pair is merged at most twice: again when the target, listed long ago, changed before
 * anything was written; or when the source write was dropped because the source record
 * changed since it was read (then with that record and the target as this sync left it).
 */

import type { EntityRecord } from '../connectors/types.ts';
import type { LinkRecord } from '../store/sync-state.ts';
import type { StillAsRead } from './batch-queue.ts';
import { assertResolved, recordContext } from './dependencies.ts';
import type { FlowDirection, RecordOutcome } from './events.ts';
import { ChangedSinceRead, type ClassifiedFailure, classify } from './failures.ts';
import { contentHash } from './hash.ts';
import { liveTarget, targetReadLongAgo } from './live-target.ts';
import type { MappingRun } from './mapping-run.ts';
import { type PairPlan, planPair, setBase } from './pair-plan.ts';
import { objectPathsOf } from './patch.ts';
import { checkSourceValues } from './source-values.ts';
import { type SourceView, sourceViewOf, type TargetView, targetDiffers } from './views.ts';

export interface PairResult {
  outcome: RecordOutcome;
  direction: FlowDirection;
  properties: string[];
  failure?: ClassifiedFailure;
  link: LinkRecord;
}

/** What one application of a plan did. */
interface Applied {
  wroteTarget: boolean;
  wroteSource: boolean;
  /** Paths written, in target terms. */
  written: string[];
  failures: ClassifiedFailure[];
  /** The link as stored after this application. */
  next: LinkRecord;
  /** What the target holds now for the paths written to it (for a merge again). */
  writtenTarget: Map<string, unknown>;
  /** The source write was dropped: the record changed after it was read. */
  changed?: ChangedSinceRead;
}

export async function syncPair(
  mr: MappingRun,
  link: LinkRecord,
  source: SourceView,
  target: TargetView,
  options: { created?: boolean; remerged?: boolean } = {},
): Promise<PairResult> {
  let created = options.created === true;
  let remerged = options.remerged === true;
  let earlier: Applied | undefined;
  // Bounded: each merge again sets `remerged`, and neither reason to merge again holds then.
  for (;;) {
    const plan = planPair(mr.mapping, link, source, target, mr.run.evalr.sameValue);
    for (const decision of plan.decisions) mr.run.conflict(decision);
    if (plan.toTarget.length > 0 && !remerged && !created && targetReadLongAgo(mr)) {
      // Nothing is written yet: when the target changed since the listing, merge again with it.
      const fresh = await liveTarget(mr, link);
      if (fresh && changedSince(mr, link, target, fresh)) {
        mr.run.deps.runtime.logger.info(
          { mapping: mr.mapping.name, sourceId: link.sourceId, targetId: link.targetId },
          'the target record changed since it was listed: merged again with the current record',
        );
        target = fresh;
        remerged = true;
        continue;
      }
    }
    const applied = await applyPlan(mr, link, source, target, plan, { created, remerged });
    if (applied.changed) {
      // A newer edit reached the source while this record waited for its write: merge again
      // with the record as it is now (the target as we left it), once.
      const again = await afterSourceChanged(mr, applied, target);
      if (again) {
        earlier = applied;
        link = applied.next;
        source = again.source;
        target = again.target;
        created = false;
        remerged = true;
        continue;
      }
      applied.failures.push(classify(applied.changed));
    }
    const result = resultOf(applied, plan);
    return earlier ? combine(earlier, result) : result;
  }
}

/** Write the plan's patches, then store the link advanced for what was written or equal. */
async function applyPlan(
  mr: MappingRun,
  link: LinkRecord,
  source: SourceView,
  target: TargetView,
  plan: PairPlan,
  options: { created: boolean; remerged: boolean },
): Promise<Applied> {
  const { mapping, run } = mr;
  const evalr = run.evalr;
  const byTarget = new Map(mapping.properties.map((p) => [p.target, p]));
  const base = plan.base;
  const applied: Applied = {
    wroteTarget: false,
    wroteSource: false,
    written: [],
    failures: [],
    next: link,
    writtenTarget: new Map(),
  };
  let targetObjectsStored = false;
  let sourceObjectsStored = false;

  if (plan.refused) applied.failures.push(plan.refused);
  else if (plan.targetWrite) {
    const invalid = sourceInvalid(mr, link, source);
    if (invalid) {
      applied.failures.push(invalid);
    } else {
      const { ops, diffs, outcomes } = plan.targetWrite;
      try {
        const stored = await run.update(mr.target, link.targetId, ops);
        const storedValues = stored ? evalr.readTargetValues(mapping, stored) : undefined;
        for (const o of outcomes) {
          const now = storedValues?.has(o.path) ? storedValues.get(o.path) : o.value;
          setBase(base, byTarget.get(o.path)!, { yielded: o.value, source: o.sourceValue, target: now });
          applied.writtenTarget.set(o.path, now);
        }
        if (stored) {
          base.targetObjects = objectPathsOf(
            stored,
            mapping.properties.map((p) => p.target),
          );
          targetObjectsStored = true;
        }
        applied.wroteTarget = true;
        applied.written.push(...outcomes.map((o) => o.path));
        run.change({
          mapping: mapping.name,
          side: 'source',
          id: link.sourceId,
          action: 'update',
          direction: 'to-target',
          partnerId: link.targetId,
          diffs,
        });
      } catch (error) {
        applied.failures.push(classify(error));
      }
    }
  }

  if (plan.sourceWrite) {
    const { ops, diffs, outcomes, changes } = plan.sourceWrite;
    try {
      const stored = await run.update(mr.source, link.sourceId, ops, {
        stillAsRead: stillAsRead(mr, source),
      });
      const storedRaw = stored ? evalr.readSourceValues(mapping, stored) : undefined;
      const storedYields = stored ? await yieldsOf(mr, stored) : undefined;
      for (const c of changes) {
        for (const o of c.outcomes) {
          setBase(base, byTarget.get(o.path)!, {
            yielded: storedYields?.has(o.path) ? storedYields.get(o.path) : o.targetValue,
            source: storedRaw?.has(c.sourcePath) ? storedRaw.get(c.sourcePath) : c.value,
            target: o.targetValue,
          });
        }
      }
      if (stored) {
        base.sourceObjects = objectPathsOf(stored, storedRaw?.keys() ?? []);
        sourceObjectsStored = true;
      }
      applied.wroteSource = true;
      applied.written.push(...outcomes.map((o) => o.path));
      run.change({
        mapping: mapping.name,
        side: 'target',
        id: link.targetId,
        action: 'update',
        direction: 'to-source',
        partnerId: link.sourceId,
        diffs,
      });
    } catch (error) {
      if (error instanceof ChangedSinceRead && !options.remerged) applied.changed = error;
      else applied.failures.push(classify(error));
    }
  }

  if (plan.conflict) applied.failures.push(plan.conflict);

  if (!target.fromBase && !targetObjectsStored) base.targetObjects = target.objects;
  if (!source.fromBase && !sourceObjectsStored) base.sourceObjects = source.objects;

  const next: LinkRecord = { ...link, base, locked: target.locked, syncedAt: link.syncedAt };
  if (!target.locked) delete next.locked;
  if (source.record !== undefined && mr.sourceIsFullScan && !applied.wroteSource) {
    next.sourceHash = contentHash(source.record);
  }
  if (options.created || JSON.stringify(next) !== JSON.stringify(link)) {
    next.syncedAt = run.now().toISOString();
    await mr.state.putLink(next, options.created ? undefined : link);
  }
  applied.next = next;
  return applied;
}

/** The outcome of one applied plan. */
function resultOf(applied: Applied, plan: PairPlan): PairResult {
  const { wroteTarget, wroteSource, written, failures } = applied;
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
    ? [...written, ...plan.toTarget.map((o) => o.path), ...plan.conflicts.map((c) => c.path)].filter(unique)
    : written;
  return { outcome, direction, properties, ...(failure ? { failure } : {}), link: applied.next };
}

/** Whether the target as read now differs from the view the merge was decided on. */
function changedSince(mr: MappingRun, link: LinkRecord, before: TargetView, now: TargetView): boolean {
  if (before.modifiedAt && now.modifiedAt) return now.modifiedAt.getTime() > before.modifiedAt.getTime();
  return targetDiffers(mr.run.evalr, mr.mapping, link, now);
}

/**
 * The views to merge again with after a source write was dropped (the source record changed
 * since it was read): the fresh source record and the target as this sync left it.
 * Undefined when the record is gone (the delete phase or the next run deals with it).
 */
async function afterSourceChanged(
  mr: MappingRun,
  applied: Applied,
  target: TargetView,
): Promise<{ source: SourceView; target: TargetView } | undefined> {
  const fresh = applied.changed?.fresh;
  if (!fresh) return undefined;
  const link = applied.next;
  mr.run.deps.runtime.logger.info(
    { mapping: mr.mapping.name, sourceId: link.sourceId, targetId: link.targetId },
    'the source record changed while its write waited: not sent, merged again with the current record',
  );
  const rc = recordContext(mr);
  const source = await sourceViewOf(
    mr.run.evalr,
    mr.mapping,
    link.sourceId,
    fresh,
    rc.ctx,
    mr.source.descriptor.modifiedAt(fresh),
  );
  assertResolved(rc);
  const values = new Map(target.values);
  for (const [path, value] of applied.writtenTarget) values.set(path, value);
  return { source, target: { ...target, values, objects: link.base.targetObjects ?? target.objects } };
}

/** The result of a first merge whose source write was dropped, followed by a second merge. */
function combine(first: Applied, again: PairResult): PairResult {
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
        mr.run.evalr.sameValue(
          values.get(p.source),
          source.raw.get(p.source),
          p.sourceType ?? p.type,
          p.normalize,
        ),
    );
  };
}

async function yieldsOf(mr: MappingRun, record: EntityRecord): Promise<Map<string, unknown>> {
  const context = recordContext(mr);
  return mr.run.evalr.valuesForTarget(mr.mapping, record, context.ctx);
}

function sourceInvalid(mr: MappingRun, link: LinkRecord, source: SourceView): ClassifiedFailure | undefined {
  if (link.virtual || source.record === undefined) return undefined;
  try {
    checkSourceValues(mr, source.record);
    return undefined;
  } catch (error) {
    return classify(error);
  }
}

function unique<T>(value: T, index: number, all: T[]): boolean {
  return all.indexOf(value) === index;
}
