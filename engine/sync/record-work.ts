/**
 * The record-level entry points (MappingRun's `processSource`, `processTargetChange`,
 * `processUnlinkedTarget`, `retry`, `syncOnDemand`, `linkVirtual`, `syncChildren`): each
 * takes the record's lock, hands the work to the step that does it (source-record.ts,
 * create.ts, create-in-source.ts, pair.ts) and ends in `finish`, which stores or clears
 * the failed record and reports the outcome. The engine gives this to its MappingRuns.
 */
import type { EntityRecord } from '../connectors/types.ts';
import type { Side } from '../mapping/model.ts';
import { linkOrCreate } from './create.ts';
import { linkOrCreateInSource } from './create-in-source.ts';
import { recordContext } from './dependencies.ts';
import { classify, recordVersion } from './failures.ts';
import type { MappingRun, RecordWork } from './mapping-run.ts';
import { MatchIndexes } from './match-indexes.ts';
import { syncPair } from './pair.ts';
import { reportRecord } from './report-lines.ts';
import type { KnownLinks, ProcessResult, WorkReason } from './run-types.ts';
import { syncSourceRecord } from './source-record.ts';
import { listedTargetViewOf, sourceFromBase, type TargetView } from './views.ts';

const UNCHANGED: ProcessResult = { outcome: 'unchanged', direction: 'none', properties: [] };

/** A step's error becomes the record's failure (a store failure still stops the run: classify rethrows it). */
async function attempt(work: () => Promise<ProcessResult>): Promise<ProcessResult> {
  try {
    return await work();
  } catch (error) {
    return { outcome: 'failed', direction: 'none', properties: [], failure: classify(error) };
  }
}

async function processSource(
  mappingRun: MappingRun,
  record: EntityRecord,
  reason: WorkReason,
  known?: KnownLinks,
): Promise<ProcessResult> {
  await mappingRun.prepare();
  const id = mappingRun.source.descriptor.idOf(record);
  return mappingRun.track(id, () =>
    mappingRun.run.mutex.run([`${mappingRun.mapping.name}:s:${id}`], async () => {
      if (mappingRun.handledWithParent.has(id)) return UNCHANGED;
      mappingRun.processed.add(id);
      const result = await attempt(() => syncSourceRecord(mappingRun, id, record, reason, known));
      const version = result.failure
        ? recordVersion(mappingRun.source.descriptor.modifiedAt(record), record)
        : undefined;
      await mappingRun.finish('source', id, result, version);
      if (!mappingRun.mapping.fanOut) await reportRecord(mappingRun, record, result);
      // `skipped`: no longer selected by `when` (a cancelled order); its actions still run if
      // it is linked (a credit note, a deleted draft) — actOn reads the link.
      if (
        mappingRun.mapping.actions &&
        ['created', 'updated', 'unchanged', 'skipped'].includes(result.outcome)
      )
        mappingRun.actionCandidates.set(id, record);
      return result;
    }),
  );
}

/**
 * Sync a linked pair whose target changed while its source did not (step 3), or a
 * target record given by id (retries of target-side failures).
 */
async function processTargetChange(
  mappingRun: MappingRun,
  sourceId: string,
  target: TargetView,
): Promise<ProcessResult> {
  await mappingRun.prepare();
  return mappingRun.run.mutex.run([`${mappingRun.mapping.name}:s:${sourceId}`], async () => {
    if (mappingRun.processed.has(sourceId)) return UNCHANGED;
    mappingRun.processed.add(sourceId);
    const result = await attempt(async () => {
      const link = await mappingRun.state.getLink(sourceId);
      if (!link) return { outcome: 'skipped', direction: 'none', properties: [] };
      const pair = await syncPair(mappingRun, link, sourceFromBase(link), target);
      return { ...pair, partnerId: link.targetId };
    });
    mappingRun.targetChanges.delete(sourceId);
    await mappingRun.finish('source', sourceId, result);
    return result;
  });
}

/** An unlinked target record (step 4, create.in_source): match a source record or create one. */
async function processUnlinkedTarget(mappingRun: MappingRun, target: TargetView): Promise<ProcessResult> {
  await mappingRun.prepare();
  return mappingRun.run.mutex.run([`${mappingRun.mapping.name}:t:${target.id}`], async () => {
    mappingRun.processedTargets.add(target.id);
    const result = await attempt(() => linkOrCreateInSource(mappingRun, target));
    await mappingRun.finish('target', target.id, result, target.modifiedAt?.toISOString());
    return result;
  });
}

/**
 * The parent record `sourceId` was just linked to a target record that already existed
 * (recovered by its identity guard, or matched), outside of or ahead of the child pass:
 * each fan-out child mapping adopts the children already there by their guard now and
 * creates only the missing ones. Its own pass may never list the record again (its cursor
 * can be past it), so this cannot be left to it.
 */
async function syncChildren(
  mappingRun: MappingRun,
  sourceId: string,
  record: EntityRecord,
  reason: WorkReason,
): Promise<void> {
  for (const child of mappingRun.run.childrenOf(mappingRun.mapping.name)) {
    const childRun = mappingRun.runs.get(child.name);
    if (childRun.handledWithParent.has(sourceId)) continue;
    await childRun.processSource(record, reason);
    childRun.handledWithParent.add(sourceId);
  }
}

/** Phase 6 / `mapsync retry`: fetch the failed record and process it again. */
async function retry(mappingRun: MappingRun, side: Side, id: string): Promise<void> {
  const binding = side === 'source' ? mappingRun.source : mappingRun.target;
  const record = await binding.connector.get(binding.entity, id);
  if (!record) {
    // Gone: a delete is the delete phase's (which ran before this one and kept the failed
    // record if the partner refused it again); otherwise nothing is left to retry.
    const linked =
      side === 'source'
        ? (await mappingRun.state.getLink(id)) !== undefined
        : (await mappingRun.state.reverse(id))?.virtual === false;
    if (!linked) await mappingRun.finish(side, id, { outcome: 'skipped', direction: 'none', properties: [] });
    return;
  }
  if (side === 'source') {
    await mappingRun.processSource(record, 'retry');
    return;
  }
  const view = await listedTargetViewOf(
    mappingRun.run.evaluator,
    mappingRun.mapping,
    id,
    record,
    recordContext(mappingRun).ctx,
    binding.descriptor.modifiedAt(record),
  );
  const reverse = await mappingRun.state.reverse(id);
  if (reverse && !reverse.virtual) {
    // A linked pair's failures are kept under its source id from here on.
    await mappingRun.processTargetChange(reverse.sourceId, view);
    await mappingRun.clearFailure('target', id);
  } else {
    await mappingRun.processUnlinkedTarget(view);
  }
}

/** `$link` with policy `create`: the source record is synced through this mapping now. */
async function syncOnDemand(
  mappingRun: MappingRun,
  sourceId: string,
): Promise<{ targetId?: string; reason?: string; gone?: boolean }> {
  const existing = await mappingRun.state.getLink(sourceId);
  if (existing) return { targetId: existing.targetId };
  const { source } = mappingRun;
  const record = await source.connector.get(source.entity, sourceId);
  if (!record)
    return { reason: `${mappingRun.mapping.source.entity} ${sourceId} does not exist`, gone: true };
  const result = await mappingRun.processSource(record, 'change');
  const link = await mappingRun.state.getLink(sourceId);
  return link
    ? { targetId: link.targetId }
    : { reason: result.failure?.reason ?? `record was ${result.outcome}` };
}

/** `$link` with an object: a synthetic (virtual) source record, matched or created. */
async function linkVirtual(
  mappingRun: MappingRun,
  sourceId: string,
  object: Record<string, unknown>,
): Promise<{ targetId?: string; reason?: string }> {
  await mappingRun.prepare();
  return mappingRun.track(sourceId, () =>
    mappingRun.run.mutex.run([`${mappingRun.mapping.name}:s:${sourceId}`], async () => {
      const existing = await mappingRun.state.getLink(sourceId);
      if (existing) return { targetId: existing.targetId };
      const result = await attempt(() => linkOrCreate(mappingRun, sourceId, object, { virtual: true }));
      // A virtual record's failure is reported on the dependent record, not stored twice.
      mappingRun.report('source', sourceId, result);
      const link = await mappingRun.state.getLink(sourceId);
      return link
        ? { targetId: link.targetId }
        : { reason: result.failure?.reason ?? `record was ${result.outcome}` };
    }),
  );
}

export const recordWork: RecordWork = {
  processSource,
  processTargetChange,
  processUnlinkedTarget,
  syncChildren,
  retry,
  syncOnDemand,
  linkVirtual,
  matchIndexes: (mappingRun) => new MatchIndexes(mappingRun),
};
