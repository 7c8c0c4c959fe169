/**
 * Children created in the same call as their parent (a sales order and its lines: one
 * PowerOffice `SalesOrders/Complete`): their payloads are prepared with the parent's, and
 * the lines the call returns are matched to their child keys by the child identity guard
 * to make the child mapping's link, stored together with the parent's link.
 */
import type { EntityRecord } from '../connectors/types.ts';
import type { CompiledMapping } from '../mapping/model.ts';
import { targetPayload } from '../mapping/payload.ts';
import { getPath } from '../mapping/values.ts';
import type { LinkRecord } from '../store/sync-state.ts';
import { assertResolved, recordContext } from './dependencies.ts';
import { emptyLink } from './empty-link.ts';
import type { MappingRun } from './mapping-run.ts';
import { objectPathsOf } from './patch.ts';
import { reportLine, reportWritten } from './report-lines.ts';

export interface PreparedChild {
  key: string;
  payload: EntityRecord;
  yields: Map<string, unknown>;
  raw: Map<string, unknown>;
  objects: string[];
  /** The mapping's `report` line for this child, listed if the child is written. */
  report?: string;
}

/** Expand and map the children of a source record for a fan-out mapping. */
export async function prepareChildren(
  parentRun: MappingRun,
  childMapping: CompiledMapping,
  record: unknown,
): Promise<PreparedChild[]> {
  const run = parentRun.run;
  const childRun = parentRun.runs.get(childMapping.name);
  // The child mapping runs after its parent: its run settings ($source_settings, …) are read
  // now, or its expressions would see none while its children are created with the parent.
  await childRun.prepare();
  const evaluation = recordContext(childRun);
  const expanded = await run.evaluator.expandChildren(childMapping, record, evaluation.ctx);
  assertResolved(evaluation);
  const prepared: PreparedChild[] = [];
  for (const child of expanded) {
    const crc = recordContext(childRun, { parent: record, position: child.position });
    const yields = await run.evaluator.valuesForTarget(childMapping, child.child, crc.ctx);
    assertResolved(crc);
    const raw = run.evaluator.readSourceValues(childMapping, child.child);
    const report = await reportLine(childRun, child.child, crc.ctx);
    prepared.push({
      key: child.key,
      payload: targetPayload(childMapping, yields),
      yields,
      raw,
      objects: objectPathsOf(child.child, raw.keys()),
      ...(report ? { report } : {}),
    });
  }
  return prepared;
}

/** The child link for the children returned by a create-with-children call (not stored yet). */
export function childLinkOf(
  parentRun: MappingRun,
  childMapping: CompiledMapping,
  sourceId: string,
  parentTargetId: string,
  prepared: PreparedChild[],
  returned: EntityRecord[],
): LinkRecord {
  const run = parentRun.run;
  const childRun = parentRun.runs.get(childMapping.name);
  const descriptor = childRun.target.descriptor;
  const guardPath = childMapping.identity?.target;
  const link = emptyLink(sourceId, parentTargetId, 'created-in-target', run.now());
  link.children = {};
  const unused = new Set(returned);
  const targetPaths = childMapping.properties.map((p) => p.target);
  prepared.forEach((child, position) => {
    let match: EntityRecord | undefined;
    if (guardPath) {
      const wanted = child.yields.get(guardPath);
      // The first unused one that matches, in the order returned (no copy of the set per child).
      for (const r of unused) {
        if (!run.evaluator.sameValue(getPath(r, guardPath), wanted, 'string')) continue;
        match = r;
        break;
      }
    }
    // Without a guard (or a dry run), children come back in the order they were sent.
    match ??= run.dryRun ? child.payload : returned[position];
    if (!match) return;
    unused.delete(match);
    const storedValues = run.evaluator.readTargetValues(childMapping, match);
    const base = {
      source: {} as Record<string, unknown>,
      target: {} as Record<string, unknown>,
      yields: {} as Record<string, unknown>,
    };
    for (const p of childMapping.properties) {
      if (p.direction === 'to-source') continue;
      base.target[p.target] = storedValues.get(p.target) ?? null;
      base.yields[p.target] = child.yields.get(p.target) ?? null;
      if (p.source !== undefined) base.source[p.source] = child.raw.get(p.source) ?? null;
    }
    const childId = run.dryRun ? run.writer.nextPlaceholder() : descriptor.idOf(match);
    link.children![child.key] = {
      targetId: childId,
      base: {
        ...base,
        targetObjects: objectPathsOf(match, targetPaths),
        sourceObjects: child.objects,
      },
    };
  });
  return link;
}

/** The children created with their parent are linked: the child pass skips that record. */
export function childrenCreated(
  parentRun: MappingRun,
  childMapping: CompiledMapping,
  link: LinkRecord,
  children: readonly PreparedChild[],
): void {
  const run = parentRun.run;
  parentRun.runs.get(childMapping.name).handledWithParent.add(link.sourceId);
  reportWritten(run.reporter, childMapping.name, children, Object.keys(link.children ?? {}));
  run.reporter.record({
    mapping: childMapping.name,
    side: 'source',
    id: link.sourceId,
    outcome: 'created',
    direction: 'to-target',
    properties: Object.keys(link.children ?? {}),
    partnerId: link.targetId,
  });
}
