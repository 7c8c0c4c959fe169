/**
 * `mapsync links --check`: links must be one-to-one, so a target record linked from more
 * than one source record is a defect (stores written before the engine checked adoptions,
 * or edited by hand). The check walks a mapping's links once and groups them by target id;
 * fan-out mappings are checked per child (one sales order line linked from two order lines).
 * Virtual links (guests sharing a customer) are allowed to share and are left out.
 */
import type { MappingState } from './sync-state.ts';

export interface SharedTarget {
  mapping: string;
  /** The target record linked more than once. */
  targetId: string;
  /** The source records linked to it (`<parent id>/<child key>` for fan-out children). */
  sourceIds: string[];
}

export async function manyToOneLinks(
  state: MappingState,
  options: { fanOut: boolean },
): Promise<{ links: number; shared: SharedTarget[] }> {
  const byTarget = new Map<string, string | string[]>();
  const add = (targetId: string, sourceId: string) => {
    const held = byTarget.get(targetId);
    if (held === undefined) byTarget.set(targetId, sourceId);
    else if (typeof held === 'string') byTarget.set(targetId, [held, sourceId]);
    else held.push(sourceId);
  };
  let links = 0;
  for await (const link of state.allLinks()) {
    links++;
    if (options.fanOut) {
      for (const [key, child] of Object.entries(link.children ?? {}))
        add(child.targetId, `${link.sourceId}/${key}`);
    } else if (!link.virtual) {
      add(link.targetId, link.sourceId);
    }
  }
  const shared: SharedTarget[] = [];
  for (const [targetId, held] of byTarget) {
    if (typeof held === 'string') continue;
    const sourceIds = [...held].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    shared.push({ mapping: state.mapping, targetId, sourceIds });
  }
  shared.sort((a, b) => a.targetId.localeCompare(b.targetId, undefined, { numeric: true }));
  return { links, shared };
}
