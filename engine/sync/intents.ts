/**
 * Phase 0 of a mapping's run: the create intents a stopped run left behind. An intent is
 * stored before a create and deleted once its link is stored (per page); one still there
 * means the run stopped somewhere in between. Its record linked already → the intent is
 * obsolete; otherwise the identity guard tells whether the create happened.
 */
import type { Side } from '../mapping/model.ts';
import type { IntentRecord } from '../store/sync-state.ts';
import { emptyLink } from './empty-link.ts';
import { type ClassifiedFailure, classify } from './failures.ts';
import { lookupGuard } from './guarded-create.ts';
import type { MappingRun } from './mapping-run.ts';
import { assertSourceFree, assertTargetFree } from './one-to-one.ts';
import { objectPathsOf } from './patch.ts';

/**
 * Step 0 of a mapping's run: resolve the intents a crashed run left behind. Exactly one
 * record carries the guard → link it (`recovered`); none → the create never happened,
 * drop the intent so the record is created normally; several → a failed record.
 */
export async function resolveIntents(mappingRun: MappingRun): Promise<void> {
  const { run, mapping } = mappingRun;
  const stale = await linkedAlready(mappingRun);
  if (stale.length > 0) await mappingRun.state.deleteIntents(stale);
  const settled = new Set(stale.map((i) => `${i.from}.${i.id}`));
  for (const { from, id, intent } of mappingRun.intents) {
    if (run.aborted()) return;
    if (settled.has(`${from}.${id}`)) continue;
    const binding = from === 'source' ? mappingRun.target : mappingRun.source;
    if (intent.childKey !== undefined) {
      // Child creates are re-checked by the child pass, which adopts existing children by guard.
      if (!run.dryRun) await mappingRun.state.deleteIntent(from, id);
      continue;
    }
    const found = await lookupGuard(binding, intent);
    if (found.length === 1) {
      const record = found[0]!;
      const foundId = binding.descriptor.idOf(record);
      const sourceId = from === 'source' ? id : foundId;
      const targetId = from === 'source' ? foundId : id;
      const taken = intent.virtual ? undefined : await takenBy(mappingRun, from, sourceId, targetId, intent);
      if (taken) {
        // The record carrying the guard is another record's partner: not ours to recover.
        await mappingRun.finish(from, id, {
          outcome: 'failed',
          direction: 'none',
          properties: [],
          failure: taken,
        });
      } else if (!(await mappingRun.state.getLink(sourceId))) {
        const link = emptyLink(sourceId, targetId, 'recovered', run.now());
        if (intent.virtual) link.virtual = true;
        if (from === 'source') {
          // The target values are known; the source values flow on the record's next sync.
          const values = run.evaluator.readTargetValues(mapping, record);
          for (const p of mapping.properties) link.base.target[p.target] = values.get(p.target) ?? null;
          link.base.targetObjects = objectPathsOf(record, values.keys());
        }
        await mappingRun.state.putLink(link);
        // A failure stored while the create's outcome was unknown is obsolete now.
        await mappingRun.clearFailure(from, id);
        if (from === 'source' && !intent.virtual) await adoptChildrenOf(mappingRun, id);
      }
      if (!taken)
        run.deps.runtime.logger.info(
          { mapping: mapping.name, from, id, partner: foundId },
          'recovered a create interrupted by a crash: linked by identity guard',
        );
    } else if (found.length > 1) {
      await mappingRun.finish(from, id, {
        outcome: 'failed',
        direction: 'none',
        properties: [],
        failure: {
          code: 'AMBIGUOUS_GUARD',
          kind: 'ambiguous',
          reason: `${found.length} records carry this record's identity guard ${intent.guard.field}: ${found.map((r) => binding.descriptor.idOf(r)).join(', ')}`,
          candidates: found.map((r) => binding.descriptor.idOf(r)),
        },
      });
    }
    await mappingRun.state.deleteIntent(from, id);
  }
  mappingRun.intentsResolved();
}

/** Why the record found by the guard cannot be linked (it is another record's partner). */
async function takenBy(
  mappingRun: MappingRun,
  from: Side,
  sourceId: string,
  targetId: string,
  intent: IntentRecord,
): Promise<ClassifiedFailure | undefined> {
  const how = `found by its identity guard ${intent.guard.field}`;
  try {
    if (from === 'source') await assertTargetFree(mappingRun, sourceId, targetId, how);
    else await assertSourceFree(mappingRun, sourceId, targetId, how);
    return undefined;
  } catch (error) {
    return classify(error);
  }
}

/**
 * Intents whose record is linked already: the create completed and its link was stored,
 * only the intent's deletion (batched per page) did not happen before the process stopped.
 * They are dropped without a guard look-up (which would cost a request to the system each).
 */
async function linkedAlready(mappingRun: MappingRun): Promise<Array<{ from: Side; id: string }>> {
  const bySource = mappingRun.intents.filter((i) => i.from === 'source' && i.intent.childKey === undefined);
  const byTarget = mappingRun.intents.filter((i) => i.from === 'target');
  const [links, reverse] = await Promise.all([
    bySource.length > 0 ? mappingRun.state.getLinks(bySource.map((i) => i.id)) : [],
    byTarget.length > 0 ? mappingRun.state.reverseMany(byTarget.map((i) => i.id)) : [],
  ]);
  return [
    ...bySource.filter((_, k) => links[k] !== undefined),
    ...byTarget.filter((_, k) => reverse[k] !== undefined && !reverse[k]!.virtual),
  ].map(({ from, id }) => ({ from, id }));
}

/** After a recovery in phase 0: the parent's children already exist; let the child mappings link them. */
async function adoptChildrenOf(mappingRun: MappingRun, sourceId: string): Promise<void> {
  if (mappingRun.run.childrenOf(mappingRun.mapping.name).length === 0) return;
  const record = await mappingRun.source.connector.get(mappingRun.source.entity, sourceId);
  if (record) await mappingRun.syncChildren(sourceId, record, 'retry');
}
