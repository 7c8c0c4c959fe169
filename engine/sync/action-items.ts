/**
 * Per-item actions (`each:` + `key:`): one operation per item of the source record — a
 * credit note per refund of an order. Each item is an action of its own in the store, named
 * `<action>:<key>` (its state on the link, its intent), so every item is done once, crash-
 * safely, exactly as a single action is (actions.ts): an item already done is skipped, an
 * item whose intent survived a crash is resumed, a new item runs once the action's `when`
 * holds. Items run in the order `each` lists them; a failed item stops the ones after it.
 *
 * `each` must yield objects and `key` a non-empty text or number, unique within the record;
 * otherwise the record fails (`ACTION_FAILED`, reason `MAP_ACTION_EACH …`).
 */
import type { EntityRecord } from '../connectors/types.ts';
import type { CompiledAction } from '../mapping/model.ts';
import type { ActionIntent, ActionState, LinkRecord } from '../store/sync-state.ts';
import { recordContext } from './dependencies.ts';
import { RecordFailure } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';

export const MAP_ACTION_EACH = 'MAP_ACTION_EACH';

/** What actions.ts lends the item loop (so that this module does not import it back). */
export interface ItemSteps {
  /** Whether new items may start now (the record's failures, backoff, children, `when`). */
  ready(link: LinkRecord, action: CompiledAction): Promise<boolean>;
  /** Run (or resume) one item; the link as stored, undefined when it failed (reported). */
  run(
    link: LinkRecord,
    action: CompiledAction,
    how: { state: ActionState | undefined; resume: boolean; item: unknown; intent?: ActionIntent },
  ): Promise<LinkRecord | undefined>;
  /** Report a failure of the whole action (a bad `each`). */
  fail(link: LinkRecord, action: CompiledAction, error: unknown): Promise<void>;
  plan(link: LinkRecord, action: CompiledAction): void;
}

/** The actions done on the pair, by stored name, with their results: `$actions` in expressions. */
export function doneActions(link: LinkRecord): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(link.actions ?? {}).map(([name, state]) => [name, state.result]));
}

/**
 * A dry run (`mapsync plan`) counts a planned action as done for the actions after it (the
 * link in memory only, never stored; its result a placeholder, `{ planned: true }`, so that
 * `$exists($actions.<name>)` holds): the plan shows an order's invoice and its payment, or a
 * refund's credit note after the invoice the same run would make.
 */
export function asPlanned(link: LinkRecord, action: CompiledAction): LinkRecord {
  const at = new Date(0).toISOString();
  return {
    ...link,
    actions: {
      ...link.actions,
      [action.name]: { doneAt: at, result: { planned: true }, locks: action.locksTarget, writtenBackAt: at },
    },
  };
}

export async function actOnItems(
  mappingRun: MappingRun,
  link: LinkRecord,
  record: EntityRecord | undefined,
  action: CompiledAction,
  intents: readonly ActionIntent[],
  steps: ItemSteps,
): Promise<LinkRecord | undefined> {
  const prefix = `${action.name}:`;
  const pending = new Map(intents.filter((i) => i.action.startsWith(prefix)).map((i) => [i.action, i]));
  const started = Object.entries(link.actions ?? {}).some(
    ([name, state]) => name.startsWith(prefix) && !state.writtenBackAt,
  );
  const ready = record !== undefined && (await steps.ready(link, action));
  if (!ready && pending.size === 0 && !started) return link;
  let items: Array<{ key: string; item: unknown }> = [];
  if (record) {
    try {
      items = await itemsOf(mappingRun, record, action, link);
    } catch (error) {
      await steps.fail(link, action, error);
      return undefined;
    }
  }
  let current = link;
  const seen = new Set<string>();
  for (const { key, item } of items) {
    const name = prefix + key;
    seen.add(name);
    const state = current.actions?.[name];
    if (state?.writtenBackAt) continue;
    const resume = pending.has(name);
    if (!state && !resume && !ready) continue;
    const itemAction = { ...action, name };
    if (mappingRun.run.dryRun) {
      steps.plan(current, itemAction);
      current = asPlanned(current, itemAction);
      continue;
    }
    const intent = pending.get(name);
    const next = await steps.run(current, itemAction, { state, resume, item, ...(intent ? { intent } : {}) });
    if (!next) return undefined;
    current = next;
  }
  // An intent whose item is gone from the record (a deleted refund): resumed without an
  // item, so that the connector finds out what the attempt did or refuses (reported).
  for (const name of pending.keys()) {
    if (seen.has(name) || mappingRun.run.dryRun) continue;
    const next = await steps.run(
      current,
      { ...action, name },
      {
        state: current.actions?.[name],
        resume: true,
        item: undefined,
        intent: pending.get(name)!,
      },
    );
    if (!next) return undefined;
    current = next;
  }
  return current;
}

async function itemsOf(
  mappingRun: MappingRun,
  record: EntityRecord,
  action: CompiledAction,
  link: LinkRecord,
): Promise<Array<{ key: string; item: unknown }>> {
  const evaluator = mappingRun.run.evaluator;
  const listed = await evaluator.evaluate(
    action.each!,
    record,
    recordContext(mappingRun, { actions: doneActions(link) }).ctx,
  );
  const list = listed === undefined || listed === null ? [] : Array.isArray(listed) ? listed : [listed];
  const out: Array<{ key: string; item: unknown }> = [];
  const keys = new Set<string>();
  for (const [i, item] of list.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw bad(action, `item ${i} of \`each\` is not an object`);
    const key = await evaluator.evaluate(
      action.key!,
      item as EntityRecord,
      recordContext(mappingRun, { parent: record }).ctx,
    );
    const text =
      typeof key === 'number' && Number.isFinite(key) ? String(key) : typeof key === 'string' ? key : '';
    if (text.trim() === '') throw bad(action, `item ${i} of \`each\` has no \`key\` (a text or a number)`);
    if (keys.has(text)) throw bad(action, `two items of \`each\` have the key "${text}"`);
    keys.add(text);
    out.push({ key: text, item });
  }
  return out;
}

function bad(action: CompiledAction, message: string): RecordFailure {
  return new RecordFailure(
    MAP_ACTION_EACH,
    'mapping',
    `${MAP_ACTION_EACH} action "${action.name}": ${message}`,
  );
}
