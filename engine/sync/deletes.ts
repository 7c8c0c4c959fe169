/**
 * Phase 5: deletes. A linked record counts as deleted only when
 *   1. it is absent from a COMPLETE listing of its side that finished without error
 *      (full-scan entities every run; cursor entities only in full runs), and
 *   2. a lookup by id confirms it is gone (`get` answers null: 404, or trashed).
 * Then the mapping's delete policy for that direction applies to the partner (archive,
 * delete, or ignore) and the link is removed. Before anything is written the circuit
 * breaker counts the confirmed deletions: above `delete_limit` × links the run removes
 * nothing and reports DELETE_LIMIT_EXCEEDED.
 *
 * Links made in this run, and virtual links (guests), are never delete candidates. A delete
 * the partner's system refused (PowerOffice Go will not archive a customer who owes money)
 * is a failed record under the gone record's id and the link stays; it is tried again only
 * when that failed record is due (backoff.ts), not on every run that lists the side in full.
 */
import type { DeletePolicy, Side } from '../mapping/model.ts';
import type { LinkRecord } from '../store/sync-state.ts';
import { isDue } from './backoff.ts';
import { checkDeleteLimit, describeBreaker } from './breaker.ts';
import { classify } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';
import type { SideBinding } from './run-types.ts';

export async function deletesPhase(
  mappingRun: MappingRun,
  options: { sourceComplete: boolean },
): Promise<void> {
  const { mapping, run } = mappingRun;
  const checkSource =
    mapping.delete.toTarget !== 'ignore' && options.sourceComplete && mappingRun.seenSource !== undefined;
  const checkTarget =
    mapping.direction === 'two-way' &&
    mapping.delete.toSource !== 'ignore' &&
    mappingRun.seenTarget !== undefined;
  if (!checkSource && !checkTarget) return;

  const runStart = run.startedAt.getTime();
  const now = run.now().getTime();
  // A refused delete waits for its failed record's next attempt.
  const waiting = (side: Side, id: string) => {
    const failure = mappingRun.failed.get(`${side}.${id}`);
    return failure !== undefined && !isDue(failure, now, run.options);
  };
  let links = 0;
  const goneSource: LinkRecord[] = [];
  const goneTarget: LinkRecord[] = [];
  for await (const link of mappingRun.state.allLinks()) {
    if (link.virtual) continue;
    links++;
    if (new Date(link.linkedAt).getTime() >= runStart) continue;
    if (checkSource && !mappingRun.seenSource!.has(link.sourceId)) {
      if (!waiting('source', link.sourceId)) goneSource.push(link);
    } else if (checkTarget && !mappingRun.seenTarget!.has(link.targetId)) {
      if (!waiting('target', link.targetId)) goneTarget.push(link);
    }
  }
  if (goneSource.length === 0 && goneTarget.length === 0) return;

  const confirmedSource = await confirmGone(
    mappingRun.source,
    goneSource.map((l) => l.sourceId),
  );
  const confirmedTarget = await confirmGone(
    mappingRun.target,
    goneTarget.map((l) => l.targetId),
  );
  const sourceLinks = goneSource.filter((l) => confirmedSource.has(l.sourceId));
  const targetLinks = goneTarget.filter((l) => confirmedTarget.has(l.targetId));
  const verdict = checkDeleteLimit(sourceLinks.length + targetLinks.length, links, mapping.deleteLimit);
  if (verdict.tripped) {
    run.reporter.error(mapping.name, 'DELETE_LIMIT_EXCEEDED', describeBreaker(mapping.name, verdict));
    return;
  }
  for (const link of sourceLinks) {
    await propagate(mappingRun, link, 'source', mapping.delete.toTarget);
  }
  for (const link of targetLinks) {
    await propagate(mappingRun, link, 'target', mapping.delete.toSource);
  }
}

/** Ids whose lookup answers "not found" (lookups that fail are not confirmations). */
export async function confirmGone(binding: SideBinding, ids: string[]): Promise<Set<string>> {
  const gone = new Set<string>();
  for (const id of ids) {
    try {
      if ((await binding.connector.get(binding.entity, id)) === null) gone.add(id);
    } catch {
      // Unknown is not gone.
    }
  }
  return gone;
}

/**
 * Apply the delete policy to the partner of a record that is gone from side `goneSide`,
 * and drop the link. Also used for signed delete webhooks (`SyncEngine.syncRecord`).
 */
export async function propagate(
  mappingRun: MappingRun,
  link: LinkRecord,
  goneSide: Side,
  policy: DeletePolicy,
): Promise<void> {
  const { run, mapping } = mappingRun;
  const partner = goneSide === 'source' ? mappingRun.target : mappingRun.source;
  const partnerId = goneSide === 'source' ? link.targetId : link.sourceId;
  const id = goneSide === 'source' ? link.sourceId : link.targetId;
  if (policy === 'ignore') {
    await mappingRun.state.deleteLink(link);
    await forgetFailures(mappingRun, link);
    return;
  }
  if (!partner.descriptor.removeModes.includes(policy)) {
    run.reporter.error(
      mapping.name,
      'DELETE_MODE_UNSUPPORTED',
      `${mapping.name}: ${partner.system} ${partner.entity} cannot be removed by "${policy}" (supported: ${partner.descriptor.removeModes.join(', ')})`,
    );
    return;
  }
  try {
    await run.writer.remove(partner, partnerId, policy);
    await mappingRun.state.deleteLink(link);
    await forgetFailures(mappingRun, link);
    run.reporter.change({
      mapping: mapping.name,
      side: goneSide,
      id,
      action: policy,
      direction: goneSide === 'source' ? 'to-target' : 'to-source',
      partnerId,
      diffs: [],
    });
    run.reporter.record({
      mapping: mapping.name,
      side: goneSide,
      id,
      outcome: policy === 'archive' ? 'archived' : 'deleted',
      direction: goneSide === 'source' ? 'to-target' : 'to-source',
      properties: [],
      partnerId,
    });
  } catch (error) {
    const failure = classify(error);
    await mappingRun.finish(goneSide, id, {
      outcome: 'failed',
      direction: 'none',
      properties: [],
      partnerId,
      failure,
    });
  }
}

/** The pair is gone: a failure kept for it (under its source id) is resolved. */
async function forgetFailures(mappingRun: MappingRun, link: LinkRecord): Promise<void> {
  await mappingRun.clearFailure('source', link.sourceId);
}
