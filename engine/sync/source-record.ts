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
import type { KnownLinks, MappingRun, ProcessResult, WorkReason } from './mapping-run.ts';
import { syncPair } from './pair.ts';
import { sourceViewOf, targetFromBase } from './views.ts';

export async function syncSourceRecord(
  mr: MappingRun,
  id: string,
  record: EntityRecord,
  reason: WorkReason,
  known?: KnownLinks,
): Promise<ProcessResult> {
  const { mapping, run } = mr;
  const when = mapping.when ?? (mapping.fanOut ? run.mapping(mapping.fanOut.parent).when : undefined);
  if (when) {
    const rc = recordContext(mr);
    const passes = await run.evalr.passesWhen({ ...mapping, when }, record, rc.ctx);
    if (!passes) return { outcome: 'skipped', direction: 'none', properties: [] };
  }
  if (mapping.fanOut) return processChildren(mr, id, record, known);

  // The page's preloaded link is stale only if this run wrote it since (a dependency
  // created on demand, a repeat in a full scan): then it is read again.
  const trusted = known !== undefined && !mr.preload.writtenSince(id, known.mark);
  const link = trusted ? known.link : await mr.state.getLink(id);
  if (!link) return linkOrCreate(mr, id, record, { virtual: false, knownUnlinked: trusted });

  const changedTarget = mr.targetChanges.get(id);
  if (
    mr.sourceIsFullScan &&
    !changedTarget &&
    link.sourceHash !== undefined &&
    link.sourceHash === contentHash(record) &&
    !mr.failed.has(`source.${id}`)
  ) {
    return { outcome: 'unchanged', direction: 'none', properties: [], partnerId: link.targetId };
  }
  const rc = recordContext(mr);
  const modifiedAt = mr.source.descriptor.modifiedAt(record);
  const view = await sourceViewOf(run.evalr, mapping, id, record, rc.ctx, modifiedAt);
  assertResolved(rc);
  // A record that failed before (or arrives by webhook/retry) is merged against the live
  // target: a target change consumed by a failed write must not be lost.
  const fresh = !changedTarget && (reason !== 'change' || mr.failed.has(`source.${id}`));
  const target = changedTarget ?? (fresh ? await liveTarget(mr, link) : undefined) ?? targetFromBase(link);
  const result = await syncPair(mr, link, view, target);
  mr.targetChanges.delete(id);
  return { ...result, partnerId: link.targetId };
}
