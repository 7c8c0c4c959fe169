/**
 * Fan-out mappings (sales order lines): one source record yields many children that live
 * under the parent mapping's target record. The child mapping's link, keyed by the parent
 * source id, holds the parent's target id and a snapshot per child key.
 *
 * Per source record: expand the children, compare with the snapshot, and
 * - a new key → create the child under the parent (POST line),
 * - a changed key → patch only the changed properties (PATCH line),
 * - a key that is gone → delete the child (DELETE line),
 * never when the parent's target is locked (a Confirmed order): then the whole difference
 * is reported as a failed record `LOCKED` and nothing is written.
 *
 * Children are created together with their parent when the connector can (see create.ts).
 * When the child link is missing although the parent is linked (the parent was recovered
 * after a crash, or matched), the existing children are adopted first by their identity
 * guard, so nothing is created twice.
 */

import type { EntityRecord } from '../connectors/types.ts';
import { getPath } from '../mapping/values.ts';
import type { ChildLink, LinkRecord } from '../store/sync-state.ts';
import { ACTION_LOCKED, describeLock, lockingAction } from './actions.ts';
import { prepareChildren } from './create-children.ts';
import { emptyLink } from './empty-link.ts';
import type { PropertyDiff } from './events.ts';
import { type ClassifiedFailure, classify } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';
import { mergePair, type PropertyInput } from './merge.ts';
import { baseOf } from './pair-plan.ts';
import { buildPatch, objectPathsOf } from './patch.ts';
import { reportWritten } from './report-lines.ts';
import type { KnownLinks, ProcessResult } from './run-types.ts';
import { sameJson } from './same-json.ts';
import { copySnapshot } from './snapshot-copy.ts';

interface ChildPlan {
  creates: Array<Awaited<ReturnType<typeof prepareChildren>>[number]>;
  updates: Array<{
    key: string;
    child: ChildLink;
    changes: Array<{
      path: string;
      from: unknown;
      value: unknown;
      sourceValue: unknown;
      sourcePath?: string;
    }>;
    converged: Array<{
      path: string;
      yielded: unknown;
      source: unknown;
      target: unknown;
      sourcePath?: string;
    }>;
  }>;
  deletes: Array<{ key: string; child: ChildLink }>;
}

export async function processChildren(
  mappingRun: MappingRun,
  sourceId: string,
  record: EntityRecord,
  known?: KnownLinks,
): Promise<ProcessResult> {
  const { run, mapping } = mappingRun;
  const parentRun = mappingRun.runs.get(mapping.fanOut!.parent);
  // Links read ahead with the page are current unless this run wrote them since.
  const parentLink =
    known?.parent && !parentRun.preload.writtenSince(sourceId, known.parent.mark)
      ? known.parent.link
      : await parentRun.state.getLink(sourceId);
  if (!parentLink || parentLink.virtual) {
    // The parent is not synced (it failed, or is filtered out): its own record says why.
    return { outcome: 'skipped', direction: 'none', properties: [] };
  }
  const prepared = await prepareChildren(parentRun, mapping, record);
  let link =
    known && !mappingRun.preload.writtenSince(sourceId, known.mark)
      ? known.link
      : await mappingRun.state.getLink(sourceId);
  if (!link || link.targetId !== parentLink.targetId)
    link = await adopt(mappingRun, sourceId, parentLink, prepared);

  const plan = planChildren(mappingRun, link, prepared);
  const diffs = describePlan(plan);
  const children = { ...(link.children ?? {}) };
  for (const u of plan.updates) {
    if (u.changes.length === 0) {
      children[u.key] = withConverged(u.child, u.converged);
    }
  }
  if (
    plan.creates.length + plan.deletes.length + plan.updates.filter((u) => u.changes.length > 0).length ===
    0
  ) {
    await saveIfChanged(mappingRun, link, { ...link, children });
    return { outcome: 'unchanged', direction: 'none', properties: [], partnerId: link.targetId };
  }
  const lock = lockingAction(parentLink);
  if (parentLink.locked || lock) {
    await saveIfChanged(mappingRun, link, { ...link, children });
    const why = lock
      ? `locked: action ${describeLock(lock)} of ${parentRun.mapping.name} was done`
      : `locked (target.locked_when of ${parentRun.mapping.name})`;
    return {
      outcome: 'failed',
      direction: 'none',
      properties: diffs.map((d) => d.path),
      partnerId: link.targetId,
      failure: {
        code: lock ? ACTION_LOCKED : 'LOCKED',
        kind: 'locked',
        reason: `${mapping.target.system} ${parentRun.mapping.target.entity} ${link.targetId} is ${why}; not written: ${diffs.map((d) => d.path).join(', ')} (the values are in the details)`,
        details: { diffs },
      },
    };
  }

  const parentId = link.targetId;
  /** The link as last stored: a new child's id is stored at once, the rest at the end. */
  let lastStored = link;
  const failures: ClassifiedFailure[] = [];
  const touched: string[] = [];
  for (const u of plan.updates) {
    if (u.changes.length === 0) continue;
    const ops = buildPatch(
      u.child.base.target,
      u.child.base.targetObjects ?? [],
      u.changes.map((c) => ({ path: c.path, value: c.value })),
    );
    try {
      const stored = await run.writer.update(mappingRun.target, u.child.targetId, ops, { parentId });
      const storedValues = stored ? run.evaluator.readTargetValues(mapping, stored) : undefined;
      const base = copySnapshot(u.child.base);
      for (const c of u.changes) {
        base.target[c.path] = storedValues?.has(c.path)
          ? (storedValues.get(c.path) ?? null)
          : (c.value ?? null);
        base.yields[c.path] = c.value ?? null;
        if (c.sourcePath) base.source[c.sourcePath] = c.sourceValue ?? null;
      }
      children[u.key] = withConverged({ ...u.child, base }, u.converged);
      touched.push(u.key);
    } catch (error) {
      failures.push(classify(error));
    }
  }
  for (const c of plan.creates) {
    try {
      run.deps.validator.check(
        mappingRun.target.descriptor.schema,
        c.payload,
        `${mapping.name} line ${c.key}`,
      );
      const { id, record: stored } = await run.writer.create(mappingRun.target, c.payload, { parentId });
      const storedValues = run.evaluator.readTargetValues(mapping, stored);
      const base = {
        source: {} as Record<string, unknown>,
        target: {} as Record<string, unknown>,
        yields: {} as Record<string, unknown>,
      };
      for (const p of mapping.properties) {
        if (p.direction === 'to-source') continue;
        base.target[p.target] = storedValues.get(p.target) ?? null;
        base.yields[p.target] = c.yields.get(p.target) ?? null;
        if (p.source !== undefined) base.source[p.source] = c.raw.get(p.source) ?? null;
      }
      children[c.key] = {
        targetId: id,
        base: {
          ...base,
          targetObjects: objectPathsOf(
            stored,
            mapping.properties.map((p) => p.target),
          ),
          sourceObjects: c.objects,
        },
      };
      touched.push(c.key);
      // Persist at once: a crash now must not lose the new child's id. (A copy of the
      // children: the map is changed further below, and compared with what was stored.)
      const next = { ...link, children: { ...children }, syncedAt: run.now().toISOString() };
      await mappingRun.state.putLink(next);
      lastStored = next;
    } catch (error) {
      failures.push(classify(error));
    }
  }
  for (const d of plan.deletes) {
    try {
      await run.writer.remove(mappingRun.target, d.child.targetId, 'delete', { parentId });
      delete children[d.key];
      touched.push(d.key);
    } catch (error) {
      failures.push(classify(error));
    }
  }
  // Written again only when something changed after the last child created (an update, a
  // delete, a later failure's converged values): not the same link twice.
  await saveIfChanged(mappingRun, lastStored, { ...link, children, syncedAt: run.now().toISOString() });
  reportWritten(run.reporter, mapping.name, prepared, touched);
  if (touched.length > 0) {
    run.reporter.change({
      mapping: mapping.name,
      side: 'source',
      id: sourceId,
      action: 'update',
      direction: 'to-target',
      partnerId: parentId,
      diffs,
    });
  }
  const failure = failures[0];
  return {
    outcome: failure ? 'failed' : 'updated',
    direction: touched.length > 0 ? 'to-target' : 'none',
    properties: diffs.map((d) => d.path),
    partnerId: parentId,
    ...(failure ? { failure } : {}),
  };
}

function planChildren(
  mappingRun: MappingRun,
  link: LinkRecord,
  prepared: Awaited<ReturnType<typeof prepareChildren>>,
): ChildPlan {
  const { mapping, run } = mappingRun;
  const existing = link.children ?? {};
  const plan: ChildPlan = { creates: [], updates: [], deletes: [] };
  const keys = new Set<string>();
  // The same for every child: worked out once per order, not once per line.
  const toTarget = mapping.properties.filter((p) => p.direction !== 'to-source');
  const byTarget = new Map(mapping.properties.map((p) => [p.target, p]));
  for (const child of prepared) {
    keys.add(child.key);
    const current = existing[child.key];
    if (!current) {
      plan.creates.push(child);
      continue;
    }
    const inputs: PropertyInput[] = toTarget.map((p) => ({
      path: p.target,
      type: p.type,
      direction: 'to-target' as const,
      conflict: p.conflict ?? mapping.conflict,
      ...(p.normalize ? { normalize: p.normalize } : {}),
      sourceValue: p.source !== undefined ? child.raw.get(p.source) : undefined,
      desiredTarget: child.yields.get(p.target),
      // Children are not listed back: the target holds what we last wrote.
      targetValue: current.base.target[p.target],
      ...baseOf(current.base, p),
    }));
    const outcomes = mergePair({ properties: inputs, firstSync: mapping.firstSync }, run.evaluator.sameValue);
    const changes: ChildPlan['updates'][number]['changes'] = [];
    const converged: ChildPlan['updates'][number]['converged'] = [];
    for (const o of outcomes) {
      const p = byTarget.get(o.path)!;
      if (o.action === 'to-target') {
        changes.push({
          path: o.path,
          from: o.from,
          value: o.value,
          sourceValue: o.sourceValue,
          ...(p.source !== undefined ? { sourcePath: p.source } : {}),
        });
      } else if (o.action === 'converge') {
        converged.push({
          path: o.path,
          yielded: o.base.yielded,
          source: o.base.source,
          target: o.base.target,
          ...(p.source !== undefined ? { sourcePath: p.source } : {}),
        });
      }
    }
    plan.updates.push({ key: child.key, child: current, changes, converged });
  }
  for (const [key, child] of Object.entries(existing)) {
    if (!keys.has(key)) plan.deletes.push({ key, child });
  }
  return plan;
}

function withConverged(child: ChildLink, converged: ChildPlan['updates'][number]['converged']): ChildLink {
  if (converged.length === 0) return child;
  const base = copySnapshot(child.base);
  for (const c of converged) {
    base.target[c.path] = c.target ?? null;
    base.yields[c.path] = c.yielded ?? null;
    if (c.sourcePath) base.source[c.sourcePath] = c.source ?? null;
  }
  return { ...child, base };
}

function describePlan(plan: ChildPlan): PropertyDiff[] {
  const diffs: PropertyDiff[] = [];
  for (const c of plan.creates)
    diffs.push({ path: `[${c.key}]`, from: undefined, to: Object.fromEntries(c.yields) });
  for (const u of plan.updates) {
    for (const c of u.changes) diffs.push({ path: `[${u.key}].${c.path}`, from: c.from, to: c.value });
  }
  for (const d of plan.deletes) diffs.push({ path: `[${d.key}]`, from: d.child.targetId, to: undefined });
  return diffs;
}

/**
 * Build the child link from the children already under the parent's target record,
 * matched to child keys by the child identity guard. Children that match no key are not
 * ours and are left alone.
 */
async function adopt(
  mappingRun: MappingRun,
  sourceId: string,
  parentLink: LinkRecord,
  prepared: Awaited<ReturnType<typeof prepareChildren>>,
): Promise<LinkRecord> {
  const { run, mapping } = mappingRun;
  const link = emptyLink(sourceId, parentLink.targetId, parentLink.origin, run.now());
  link.children = {};
  const guardPath = mapping.identity?.target;
  if (!guardPath || run.dryRun) return link;
  if (parentLink.targetId.startsWith('-9')) return link;
  const existing: EntityRecord[] = [];
  for await (const page of mappingRun.target.connector.list(mappingRun.target.entity, {
    parentId: parentLink.targetId,
  })) {
    existing.push(...page.records);
  }
  // One existing child for one key: a child record is never adopted twice.
  const adopted = new Set<EntityRecord>();
  for (const child of prepared) {
    const wanted = child.yields.get(guardPath);
    const match = existing.find(
      (r) => !adopted.has(r) && run.evaluator.sameValue(getPath(r, guardPath), wanted, 'string'),
    );
    if (!match) continue;
    adopted.add(match);
    const values = run.evaluator.readTargetValues(mapping, match);
    link.children[child.key] = {
      targetId: mappingRun.target.descriptor.idOf(match),
      base: {
        source: {},
        target: Object.fromEntries([...values].map(([k, v]) => [k, v ?? null])),
        yields: {},
        targetObjects: objectPathsOf(match, values.keys()),
      },
    };
  }
  await mappingRun.state.putLink(link);
  return link;
}

async function saveIfChanged(mappingRun: MappingRun, before: LinkRecord, after: LinkRecord): Promise<void> {
  if (sameFields(before, after)) return;
  const { syncedAt: _a, ...a } = before;
  const { syncedAt: _b, ...b } = after;
  if (!sameJson(a, b))
    await mappingRun.state.putLink({ ...after, syncedAt: mappingRun.run.now().toISOString() });
}

/**
 * Whether `after` is `before` with at most another `syncedAt`, seen without serialising:
 * the same fields holding the same values, the children map with the same child objects
 * (an unchanged order's lines keep theirs). False only means "compare their JSON".
 */
function sameFields(before: LinkRecord, after: LinkRecord): boolean {
  const keys = Object.keys(after) as Array<keyof LinkRecord>;
  if (keys.length !== Object.keys(before).length) return false;
  for (const key of keys) {
    if (key === 'syncedAt' || before[key] === after[key]) continue;
    if (key !== 'children' || !before.children || !after.children) return false;
    const names = Object.keys(after.children);
    if (names.length !== Object.keys(before.children).length) return false;
    if (names.some((name) => before.children![name] !== after.children![name])) return false;
  }
  return true;
}
