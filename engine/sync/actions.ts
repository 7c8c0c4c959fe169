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
 * 2. an intent (`action.<name>.<sourceId>`, with the operation's value) is stored before the
 *    operation is sent and deleted once it and its write-back are done; an intent found at
 *    the start of a run means an attempt may have reached the system, so the action is
 *    resumed with `resume: true` and the stored value — whatever the record's state now —
 *    and the connector finds out first what that attempt did (PowerOffice: the order's
 *    `sentState`, the voucher's reference) instead of repeating it;
 * 3. a refusal (validation, auth, locked…) drops the intent: nothing happened.
 * A failure is a failed record `ACTION_FAILED` of the source record, retried with backoff.
 *
 * Records no longer selected by the mapping's `when` (a cancelled order) are candidates too,
 * when linked. `$actions` (done actions by name → result) is bound in `when`, `value` and
 * write-backs; per-item actions (`each` + `key`: a credit note per refund) run through
 * action-items.ts, one stored action per item.
 */
import { randomUUID } from 'node:crypto';
import type { EntityRecord } from '../connectors/types.ts';
import { truthy } from '../mapping/evaluate.ts';
import type { CompiledAction } from '../mapping/model.ts';
import type { ActionIntent, ActionState, LinkRecord } from '../store/sync-state.ts';
import { actOnItems, asPlanned, doneActions, type ItemSteps } from './action-items.ts';
import { assertResolved, recordContext } from './dependencies.ts';
import { ACTION_FAILED, classify } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';

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
  for (const mappingRun of runs) {
    if (!mappingRun.mapping.actions?.length || mappingRun.run.stopping()) continue;
    await mappingRun.prepare();
    const resumed = new Map<string, ActionIntent[]>();
    for (const intent of mappingRun.actionIntents) {
      resumed.set(intent.sourceId, [...(resumed.get(intent.sourceId) ?? []), intent]);
    }
    const ids = new Set([...mappingRun.actionCandidates.keys(), ...resumed.keys()]);
    await Promise.all(
      [...ids].map((id) =>
        mappingRun.run.limit(async () => {
          if (mappingRun.run.stopping()) return;
          let record: EntityRecord | null | undefined = mappingRun.actionCandidates.get(id);
          record ??= await mappingRun.source.connector.get(mappingRun.source.entity, id);
          await actOn(mappingRun, id, record ?? undefined, resumed.get(id) ?? []);
        }),
      ),
    );
    mappingRun.actionCandidates.clear();
    mappingRun.actionLinks.clear();
    mappingRun.actionIntentsResumed();
  }
}

/**
 * Thrown by a step that would write (an operation, its intent, a failure, a plan line) while
 * `actOn` works from the run's own copy of the link: the link is read from the store first.
 */
class NeedsStoredLink extends Error {}

/** The actions of one source record (`record` absent: gone in the source; only intents resume). */
export async function actOn(
  mappingRun: MappingRun,
  sourceId: string,
  record: EntityRecord | undefined,
  intents: readonly ActionIntent[],
): Promise<void> {
  await mappingRun.run.mutex.run([`${mappingRun.mapping.name}:s:${sourceId}`], async () => {
    const pass = randomUUID(); // OperationRequest.pass
    // The link as the record pass just read or wrote it tells, without a store read, that
    // nothing is to be done (most records, most runs). It may be older than the store's
    // (another process): so the first step that would write starts over from the stored link.
    const seen = mappingRun.actionLinks.take(sourceId);
    if (seen && intents.length === 0) {
      try {
        await actionsOf(mappingRun, seen, record, intents, pass, false);
        return;
      } catch (error) {
        if (!(error instanceof NeedsStoredLink)) throw error;
      }
    }
    const link = await mappingRun.state.getLink(sourceId);
    if (!link || link.virtual) return;
    await actionsOf(mappingRun, link, record, intents, pass, true);
  });
}

/** The record's actions in order, from `link`; `stored`: read from the store under the lock. */
async function actionsOf(
  mappingRun: MappingRun,
  from: LinkRecord,
  record: EntityRecord | undefined,
  intents: readonly ActionIntent[],
  pass: string,
  stored: boolean,
): Promise<void> {
  const writes = () => {
    if (!stored) throw new NeedsStoredLink();
  };
  let link = from;
  for (const action of mappingRun.mapping.actions ?? []) {
    if (action.each) {
      const next = await actOnItems(
        mappingRun,
        link,
        record,
        action,
        intents,
        itemSteps(mappingRun, record, pass, writes),
      );
      if (!next) return; // failed: later actions wait for it
      link = next;
      continue;
    }
    const state = link.actions?.[action.name];
    if (state?.writtenBackAt) continue;
    const intent = intents.find((i) => i.action === action.name);
    if (!state && !intent && !(record && (await ready(mappingRun, link, record, action)))) continue;
    writes();
    if (mappingRun.run.dryRun) {
      plan(mappingRun, link, action);
      link = asPlanned(link, action);
      continue;
    }
    const next = await perform(mappingRun, link, record, action, {
      state,
      resume: intent !== undefined,
      pass,
      ...(intent ? { intent } : {}),
    });
    if (!next) return; // failed: later actions wait for it
    link = next;
  }
}

/** The item loop's steps (action-items.ts), bound to this module's functions. */
function itemSteps(
  mappingRun: MappingRun,
  record: EntityRecord | undefined,
  pass: string,
  writes: () => void,
): ItemSteps {
  return {
    ready: (link, action) => (record ? ready(mappingRun, link, record, action) : Promise.resolve(false)),
    run: (link, action, how) => {
      writes();
      return perform(mappingRun, link, record, action, { ...how, pass });
    },
    fail: (link, action, error) => {
      writes();
      return reportFailure(mappingRun, link, action, 'operation', error);
    },
    plan: (link, action) => {
      writes();
      plan(mappingRun, link, action);
    },
  };
}

/** Whether a not yet started action should start now. */
async function ready(
  mappingRun: MappingRun,
  link: LinkRecord,
  record: EntityRecord,
  action: CompiledAction,
): Promise<boolean> {
  const sourceId = link.sourceId;
  const failed = mappingRun.failed.get(`source.${sourceId}`);
  if (failed && failed.code !== ACTION_FAILED) return false;
  const { retryAllNow, retryIds } = mappingRun.run.options;
  const asked =
    retryAllNow === true ||
    retryIds?.has(sourceId) === true ||
    retryIds?.has(`${mappingRun.mapping.name}:${sourceId}`) === true;
  if (failed && !asked && new Date(failed.nextAttemptAt) > mappingRun.run.now()) return false;
  for (const child of mappingRun.run.childrenOf(mappingRun.mapping.name)) {
    const childRun = mappingRun.runs.get(child.name);
    await childRun.prepare();
    if (childRun.failed.has(`source.${sourceId}`)) return false;
  }
  const when = action.when;
  if (!when) return true;
  const evaluation = recordContext(mappingRun, { actions: doneActions(link) });
  return truthy(await mappingRun.run.evaluator.evaluate(when, record, evaluation.ctx));
}

function plan(mappingRun: MappingRun, link: LinkRecord, action: CompiledAction): void {
  mappingRun.run.reporter.change({
    mapping: mappingRun.mapping.name,
    side: 'source',
    id: link.sourceId,
    action: 'operation',
    operation: action.name,
    direction: 'to-target',
    partnerId: link.targetId,
    diffs: [],
    notes: [
      `${action.operation} ${mappingRun.mapping.target.system} ${mappingRun.mapping.target.entity} ${link.targetId}` +
        (action.writeBack.length > 0
          ? `, then ${action.writeBack.map((w) => w.operation).join(', ')} on ${mappingRun.mapping.source.entity} ${link.sourceId}`
          : ''),
    ],
  });
}

/** Operation (unless done), then write-back; returns the link as stored, undefined on failure. */
async function perform(
  mappingRun: MappingRun,
  link: LinkRecord,
  record: EntityRecord | undefined,
  action: CompiledAction,
  how: {
    state: ActionState | undefined;
    resume: boolean;
    pass: string;
    item?: unknown;
    intent?: ActionIntent;
  },
): Promise<LinkRecord | undefined> {
  const { mapping, run } = mappingRun;
  const logger = run.deps.runtime.logger;
  let state = how.state;
  let current = link;
  let step: 'operation' | 'write-back' = 'operation';
  const bindings = { actions: doneActions(link), ...('item' in how ? { item: how.item } : {}) };
  try {
    if (!state) {
      // Resumed: the value the cut-off attempt sent (stored with its intent), else computed.
      const value =
        how.intent?.value !== undefined
          ? how.intent.value
          : await operationValue(mappingRun, record, action, bindings);
      await mappingRun.state.setActionIntent({
        action: action.name,
        sourceId: link.sourceId,
        targetId: link.targetId,
        at: how.intent?.at ?? run.now().toISOString(),
        ...(value !== undefined ? { value } : {}),
      });
      const done = await run.writer.perform(mappingRun.target, {
        operation: action.operation,
        entity: mapping.target.entity,
        id: link.targetId,
        options: action.options,
        ...(value !== undefined ? { value } : {}),
        resume: how.resume,
        pass: how.pass,
      });
      state = { doneAt: run.now().toISOString(), result: done.result, locks: action.locksTarget };
      current = await save(mappingRun, current, action.name, state);
      logger.info({ mapping: mapping.name, sourceId: link.sourceId, action: action.name }, done.summary);
      run.reporter.change({
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
      const evaluation = recordContext(mappingRun, { ...bindings, result: state.result });
      for (const wb of action.writeBack) {
        const value = wb.value ? await run.evaluator.evaluate(wb.value, record, evaluation.ctx) : undefined;
        await run.writer.perform(mappingRun.source, {
          operation: wb.operation,
          entity: mapping.source.entity,
          id: link.sourceId,
          options: wb.options,
          ...(value !== undefined ? { value } : {}),
          resume,
        });
      }
    }
    current = await save(mappingRun, current, action.name, {
      ...state,
      writtenBackAt: run.now().toISOString(),
    });
    await mappingRun.state.deleteActionIntent(action.name, link.sourceId);
    if (mappingRun.failed.get(`source.${link.sourceId}`)?.code === ACTION_FAILED)
      await mappingRun.clearFailure('source', link.sourceId);
    return current;
  } catch (error) {
    if (!state && REFUSED.has(classify(error).kind))
      await mappingRun.state.deleteActionIntent(action.name, link.sourceId);
    await reportFailure(mappingRun, link, action, step, error);
    return undefined;
  }
}

/** The operation's `value` (with `$item`, `$actions`), or undefined when it takes none. */
async function operationValue(
  mappingRun: MappingRun,
  record: EntityRecord | undefined,
  action: CompiledAction,
  bindings: Record<string, unknown>,
): Promise<unknown> {
  if (!action.value || !record) return undefined;
  const evaluation = recordContext(mappingRun, bindings);
  const value = await mappingRun.run.evaluator.evaluate(action.value, record, evaluation.ctx);
  assertResolved(evaluation);
  return value;
}

/** The action's failure as the source record's failed record `ACTION_FAILED`. */
async function reportFailure(
  mappingRun: MappingRun,
  link: LinkRecord,
  action: CompiledAction,
  step: 'operation' | 'write-back',
  error: unknown,
): Promise<void> {
  const { mapping } = mappingRun;
  const failure = classify(error);
  await mappingRun.finish('source', link.sourceId, {
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
}

async function save(
  mappingRun: MappingRun,
  link: LinkRecord,
  name: string,
  state: ActionState,
): Promise<LinkRecord> {
  const next: LinkRecord = { ...link, actions: { ...link.actions, [name]: state } };
  await mappingRun.state.putLink(next, link);
  return next;
}
