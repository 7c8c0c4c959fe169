/**
 * Mapping actions (`actions:`): a connector operation on the target record of a linked pair
 * (PowerOffice `invoice`), run once the source record's condition holds, then written back
 * to the source record (WooCommerce `set-meta`, `add-note`).
 *
 * When: after every mapping of the run (fan-out children included) is done, for the source
 * records this run synced without failure (`MappingRun.actionCandidates`) whose children did
 * not fail either — an order is not invoiced while one of its lines could not be written.
 *
 * Never twice (docs/sync-engine.md, *Actions*):
 * 1. the link says what is done (`LinkRecord.actions[name]`: the result, then the time of
 *    the write-back), so a done action is never started again;
 * 2. an intent (`action.<name>.<sourceId>`) is stored before the operation is sent and
 *    deleted once it and its write-back are done; an intent found at the start of a run
 *    means an attempt may have reached the system, so the action is resumed with
 *    `resume: true` — whatever the record's state now — and the connector finds out first
 *    what that attempt did (PowerOffice: the order's `sentState`) instead of repeating it;
 * 3. a refusal (validation, auth, locked…) drops the intent: nothing happened.
 * A failure is a failed record `ACTION_FAILED` of the source record, retried with backoff.
 */
import type { EntityRecord } from '../connectors/types.ts';
import { truthy } from '../mapping/evaluate.ts';
import type { CompiledAction } from '../mapping/model.ts';
import type { ActionIntent, ActionState, LinkRecord } from '../store/sync-state.ts';
import { recordContext } from './dependencies.ts';
import { classify } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';

export const ACTION_FAILED = 'ACTION_FAILED';
export const ACTION_LOCKED = 'ACTION_LOCKED';

/** Failure kinds that mean the system refused the operation: nothing happened. */
const REFUSED = new Set(['validation', 'auth', 'not-found', 'locked', 'conflict', 'mapping']);

/** The action that locks this pair's target, with its result, when one is done. */
export function lockingAction(link: LinkRecord): { name: string; state: ActionState } | undefined {
  for (const [name, state] of Object.entries(link.actions ?? {})) if (state.locks) return { name, state };
  return undefined;
}

/** "invoice (InvoiceNo 10023)" for lock reasons: the result's first field, never personal data. */
export function describeLock(lock: { name: string; state: ActionState }): string {
  const [key, value] = Object.entries(lock.state.result)[0] ?? [];
  return key ? `${lock.name} (${key} ${String(value)})` : lock.name;
}

/** Run the actions of every mapping of the run that has some (after all mappings ran). */
export async function runActionPass(runs: readonly MappingRun[]): Promise<void> {
  for (const mr of runs) {
    if (!mr.mapping.actions?.length || mr.run.aborted() || mr.run.fatal) continue;
    await mr.prepare();
    const resumed = new Map<string, ActionIntent[]>();
    for (const intent of mr.actionIntents) {
      resumed.set(intent.sourceId, [...(resumed.get(intent.sourceId) ?? []), intent]);
    }
    const ids = new Set([...mr.actionCandidates.keys(), ...resumed.keys()]);
    await Promise.all(
      [...ids].map((id) =>
        mr.run.limit(async () => {
          if (mr.run.aborted() || mr.run.fatal) return;
          let record: EntityRecord | null | undefined = mr.actionCandidates.get(id);
          record ??= await mr.source.connector.get(mr.source.entity, id);
          await actOn(mr, id, record ?? undefined, resumed.get(id) ?? []);
        }),
      ),
    );
    mr.actionCandidates.clear();
    mr.actionIntents = [];
  }
}

/** The actions of one source record (`record` absent: gone in the source; only intents resume). */
export async function actOn(
  mr: MappingRun,
  sourceId: string,
  record: EntityRecord | undefined,
  intents: readonly ActionIntent[],
): Promise<void> {
  await mr.run.mutex.run([`${mr.mapping.name}:s:${sourceId}`], async () => {
    let link = await mr.state.getLink(sourceId);
    if (!link || link.virtual) return;
    for (const action of mr.mapping.actions ?? []) {
      const state = link.actions?.[action.name];
      if (state?.writtenBackAt) continue;
      const intent = intents.find((i) => i.action === action.name);
      if (!state && !intent && !(record && (await ready(mr, sourceId, record, action)))) continue;
      if (mr.run.dryRun) {
        plan(mr, link, action);
        continue;
      }
      const next = await perform(mr, link, record, action, { state, resume: intent !== undefined });
      if (!next) return; // failed: later actions wait for it
      link = next;
    }
  });
}

/** Whether a not yet started action should start now. */
async function ready(
  mr: MappingRun,
  sourceId: string,
  record: EntityRecord,
  action: CompiledAction,
): Promise<boolean> {
  const failed = mr.failed.get(`source.${sourceId}`);
  if (failed && failed.code !== ACTION_FAILED) return false;
  const { retryAllNow, retryIds } = mr.run.options;
  const asked =
    retryAllNow === true ||
    retryIds?.has(sourceId) === true ||
    retryIds?.has(`${mr.mapping.name}:${sourceId}`) === true;
  if (failed && !asked && new Date(failed.nextAttemptAt) > mr.run.now()) return false;
  for (const child of mr.run.childrenOf(mr.mapping.name)) {
    const childRun = mr.run.mappingRun(child.name);
    await childRun.prepare();
    if (childRun.failed.has(`source.${sourceId}`)) return false;
  }
  if (!action.when) return true;
  const rc = recordContext(mr);
  return truthy(await mr.run.evalr.evaluate(action.when, record, rc.ctx));
}

function plan(mr: MappingRun, link: LinkRecord, action: CompiledAction): void {
  mr.run.change({
    mapping: mr.mapping.name,
    side: 'source',
    id: link.sourceId,
    action: 'operation',
    operation: action.name,
    direction: 'to-target',
    partnerId: link.targetId,
    diffs: [],
    notes: [
      `${action.operation} ${mr.mapping.target.system} ${mr.mapping.target.entity} ${link.targetId}` +
        (action.writeBack.length > 0
          ? `, then ${action.writeBack.map((w) => w.operation).join(', ')} on ${mr.mapping.source.entity} ${link.sourceId}`
          : ''),
    ],
  });
}

/** Operation (unless done), then write-back; returns the link as stored, undefined on failure. */
async function perform(
  mr: MappingRun,
  link: LinkRecord,
  record: EntityRecord | undefined,
  action: CompiledAction,
  how: { state: ActionState | undefined; resume: boolean },
): Promise<LinkRecord | undefined> {
  const { mapping, run } = mr;
  const logger = run.deps.runtime.logger;
  let state = how.state;
  let current = link;
  let step = 'operation';
  try {
    if (!state) {
      await mr.state.setActionIntent({
        action: action.name,
        sourceId: link.sourceId,
        targetId: link.targetId,
        at: run.now().toISOString(),
      });
      const done = await run.perform(mr.target, {
        operation: action.operation,
        entity: mapping.target.entity,
        id: link.targetId,
        options: action.options,
        resume: how.resume,
      });
      state = { doneAt: run.now().toISOString(), result: done.result, locks: action.locksTarget };
      current = await save(mr, current, action.name, state);
      logger.info({ mapping: mapping.name, sourceId: link.sourceId, action: action.name }, done.summary);
      run.change({
        mapping: mapping.name,
        side: 'source',
        id: link.sourceId,
        action: 'operation',
        operation: action.name,
        direction: 'to-target',
        partnerId: link.targetId,
        diffs: Object.entries(done.result).map(([path, to]) => ({ path, from: null, to })),
      });
    }
    step = 'write-back';
    if (action.writeBack.length > 0 && !record) {
      // The source record is gone: there is nothing to write back to (the action itself is
      // done and recorded); the intent is settled so no later run tries again.
      logger.warn(
        { mapping: mapping.name, sourceId: link.sourceId, action: action.name },
        'the source record no longer exists: the write-back is skipped',
      );
    } else if (action.writeBack.length > 0 && record) {
      // A write-back after an earlier attempt may find its step done already: resume.
      const resume = how.state !== undefined || how.resume;
      const rc = recordContext(mr, { result: state.result });
      for (const wb of action.writeBack) {
        const value = wb.value ? await run.evalr.evaluate(wb.value, record, rc.ctx) : undefined;
        await run.perform(mr.source, {
          operation: wb.operation,
          entity: mapping.source.entity,
          id: link.sourceId,
          options: wb.options,
          ...(value !== undefined ? { value } : {}),
          resume,
        });
      }
    }
    current = await save(mr, current, action.name, { ...state, writtenBackAt: run.now().toISOString() });
    await mr.state.deleteActionIntent(action.name, link.sourceId);
    const key = `source.${link.sourceId}`;
    if (mr.failed.get(key)?.code === ACTION_FAILED) {
      await mr.state.deleteFailed('source', link.sourceId);
      mr.failed.delete(key);
    }
    return current;
  } catch (error) {
    const failure = classify(error);
    if (!state && REFUSED.has(failure.kind)) await mr.state.deleteActionIntent(action.name, link.sourceId);
    await mr.finish('source', link.sourceId, {
      outcome: 'failed',
      direction: 'none',
      properties: [],
      partnerId: link.targetId,
      failure: {
        ...failure,
        code: ACTION_FAILED,
        reason: `action "${action.name}" (${step === 'operation' ? `${action.operation} on ${mapping.target.system} ${mapping.target.entity} ${link.targetId}` : `write-back to ${mapping.source.system} ${mapping.source.entity} ${link.sourceId}`}) failed: ${failure.reason}`,
      },
    });
    return undefined;
  }
}

async function save(mr: MappingRun, link: LinkRecord, name: string, state: ActionState): Promise<LinkRecord> {
  const next: LinkRecord = { ...link, actions: { ...link.actions, [name]: state } };
  await mr.state.putLink(next, link);
  return next;
}
