/**
 * One source record, under its lock (mapping-run.ts takes it): `when`, then the way it goes —
 * a fan-out parent's children (fanout.ts), an unlinked record matched or created
 * (create.ts), or a linked pair merged (pair.ts) against the freshest target view this run
 * has: the changed one from the target listing, the live record when a failed write may have
 * consumed a target change, else the link's snapshot.
 */
import type { EntityRecord } from '../connectors/types.ts';
import { linkOrCreate } from './create.ts';
import { assertResolved, recordContext } from './dependencies.ts';
import { processChildren } from './fanout.ts';
import { contentHash } from './hash.ts';
import { liveTarget } from './live-target.ts';
import type { MappingRun } from './mapping-run.ts';
import { syncPair } from './pair.ts';
import type { KnownLinks, ProcessResult, WorkReason } from './run-types.ts';
import { sourceViewOf, targetFromBase } from './views.ts';

export async function syncSourceRecord(
  mappingRun: MappingRun,
  id: string,
  record: EntityRecord,
  reason: WorkReason,
  known?: KnownLinks,
): Promise<ProcessResult> {
  const { mapping, run } = mappingRun;
  const when = mapping.when ?? (mapping.fanOut ? run.mapping(mapping.fanOut.parent).when : undefined);
  if (when) {
    const evaluation = recordContext(mappingRun);
    const passes = await run.evaluator.passesWhen({ ...mapping, when }, record, evaluation.ctx);
    if (!passes) return { outcome: 'skipped', direction: 'none', properties: [] };
  }
  if (mapping.fanOut) return processChildren(mappingRun, id, record, known);

  // The page's preloaded link is stale only if this run wrote it since (a dependency
  // created on demand, a repeat in a full scan): then it is read again.
  const trusted = known !== undefined && !mappingRun.preload.writtenSince(id, known.mark);
  const link = trusted ? known.link : await mappingRun.state.getLink(id);
  mappingRun.actionLinks.seen(id, link);
  if (!link) return linkOrCreate(mappingRun, id, record, { virtual: false, knownUnlinked: trusted });

  const changedTarget = mappingRun.targetChanges.get(id);
  if (
    mappingRun.sourceIsFullScan &&
    !changedTarget &&
    link.sourceHash !== undefined &&
    link.sourceHash === contentHash(record) &&
    !mappingRun.failed.has(`source.${id}`)
  ) {
    return { outcome: 'unchanged', direction: 'none', properties: [], partnerId: link.targetId };
  }
  const evaluation = recordContext(mappingRun);
  const modifiedAt = mappingRun.source.descriptor.modifiedAt(record);
  const view = await sourceViewOf(run.evaluator, mapping, id, record, evaluation.ctx, modifiedAt);
  assertResolved(evaluation);
  // A record that failed before (or arrives by webhook/retry) is merged against the live
  // target: a target change consumed by a failed write must not be lost.
  const fresh = !changedTarget && (reason !== 'change' || mappingRun.failed.has(`source.${id}`));
  const target =
    changedTarget ?? (fresh ? await liveTarget(mappingRun, link) : undefined) ?? targetFromBase(link);
  const result = await syncPair(mappingRun, link, view, target);
  mappingRun.targetChanges.delete(id);
  return { ...result, partnerId: link.targetId };
}
