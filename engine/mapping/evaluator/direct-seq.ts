/**
 * Closures for bounded expressions that work on arrays: JSONata's sequence semantics
 * restated, synchronously, for the node kinds salesorderline's `each` is made of (a path
 * mapped over the items of an array, `line_items.( … )`, with filters `tax_lines[rate > 0]`
 * and groupings `tax_lines{ key: value }`; array constructors; `$append`, `$keys`,
 * `$substringAfter`). direct.ts compiles expressions of scalars and gives up on the first
 * array; this compiler is tried after it, only for a bounded expression (bounded.ts: linear
 * in its input), and only runs on an input of ordinary size (local.ts, LOCAL_MAX_SIZE).
 *
 * Each function below is JSONata 2.2's own (jsonata.js: evaluate, evaluatePath,
 * evaluateStep, evaluateFilter, evaluateGroupExpression, the `[` constructor, fn.lookup,
 * fn.append, fn.keys) for the values it accepts, sequences included: an array flagged
 * `sequence` as JSONata flags it, collapsed to its item or to nothing where JSONata's
 * evaluate collapses it. Anything else gives up (direct-core.ts), and JSONata evaluates the
 * expression: a node kind or flag not listed (sorting, tuples, `keepArray`, wildcards,
 * lambdas…) at compile time; at run time a function value, a key that is not a string, a
 * filter yielding a list of numbers. A closure never calls `$link`; its one side effect is
 * JSONata's own: grouping an empty array pushes an undefined item into it, the record's
 * array too when a path ends on it (`tax_lines{…}` of an order without taxes), so the
 * record looks afterwards as it would after JSONata (and JSONata, evaluating it again after
 * a closure gave up, returns what it would have returned the first time).
 * test/mapping/direct-seq.test.ts checks every shipped `each` and a set of expressions
 * against JSONata on generated inputs.
 */
import type jsonata from 'jsonata';
import { toPlain } from '../plain.ts';
import { compileNode, type DirectEvaluation, GIVE_UP } from './direct.ts';
import { compileCall, FUNCTION_NAMES } from './direct-calls.ts';
import { bare, type Compile, type Fn, giveUp, type Node, truthy } from './direct-core.ts';

type Seq = unknown[] & { sequence?: boolean };
type Lookup = (name: string) => unknown;

/** Deeper than this, JSONata's depth guardrail could answer otherwise: not compiled. */
const MAX_DEPTH = 200;

/**
 * The closure of a bounded expression over arrays, or undefined when its AST has a node
 * kind not compiled here. `variables`: the mapping's variables (under the bindings).
 */
export function compileSequence(
  ast: jsonata.ExprNode,
  variables: Readonly<Record<string, unknown>>,
): DirectEvaluation | undefined {
  if (depth(ast as Node) > MAX_DEPTH) return undefined;
  const fn = seq(ast as Node);
  if (!fn) return undefined;
  return (input, bindings) => {
    if (Array.isArray(input)) return GIVE_UP; // JSONata wraps an array input in a sequence
    const lookup = (name: string): unknown =>
      bindings && Object.hasOwn(bindings, name) ? bindings[name] : variables[name];
    try {
      return toPlain(fn(input, lookup));
    } catch {
      return GIVE_UP;
    }
  };
}

function depth(node: unknown): number {
  if (node === null || typeof node !== 'object') return 0;
  let max = 0;
  for (const value of Object.values(node)) max = Math.max(max, depth(value));
  return max + 1;
}

const sequence = (...items: unknown[]): Seq => {
  const s: Seq = items;
  s.sequence = true;
  return s;
};
const isSequence = (v: unknown): v is Seq => Array.isArray(v) && (v as Seq).sequence === true;

/** What JSONata's evaluate does to every node's value: a sequence of one is its item, of none nothing. */
function collapse(v: unknown): unknown {
  if (!isSequence(v)) return v;
  return v.length === 0 ? undefined : v.length === 1 ? v[0] : v;
}

const WRAPPERS = ['predicate', 'group'];

/** A node's closure with JSONata's evaluate around it: its filters, its grouping, the collapse. */
const seq: Compile = (node) => {
  const predicates = node.predicate as Node[] | undefined;
  const groupNode = (node.type as string) !== 'path' ? (node.group as Node | undefined) : undefined;
  const inner = raw(stripped(node, (node.type as string) === 'path' ? ['predicate'] : WRAPPERS));
  if (!inner) return undefined;
  const filters: Fn[] = [];
  for (const stage of predicates ?? []) {
    const f =
      (stage.type as string) === 'filter' && bare(stage, ['expr']) ? filter(stage.expr as Node) : undefined;
    if (!f) return undefined;
    filters.push(f);
  }
  const grouping = groupNode ? group(groupNode) : undefined;
  if (groupNode && !grouping) return undefined;
  if (filters.length === 0 && !grouping) {
    // Only a path's or `$keys`'s own value can be a sequence (a bound variable was collapsed
    // when bound; operators, helpers, lists and objects make no sequence).
    const sequences = (node.type as string) === 'path' || (node.type === 'function' && isKeys(node));
    return sequences ? (input, lookup) => collapse(inner(input, lookup)) : inner;
  }
  return (input, lookup) => {
    let v = inner(input, lookup);
    for (const f of filters) v = f(v, lookup);
    if (grouping) v = grouping(v, lookup);
    return collapse(v);
  };
};

/** The node without the keys JSONata's evaluate applies around it. */
function stripped(node: Node, keys: readonly string[]): Node {
  if (!keys.some((k) => Object.hasOwn(node, k))) return node;
  const copy = { ...node };
  for (const k of keys) delete copy[k];
  return copy;
}

const isKeys = (node: Node) => (node.procedure as Node | undefined)?.value === 'keys';

function raw(node: Node): Fn | undefined {
  switch (node.type as string) {
    case 'variable':
      return variable(node);
    case 'path':
      return path(node);
    case 'unary':
      if (node.value === '[') return list(node);
      if (node.value === '{') return bare(node, ['lhs']) ? (object(node) ?? group(node, true)) : undefined;
      return compileNode(node, false, seq);
    case 'function':
      return call(node);
    case 'name':
    case 'bind':
    case 'filter':
      return undefined;
    default:
      // Literals, operators, conditions, blocks: direct.ts's, with this compiler inside.
      return compileNode(node, false, seq);
  }
}

function variable(node: Node): Fn | undefined {
  const name = String(node.value);
  if (!bare(node) || name === '$') return undefined;
  if (name === '') return (input) => input; // the context (never an outer wrapper here)
  // Named like a function (`$net`): its value where a block bound it, else JSONata's function.
  const shadows = FUNCTION_NAMES.has(name);
  return (_input, lookup) => {
    const v = lookup(name);
    return typeof v === 'function' || (shadows && v === undefined) ? giveUp() : v;
  };
}

/** fn.lookup: a field of an object, mapped over an array (flattened into a sequence). */
function lookupField(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const out = sequence();
    for (const item of input) {
      const v = lookupField(item, key);
      if (v === undefined) continue;
      if (Array.isArray(v)) out.push(...v);
      else out.push(v);
    }
    return out;
  }
  if (typeof input === 'function') return giveUp();
  if (input !== null && typeof input === 'object' && Object.hasOwn(input, key))
    return (input as Record<string, unknown>)[key];
  return undefined;
}

/** evaluatePath with evaluateStep: each step over every item, results flattened. */
function path(node: Node): Fn | undefined {
  if (!bare(node, ['steps', 'group'])) return undefined;
  const steps = node.steps as Node[] | undefined;
  if (!Array.isArray(steps) || steps.length === 0) return undefined;
  const compiled: Array<{ fn: Fn; stages: Fn[] }> = [];
  for (const step of steps) {
    if (step.consarray || step.focus !== undefined || step.tuple || (step.type as string) === 'sort')
      return undefined;
    const stages: Fn[] = [];
    for (const stage of (step.stages as Node[] | undefined) ?? []) {
      const f =
        (stage.type as string) === 'filter' && bare(stage, ['expr']) ? filter(stage.expr as Node) : undefined;
      if (!f) return undefined;
      stages.push(f);
    }
    let fn: Fn | undefined;
    if (step.type === 'name') {
      if (!bare(step, ['stages'])) return undefined;
      const key = String(step.value);
      fn = (input) => collapse(lookupField(input, key));
    } else {
      fn = seq(stripped(step, ['stages']));
    }
    if (!fn) return undefined;
    compiled.push({ fn, stages });
  }
  const grouping = node.group ? group(node.group as Node) : undefined;
  if (node.group && !grouping) return undefined;
  const fromVariable = steps[0]!.type === 'variable';
  const last = compiled.length - 1;
  return (input, lookup) => {
    let items: Seq = Array.isArray(input) && !fromVariable ? (input as Seq) : sequence(input);
    let result: unknown[] = items;
    for (let i = 0; i <= last; i++) {
      const { fn, stages } = compiled[i]!;
      const found: unknown[] = [];
      for (const item of items) {
        let v = fn(item, lookup);
        for (const f of stages) v = f(v, lookup);
        if (v !== undefined) found.push(v);
      }
      if (i === last && found.length === 1 && Array.isArray(found[0]) && !isSequence(found[0])) {
        result = found[0] as unknown[];
      } else {
        const flat = sequence();
        for (const v of found) {
          if (Array.isArray(v)) flat.push(...v);
          else flat.push(v);
        }
        result = flat;
      }
      if (result.length === 0) break;
      items = result as Seq;
    }
    return grouping ? grouping(result, lookup) : result;
  };
}

/** evaluateFilter: a number selects by index, anything else keeps the items it holds for. */
function filter(expr: Node): ((input: unknown, lookup: Lookup) => unknown) | undefined {
  if (expr.type === 'number' && bare(expr)) {
    const n = Math.floor(Number(expr.value));
    return (input) => {
      const items = Array.isArray(input) ? input : sequence(input);
      const item = items[n < 0 ? items.length + n : n];
      if (item === undefined) return sequence();
      return Array.isArray(item) ? item : sequence(item);
    };
  }
  const test = seq(expr);
  if (!test) return undefined;
  return (input, lookup) => {
    const items = Array.isArray(input) ? input : sequence(input);
    const out = sequence();
    for (const item of items) {
      const keep = test(item, lookup);
      if (typeof keep === 'number' || Array.isArray(keep)) giveUp(); // an index, or indexes
      if (truthy(keep)) out.push(item);
    }
    return out;
  };
}

/**
 * evaluateGroupExpression: `{ key: value }` after a path or a value (`tax_lines{…}`), and
 * the object constructor (`object`: on the input). Items grouped by key in the order keys
 * first appear (as JSONata's object keeps them), each value evaluated on its group.
 */
function group(node: Node, object = false): Fn | undefined {
  const pairs = node.lhs as Node[][] | undefined;
  if (!Array.isArray(pairs) || (!object && !bare(node, ['lhs']))) return undefined;
  const compiled: Array<[Fn, Fn]> = [];
  for (const pair of pairs) {
    const key = pair[0] && seq(pair[0]);
    const value = pair[1] && seq(pair[1]);
    if (!key || !value) return undefined;
    compiled.push([key, value]);
  }
  return (input, lookup) => {
    const items: unknown[] = Array.isArray(input) ? input : [input];
    // As JSONata does, into this very array (the record's own when the path ends on it):
    // it then holds one undefined item, grouped again alike (no second push).
    if (items.length === 0) items.push(undefined);
    const groups: Record<string, { data: unknown; index: number }> = Object.create(null);
    for (const item of items) {
      for (let index = 0; index < compiled.length; index++) {
        const key = compiled[index]![0](item, lookup);
        if (key === undefined) continue;
        if (typeof key !== 'string' || key === '_jsonata_lambda' || key === '_jsonata_function')
          return giveUp(); // T1003, D1013
        const entry = groups[key];
        if (!entry) groups[key] = { data: item, index };
        else if (entry.index !== index)
          giveUp(); // D1009
        else entry.data = append(entry.data, item);
      }
    }
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(groups)) {
      const { data, index } = groups[key]!;
      const v = compiled[index]![1](data, lookup);
      if (v !== undefined) out[key] = v;
    }
    return out;
  };
}

/**
 * `{"a": …, "b": …}` with distinct literal keys: on one input (not an array) the grouping
 * has one group per key, its value evaluated on the input, so the object is built at once.
 */
function object(node: Node): Fn | undefined {
  const pairs = node.lhs as unknown as Node[][];
  const fields: Array<[string, Fn]> = [];
  for (const [key, value] of pairs) {
    if (key?.type !== 'string' || !bare(key) || !value) return undefined;
    const name = String(key.value);
    if (name === '__proto__' || fields.some(([other]) => other === name)) return undefined;
    const fn = seq(value);
    if (!fn) return undefined;
    fields.push([name, fn]);
  }
  const grouped = group(node, true);
  if (!grouped) return undefined;
  return (input, lookup) => {
    if (Array.isArray(input)) return grouped(input, lookup);
    const out: Record<string, unknown> = {};
    for (const [name, fn] of fields) {
      const v = fn(input, lookup);
      if (v !== undefined) out[name] = v;
    }
    return out;
  };
}

/** fn.append: two values as one array (a value that is not an array counts as one item). */
function append(a: unknown, b: unknown): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const first = Array.isArray(a) ? a : sequence(a);
  return first.concat(Array.isArray(b) ? b : [b]);
}

/** The `[a, b, …]` constructor: each item's value appended (a nested `[…]` kept as one item). */
function list(node: Node): Fn | undefined {
  const items = node.expressions as Node[] | undefined;
  if (!bare(node, ['expressions']) || !Array.isArray(items)) return undefined;
  const compiled: Array<[Fn, boolean]> = [];
  for (const item of items) {
    const fn = seq(item);
    if (!fn) return undefined;
    compiled.push([fn, item.value === '[']);
  }
  return (input, lookup) => {
    let out: unknown[] = [];
    for (const [fn, nested] of compiled) {
      const v = fn(input, lookup);
      if (v === undefined) continue;
      if (nested) out.push(v);
      else out = append(out, v) as unknown[];
    }
    return out;
  };
}

/** `$append`, `$keys`, `$substringAfter` here; every other call as direct-calls.ts compiles it. */
function call(node: Node): Fn | undefined {
  const procedure = node.procedure as Node | undefined;
  const args = node.arguments as Node[] | undefined;
  if (
    !bare(node, ['procedure', 'arguments', 'name']) ||
    procedure?.type !== 'variable' ||
    !Array.isArray(args)
  )
    return undefined;
  const name = String(procedure.value);
  if (name !== 'append' && name !== 'keys' && name !== 'substringAfter') return compileCall(node, seq, false);
  const compiled = args.map((arg) => seq(arg));
  if (compiled.some((arg) => !arg)) return undefined;
  const [a, b] = compiled as Fn[];
  switch (name) {
    case 'append':
      if (args.length !== 2) return undefined;
      return (input, lookup) => append(a!(input, lookup), b!(input, lookup));
    case 'keys':
      if (args.length !== 1) return undefined;
      return (input, lookup) => {
        const v = a!(input, lookup);
        if (Array.isArray(v) || typeof v === 'function') return giveUp();
        return v !== null && typeof v === 'object' ? sequence(...Object.keys(v)) : sequence();
      };
    case 'substringAfter':
      if (args.length !== 2) return undefined;
      return (input, lookup) => {
        const s = a!(input, lookup);
        const chars = b!(input, lookup);
        if (s === undefined) return undefined;
        if (typeof s !== 'string' || typeof chars !== 'string') return giveUp();
        const at = s.indexOf(chars);
        return at > -1 ? s.substring(at + chars.length) : s;
      };
    default:
      return undefined;
  }
}
