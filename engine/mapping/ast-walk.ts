/**
 * Reads what an expression refers to from its JSONata AST, so problems are found at validate
 * time: which functions it calls (and with which arguments: `$link('customer-person', …)`
 * feeds the dependency graph), which variables it reads, and which names it binds itself
 * (`$f := function($x){…}`, lambda parameters, `@$item`, `#$index`). Scoping is not
 * modelled: a name bound anywhere in the expression counts as known everywhere in it.
 *
 * JSONata positions point just past a token; the offsets returned here are token starts.
 */
import type jsonata from 'jsonata';

export interface FunctionCall {
  name: string;
  /** Offset of the `$` of the function name in the expression text. */
  offset: number;
  args: jsonata.ExprNode[];
}

export interface VariableReference {
  name: string;
  offset: number;
}

/** A regex literal (`/^[a-z]+$/i`) and the offset of its opening `/`. */
export interface RegexLiteral {
  regexp: RegExp;
  offset: number;
}

export interface ExpressionReferences {
  calls: FunctionCall[];
  regexes: RegexLiteral[];
  /** Variables read as values (function names of calls are not included). */
  variables: VariableReference[];
  /** Names the expression binds itself. */
  bound: Set<string>;
}

type Node = jsonata.ExprNode & Record<string, unknown>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';

/** Start offset of a `$name` variable node. */
export const variableStart = (node: jsonata.ExprNode): number =>
  Math.max(0, (node.position ?? 0) - String(node.value ?? '').length - 1);

/** Start offset (opening quote) of a string literal node. */
export const stringStart = (node: jsonata.ExprNode): number =>
  Math.max(0, (node.position ?? 0) - String(node.value ?? '').length - 2);

/** Start offset of a regex literal: its node's position is just past the flags JSONata read. */
const regexStart = (node: jsonata.ExprNode, regexp: RegExp): number =>
  Math.max(0, (node.position ?? 0) - regexp.source.length - 2 - regexp.flags.replace('g', '').length);

export function collectReferences(ast: jsonata.ExprNode): ExpressionReferences {
  const refs: ExpressionReferences = { calls: [], regexes: [], variables: [], bound: new Set() };
  const procedures = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const node = value as Node;
    if (isNode(node)) {
      if ((node.type === 'function' || node.type === 'partial') && node.procedure?.type === 'variable') {
        procedures.add(node.procedure);
        refs.calls.push({
          name: String(node.procedure.value),
          offset: variableStart(node.procedure),
          args: node.arguments ?? [],
        });
      } else if (node.type === 'variable' && !procedures.has(node)) {
        refs.variables.push({ name: String(node.value), offset: variableStart(node) });
      } else if ((node.type as string) === 'bind' && isNode(node.lhs) && node.lhs.type === 'variable') {
        refs.bound.add(String(node.lhs.value));
      } else if ((node.type as string) === 'regex' && node.value instanceof RegExp) {
        refs.regexes.push({ regexp: node.value, offset: regexStart(node, node.value) });
      } else if (node.type === 'lambda') {
        for (const arg of node.arguments ?? []) refs.bound.add(String(arg.value));
      }
      if (typeof node.focus === 'string') refs.bound.add(node.focus);
      if (typeof node.index === 'string') refs.bound.add(node.index);
    }
    // `for…in`, not Object.entries: no array of pairs per node (a plain object has no
    // inherited enumerable keys).
    for (const key in node) {
      const child = node[key];
      if (key === 'procedure' && isNode(child) && child.type === 'variable') continue;
      if (key === 'value' && typeof child !== 'object') continue;
      visit(child);
    }
  };
  visit(ast);
  return refs;
}

/**
 * The field names of an expression that is nothing but a path of plain names (`ref`,
 * `line.product_id`): no filters, no variables, no functions. Such an expression can be read
 * without JSONata (see evaluator/local.ts); undefined for anything else.
 */
export function plainPathOf(ast: jsonata.ExprNode): string[] | undefined {
  const node = ast as Node;
  if ((node.type as string) !== 'path' || node.keepSingletonArray || !Array.isArray(node.steps))
    return undefined;
  const names: string[] = [];
  for (const step of node.steps as Node[]) {
    const extra = Object.keys(step).filter((key) => key !== 'type' && key !== 'value' && key !== 'position');
    if (step.type !== 'name' || typeof step.value !== 'string' || extra.length > 0) return undefined;
    names.push(step.value);
  }
  return names;
}
