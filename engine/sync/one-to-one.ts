/**
 * Links are one-to-one: a target record belongs to at most one source record, and a source
 * record to at most one target record. Every path that adopts a record that already exists
 * — a first-time match, a create answered "duplicate" whose holder carries our guard, a
 * guard lookup after an unknown outcome or a crash — asks the store who owns the record
 * before linking it. Without this check a shop product whose SKU happens to equal another
 * product's generated code (or differs from its SKU only by whitespace) would be "recovered"
 * onto the other product's PowerOffice record, and each would overwrite the other's price.
 *
 * Virtual links (a guest's synthetic customer) are the documented exception: several
 * guests may share one customer, and a real customer may take a target over from them.
 * Fan-out children are adopted by guard within their own parent only (no reverse index).
 */
import { RecordFailure } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';

/** `sourceId` may take target record `targetId`: no other (real) source record owns it. */
export async function assertTargetFree(
  mappingRun: MappingRun,
  sourceId: string,
  targetId: string,
  how: string,
): Promise<void> {
  if (mappingRun.mapping.fanOut) return;
  const owner = await mappingRun.state.reverse(targetId);
  if (!owner || owner.virtual || owner.sourceId === sourceId) return;
  throw linkTaken(mappingRun, { sourceId, targetId, other: owner.sourceId, side: 'target', how });
}

/** Target record `targetId` may take source record `sourceId`: it is not linked elsewhere. */
export async function assertSourceFree(
  mappingRun: MappingRun,
  sourceId: string,
  targetId: string,
  how: string,
): Promise<void> {
  const link = await mappingRun.state.getLink(sourceId);
  if (!link || link.virtual || link.targetId === targetId) return;
  throw linkTaken(mappingRun, { sourceId, targetId, other: link.targetId, side: 'source', how });
}

/**
 * The failure: it names both records that want the one partner, and the partner. Ids and
 * the way the partner was found (the identity guard's field, a match rule), never values.
 */
function linkTaken(
  mappingRun: MappingRun,
  f: { sourceId: string; targetId: string; other: string; side: 'source' | 'target'; how: string },
): RecordFailure {
  const { mapping } = mappingRun;
  const src = `${mapping.source.system} ${mapping.source.entity}`;
  const tgt = `${mapping.target.system} ${mapping.target.entity}`;
  const message =
    f.side === 'target'
      ? `${src} ${f.sourceId} would be linked to ${tgt} ${f.targetId} (${f.how}), which is already linked to ${src} ${f.other}; links are one-to-one, so nothing was linked or written. Give one of the two ${src} records a different identifying value, or merge them.`
      : `${tgt} ${f.targetId} would be linked to ${src} ${f.sourceId} (${f.how}), which is already linked to ${tgt} ${f.other}; links are one-to-one, so nothing was linked or written.`;
  return new RecordFailure('LINK_TAKEN', 'conflict', message, {
    candidates: f.side === 'target' ? [f.other, f.sourceId] : [f.other, f.targetId],
    details: { partner: f.side === 'target' ? f.targetId : f.sourceId, linkedTo: f.other, via: f.how },
  });
}
