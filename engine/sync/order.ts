/**
 * Run order: a mapping runs after every mapping it `$link`s to (its `dependencies`) and
 * after its fan-out parent, so the links it reads exist. The loader already sorts and
 * rejects cycles; the engine re-derives the order so it never depends on that (stable:
 * mappings without constraints keep their given order).
 */
import { ConfigError } from '../errors.ts';
import { dependencyOrder } from '../mapping/dependency-order.ts';
import type { CompiledMapping } from '../mapping/model.ts';

/** The mappings in run order (the loader's `dependencyOrder`, keeping the given order for ties). */
export function runOrder(mappings: readonly CompiledMapping[]): CompiledMapping[] {
  const byName = new Map(mappings.map((m) => [m.name, m]));
  const edges = new Map(mappings.map((m) => [m.name, runsAfter(m)]));
  const order = dependencyOrder(edges, (cycle) => {
    throw new ConfigError('SYNC_DEPENDENCY_CYCLE', `mapping dependency cycle: ${cycle.join(' → ')}`);
  });
  return order.map((name) => byName.get(name)!);
}

/** What a mapping runs after: every mapping it depends on, and its fan-out parent. */
function runsAfter(m: CompiledMapping): string[] {
  return [...m.dependencies.map((d) => d.mapping), ...(m.fanOut ? [m.fanOut.parent] : [])];
}

/**
 * The selected mappings (in dependency order) grouped into levels: a mapping's level is one
 * more than the highest level of the selected mappings it depends on (`dependencies`, which
 * include every `$link` target, and its fan-out parent). A level runs only after the level
 * before it has finished; the mappings of one level run at the same time.
 */
export function runLevels(selected: readonly CompiledMapping[]): CompiledMapping[][] {
  const level = new Map<string, number>();
  const levels: CompiledMapping[][] = [];
  for (const m of selected) {
    const before = runsAfter(m);
    const own = Math.max(-1, ...before.map((name) => level.get(name) ?? -1)) + 1;
    level.set(m.name, own);
    const group = levels[own] ?? [];
    group.push(m);
    levels[own] = group;
  }
  return levels;
}
