/**
 * Where expressions are evaluated. evaluate.ts decides *what* to evaluate for a record (every
 * computed property of it in one batch); a runner decides *where*:
 *
 * - {@link inProcessRunner}: here, on the calling thread. JSONata's step-based time limit
 *   applies, but one long built-in call cannot be interrupted. For unit tests and tools
 *   that evaluate a handful of trusted records.
 * - `EvaluatorPool` (pool.ts): in kill-able worker threads with a hard time limit. What the
 *   sync engine, `mapsync serve`, `mapsync test` and the playground use.
 *
 * Both evaluate the items of a batch in order and reject with the first failure, so a
 * record's `$link` calls happen in the same order whichever runner is used.
 */
import { stringify } from 'safe-stable-stringify';
import type { CompiledExpression, EvaluationContext } from '../model.ts';

/** One expression to evaluate on one input, with the bindings of that evaluation. */
export interface EvalItem {
  readonly expression: CompiledExpression;
  readonly input: unknown;
  /** `$parent`, `$position`, test variables; default: the context's bindings. */
  readonly bindings?: Record<string, unknown>;
}

export interface ExpressionRunner {
  /**
   * Evaluate every item, in order, and return their values in order. Rejects with the
   * first item's failure (a MappingRuntimeError naming file and line); errors raised by
   * `ctx.link` (a store failure, a connector error while creating a linked record) are
   * passed through unchanged.
   */
  evaluate(items: readonly EvalItem[], ctx: EvaluationContext): Promise<unknown[]>;
  /** Get ready for the first evaluation (start workers); resolves whatever happens. */
  warm?(): Promise<void>;
}

export const inProcessRunner: ExpressionRunner = {
  async evaluate(items, ctx) {
    const values: unknown[] = [];
    for (const item of items) {
      const context = item.bindings ? { ...ctx, bindings: item.bindings } : ctx;
      values.push(await item.expression.evaluate(item.input, context));
    }
    return values;
  },
};

/** The key under which the answer of `$link(mapping, key)` is remembered (objects by content). */
export function linkKey(mapping: string, key: unknown): string {
  const text = typeof key === 'object' && key !== null ? `o:${stringify(key)}` : `s:${String(key)}`;
  return `${mapping}\u0000${text}`;
}

/**
 * `$fetch(side, name, args)` travels between a worker and the pool as a `$link` to this
 * pseudo-mapping name (no mapping name can contain U+0001), with `args` as the key.
 */
const FETCH_CHANNEL = '\u0001fetch:';

export function fetchChannel(side: string, name: string): string {
  return `${FETCH_CHANNEL}${side}:${name}`;
}

/** The side and name of a fetch channel, or undefined for a real mapping name. */
export function fetchOf(channel: string): { side: 'source' | 'target'; name: string } | undefined {
  if (!channel.startsWith(FETCH_CHANNEL)) return undefined;
  const rest = channel.slice(FETCH_CHANNEL.length);
  const colon = rest.indexOf(':');
  return { side: rest.slice(0, colon) as 'source' | 'target', name: rest.slice(colon + 1) };
}
