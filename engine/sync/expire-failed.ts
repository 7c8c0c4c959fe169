/**
 * A failed record is resolved when its record syncs (it is deleted then), leaves the
 * mapping's `when`, or no longer exists. The last case is not seen by the retry phase when
 * the record is not due, or when its retries have stopped (see backoff.ts): so after a
 * complete, successful listing, the failed records of ids it did not contain are looked up,
 * and those whose record is confirmed gone (`get` answers null) expire. Nothing else is
 * needed for that: the listing was made anyway (full-scan entities every run, the others in
 * full runs and reconciliations). A failed record whose id is still linked is kept: its
 * record is gone but the delete it should cause was refused (deletes.ts owns it).
 */

import type { Side } from '../mapping/model.ts';
import { confirmGone } from './deletes.ts';
import type { MappingRun } from './mapping-run.ts';

export async function expireGoneFailures(
  mappingRun: MappingRun,
  options: { sourceComplete: boolean },
): Promise<void> {
  const { run } = mappingRun;
  if (run.dryRun) return;
  const stale = [...mappingRun.failed.values()].filter((f) =>
    f.side === 'source'
      ? options.sourceComplete && mappingRun.seenSource !== undefined && !mappingRun.seenSource.has(f.id)
      : mappingRun.seenTarget !== undefined && !mappingRun.seenTarget.has(f.id),
  );
  if (stale.length === 0) return;
  const goneSource = await confirmGone(
    mappingRun.source,
    stale.filter((f) => f.side === 'source').map((f) => f.id),
  );
  const goneTarget = await confirmGone(
    mappingRun.target,
    stale.filter((f) => f.side === 'target').map((f) => f.id),
  );
  for (const f of stale) {
    if (!(f.side === 'source' ? goneSource : goneTarget).has(f.id)) continue;
    if (await stillLinked(mappingRun, f.side, f.id)) continue;
    await mappingRun.state.deleteFailed(f.side, f.id);
    mappingRun.failed.delete(`${f.side}.${f.id}`);
    run.deps.runtime.logger.info(
      { mapping: mappingRun.mapping.name, side: f.side, id: f.id, code: f.code },
      'failed record expired: its record no longer exists',
    );
  }
}

/** Whether `id` of `side` is still linked (its delete has not reached the partner yet). */
async function stillLinked(mappingRun: MappingRun, side: Side, id: string): Promise<boolean> {
  if (side === 'source') return (await mappingRun.state.getLink(id)) !== undefined;
  const reverse = await mappingRun.state.reverse(id);
  return reverse !== undefined && !reverse.virtual;
}
