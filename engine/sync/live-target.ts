/**
 * The target record of a link as it is now (one GET), and when a decision needs it: a
 * target update decided from a listing older than {@link TARGET_REREAD_AFTER_MS} re-reads
 * the record first and merges again when it changed (pair.ts).
 */
import type { LinkRecord } from '../store/sync-state.ts';
import { recordContext } from './dependencies.ts';
import type { MappingRun } from './mapping-run.ts';
import { type TargetView, targetViewOf } from './views.ts';

/**
 * Systems such as PowerOffice Go take no precondition on a PATCH, so an edit made there while
 * the run worked would otherwise be overwritten without a conflict ever being seen. Fresher
 * decisions are sent as they are.
 */
export const TARGET_REREAD_AFTER_MS = 2000;

/**
 * Whether a target view from this run's listing is too old to write over without a look at
 * the record first. Only for two-way mappings: there, an edit made in the target since the
 * listing may have to win.
 */
export function targetReadLongAgo(mappingRun: MappingRun): boolean {
  return (
    mappingRun.mapping.direction === 'two-way' &&
    mappingRun.targetListedAt !== undefined &&
    mappingRun.run.now().getTime() - mappingRun.targetListedAt > TARGET_REREAD_AFTER_MS
  );
}

/** The target record of a link as it is now, or undefined when it is gone. */
export async function liveTarget(mappingRun: MappingRun, link: LinkRecord): Promise<TargetView | undefined> {
  // A dry run's placeholder id (`-9…`) names no record.
  if (link.targetId.startsWith('-9')) return undefined;
  const record = await mappingRun.target.connector.get(mappingRun.target.entity, link.targetId);
  if (!record) return undefined;
  const evaluation = recordContext(mappingRun);
  return targetViewOf(
    mappingRun.run.evaluator,
    mappingRun.mapping,
    link.targetId,
    record,
    evaluation.ctx,
    mappingRun.target.descriptor.modifiedAt(record),
  );
}
