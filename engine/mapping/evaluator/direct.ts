/**
 * Expressions compiled to plain JavaScript closures, evaluated without JSONata.
 *
 * JSONata evaluates every step of an expression through an `await`, with a guardrail check
 * per step: a few microseconds each, most of the engine's own CPU per record (the shipped
 * mappings evaluate ~50 expressions per 5-line order). Most of them are small: a path, a
 * comparison, a condition, a helper call (`kind = "product" ? $percentOff(line.subtotal,
 * line.total, 6) : 0`). Those compile here, once per expression at compile time, to
 * synchronous closures.
 *
 * Only what has exactly one meaning for scalar values is compiled, and a closure gives up
 * (returns GIVE_UP) the moment it meets anything else at run time: an array or an object
 * where a scalar is needed (JSONata maps paths over arrays, flattens sequences…), an
 * undefined argument, a value of a type the helper's signature does not list, a helper that
 * throws. The caller then evaluates the same expression with JSONata, so the result (or
 * the error, with its message and position) is always JSONata's. A closure never has a side
 * effect: giving up half-way is harmless; a `$link` (which may create a record) is only
 * compiled where its value is the expression's (tail position) and is not made by the
 * closure: it returns a LinkCall that the caller makes (local.ts), after which nothing can
 * give up. Anything not listed below is never compiled. The direct path needs no time limit: no loops, and every step is constant-time
 * on scalars (helpers are linear in their arguments, as in bounded.ts).
 *
 * Compiled node kinds: literals; paths of names from the input or from a variable
 * (`$parent.number`, `$source_settings.calc_taxes`); variables; blocks with `$x := …`;
 * `=`, `!=` (scalars), `<`, `<=`, `>`, `>=` (two numbers or two strings), `+ - * /`
 * (numbers), `&` (scalars), `and`, `or`, `in` a list of literals, `? :`, unary minus; calls
 * (direct-calls.ts) of the mapsync helpers bounded.ts counts as linear (not `$htmlToText`;
 * a list `[a, b]` of scalars as an argument of type `x`), of `$link` in tail position, and
 * of `$string`, `$exists`, `$not`, `$boolean`, `$number`, `$trim`, `$type`, `$lookup`, `$contains` (a string or a regex literal, on the same linear-time regex
 * engine), `$join` (of a list `[a, b]` or one string); `$error` gives up: JSONata raises it.
 */
import type jsonata from 'jsonata';
import { toPlain } from '../plain.ts';
import { compileCall, FUNCTION_NAMES } from './direct-calls.ts';
import {
  bare,
  type Compile,
  constant,
  type Fn,
  GIVE_UP,
  giveUp,
  isScalar,
  LinkCall,
  type Node,
  text,
  truthy,
} from './direct-core.ts';

export { GIVE_UP, LinkCall } from './direct-core.ts';

export type DirectEvaluation = (
  input: unknown,
  bindings: Readonly<Record<string, unknown>> | undefined,
) => unknown;

/**
 * The closure of an expression, or undefined when its AST has a node kind not compiled here.
 * `variables`: the mapping's variables (bound under the context's bindings, as JSONata is).
 */
export function compileDirect(
  ast: jsonata.ExprNode,
  variables: Readonly<Record<string, unknown>>,
): DirectEvaluation | undefined {
  const fn = compile(ast as Node, true);
  if (!fn) return undefined;
  return (input, bindings) => {
    if (Array.isArray(input)) return GIVE_UP; // JSONata wraps an array input in a sequence
    try {
      const value = fn(input, lookupFor(bindings, variables));
      if (value instanceof LinkCall) return value; // made by the caller (local.ts)
      return Array.isArray(value) ? GIVE_UP : toPlain(value);
    } catch {
      // Given up, or a helper failed: JSONata evaluates it (and reports a failure, with its position).
      return GIVE_UP;
    }
  };
}

type Bindings = Readonly<Record<string, unknown>> | undefined;
/** The last variable lookup made: the items of one batch share their bindings and variables. */
let last: { bindings: Bindings; variables: Bindings; lookup: (name: string) => unknown } | undefined;

/** `$name`: the context's bindings first, then the mapping's variables (read when called). */
function lookupFor(bindings: Bindings, variables: Readonly<Record<string, unknown>>) {
  if (last && last.bindings === bindings && last.variables === variables) return last.lookup;
  const lookup = (name: string): unknown =>
    bindings && Object.hasOwn(bindings, name) ? bindings[name] : variables[name];
  last = { bindings, variables, lookup };
  return lookup;
}

const compile: Compile = (node, tail = false) => compileNode(node, tail, compile);

/**
 * One node's closure; its sub-expressions are compiled with `c` (`compile` here; the
 * sequence compiler of direct-seq.ts passes its own, which also reads arrays).
 */
export function compileNode(node: Node, tail: boolean, c: Compile): Fn | undefined {
  switch (node.type as string) {
    case 'string':
    case 'number':
      if (!bare(node)) return undefined;
      return constant(node.value);
    case 'value':
      if (!bare(node) || !(node.value === true || node.value === false || node.value === null))
        return undefined;
      return constant(node.value);
    case 'variable': {
      const name = String(node.value);
      if (!bare(node) || name === '' || name === '$') return undefined;
      if (FUNCTION_NAMES.has(name)) return (_input, lookup) => scalarOrObject(lookup(name) ?? giveUp());
      return (_input, lookup) => scalarOrObject(lookup(name));
    }
    case 'path':
      return path(node, c);
    case 'binary':
      return bare(node, ['lhs', 'rhs']) ? binary(node, c) : undefined;
    case 'condition': {
      if (!bare(node, ['condition', 'then', 'else'])) return undefined;
      // A branch this does not compile gives up when it is taken (JSONata evaluates the
      // whole expression then): `kind = "rounding" ? <something JSONata needs> : …` stays
      // direct for every other kind.
      const test = c(node.condition as Node);
      const then = c(node.then as Node, tail);
      const otherwise = node.else === undefined ? constant(undefined) : c(node.else as Node, tail);
      if (!test || (!then && !otherwise)) return undefined;
      const taken: Fn = then ?? giveUp;
      const notTaken: Fn = otherwise ?? giveUp;
      return (input, lookup) =>
        truthy(test(input, lookup)) ? taken(input, lookup) : notTaken(input, lookup);
    }
    case 'unary': {
      if (node.value === '{') return object(node, c);
      if (node.value !== '-' || !bare(node, ['expression'])) return undefined;
      const operand = c(node.expression as Node);
      if (!operand) return undefined;
      return (input, lookup) => {
        const v = operand(input, lookup);
        if (v === undefined) return undefined;
        return typeof v === 'number' ? -v : giveUp();
      };
    }
    case 'function':
      return bare(node, ['procedure', 'arguments', 'name']) ? compileCall(node, c, tail) : undefined;
    case 'block':
      return bare(node, ['expressions']) ? block(node, tail, c) : undefined;
    default:
      return undefined;
  }
}

/**
 * `( $a := …; $b := …; value )`: each `$x := …` directly in the block binds in the block's
 * own frame (read before the bindings outside it), as JSONata scopes a block.
 */
function block(node: Node, tail: boolean, c: Compile): Fn | undefined {
  const list = node.expressions as Node[] | undefined;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const steps: Array<{ bind?: string; fn: Fn }> = [];
  for (const [i, expression] of list.entries()) {
    if ((expression.type as string) === 'bind') {
      const target = expression.lhs as Node | undefined;
      const value = c(expression.rhs as Node);
      if (!bare(expression, ['lhs', 'rhs']) || target?.type !== 'variable' || !value) return undefined;
      // A variable named like a function hides it (`$net := …`): calls are compiled by
      // name, so only where the block calls no function of that name.
      if (FUNCTION_NAMES.has(String(target.value)) && calls(node, String(target.value))) return undefined;
      steps.push({ bind: String(target.value), fn: value });
    } else {
      const fn = c(expression, tail && i === list.length - 1);
      if (!fn) return undefined;
      steps.push({ fn });
    }
  }
  return (input, lookup) => {
    const frame = new Map<string, unknown>();
    const inner = (name: string) => (frame.has(name) ? frame.get(name) : lookup(name));
    let value: unknown;
    for (const step of steps) {
      value = step.fn(input, inner);
      if (step.bind !== undefined) frame.set(step.bind, value);
    }
    return value;
  };
}

/** Whether the AST under `node` calls a function named `name` (`$name(…)`). */
export function calls(node: unknown, name: string): boolean {
  if (node === null || typeof node !== 'object') return false;
  const n = node as Node;
  if (n.type === 'function' && (n.procedure as Node | undefined)?.value === name) return true;
  return Object.values(n).some((child) => calls(child, name));
}

/** A value a closure may pass on: a scalar, undefined, or an object (read further by a path). */
function scalarOrObject(value: unknown): unknown {
  return Array.isArray(value) ? giveUp() : value;
}

/** `a.b.c` from the input, or `$v.b.c` from a variable; any array on the way gives up. */
/** One step of a path: a field name and its filters (`[0]`, `[key = $k]`), in order. */
interface Step {
  key: string;
  filters: Array<number | Fn>;
}

/**
 * `a.b.c` from the input, or `$v.b.c` from a variable, each step possibly filtered
 * (`meta_data[key = $k][0].value`). Any array met on the way gives up, except the one a
 * filter selects from (and, with `arrayAtEnd`, the last step's value, which JSONata returns
 * as is); a filter that leaves more than one item gives up (JSONata maps the rest over them).
 */
function path(node: Node, c: Compile, arrayAtEnd = false): Fn | undefined {
  if (!bare(node, ['steps'])) return undefined;
  const steps = node.steps as Node[] | undefined;
  if (!Array.isArray(steps) || steps.length === 0) return undefined;
  const [first, ...rest] = steps;
  let start: Fn;
  let names: Node[];
  if (first!.type === 'variable') {
    const fromVariable = c(first!);
    if (!fromVariable) return undefined;
    start = fromVariable;
    names = rest;
  } else {
    start = (input) => input;
    names = steps;
  }
  const parsed: Step[] = [];
  for (const step of names) {
    if (step.type !== 'name' || !bare(step, ['stages'])) return undefined;
    const filters: Array<number | Fn> = [];
    for (const stage of (step.stages as Node[] | undefined) ?? []) {
      const expr = stage.expr as Node | undefined;
      if ((stage.type as string) !== 'filter' || !bare(stage, ['expr']) || !expr) return undefined;
      const fn = expr.type === 'number' && bare(expr) ? Number(expr.value) : c(expr);
      if (fn === undefined) return undefined;
      filters.push(fn);
    }
    parsed.push({ key: String(step.value), filters });
  }
  const last = parsed.length - 1;
  return (input, lookup) => {
    let value = start(input, lookup);
    for (let i = 0; i <= last; i++) {
      const { key, filters } = parsed[i]!;
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[key];
      if (filters.length > 0) value = filter(value, filters, lookup);
      else if (Array.isArray(value) && !(arrayAtEnd && i === last)) giveUp();
    }
    return value;
  };
}

/** JSONata's filters (evaluateFilter) on one step's value, for at most one item left. */
function filter(value: unknown, filters: ReadonlyArray<number | Fn>, lookup: (name: string) => unknown) {
  let items: unknown[] = value === undefined ? [] : Array.isArray(value) ? value : [value];
  for (const f of filters) {
    if (items.some(Array.isArray)) giveUp(); // nested arrays: JSONata flattens them
    if (typeof f === 'number') {
      let index = Math.floor(f);
      if (index < 0) index = items.length + index;
      const item = items[index];
      items = item === undefined ? [] : [item];
    } else {
      items = items.filter((item) => {
        const keep = f(item, lookup);
        return typeof keep === 'number' ? giveUp() : truthy(keep); // a number: an index
      });
    }
  }
  if (items.length > 1) giveUp();
  return items[0];
}

/** `{"a": …, "b": …}` with literal keys: the defined values, in order (on one input, not an array). */
function object(node: Node, c: Compile): Fn | undefined {
  const pairs = node.lhs as Node[][] | undefined;
  if (!bare(node, ['lhs']) || !Array.isArray(pairs)) return undefined;
  const fields: Array<[string, Fn]> = [];
  for (const [key, value] of pairs) {
    if (key?.type !== 'string' || !bare(key) || !value) return undefined;
    const name = String(key.value);
    if (fields.some(([other]) => other === name)) return undefined; // JSONata: D1009
    const fn = (value.type as string) === 'path' ? path(value, c, true) : c(value);
    if (!fn) return undefined;
    fields.push([name, fn]);
  }
  return (input, lookup) => {
    if (Array.isArray(input)) giveUp(); // JSONata groups the items
    const out: Record<string, unknown> = {};
    for (const [name, fn] of fields) {
      const v = fn(input, lookup);
      if (v !== undefined) out[name] = v;
    }
    return out;
  };
}

function binary(node: Node, c: Compile): Fn | undefined {
  const op = String(node.value);
  if (op === 'in') return among(node, c);
  const lhs = c(node.lhs as Node);
  const rhs = c(node.rhs as Node);
  if (!lhs || !rhs) return undefined;
  switch (op) {
    case '=':
    case '!=': {
      const equal = op === '=';
      return (input, lookup) => {
        const a = lhs(input, lookup);
        const b = rhs(input, lookup);
        if (a === undefined || b === undefined) return false;
        if (!isScalar(a) || !isScalar(b)) return giveUp();
        return (a === b) === equal;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (input, lookup) => {
        const a = lhs(input, lookup);
        const b = rhs(input, lookup);
        // JSONata: nothing when a side is missing (`undefined > 0` holds for no item).
        if ((a === undefined && comparableOrMissing(b)) || (b === undefined && comparableOrMissing(a)))
          return undefined;
        const comparable =
          (typeof a === 'number' && typeof b === 'number') ||
          (typeof a === 'string' && typeof b === 'string');
        if (!comparable) return giveUp();
        const x = a as number | string;
        const y = b as number | string;
        return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
      };
    case '+':
    case '-':
    case '*':
    case '/':
      return (input, lookup) => {
        const a = lhs(input, lookup);
        const b = rhs(input, lookup);
        // JSONata refuses a defined operand that is not a number, even beside an undefined one.
        if ((a !== undefined && typeof a !== 'number') || (b !== undefined && typeof b !== 'number'))
          return giveUp();
        if (a === undefined || b === undefined) return undefined;
        const v = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
        return Number.isFinite(v) ? v : giveUp();
      };
    case '&':
      return (input, lookup) => text(lhs(input, lookup)) + text(rhs(input, lookup));
    case 'and':
      return (input, lookup) => truthy(lhs(input, lookup)) && truthy(rhs(input, lookup));
    case 'or':
      return (input, lookup) => truthy(lhs(input, lookup)) || truthy(rhs(input, lookup));
    default:
      return undefined;
  }
}

const comparableOrMissing = (v: unknown) => v === undefined || typeof v === 'number' || typeof v === 'string';

/** `x in ["a", "b"]` with a list of literals: whether the scalar x is one of them. */
function among(node: Node, c: Compile): Fn | undefined {
  const list = node.rhs as Node;
  const lhs = c(node.lhs as Node);
  if (!lhs || list.type !== 'unary' || list.value !== '[' || !bare(list, ['expressions'])) return undefined;
  const items = list.expressions as Node[];
  if (!items.every((item) => ['string', 'number'].includes(item.type as string) && bare(item)))
    return undefined;
  const values = new Set(items.map((item) => item.value));
  return (input, lookup) => {
    const v = lhs(input, lookup);
    if (v === undefined) return false;
    return isScalar(v) ? values.has(v) : giveUp();
  };
}
