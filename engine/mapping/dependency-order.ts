/**
 * The dependency graph between mappings (edges from `$link`, `parent` and `dependencies`):
 * cycle detection for validation and the order the engine runs mappings in (a mapping after
 * everything it links to or lives under).
 */

/** Strongly connected components with a cycle (Tarjan), each as a list of names in edge order. */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = component.length === 1 && (edges.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) components.push(orderCycle(component, edges));
    }
  };
  for (const node of [...edges.keys()].sort()) if (!indices.has(node)) visit(node);
  return components;
}

/** Walk the component from its smallest name along edges inside it, so messages read a → b → a. */
function orderCycle(component: string[], edges: ReadonlyMap<string, readonly string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  const order = [start];
  let current = start;
  while (order.length < component.length) {
    const next = (edges.get(current) ?? []).find((n) => members.has(n) && !order.includes(n));
    if (!next) break;
    order.push(next);
    current = next;
  }
  return order;
}

/**
 * Names in run order: every mapping after the ones it depends on. Stable: nodes and their
 * edges are visited in the order given (the loader sorts them by name first, the engine keeps
 * the mappings' order), and names that are not nodes are ignored. A cycle is passed to
 * `onCycle` (as a → b → a) when given, else broken where it is found.
 */
export function dependencyOrder(
  edges: ReadonlyMap<string, readonly string[]>,
  onCycle?: (cycle: string[]) => void,
): string[] {
  const done = new Set<string>();
  const visiting: string[] = [];
  const order: string[] = [];
  const visit = (node: string): void => {
    if (done.has(node)) return;
    if (visiting.includes(node)) {
      onCycle?.([...visiting.slice(visiting.indexOf(node)), node]);
      return;
    }
    visiting.push(node);
    for (const next of edges.get(node) ?? []) if (next !== node && edges.has(next)) visit(next);
    visiting.pop();
    done.add(node);
    order.push(node);
  };
  for (const node of edges.keys()) visit(node);
  return order;
}
