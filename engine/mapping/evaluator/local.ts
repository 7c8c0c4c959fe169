/**
 * What is evaluated here, on the calling thread, before anything goes to the runner (the
 * worker pool): a worker round trip costs ~0.1–0.2 ms, far more than these take.
 *
 * - A literal (`"Draft"`): its value, folded at compile time.
 * - An expression of direct.ts's small subset (paths, comparisons, conditions, helper
 *   calls on scalars): its closure, unless it gives up (then as below).
 * - A path of names (`ref`, `line.product_id`, `MailAddress.City`, `line_items`): read
 *   without JSONata; a field lookup is bounded by the depth of the path. The result is
 *   JSONata's own as long as no array is met on the way (JSONata maps a path over arrays and
 *   flattens the results); when one is, or the input itself is an array, JSONata evaluates
 *   it. An array at the end of the path is JSONata's result as it is (its last step hands a
 *   single array back unflattened, and a plain array is no sequence to collapse), so a
 *   fan-out's `each: line_items` needs no JSONata either.
 * - A bounded expression (bounded.ts: straight-line, linear in its input, so it cannot run
 *   long) on an input of ordinary size (at most LOCAL_MAX_SIZE, see `sizeOf`, counted over
 *   the input and the bindings it reads): JSONata evaluates it here, with its own step and
 *   depth limits. Linear is only as short as the input is small: on a hostile record of
 *   megabytes (or a grouping of thousands of items under one key, which JSONata builds by
 *   copying) even linear work takes a while, so such an input goes to the worker.
 * Everything else goes to the runner, all of one batch in ONE call (one worker round trip).
 *
 * Order is kept where it can be seen: a batch that goes wholly here runs in order; in a
 * mixed batch the local items without `$link` run first (they have no side effect), and
 * only the items before the first local failure go to the runner, so a `$link` (which may
 * create a record) runs exactly when in-order evaluation would have run it.
 */
import type { EvaluationContext } from '../model.ts';
import { toPlain } from '../plain.ts';
import { GIVE_UP, LinkCall } from './direct.ts';
import type { EvalItem, ExpressionRunner } from './runner.ts';

/** `{ value }` when the path can be read here; undefined when JSONata must evaluate it. */
export function readPlainPath(path: readonly string[], input: unknown): { value: unknown } | undefined {
  if (Array.isArray(input)) return undefined;
  let node: unknown = input;
  for (const [i, name] of path.entries()) {
    if (node === null || typeof node !== 'object') return { value: undefined };
    node = (node as Record<string, unknown>)[name];
    if (Array.isArray(node) && i < path.length - 1) return undefined;
  }
  return { value: toPlain(node) };
}

/**
 * Largest input evaluated on the calling thread: JSON values counted one each, strings one
 * more per 64 characters. A 5-line order is a few hundred; at this size the worst bounded
 * expression (linear steps, a grouping copying its items) stays within tens of ms.
 */
export const LOCAL_MAX_SIZE = 5000;

const sizes = new WeakMap<object, number>();

/**
 * The size of a value as counted for LOCAL_MAX_SIZE (stops counting past it); cached per
 * object for the value itself (an order asked about again, or as `$parent` of its lines),
 * not for every object inside it: a WeakMap entry per nested object cost more than counting
 * a line again.
 */
export function sizeOf(value: unknown, budget = LOCAL_MAX_SIZE): number {
  if (value === null || typeof value !== 'object') return count(value, budget);
  const known = sizes.get(value);
  if (known !== undefined) return known;
  const total = count(value, budget);
  // Only a complete count is kept (a partial one depends on the budget it was given).
  if (total <= budget) sizes.set(value, total);
  return total;
}

function count(value: unknown, budget: number): number {
  if (typeof value === 'string') return 1 + (value.length >> 6);
  if (value === null || typeof value !== 'object') return 1;
  let total = 1;
  if (Array.isArray(value)) {
    for (const child of value) {
      total += count(child, budget - total);
      if (total > budget) break;
    }
    return total;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    total += count((value as Record<string, unknown>)[key], budget - total);
    if (total > budget) break;
  }
  return total;
}

/** True when the item's input and the bindings its expression reads are small enough to run here. */
function smallEnough(item: EvalItem, ctx: EvaluationContext): boolean {
  let total = sizeOf(item.input);
  const bindings = item.bindings ?? ctx.bindings;
  for (const name of item.expression.reads) {
    if (total > LOCAL_MAX_SIZE) break;
    if (bindings && name in bindings) total += sizeOf(bindings[name], LOCAL_MAX_SIZE - total);
  }
  return total <= LOCAL_MAX_SIZE;
}

/**
 * The value without JSONata (a literal, a plain path, a closure of direct.ts), or undefined
 * when it needs JSONata.
 */
function direct(item: EvalItem, ctx: EvaluationContext): { value: unknown } | undefined {
  const { constant, plainPath, direct: closure } = item.expression;
  if (constant) return { value: constant.value };
  if (plainPath) return readPlainPath(plainPath, item.input);
  if (!closure) return undefined;
  // A closure looping over arrays runs on inputs of ordinary size only (as bounded ones do).
  if (item.expression.directSized && !smallEnough(item, ctx)) return undefined;
  const value = closure(item.input, item.bindings ?? ctx.bindings);
  return value === GIVE_UP ? undefined : { value };
}

/**
 * Make the `$link` a direct closure deferred (direct-core.ts LinkCall), as JSONata's call
 * would: its value as plain data; its error with the call's position and name (as JSONata's
 * evaluateFunction sets them), then as the expression's failure.
 */
async function makeLink(call: LinkCall, item: EvalItem, ctx: EvaluationContext): Promise<unknown> {
  try {
    return toPlain(await ctx.link(call.mapping, call.key));
  } catch (error) {
    if (error && typeof error === 'object') {
      const e = error as { position?: unknown; token?: unknown };
      if (!e.position) e.position = call.position;
      if (!e.token) e.token = 'link';
    }
    throw item.expression.failure(error);
  }
}

/** A runner that evaluates literals, plain paths and bounded expressions itself. */
export function withLocalEvaluation(runner: ExpressionRunner): ExpressionRunner {
  return {
    async evaluate(items, ctx) {
      const values: unknown[] = new Array(items.length);
      // Most batches are literals, plain paths and closures only: nothing else to arrange.
      for (let i = 0; i < items.length; i++) {
        const read = direct(items[i]!, ctx);
        if (!read || read.value instanceof LinkCall) return mixed(runner, items, ctx, values, i, read);
        values[i] = read.value;
      }
      return values;
    },
  };
}

/**
 * A batch with a `$link` or an item for JSONata: `values` holds the items before `from`,
 * `read` is what direct() gave for item `from`.
 */
async function mixed(
  runner: ExpressionRunner,
  items: readonly EvalItem[],
  ctx: EvaluationContext,
  values: unknown[],
  from: number,
  read: { value: unknown } | undefined,
): Promise<unknown[]> {
  const links = new Map<number, LinkCall>();
  const here = (item: EvalItem, i: number) => {
    const call = links.get(i);
    if (call) return makeLink(call, item, item.bindings ? { ...ctx, bindings: item.bindings } : ctx);
    return item.expression.evaluate(item.input, item.bindings ? { ...ctx, bindings: item.bindings } : ctx);
  };
  const jsonata: number[] = [];
  for (let i = from; i < items.length; i++) {
    const got = i === from ? read : direct(items[i]!, ctx);
    if (got && got.value instanceof LinkCall) links.set(i, got.value);
    if (got && !links.has(i)) values[i] = got.value;
    else jsonata.push(i);
  }
  const onThisThread = new Set(
    jsonata.filter(
      (i) => links.has(i) || (items[i]!.expression.bounded === true && smallEnough(items[i]!, ctx)),
    ),
  );
  const local = (i: number) => onThisThread.has(i);
  const remote = jsonata.filter((i) => !local(i));
  if (remote.length === 0) {
    // In order, as JSONata would: a `$link` after a failure is never made.
    for (const i of jsonata) values[i] = await here(items[i]!, i);
    return values;
  }
  // Mixed batches keep their order rules below; a deferred `$link` is JSONata's there.
  for (const i of links.keys()) onThisThread.delete(i);
  links.clear();
  // Mixed: local items without `$link` first, then the runner for what precedes a failure.
  let failedAt = items.length;
  let failure: unknown;
  for (const i of jsonata) {
    if (!local(i) || items[i]!.expression.callsLink) continue;
    try {
      values[i] = await here(items[i]!, i);
    } catch (error) {
      failedAt = i;
      failure = error;
      break;
    }
  }
  const sent = jsonata.filter((i) => i < failedAt && (!local(i) || items[i]!.expression.callsLink));
  if (sent.length > 0) {
    const computed = await runner.evaluate(
      sent.map((i) => items[i]!),
      ctx,
    );
    sent.forEach((i, j) => {
      values[i] = computed[j];
    });
  }
  if (failedAt < items.length) throw failure;
  return values;
}
