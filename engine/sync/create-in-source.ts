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
import type { MappingRun } from './mapping-run.ts';
import { assertSourceFree } from './one-to-one.ts';
import { syncPair } from './pair.ts';
import type { ProcessResult } from './run-types.ts';
import { readable, sourceViewOf, type TargetView } from './views.ts';

/** An unlinked target record with create.in_source: match a source record, else create one. */
export async function linkOrCreateInSource(
  mappingRun: MappingRun,
  target: TargetView,
): Promise<ProcessResult> {
  const { run, mapping } = mappingRun;
  // What it would create or match comes from what the mapping yields for it: none without.
  readable(target);
  const reverse = await mappingRun.state.reverse(target.id);
  if (reverse)
    return { outcome: 'unchanged', direction: 'none', properties: [], partnerId: reverse.sourceId };
  const guardPath = mapping.identity?.source;
  const guardValue = guardPath ? target.desiredSource.get(guardPath) : undefined;
  const guard =
    guardPath && guardValue !== undefined && guardValue !== null && guardValue !== ''
      ? { field: guardPath, value: String(guardValue) }
      : undefined;
  const keys = mapping.match.map((rule) =>
    run.evaluator.matchKey(target.values.get(rule.target), rule.normalize),
  );
  const index = await mappingRun.indexes.sourceIndex();
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
      mappingRun,
      entry.id,
      target.id,
      `matched by ${found.via === 'guard' ? 'identity guard' : 'match key'}`,
    );
    const link = emptyLink(entry.id, target.id, 'matched', run.now());
    index.markLinked(entry.id, target.id);
    const result = await syncPair(mappingRun, link, entry.projection, target, { created: true });
    return { ...result, partnerId: entry.id };
  }
  if (!mapping.create.inSource) return { outcome: 'skipped', direction: 'none', properties: [] };

  const payload = sourcePayload(target.desiredSource);
  if (!run.dryRun)
    run.deps.validator.check(
      mappingRun.source.descriptor.schema,
      payload,
      `${mapping.name} create payload (in source)`,
    );
  const intent: IntentRecord | undefined = guard
    ? { guard, side: 'source', at: run.now().toISOString(), payloadHash: contentHash(payload) }
    : undefined;
  if (intent) await mappingRun.state.setIntent('target', target.id, intent);
  const send = () => run.writer.create(mappingRun.source, payload);
  const created: { id: string; record: EntityRecord; found?: boolean } = intent
    ? await createOrDropIntent(mappingRun, mappingRun.source, intent, send, () =>
        mappingRun.state.deleteIntent('target', target.id),
      )
    : await send();
  const origin: LinkOrigin = created.found ? 'recovered' : 'created-in-source';
  if (created.found && intent)
    await assertSourceFree(
      mappingRun,
      created.id,
      target.id,
      `found by its identity guard ${intent.guard.field}`,
    );
  const evaluation = recordContext(mappingRun);
  const view = await sourceViewOf(run.evaluator, mapping, created.id, created.record, evaluation.ctx);
  const link = emptyLink(created.id, target.id, origin, run.now());
  for (const p of mapping.properties) {
    link.base.target[p.target] = target.values.get(p.target) ?? null;
    if (p.direction !== 'to-source') link.base.yields[p.target] = view.yields.get(p.target) ?? null;
    if (p.source !== undefined) link.base.source[p.source] = view.raw.get(p.source) ?? null;
  }
  link.base.targetObjects = target.objects;
  link.base.sourceObjects = view.objects;
  if (mappingRun.sourceIsFullScan) link.sourceHash = contentHash(created.record);
  await mappingRun.state.putLink(link);
  if (intent) mappingRun.settleIntent('target', target.id);
  run.reporter.change({
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
