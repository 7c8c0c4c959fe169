/**
 * Which expressions cannot run long, decided once from the JSONata AST at compile time, so
 * they are evaluated on the calling thread instead of in a worker (a round trip to a worker
 * costs far more than such an expression: ~0.1–0.2 ms against a few µs).
 *
 * An expression is *bounded* when its evaluation is straight-line work whose time and
 * output size are at most a small multiple of its input's size:
 * - no loops of any kind: no lambdas or function definitions (so no recursion), no ranges
 *   (`[1..$n]`), no sorting, no `~>` chains, no parent/positional/focus bindings;
 * - calls only to functions whose cost is linear in their arguments (`SCALAR` and `SIZED` below:
 *   string and number built-ins, mapsync's money and date helpers, `$link`, `$error`); not
 *   `$pad`, `$distinct`, `$eval`, `$replace`, `$match`, the higher-order functions…;
 * - no size blow-up: every node gets a *weight*, an upper bound on its value's size as a
 *   multiple of the input's (`a & b` weighs a + b; a variable, what was bound to it; a
 *   literal or mapping variable, 0), and the expression is bounded only when no weight
 *   exceeds MAX_WEIGHT. A variable is bound at most once, so `$s := $s & $s` repeated
 *   cannot double a string thirty times;
 * - nothing quadratic: inside a path step or a filter (evaluated once per element) no
 *   variable that weighs something (`$parent`, `$$`, a variable bound from the input) is
 *   read, and `in` has a constant side.
 * Regex literals are fine: they run on the linear-time engine (regex-engine.ts).
 *
 * Everything else (and anything this walk does not know) is not bounded and goes to the
 * worker pool with its hard time limit (pool.ts), as before.
 */
import type jsonata from 'jsonata';

type Node = jsonata.ExprNode & Record<string, unknown>;

/** Largest size multiple an expression's value may reach and still count as bounded. */
export const MAX_WEIGHT = 16;

const NOT_BOUNDED = Number.POSITIVE_INFINITY;

/**
 * Functions whose time is linear in their arguments (none takes a function), in two kinds:
 * those whose value is a scalar (a number, a boolean, a short string: an id, a date)…
 */
export const SCALAR: ReadonlySet<string> = new Set([
  // JSONata built-ins
  'length',
  'contains',
  'number',
  'floor',
  'ceil',
  'round',
  'abs',
  'boolean',
  'not',
  'exists',
  'count',
  'sum',
  'max',
  'min',
  'average',
  'type',
  'error',
  'assert',
  'toMillis',
  'fromMillis',
  'now',
  'millis',
  // mapsync helpers (functions/index.ts); htmlToText is left to the worker
  'link',
  'fetch',
  'decimal',
  'decimalString',
  'divide',
  'multiply',
  'sumDecimal',
  'percentOff',
  'exclVat',
  'inclVat',
  'net',
  'gross',
  'orgNumber',
  'utcDateTime',
  'utcDate',
  'zonedDate',
  'dateTimeOffset',
  'gmtDateTime',
]);

/** …and those whose value is at most as large as their arguments (`$join`: + a separator each). */
export const SIZED: ReadonlySet<string> = new Set([
  'string',
  'substring',
  'substringBefore',
  'substringAfter',
  'uppercase',
  'lowercase',
  'trim',
  'split',
  'join',
  'append',
  'keys',
  'lookup',
  'merge',
]);

const ZERO_WEIGHT_OPS = new Set(['+', '-', '*', '/', '%', '=', '!=', '<', '<=', '>', '>=', 'and', 'or']);

interface Scope {
  /** Variables bound by the expression itself (`$x := …`) and their weights. */
  readonly bound: Map<string, number>;
  /** Of those, the ones bound to a *scalar map* (see `isScalarMap`). */
  readonly maps: Set<string>;
  /** Evaluated once per element of an array (a path step after the first, a filter). */
  readonly perElement: boolean;
}

/**
 * True when the expression is bounded (see above). `constants`: names of variables whose
 * values are fixed and small whatever the record (mapping variables, `$position`, run
 * settings); any other variable the engine binds (`$parent`, test variables) weighs 1.
 */
export function isBounded(ast: jsonata.ExprNode, constants: ReadonlySet<string>): boolean {
  return (
    weight(ast as Node, { bound: new Map(), maps: new Set(), perElement: false }, constants) <= MAX_WEIGHT
  );
}

/** The literal value of an expression that is only a literal (`"Draft"`, `0`, `true`). */
export function literalOf(ast: jsonata.ExprNode): { value: unknown } | undefined {
  const node = ast as Node;
  if (Object.keys(node).some((key) => !['type', 'value', 'position'].includes(key))) return undefined;
  if (node.type === 'string' || node.type === 'number') return { value: node.value };
  if (node.type === 'value' && (node.value === true || node.value === false || node.value === null)) {
    return { value: node.value };
  }
  return undefined;
}

function weight(node: Node, scope: Scope, constants: ReadonlySet<string>): number {
  const w = (child: unknown, inner: Scope = scope): number =>
    isNode(child) ? weight(child, inner, constants) : NOT_BOUNDED;
  const sum = (children: unknown, inner: Scope = scope): number =>
    Array.isArray(children) ? children.reduce((total: number, c) => total + w(c, inner), 0) : NOT_BOUNDED;
  const perElement: Scope = { bound: scope.bound, maps: scope.maps, perElement: true };
  // Positional, focus and tuple bindings (`#$i`, `@$x`) are left to the worker.
  if (node.focus !== undefined || node.index !== undefined || node.tuple) return NOT_BOUNDED;
  let own = nodeWeight();
  // Predicates and grouping run once per element of the node's value.
  if (node.predicate !== undefined) own = Math.max(own, filters(node.predicate));
  if (node.stages !== undefined) own = Math.max(own, filters(node.stages));
  if (node.group !== undefined) own += pairs((node.group as { lhs?: unknown }).lhs, perElement);
  return own > MAX_WEIGHT ? NOT_BOUNDED : own;

  function filters(list: unknown): number {
    if (!Array.isArray(list)) return NOT_BOUNDED;
    for (const stage of list as Node[]) {
      if ((stage?.type as string) !== 'filter' || w(stage.expr, perElement) > MAX_WEIGHT) return NOT_BOUNDED;
    }
    return 0;
  }

  function pairs(list: unknown, inner: Scope): number {
    if (!Array.isArray(list)) return NOT_BOUNDED;
    return list.reduce(
      (total: number, pair) => total + (Array.isArray(pair) ? sum(pair, inner) : NOT_BOUNDED),
      0,
    );
  }

  function variable(name: string): number {
    if (name === '') return 1; // `$`, the context value
    const bound = scope.bound.get(name);
    const value = bound ?? (name !== '$' && constants.has(name) ? 0 : 1);
    // Re-reading something the size of the input once per element would be quadratic.
    return scope.perElement && value > 0 ? NOT_BOUNDED : value;
  }

  function nodeWeight(): number {
    switch (node.type as string) {
      case 'string':
      case 'number':
      case 'value':
      case 'regex':
        return 0;
      case 'name':
      case 'wildcard':
        return 1;
      case 'variable':
        return variable(String(node.value));
      case 'path': {
        const steps = node.steps as unknown;
        if (!Array.isArray(steps) || steps.length === 0) return NOT_BOUNDED;
        // Later steps run per element of what the previous step yielded.
        const weights = steps.map((step, i) => w(step, i === 0 ? scope : perElement));
        if (weights.some((value) => value > MAX_WEIGHT)) return NOT_BOUNDED;
        // A path into a value of fixed size (a mapping variable, a run setting) yields parts
        // of it: fixed size too (`$source_settings.currency in $target_settings.currencies`).
        if (weights[0] === 0) return 0;
        return weights.reduce((total: number, value) => total * Math.max(1, value), 1);
      }
      case 'binary': {
        const op = String(node.value);
        const l = w(node.lhs);
        const r = w(node.rhs);
        if (l > MAX_WEIGHT || r > MAX_WEIGHT) return NOT_BOUNDED;
        if (ZERO_WEIGHT_OPS.has(op)) return 0;
        if (op === '&') return l + r;
        if (op === 'in') return l === 0 || r === 0 ? 0 : NOT_BOUNDED;
        return NOT_BOUNDED; // `..` (a range) and anything newer
      }
      case 'condition': {
        if (w(node.condition) > MAX_WEIGHT) return NOT_BOUNDED;
        return Math.max(w(node.then), node.else === undefined ? 0 : w(node.else));
      }
      case 'block': {
        const inner: Scope = {
          bound: new Map(scope.bound),
          maps: new Set(scope.maps),
          perElement: scope.perElement,
        };
        const list = node.expressions as unknown;
        if (!Array.isArray(list)) return NOT_BOUNDED;
        // Every expression of the block counts, not only the last one's value.
        const weights = list.map((expression) => w(expression, inner));
        return weights.some((value) => value > MAX_WEIGHT) ? NOT_BOUNDED : (weights.at(-1) ?? 0);
      }
      case 'bind': {
        const lhs = node.lhs as Node | undefined;
        if (lhs?.type !== 'variable') return NOT_BOUNDED;
        const name = String(lhs.value);
        // Bound once only: re-binding is how a value doubles again and again.
        if (scope.bound.has(name) || constants.has(name)) return NOT_BOUNDED;
        const value = w(node.rhs);
        scope.bound.set(name, value);
        if (value <= MAX_WEIGHT && isScalarMap(node.rhs as Node, perElement, constants)) scope.maps.add(name);
        return value;
      }
      case 'unary': {
        if (node.value === '-') return w(node.expression) > MAX_WEIGHT ? NOT_BOUNDED : 0;
        if (node.value === '[') return sum(node.expressions);
        if (node.value === '{') return pairs(node.lhs, scope);
        return NOT_BOUNDED;
      }
      case 'function': {
        const procedure = node.procedure as Node | undefined;
        const name = String(procedure?.value);
        if (procedure?.type !== 'variable' || !(SCALAR.has(name) || SIZED.has(name))) return NOT_BOUNDED;
        if (scope.bound.has(name)) return NOT_BOUNDED;
        const args = node.arguments as unknown;
        // `$lookup($map, key)` on a scalar map: one property read whatever the element, and
        // a scalar comes out, so it may run once per element (a join done in linear time).
        if (name === 'lookup' && Array.isArray(args) && args.length === 2) {
          const map = args[0] as Node;
          if (map?.type === 'variable' && scope.maps.has(String(map.value)))
            return w(args[1]) > MAX_WEIGHT ? NOT_BOUNDED : 0;
        }
        const all = sum(args);
        if (all > MAX_WEIGHT) return NOT_BOUNDED;
        if (SCALAR.has(name)) return 0;
        // `$lookup(object, key)` is a part of the object; `$join(list, sep)` may repeat a
        // short literal once per element (+ 1); the others are at most their arguments.
        if (name === 'lookup') return Array.isArray(args) ? w(args[0]) : NOT_BOUNDED;
        return name === 'join' ? all + 1 : all;
      }
      default:
        return NOT_BOUNDED; // lambda, partial, apply, sort, descendant, parent, transform…
    }
  }
}

/**
 * A *scalar map*: a grouping (`items{ key: value }`, `$list{ key: value }`) whose every value
 * weighs 0 (a number, a boolean, a short string: evaluated once per group). JSONata builds it
 * in one pass over the items and it is always an object (evaluateGroupExpression; never an
 * array, which `$lookup` would walk), so a `$lookup` in it costs one property read and
 * yields a scalar.
 */
function isScalarMap(node: Node, perElement: Scope, constants: ReadonlySet<string>): boolean {
  const group = node.group as { lhs?: unknown } | undefined;
  if (!group || !Array.isArray(group.lhs) || group.lhs.length === 0) return false;
  return group.lhs.every(
    (pair) =>
      Array.isArray(pair) &&
      pair.length === 2 &&
      isNode(pair[1]) &&
      weight(pair[1], perElement, constants) === 0,
  );
}

function isNode(value: unknown): value is Node {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}
