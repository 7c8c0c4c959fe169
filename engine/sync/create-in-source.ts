/**
 * An unlinked target record of a mapping with `create.in_source`: matched against the
 * source (by guard, then match keys), else created in the source — crash-safe like a create
 * in the target (intent before, link after, the guard resolving an unknown outcome).
 */
import type { EntityRecord } from '../connectors/types.ts';
import { sourcePayload } from '../mapping/payload.ts';
import type { IntentRecord, LinkOrigin } from '../store/sync-state.ts';
import { recordContext } from './dependencies.ts';
import { emptyLink } from './empty-link.ts';
import { RecordFailure } from './failures.ts';
import { createOrDropIntent } from './guarded-create.ts';
import { contentHash } from './hash.ts';
import type { MappingRun, ProcessResult } from './mapping-run.ts';
import { assertSourceFree } from './one-to-one.ts';
import { syncPair } from './pair.ts';
import { sourceViewOf, type TargetView } from './views.ts';

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
  const index = await mr.indexes.sourceIndex();
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
    await assertSourceFree(
      mr,
      entry.id,
      target.id,
      `matched by ${found.via === 'guard' ? 'identity guard' : 'match key'}`,
    );
    const link = emptyLink(entry.id, target.id, 'matched', run.now());
    index.markLinked(entry.id, target.id);
    const result = await syncPair(mr, link, entry.projection, target, { created: true });
    return { ...result, partnerId: entry.id };
  }
  if (!mapping.create.inSource) return { outcome: 'skipped', direction: 'none', properties: [] };

  const payload = sourcePayload(target.desiredSource);
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
  if (created.found && intent)
    await assertSourceFree(mr, created.id, target.id, `found by its identity guard ${intent.guard.field}`);
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
  if (mr.sourceIsFullScan) link.sourceHash = contentHash(created.record);
  await mr.state.putLink(link);
  if (intent) mr.settleIntent('target', target.id);
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
