/**
 * Sync one linked pair: decide (pair-plan.ts: the merge and the patches, no side effects),
 * then apply — write only the changed paths to each side (one JSON Patch per side), advance
 * the snapshot for what was written or found equal, and leave it alone for what failed or
 * is in conflict.
 *
 * The snapshot is advanced from what each system *stored* (the record its update returns),
 * so a system that normalises a value does not make it look changed next time.
 *
 * A pair is merged again when the target, read before the update (live-target.ts), changed
 * before anything was written; when the target refused the update's precondition (`stale`:
 * it changed since it was read), at most MAX_STALE_WRITES times; or when the source write
 * was dropped because the source record changed since it was read (then with that record
 * and the target as this sync left it).
 */

import { type ConnectorError, isConnectorError } from '../connectors/errors.ts';
import type { EntityRecord } from '../connectors/types.ts';
import type { LinkRecord } from '../store/sync-state.ts';
import type { StillAsRead } from './batch-queue.ts';
import { assertResolved, recordContext } from './dependencies.ts';
import type { FlowDirection, RecordOutcome } from './events.ts';
import { ChangedSinceRead, type ClassifiedFailure, classify } from './failures.ts';
import { contentHash } from './hash.ts';
import { liveTarget, MAX_STALE_WRITES, readBeforeUpdate, staleFailure, targetGuard } from './live-target.ts';
import type { MappingRun } from './mapping-run.ts';
import { type PairPlan, planPair, setBase } from './pair-plan.ts';
import { objectPathsOf } from './patch.ts';
import { sameJson } from './same-json.ts';
import { checkSourceValues } from './source-values.ts';
import { readable, type SourceView, sourceViewOf, type TargetView, targetDiffers } from './views.ts';

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
  /** The target refused the update's precondition: nothing was written or stored. */
  stale?: ConnectorError;
}

export async function syncPair(
  mappingRun: MappingRun,
  link: LinkRecord,
  source: SourceView,
  target: TargetView,
  options: { created?: boolean; remerged?: boolean } = {},
): Promise<PairResult> {
  // A target record the mapping fails on (listed-views) fails this pair, and only this one.
  readable(target);
  let created = options.created === true;
  let remerged = options.remerged === true;
  let earlier: Applied | undefined;
  // The target view was read right now: no read before the update.
  let fresh = created;
  let stale = 0;
  // Bounded: each merge again sets `remerged` (or `fresh`), and then that reason to merge
  // again no longer holds; a failed precondition merges again at most MAX_STALE_WRITES times.
  for (;;) {
    const guard = targetGuard(mappingRun);
    const plan = planPair(mappingRun.mapping, link, source, target, mappingRun.run.evaluator.sameValue, {
      preconditions: guard === 'precondition',
    });
    const paths = plan.toTarget.map((o) => o.path);
    if (
      paths.length > 0 &&
      !fresh &&
      (guard === 'read-first' || !remerged) &&
      readBeforeUpdate(mappingRun, guard, paths)
    ) {
      // Nothing is written yet: when the target changed since it was read, merge again with it.
      const now = await liveTarget(mappingRun, link);
      fresh = true;
      if (now && changedSince(mappingRun, link, target, now)) {
        mappingRun.run.deps.runtime.logger.info(
          { mapping: mappingRun.mapping.name, sourceId: link.sourceId, targetId: link.targetId },
          'the target record changed since it was read: merged again with the current record',
        );
        target = now;
        remerged = true;
        continue;
      }
    }
    const applied = await applyPlan(mappingRun, link, source, target, plan, { created, remerged });
    if (applied.stale) {
      // The target changed since it was read (its precondition failed): nothing was
      // written; merge again with the record as it is now, so the conflict policy decides.
      stale += 1;
      const now = stale < MAX_STALE_WRITES ? await liveTarget(mappingRun, link) : undefined;
      if (now) {
        mappingRun.run.deps.runtime.logger.info(
          { mapping: mappingRun.mapping.name, sourceId: link.sourceId, targetId: link.targetId },
          'the target record changed since it was read (its update was refused): merged again with the current record',
        );
        target = now;
        fresh = true;
        remerged = true;
        continue;
      }
      applied.failures.push(staleFailure(mappingRun, link, applied.stale, stale));
    } else {
      // Reported for the plan that was applied only: a plan merged again was never carried out.
      for (const decision of plan.decisions) mappingRun.run.reporter.conflict(decision);
    }
    if (applied.changed) {
      // A newer edit reached the source while this record waited for its write: merge again
      // with the record as it is now (the target as we left it), once.
      const again = await afterSourceChanged(mappingRun, applied, target);
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
  mappingRun: MappingRun,
  link: LinkRecord,
  source: SourceView,
  target: TargetView,
  plan: PairPlan,
  options: { created: boolean; remerged: boolean },
): Promise<Applied> {
  const { mapping, run } = mappingRun;
  const evaluator = run.evaluator;
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
    const invalid = sourceInvalid(mappingRun, link, source);
    if (invalid) {
      applied.failures.push(invalid);
    } else {
      const { ops, diffs, outcomes } = plan.targetWrite;
      try {
        const stored = await run.writer.update(mappingRun.target, link.targetId, ops);
        const storedValues = stored ? evaluator.readTargetValues(mapping, stored) : undefined;
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
        run.reporter.change({
          mapping: mapping.name,
          side: 'source',
          id: link.sourceId,
          action: 'update',
          direction: 'to-target',
          partnerId: link.targetId,
          diffs,
        });
      } catch (error) {
        // Nothing was written: the merge is decided again (syncPair), so nothing is stored.
        if (isConnectorError(error, 'stale')) {
          applied.stale = error;
          return applied;
        }
        applied.failures.push(classify(error));
      }
    }
  }

  if (plan.sourceWrite) {
    const { ops, diffs, outcomes, changes } = plan.sourceWrite;
    try {
      const stored = await run.writer.update(mappingRun.source, link.sourceId, ops, {
        stillAsRead: stillAsRead(mappingRun, source),
      });
      const storedRaw = stored ? evaluator.readSourceValues(mapping, stored) : undefined;
      const storedYields = stored ? await yieldsOf(mappingRun, stored) : undefined;
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
      run.reporter.change({
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
  if (source.record !== undefined && mappingRun.sourceIsFullScan && !applied.wroteSource) {
    next.sourceHash = contentHash(source.record);
  }
  if (options.created || !sameJson(next, link)) {
    next.syncedAt = run.now().toISOString();
    await mappingRun.state.putLink(next, options.created ? undefined : link);
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
function changedSince(
  mappingRun: MappingRun,
  link: LinkRecord,
  before: TargetView,
  now: TargetView,
): boolean {
  if (before.modifiedAt && now.modifiedAt) return now.modifiedAt.getTime() > before.modifiedAt.getTime();
  return targetDiffers(mappingRun.run.evaluator, mappingRun.mapping, link, now);
}

/**
 * The views to merge again with after a source write was dropped (the source record changed
 * since it was read): the fresh source record and the target as this sync left it.
 * Undefined when the record is gone (the delete phase or the next run deals with it).
 */
async function afterSourceChanged(
  mappingRun: MappingRun,
  applied: Applied,
  target: TargetView,
): Promise<{ source: SourceView; target: TargetView } | undefined> {
  const fresh = applied.changed?.fresh;
  if (!fresh) return undefined;
  const link = applied.next;
  mappingRun.run.deps.runtime.logger.info(
    { mapping: mappingRun.mapping.name, sourceId: link.sourceId, targetId: link.targetId },
    'the source record changed while its write waited: not sent, merged again with the current record',
  );
  const evaluation = recordContext(mappingRun);
  const source = await sourceViewOf(
    mappingRun.run.evaluator,
    mappingRun.mapping,
    link.sourceId,
    fresh,
    evaluation.ctx,
    mappingRun.source.descriptor.modifiedAt(fresh),
  );
  assertResolved(evaluation);
  const values = new Map(target.values);
  for (const [path, value] of applied.writtenTarget) values.set(path, value);
  // The record as read is no longer what the target holds: tests use the values written.
  const { raw: _read, ...rest } = target;
  return { source, target: { ...rest, values, objects: link.base.targetObjects ?? target.objects } };
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
 * now still the one this merge read? Not when its modification time is later; and, since an
 * equal time proves nothing (WooCommerce keeps whole seconds: an edit in the same second as
 * the one read leaves the time as it was), not when a mapped value differs from what was read.
 */
function stillAsRead(mappingRun: MappingRun, source: SourceView): StillAsRead {
  return (fresh) => {
    if (!fresh) return false;
    const now = mappingRun.source.descriptor.modifiedAt(fresh);
    if (source.modifiedAt && now && now.getTime() > source.modifiedAt.getTime()) return false;
    const values = mappingRun.run.evaluator.readSourceValues(mappingRun.mapping, fresh);
    return mappingRun.mapping.properties.every(
      (p) =>
        p.source === undefined ||
        !source.raw.has(p.source) ||
        mappingRun.run.evaluator.sameValue(
          values.get(p.source),
          source.raw.get(p.source),
          p.sourceType ?? p.type,
          p.normalize,
        ),
    );
  };
}

async function yieldsOf(mappingRun: MappingRun, record: EntityRecord): Promise<Map<string, unknown>> {
  const context = recordContext(mappingRun);
  return mappingRun.run.evaluator.valuesForTarget(mappingRun.mapping, record, context.ctx);
}

function sourceInvalid(
  mappingRun: MappingRun,
  link: LinkRecord,
  source: SourceView,
): ClassifiedFailure | undefined {
  if (link.virtual || source.record === undefined) return undefined;
  try {
    checkSourceValues(mappingRun, source.record);
    return undefined;
  } catch (error) {
    return classify(error);
  }
}

function unique<T>(value: T, index: number, all: T[]): boolean {
  return all.indexOf(value) === index;
}
