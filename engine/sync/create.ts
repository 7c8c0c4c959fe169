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
import { targetPayload } from '../mapping/payload.ts';
import { type IntentRecord, type LinkOrigin, type LinkRecord, writeAll } from '../store/sync-state.ts';
import { childLinkOf, childrenCreated, type PreparedChild, prepareChildren } from './create-children.ts';
import { assertResolved, isPlaceholder, recordContext } from './dependencies.ts';
import { emptyLink } from './empty-link.ts';
import type { PropertyDiff } from './events.ts';
import { RecordFailure } from './failures.ts';
import { createOrDropIntent } from './guarded-create.ts';
import { contentHash } from './hash.ts';
import type { MappingRun } from './mapping-run.ts';
import { assertTargetFree } from './one-to-one.ts';
import { syncPair } from './pair.ts';
import { objectPathsOf } from './patch.ts';
import type { ProcessResult } from './run-types.ts';
import { checkSourceValues } from './source-values.ts';
import { type SourceView, sourceViewOf, type TargetView, targetViewOf } from './views.ts';

/** An unlinked source record (or a virtual one from `$link`): match, else create in the target. */
export async function linkOrCreate(
  mappingRun: MappingRun,
  id: string,
  record: unknown,
  options: { virtual: boolean; knownUnlinked?: boolean },
): Promise<ProcessResult> {
  const { run, mapping } = mappingRun;
  const evaluation = recordContext(mappingRun);
  const modifiedAt = options.virtual
    ? undefined
    : mappingRun.source.descriptor.modifiedAt(record as EntityRecord);
  const view = await sourceViewOf(run.evaluator, mapping, id, record, evaluation.ctx, modifiedAt);
  assertResolved(evaluation);
  const guard = targetGuard(mapping, view);
  const { keys } = mappingRun.indexes.sourceKeys(record, view.yields);
  const lockKeys = [
    ...(guard ? [`${mapping.name}:g:${guard.value}`] : []),
    ...keys.flatMap((k, i) => (k ? [`${mapping.name}:k${i}:${k}`] : [])),
  ];
  return run.mutex.run(lockKeys, async () => {
    // Someone (a dependency resolved meanwhile) may have linked it while we waited — unless
    // the page's preloaded "no link" is known to be current (see preload-marks.ts:
    // the check runs under the record's lock, so nothing can link it in between).
    const linked = options.knownUnlinked ? undefined : await mappingRun.state.getLink(id);
    if (linked)
      return { outcome: 'unchanged', direction: 'none', properties: [], partnerId: linked.targetId };
    const index = await mappingRun.indexes.targetIndex();
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
        await mappingRun.state.putLink(link);
        return { outcome: 'unchanged', direction: 'none', properties: [], partnerId: entry.id };
      }
      const via = found.via === 'guard' ? 'identity guard' : describeRule(mapping, found.via);
      // Claimed in the index before anything is awaited, so that no other record of this
      // run can match it meanwhile; the index leaves out records it knew to be linked when
      // it was built, but the store has the last word.
      index.markLinked(entry.id, id);
      await assertTargetFree(mappingRun, id, entry.id, `matched by ${via}`);
      const target = entry.projection ?? (await fetchTargetView(mappingRun, entry.id));
      if (!target) throw new RecordFailure('NOT_FOUND', 'not-found', `matched ${entry.id}, which is gone`);
      const link = emptyLink(id, entry.id, 'matched', run.now());
      run.reporter.change({
        mapping: mapping.name,
        side: 'source',
        id,
        action: 'link',
        direction: 'to-target',
        partnerId: entry.id,
        diffs: [],
        notes: [`linked to existing ${mapping.target.entity} ${entry.id} by ${via}`],
      });
      const result = await syncPair(mappingRun, link, view, target, { created: true });
      // An existing parent comes with its children: the child mappings adopt them now.
      await mappingRun.syncChildren(id, record as EntityRecord, 'change');
      return { ...result, partnerId: entry.id };
    }
    if (!mapping.create.inTarget) {
      return { outcome: 'skipped', direction: 'none', properties: [] };
    }
    return createInTarget(mappingRun, id, record, view, guard, options, evaluation.notes);
  });
}

async function createInTarget(
  mappingRun: MappingRun,
  id: string,
  record: unknown,
  view: SourceView,
  guard: { field: string; value: string } | undefined,
  options: { virtual: boolean },
  notes: string[],
): Promise<ProcessResult> {
  const { run, mapping } = mappingRun;
  const payload = targetPayload(mapping, view.yields);
  const placeholders = notes.length > 0 || containsPlaceholder(payload);

  const intent: IntentRecord | undefined = guard
    ? {
        guard,
        side: 'target',
        at: run.now().toISOString(),
        payloadHash: contentHash(payload),
        ...(options.virtual ? { virtual: true } : {}),
      }
    : undefined;
  // The intent is written while the children are mapped and the payloads validated: the
  // store's round trip (a thread hop) overlaps that work instead of following it. It is
  // awaited before the create is sent, as ever; should nothing be sent, it is removed.
  const intentStored = intent ? mappingRun.state.setIntent('source', id, intent) : undefined;
  intentStored?.catch(() => {}); // awaited below: not unhandled meanwhile

  // Children created in the same call (sales order + lines = one SalesOrders/Complete).
  const withChildren = mappingRun.target.connector.withChildren;
  const childMapping = run
    .childrenOf(mapping.name)
    .find((c) => withChildren?.children[mapping.target.entity]?.includes(c.target.entity));
  let children: PreparedChild[] | undefined;
  try {
    if (childMapping) children = await prepareChildren(mappingRun, childMapping, record);
    if (!options.virtual) checkSourceValues(mappingRun, record);
    if (!(run.dryRun && placeholders)) {
      run.deps.validator.check(
        mappingRun.target.descriptor.schema,
        payload,
        `${mapping.name} create payload`,
      );
      if (children && childMapping) {
        const childSchema = run.binding(childMapping, 'target').descriptor.schema;
        for (const child of children)
          run.deps.validator.check(childSchema, child.payload, `${childMapping.name} line ${child.key}`);
      }
    }
  } catch (error) {
    // Nothing is sent: the intent goes (if this fails too, the next run's guard look-up
    // finds nothing and drops it).
    if (intentStored)
      await intentStored.then(() => mappingRun.state.deleteIntent('source', id)).catch(() => {});
    throw error;
  }
  await intentStored;

  const send = () =>
    children && childMapping
      ? run.writer.createWithChildren(
          mappingRun.target,
          payload,
          childMapping.target.entity,
          children.map((c) => c.payload),
        )
      : run.writer.create(mappingRun.target, payload);
  const created: { id: string; record: EntityRecord; children?: EntityRecord[]; found?: boolean } = intent
    ? await createOrDropIntent(mappingRun, mappingRun.target, intent, send, () =>
        mappingRun.state.deleteIntent('source', id),
      )
    : await send();
  const origin: LinkOrigin = created.found ? 'recovered' : 'created-in-target';
  if (created.found && !options.virtual && intent) {
    // An existing record carries our guard value: it is ours only if nobody else owns it.
    // The intent stays: should our create have landed unseen (a lagging read), the next
    // run's guard look-up finds two records and says so.
    await assertTargetFree(mappingRun, id, created.id, `found by its identity guard ${intent.guard.field}`);
  }

  // The link (and the lines' link, for an order created with its lines) right after the
  // create, in one store write; the intent is obsolete from here on.
  const link = await createdLink(mappingRun, id, view, created.record, created.id, origin, options.virtual);
  const childLink =
    childMapping && children && created.children
      ? childLinkOf(mappingRun, childMapping, id, created.id, children, created.children)
      : undefined;
  if (!childLink) await mappingRun.state.putLink(link);
  else {
    const childRun = mappingRun.runs.get(childMapping!.name);
    await writeAll(run.store, [
      ...mappingRun.state.linkWrites(link),
      ...childRun.state.linkWrites(childLink),
    ]);
    mappingRun.state.linkWritten(link);
    childRun.state.linkWritten(childLink);
    childrenCreated(mappingRun, childMapping!, childLink, children!);
  }
  if (intent) mappingRun.settleIntent('source', id);
  // A record found by its guard comes without its children: the child mappings adopt them.
  if (origin === 'recovered' && !options.virtual)
    await mappingRun.syncChildren(id, record as EntityRecord, 'change');

  if (mappingRun.indexes.createdMayBeMatched()) {
    // A later guest of this run may match it by its keys (its guard is its own: not needed).
    const index = await mappingRun.indexes.targetIndex();
    index.add(
      options.virtual
        ? { id: created.id, projection: await fetchProjection(mappingRun, created.id, created.record) }
        : { id: created.id, linkedTo: id },
      undefined,
      mappingRun.indexes.targetKeys(created.record).keys,
    );
  }

  const diffs: PropertyDiff[] = [...view.yields]
    .filter(([, to]) => to !== undefined && to !== null && to !== '')
    .map(([path, to]) => ({ path, from: undefined, to }));
  run.reporter.change({
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

/** The link of a record just created (or recovered) in the target (not stored yet). */
async function createdLink(
  mappingRun: MappingRun,
  sourceId: string,
  view: SourceView,
  stored: EntityRecord,
  targetId: string,
  origin: LinkOrigin,
  virtual: boolean,
): Promise<LinkRecord> {
  const { run, mapping } = mappingRun;
  const storedValues = run.evaluator.readTargetValues(mapping, stored);
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
    const evaluation = recordContext(mappingRun);
    if (await run.evaluator.isLocked(mapping, stored, evaluation.ctx)) link.locked = true;
  }
  if (!virtual && mappingRun.sourceIsFullScan && view.record !== undefined)
    link.sourceHash = contentHash(view.record);
  return link;
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

async function fetchTargetView(mappingRun: MappingRun, id: string): Promise<TargetView | undefined> {
  const record = await mappingRun.target.connector.get(mappingRun.target.entity, id);
  if (!record) return undefined;
  return fetchProjection(mappingRun, id, record);
}

async function fetchProjection(
  mappingRun: MappingRun,
  id: string,
  record: EntityRecord,
): Promise<TargetView> {
  const evaluation = recordContext(mappingRun);
  return targetViewOf(
    mappingRun.run.evaluator,
    mappingRun.mapping,
    id,
    record,
    evaluation.ctx,
    mappingRun.target.descriptor.modifiedAt(record),
  );
}

function describeRule(mapping: CompiledMapping, via: string): string {
  const i = Number(via.split(':')[1]);
  const rule = mapping.match[i];
  return rule ? `${rule.source ?? '(yielded)'} = ${rule.target} (${rule.normalize})` : via;
}

function containsPlaceholder(value: unknown): boolean {
  if (typeof value === 'string') return isPlaceholder(value);
  if (typeof value === 'number') return isPlaceholder(String(value));
  if (Array.isArray(value)) return value.some(containsPlaceholder);
  if (value && typeof value === 'object') return Object.values(value).some(containsPlaceholder);
  return false;
}

export type { Side };
