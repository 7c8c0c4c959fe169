/**
 * First-time matching and crash-safe creates.
 *
 * An unlinked record first looks for its partner: by identity guard (a record we created
 * for it before, e.g. just before a crash), then by the mapping's match keys. Exactly one
 * candidate → link it and write only the properties that differ (`first_sync` decides who
 * wins); several → a failed record naming them, nothing written; none → create, if the
 * mapping allows.
 *
 * A create is crash-safe: the intent (with the identity-guard value) is stored before the
 * call, the link right after it, and the intent removed last. Whatever happens in between
 * (SIGKILL, a timeout that leaves the outcome unknown, a duplicate-guard refusal) is resolved
 * by looking the guard up: exactly one record → link it; none → the create never happened.
 * A POST is never repeated blindly.
 */
import type { EntityRecord } from '../connectors/types.ts';
import type { CompiledMapping, Side } from '../mapping/model.ts';
import type { IntentRecord, LinkOrigin, LinkRecord } from '../store/sync-state.ts';
import { assertResolved, isPlaceholder, recordContext } from './dependencies.ts';
import type { PropertyDiff } from './events.ts';
import { RecordFailure } from './failures.ts';
import { type GuardedCreated, GuardedCreateError, lookupGuard, sendGuardedCreate } from './guarded-create.ts';
import { contentHash } from './hash.ts';
import type { MappingRun, ProcessResult } from './mapping-run.ts';
import { syncPair } from './pair.ts';
import { objectPathsOf } from './patch.ts';
import type { SideBinding } from './run-context.ts';
import { type SourceView, sourceViewOf, type TargetView, targetViewOf } from './views.ts';

export function emptyLink(sourceId: string, targetId: string, origin: LinkOrigin, now: Date): LinkRecord {
  const at = now.toISOString();
  return {
    v: 1,
    sourceId,
    targetId,
    base: { source: {}, target: {}, yields: {} },
    origin,
    linkedAt: at,
    syncedAt: at,
  };
}

/** An unlinked source record (or a virtual one from `$link`): match, else create in the target. */
export async function linkOrCreate(
  mr: MappingRun,
  id: string,
  record: unknown,
  options: { virtual: boolean },
): Promise<ProcessResult> {
  const { run, mapping } = mr;
  const rc = recordContext(mr);
  const modifiedAt = options.virtual ? undefined : mr.source.descriptor.modifiedAt(record as EntityRecord);
  const view = await sourceViewOf(run.evalr, mapping, id, record, rc.ctx, modifiedAt);
  assertResolved(rc);
  const guard = targetGuard(mapping, view);
  const { keys } = mr.sourceKeys(record);
  const lockKeys = [
    ...(guard ? [`${mapping.name}:g:${guard.value}`] : []),
    ...keys.flatMap((k, i) => (k ? [`${mapping.name}:k${i}:${k}`] : [])),
  ];
  return run.mutex.run(lockKeys, async () => {
    // Someone (a dependency resolved meanwhile) may have linked it while we waited.
    const linked = await mr.state.getLink(id);
    if (linked)
      return { outcome: 'unchanged', direction: 'none', properties: [], partnerId: linked.targetId };
    const index = await mr.targetIndex();
    const found = index.find(guard?.value, keys, { includeLinked: options.virtual, self: id });
    if (found.entries.length > 1) {
      const ids = found.entries.map((e) => e.id);
      throw new RecordFailure(
        'AMBIGUOUS_MATCH',
        'ambiguous',
        `${found.entries.length} ${mapping.target.system} ${mapping.target.entity} records match (${found.via === 'guard' ? `identity guard ${mapping.identity?.target}` : `match key ${describeRule(mapping, found.via)}`}): ${ids.join(', ')}; nothing was written. Merge or correct them, then retry.`,
        { candidates: ids },
      );
    }
    const entry = found.entries[0];
    if (entry) {
      if (options.virtual) {
        // A guest matched an existing customer: link it for ids only; a virtual link never
        // writes the guest's data over a real customer.
        const link: LinkRecord = {
          ...emptyLink(id, entry.id, 'matched', run.now()),
          virtual: true,
          base: { source: Object.fromEntries(view.raw), target: {}, yields: Object.fromEntries(view.yields) },
        };
        await mr.state.putLink(link);
        return { outcome: 'unchanged', direction: 'none', properties: [], partnerId: entry.id };
      }
      const target = entry.projection ?? (await fetchTargetView(mr, entry.id));
      if (!target) throw new RecordFailure('NOT_FOUND', 'not-found', `matched ${entry.id}, which is gone`);
      const link = emptyLink(id, entry.id, 'matched', run.now());
      index.markLinked(entry.id, id);
      run.change({
        mapping: mapping.name,
        side: 'source',
        id,
        action: 'link',
        direction: 'to-target',
        partnerId: entry.id,
        diffs: [],
        notes: [
          `linked to existing ${mapping.target.entity} ${entry.id} by ${found.via === 'guard' ? 'identity guard' : describeRule(mapping, found.via)}`,
        ],
      });
      const result = await syncPair(mr, link, view, target, { created: true });
      // An existing parent comes with its children: the child mappings adopt them now.
      await mr.syncChildren(id, record as EntityRecord, 'change');
      return { ...result, partnerId: entry.id };
    }
    if (!mapping.create.inTarget) {
      return { outcome: 'skipped', direction: 'none', properties: [] };
    }
    return createInTarget(mr, id, record, view, guard, options, rc.notes);
  });
}

async function createInTarget(
  mr: MappingRun,
  id: string,
  record: unknown,
  view: SourceView,
  guard: { field: string; value: string } | undefined,
  options: { virtual: boolean },
  notes: string[],
): Promise<ProcessResult> {
  const { run, mapping } = mr;
  const payload = createPayload(mr, mapping, view.yields);
  const placeholders = notes.length > 0 || containsPlaceholder(payload);

  // Children created in the same call (sales order + lines = one SalesOrders/Complete).
  const withChildren = mr.target.connector.withChildren;
  const childMapping = run
    .childrenOf(mapping.name)
    .find((c) => withChildren?.children[mapping.target.entity]?.includes(c.target.entity));
  let children: PreparedChild[] | undefined;
  if (childMapping) children = await prepareChildren(mr, childMapping, record);

  if (!options.virtual) mr.checkSourceValues(record);
  if (!(run.dryRun && placeholders)) {
    run.deps.validator.check(mr.target.descriptor.schema, payload, `${mapping.name} create payload`);
    if (children && childMapping) {
      const childSchema = run.binding(childMapping, 'target').descriptor.schema;
      for (const child of children)
        run.deps.validator.check(childSchema, child.payload, `${childMapping.name} line ${child.key}`);
    }
  }

  const intent: IntentRecord | undefined = guard
    ? {
        guard,
        side: 'target',
        at: run.now().toISOString(),
        payloadHash: contentHash(payload),
        ...(options.virtual ? { virtual: true } : {}),
      }
    : undefined;
  if (intent) await mr.state.setIntent('source', id, intent);

  const send = () =>
    children && childMapping
      ? run.createWithChildren(
          mr.target,
          payload,
          childMapping.target.entity,
          children.map((c) => c.payload),
        )
      : run.create(mr.target, payload);
  const created: { id: string; record: EntityRecord; children?: EntityRecord[]; found?: boolean } = intent
    ? await createOrDropIntent(mr, mr.target, intent, send, () => mr.state.deleteIntent('source', id))
    : await send();
  const origin: LinkOrigin = created.found ? 'recovered' : 'created-in-target';

  const link = await linkCreated(mr, id, view, created.record, created.id, origin, options.virtual);
  if (childMapping && children && created.children) {
    await linkCreatedChildren(mr, childMapping, id, created.id, children, created.children ?? []);
  }
  if (intent) await mr.state.deleteIntent('source', id);
  // A record found by its guard comes without its children: the child mappings adopt them.
  if (origin === 'recovered' && !options.virtual) await mr.syncChildren(id, record as EntityRecord, 'change');

  const index = await mr.targetIndex();
  const { guard: guardValue, keys } = mr.targetKeys(created.record);
  index.add(
    options.virtual
      ? { id: created.id, projection: await fetchProjection(mr, created.id, created.record) }
      : { id: created.id, linkedTo: id },
    guardValue,
    keys,
  );

  const diffs: PropertyDiff[] = [...view.yields]
    .filter(([, to]) => to !== undefined && to !== null && to !== '')
    .map(([path, to]) => ({ path, from: undefined, to }));
  run.change({
    mapping: mapping.name,
    side: 'source',
    id,
    action: 'create',
    direction: 'to-target',
    partnerId: link.targetId,
    diffs,
    ...(notes.length > 0 ? { notes } : {}),
    ...(children ? { notes: [...notes, `with ${children.length} ${childMapping?.name} record(s)`] } : {}),
  });
  return {
    outcome: 'created',
    direction: 'to-target',
    properties: [...view.yields.keys()],
    partnerId: link.targetId,
  };
}

/** Store the link of a record just created (or recovered) in the target. */
async function linkCreated(
  mr: MappingRun,
  sourceId: string,
  view: SourceView,
  stored: EntityRecord,
  targetId: string,
  origin: LinkOrigin,
  virtual: boolean,
): Promise<LinkRecord> {
  const { run, mapping } = mr;
  const storedValues = run.evalr.readTargetValues(mapping, stored);
  const link = emptyLink(sourceId, targetId, origin, run.now());
  if (virtual) link.virtual = true;
  for (const p of mapping.properties) {
    // To-source properties have no base yet: they flow on the pair's next sync.
    if (p.direction === 'to-source') continue;
    link.base.target[p.target] = storedValues.get(p.target) ?? null;
    link.base.yields[p.target] = view.yields.get(p.target) ?? null;
    if (p.source !== undefined) link.base.source[p.source] = view.raw.get(p.source) ?? null;
  }
  link.base.targetObjects = objectPathsOf(
    stored,
    mapping.properties.map((p) => p.target),
  );
  link.base.sourceObjects = view.objects;
  if (mapping.target.lockedWhen) {
    const rc = recordContext(mr);
    if (await run.evalr.isLocked(mapping, stored, rc.ctx)) link.locked = true;
  }
  if (!virtual && mr.sourceIsFullScan && view.record !== undefined)
    link.sourceHash = mr.hashSource(view.record);
  await mr.state.putLink(link);
  return link;
}

interface PreparedChild {
  key: string;
  payload: EntityRecord;
  yields: Map<string, unknown>;
  raw: Map<string, unknown>;
  objects: string[];
}

/** Expand and map the children of a source record for a fan-out mapping. */
export async function prepareChildren(
  parentRun: MappingRun,
  childMapping: CompiledMapping,
  record: unknown,
): Promise<PreparedChild[]> {
  const run = parentRun.run;
  const cmr = run.mappingRun(childMapping.name);
  const rc = recordContext(cmr);
  const expanded = await run.evalr.expandChildren(childMapping, record, rc.ctx);
  assertResolved(rc);
  const prepared: PreparedChild[] = [];
  for (const child of expanded) {
    const crc = recordContext(cmr, { parent: record, position: child.position });
    const yields = await run.evalr.valuesForTarget(childMapping, child.child, crc.ctx);
    assertResolved(crc);
    const raw = run.evalr.readSourceValues(childMapping, child.child);
    prepared.push({
      key: child.key,
      payload: createPayload(cmr, childMapping, yields),
      yields,
      raw,
      objects: objectPathsOf(child.child, raw.keys()),
    });
  }
  return prepared;
}

/** Link the children returned by a create-with-children call to their child keys. */
async function linkCreatedChildren(
  parentRun: MappingRun,
  childMapping: CompiledMapping,
  sourceId: string,
  parentTargetId: string,
  prepared: PreparedChild[],
  returned: EntityRecord[],
): Promise<void> {
  const run = parentRun.run;
  const cmr = run.mappingRun(childMapping.name);
  const descriptor = cmr.target.descriptor;
  const guardPath = childMapping.identity?.target;
  const link = emptyLink(sourceId, parentTargetId, 'created-in-target', run.now());
  link.children = {};
  const unused = new Set(returned);
  prepared.forEach((child, position) => {
    let match: EntityRecord | undefined;
    if (guardPath) {
      const wanted = child.yields.get(guardPath);
      match = [...unused].find((r) => run.evalr.sameValue(pathOf(r, guardPath), wanted, 'string'));
    }
    // Without a guard (or a dry run), children come back in the order they were sent.
    match ??= run.dryRun ? child.payload : returned[position];
    if (!match) return;
    unused.delete(match);
    const storedValues = run.evalr.readTargetValues(childMapping, match);
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
    const childId = run.dryRun ? run.nextPlaceholder() : descriptor.idOf(match);
    link.children![child.key] = {
      targetId: childId,
      base: {
        ...base,
        targetObjects: objectPathsOf(
          match,
          childMapping.properties.map((p) => p.target),
        ),
        sourceObjects: child.objects,
      },
    };
  });
  await cmr.state.putLink(link);
  cmr.handledWithParent.add(sourceId);
  run.record({
    mapping: childMapping.name,
    side: 'source',
    id: sourceId,
    outcome: 'created',
    direction: 'to-target',
    properties: Object.keys(link.children),
    partnerId: parentTargetId,
  });
}

/** Send a guarded create (see guarded-create.ts); drop the intent when nothing was created. */
async function createOrDropIntent<T extends { id: string; record: EntityRecord }>(
  mr: MappingRun,
  binding: SideBinding,
  intent: IntentRecord,
  send: () => Promise<T>,
  dropIntent: () => Promise<void>,
): Promise<GuardedCreated<T>> {
  try {
    return await sendGuardedCreate(mr, binding, intent, send);
  } catch (error) {
    if (!(error instanceof GuardedCreateError)) throw error;
    // Refused outright (4xx, a 5xx answer, connection refused): nothing was created.
    if (!error.keepIntent) await dropIntent();
    throw error.error;
  }
}

/**
 * Step 0 of a mapping's run: resolve the intents a crashed run left behind. Exactly one
 * record carries the guard → link it (`recovered`); none → the create never happened,
 * drop the intent so the record is created normally; several → a failed record.
 */
export async function resolveIntents(mr: MappingRun): Promise<void> {
  const { run, mapping } = mr;
  for (const { from, id, intent } of mr.intents) {
    if (run.aborted()) return;
    const binding = from === 'source' ? mr.target : mr.source;
    if (intent.childKey !== undefined) {
      // Child creates are re-checked by the child pass, which adopts existing children by guard.
      if (!run.dryRun) await mr.state.deleteIntent(from, id);
      continue;
    }
    const found = await lookupGuard(binding, intent);
    if (found.length === 1) {
      const record = found[0]!;
      const foundId = binding.descriptor.idOf(record);
      const sourceId = from === 'source' ? id : foundId;
      const targetId = from === 'source' ? foundId : id;
      if (!(await mr.state.getLink(sourceId))) {
        const link = emptyLink(sourceId, targetId, 'recovered', run.now());
        if (intent.virtual) link.virtual = true;
        if (from === 'source') {
          // The target values are known; the source values flow on the record's next sync.
          const values = run.evalr.readTargetValues(mapping, record);
          for (const p of mapping.properties) link.base.target[p.target] = values.get(p.target) ?? null;
          link.base.targetObjects = objectPathsOf(record, values.keys());
        }
        await mr.state.putLink(link);
        // A failure stored while the create's outcome was unknown is obsolete now.
        if (mr.failed.delete(`${from}.${id}`)) await mr.state.deleteFailed(from, id);
        if (from === 'source' && !intent.virtual) await adoptChildrenOf(mr, id);
      }
      run.deps.runtime.logger.info(
        { mapping: mapping.name, from, id, partner: foundId },
        'recovered a create interrupted by a crash: linked by identity guard',
      );
    } else if (found.length > 1) {
      await mr.finish(from, id, {
        outcome: 'failed',
        direction: 'none',
        properties: [],
        failure: {
          code: 'AMBIGUOUS_GUARD',
          kind: 'ambiguous',
          reason: `${found.length} records carry ${intent.guard.field} = ${intent.guard.value}: ${found.map((r) => binding.descriptor.idOf(r)).join(', ')}`,
          candidates: found.map((r) => binding.descriptor.idOf(r)),
        },
      });
    }
    await mr.state.deleteIntent(from, id);
  }
  mr.intents = [];
}

/** After a recovery in phase 0: the parent's children already exist; let the child mappings link them. */
async function adoptChildrenOf(mr: MappingRun, sourceId: string): Promise<void> {
  if (mr.run.childrenOf(mr.mapping.name).length === 0) return;
  const record = await mr.source.connector.get(mr.source.entity, sourceId);
  if (record) await mr.syncChildren(sourceId, record, 'retry');
}

/** An unlinked target record with create.in_source: match a source record, else create one. */
export async function linkOrCreateInSource(mr: MappingRun, target: TargetView): Promise<ProcessResult> {
  const { run, mapping } = mr;
  const reverse = await mr.state.reverse(target.id);
  if (reverse)
    return { outcome: 'unchanged', direction: 'none', properties: [], partnerId: reverse.sourceId };
  const guardPath = mapping.identity?.source;
  const guardValue = guardPath ? target.desiredSource.get(guardPath) : undefined;
  const guard =
    guardPath && guardValue !== undefined && guardValue !== null && guardValue !== ''
      ? { field: guardPath, value: String(guardValue) }
      : undefined;
  const keys = mapping.match.map((rule) =>
    run.evalr.matchKey(target.values.get(rule.target), rule.normalize),
  );
  const index = await mr.sourceIndex();
  const found = index.find(guard?.value, keys);
  if (found.entries.length > 1) {
    const ids = found.entries.map((e) => e.id);
    throw new RecordFailure(
      'AMBIGUOUS_MATCH',
      'ambiguous',
      `${ids.length} ${mapping.source.system} ${mapping.source.entity} records match: ${ids.join(', ')}; nothing was written`,
      { candidates: ids },
    );
  }
  const entry = found.entries[0];
  if (entry) {
    if (!entry.projection) return { outcome: 'skipped', direction: 'none', properties: [] };
    const link = emptyLink(entry.id, target.id, 'matched', run.now());
    index.markLinked(entry.id, target.id);
    const result = await syncPair(mr, link, entry.projection, target, { created: true });
    return { ...result, partnerId: entry.id };
  }
  if (!mapping.create.inSource) return { outcome: 'skipped', direction: 'none', properties: [] };

  const payload = compact(run.evalr.buildRecord(target.desiredSource));
  if (!run.dryRun)
    run.deps.validator.check(
      mr.source.descriptor.schema,
      payload,
      `${mapping.name} create payload (in source)`,
    );
  const intent: IntentRecord | undefined = guard
    ? { guard, side: 'source', at: run.now().toISOString(), payloadHash: contentHash(payload) }
    : undefined;
  if (intent) await mr.state.setIntent('target', target.id, intent);
  const send = () => run.create(mr.source, payload);
  const created: { id: string; record: EntityRecord; found?: boolean } = intent
    ? await createOrDropIntent(mr, mr.source, intent, send, () => mr.state.deleteIntent('target', target.id))
    : await send();
  const origin: LinkOrigin = created.found ? 'recovered' : 'created-in-source';
  const rc = recordContext(mr);
  const view = await sourceViewOf(run.evalr, mapping, created.id, created.record, rc.ctx);
  const link = emptyLink(created.id, target.id, origin, run.now());
  for (const p of mapping.properties) {
    link.base.target[p.target] = target.values.get(p.target) ?? null;
    if (p.direction !== 'to-source') link.base.yields[p.target] = view.yields.get(p.target) ?? null;
    if (p.source !== undefined) link.base.source[p.source] = view.raw.get(p.source) ?? null;
  }
  link.base.targetObjects = target.objects;
  link.base.sourceObjects = view.objects;
  if (mr.sourceIsFullScan) link.sourceHash = mr.hashSource(created.record);
  await mr.state.putLink(link);
  if (intent) await mr.state.deleteIntent('target', target.id);
  run.change({
    mapping: mapping.name,
    side: 'target',
    id: target.id,
    action: 'create',
    direction: 'to-source',
    partnerId: created.id,
    diffs: [...target.desiredSource].map(([path, to]) => ({ path, sourcePath: path, from: undefined, to })),
  });
  return {
    outcome: 'created',
    direction: 'to-source',
    properties: [...target.desiredSource.keys()],
    partnerId: created.id,
  };
}

/** `target.where` values plus what the source yields, nested; empty values are left out. */
export function createPayload(
  mr: MappingRun,
  mapping: CompiledMapping,
  yields: ReadonlyMap<string, unknown>,
): EntityRecord {
  const values = new Map<string, unknown>(Object.entries(mapping.target.where));
  for (const [path, value] of yields) {
    if (value !== undefined && value !== null && value !== '') values.set(path, value);
  }
  return mr.run.evalr.buildRecord(values);
}

export function targetGuard(
  mapping: CompiledMapping,
  view: SourceView,
): { field: string; value: string } | undefined {
  const path = mapping.identity?.target;
  if (!path) return undefined;
  const value = view.yields.get(path);
  if (value === undefined || value === null || value === '') return undefined;
  return { field: path, value: String(value) };
}

async function fetchTargetView(mr: MappingRun, id: string): Promise<TargetView | undefined> {
  const record = await mr.target.connector.get(mr.target.entity, id);
  if (!record) return undefined;
  return fetchProjection(mr, id, record);
}

async function fetchProjection(mr: MappingRun, id: string, record: EntityRecord): Promise<TargetView> {
  const rc = recordContext(mr);
  return targetViewOf(mr.run.evalr, mr.mapping, id, record, rc.ctx, mr.target.descriptor.modifiedAt(record));
}

function describeRule(mapping: CompiledMapping, via: string): string {
  const i = Number(via.split(':')[1]);
  const rule = mapping.match[i];
  return rule ? `${rule.source} = ${rule.target} (${rule.normalize})` : via;
}

function containsPlaceholder(value: unknown): boolean {
  if (typeof value === 'string') return isPlaceholder(value);
  if (typeof value === 'number') return isPlaceholder(String(value));
  if (Array.isArray(value)) return value.some(containsPlaceholder);
  if (value && typeof value === 'object') return Object.values(value).some(containsPlaceholder);
  return false;
}

function compact(record: EntityRecord): EntityRecord {
  return Object.fromEntries(
    Object.entries(record).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  ) as EntityRecord;
}

function pathOf(record: unknown, path: string): unknown {
  let node: unknown = record;
  for (const s of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[s];
  }
  return node;
}

export type { Side };
