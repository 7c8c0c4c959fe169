/**
 * The target record of a link as it is now (one GET), and how a target update is kept from
 * overwriting an edit made there since the record was read ({@link targetGuard}): by a
 * precondition the system checks, by a read right before every update when the system
 * refused preconditions, or else by a read when the listing is older than
 * {@link TARGET_REREAD_AFTER_MS}; pair.ts merges again when the record changed.
 */
import type { ConnectorError } from '../connectors/errors.ts';
import type { LinkRecord } from '../store/sync-state.ts';
import { recordContext } from './dependencies.ts';
import { type ClassifiedFailure, classify } from './failures.ts';
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

/**
 * How many times one pair may meet a failed precondition (`stale`) in one sync: each one
 * reads the record again and merges again; a record edited that often fails with a reason
 * and is due again at once.
 */
export const MAX_STALE_WRITES = 3;

/**
 * - `precondition`: the connector honours `test` ops on this entity: the patch carries
 *   them, a changed record answers `stale` (no read first, whatever the listing's age);
 * - `read-first`: it refused them (Connector.preconditions): read right before every update;
 * - `listing-age`: no preconditions: read first when the listing is long ago.
 */
export type TargetGuard = 'precondition' | 'read-first' | 'listing-age';

export function targetGuard(mappingRun: MappingRun): TargetGuard {
  const { connector, entity } = mappingRun.target;
  if (!connector.preconditions) return 'listing-age';
  return connector.preconditions.honoured(entity) ? 'precondition' : 'read-first';
}

/** Whether the target must be read before this update is sent (see {@link TargetGuard}). */
export function readBeforeUpdate(
  mappingRun: MappingRun,
  guard: TargetGuard,
  paths: readonly string[],
): boolean {
  if (guard === 'listing-age') return targetReadLongAgo(mappingRun);
  // Only a two-way property's value may have to win over the one decided here.
  const twoWay = new Set(
    mappingRun.mapping.properties.filter((p) => p.direction === 'both').map((p) => p.target),
  );
  return guard === 'read-first' && paths.some((p) => twoWay.has(p));
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

/** A pair whose target refused its update's precondition again and again, or is gone. */
export function staleFailure(
  mappingRun: MappingRun,
  link: LinkRecord,
  error: ConnectorError,
  times: number,
): ClassifiedFailure {
  const failure = classify(error);
  if (times < MAX_STALE_WRITES) return failure;
  const { system, entity } = mappingRun.target;
  return {
    ...failure,
    reason: `${system} ${entity} ${link.targetId} changed again each of the ${times} times it was read and written (its precondition failed); nothing written, due again at once: ${failure.reason}`,
  };
}
