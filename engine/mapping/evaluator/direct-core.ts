/**
 * What the closures of direct.ts and direct-calls.ts share: the AST node type, the closure
 * type, giving up, JSONata's truthiness and text of a scalar, and the deferred `$link` call.
 */
import type jsonata from 'jsonata';

export type Node = jsonata.ExprNode & Record<string, unknown>;

/** A compiled expression: the input and the variables in scope (a function of the name). */
export type Fn = (input: unknown, lookup: (name: string) => unknown) => unknown;

/** Compiles a sub-expression; `tail`: its value is the whole expression's (a `$link` may sit there). */
export type Compile = (node: Node, tail?: boolean) => Fn | undefined;

/** What a closure returns when JSONata must evaluate the expression instead. */
export const GIVE_UP: unique symbol = Symbol('give up');

/** Thrown to give up: one shared object, no Error (capturing a stack costs more than the rest). */
export const GIVE_UP_SIGNAL = { giveUp: true } as const;
export const giveUp = (): never => {
  throw GIVE_UP_SIGNAL;
};

/**
 * A `$link(mapping, key)` in tail position, not made yet: the closure only computes its
 * arguments (it may still give up, with no side effect done); the caller makes the call
 * once the closure has answered (local.ts), so a `$link`, which may create a record, runs
 * exactly once and only when JSONata would have run it.
 */
export class LinkCall {
  constructor(
    readonly mapping: string,
    readonly key: unknown,
    /** The call's position and name, set on an error as JSONata sets them (evaluateFunction). */
    readonly position: unknown,
  ) {}
}

const SIMPLE_KEYS = new Set(['type', 'value', 'position']);
/** True when the node carries nothing but its kind and value (no predicate, group, focus…). */
export const bare = (node: Node, extra: readonly string[] = []) =>
  Object.keys(node).every((key) => SIMPLE_KEYS.has(key) || extra.includes(key));

export const constant =
  (value: unknown): Fn =>
  () =>
    value;

export const isScalar = (v: unknown) =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null;

/** JSONata's boolean value of a scalar (objects and arrays: JSONata decides). */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  return giveUp();
}

/** `$string` of a scalar, as JSONata writes it (only values whose text is certain). */
export function text(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || v === null) return String(v);
  // Integers print alike; other numbers JSONata writes with 15 significant digits.
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return giveUp();
}
