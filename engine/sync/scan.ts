/**
 * Scans (`scans:` of a mapping): values whose changes move no modification time, so that no
 * cursor listing ever shows them (PowerOffice Go stock: invoicing and stock counts move only
 * `StockOnHandLastChangedDatetimeOffset`). Every `every`, one side is listed completely with
 * only the scan's `fields` (PowerOffice `Fields=`); for each linked record the scanned
 * properties are evaluated on that partial record and compared with the link's snapshot:
 *
 * - equal → the value did not change on the scanned side since the last sync: nothing is
 *   read or written (the other side may have moved on by itself — a shop that sold items —
 *   and keeps its figure until the scanned side changes);
 * - different → the other side's records are read (one request per 100 where the connector
 *   can read many) and written only where they differ, through the run's batched writes
 *   (WooCommerce `…/batch`, 100 per call); then the snapshot advances, so the ordinary merge
 *   and the next scan see the pair as agreed.
 *
 * Only properties that flow from the scanned side only (checked at compile time): a scan
 * carries values one way and never decides a conflict. Locked and virtual pairs are left
 * alone. A failed write fails the record as any write does (retried by the next scan, since
 * the snapshot did not advance). In a plan the writes are listed and nothing is sent.
 */
import type { EntityRecord } from '../connectors/types.ts';
import { MappingRuntimeError } from '../errors.ts';
import type { CompiledMapping, CompiledProperty, CompiledScan, Side } from '../mapping/model.ts';
import type { LinkRecord } from '../store/sync-state.ts';
import { recordContext } from './dependencies.ts';
import { classify, RecordFailure } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';
import { setBase } from './pair-plan.ts';
import { buildPatch } from './patch.ts';

/** Records whose partners are read and written together. */
const CHUNK = 100;

/** Run the scans of every mapping of the run that are due (after all mappings ran). */
export async function runScanPass(runs: readonly MappingRun[]): Promise<void> {
  for (const mappingRun of runs) {
    for (const scan of mappingRun.mapping.scans ?? []) {
      if (mappingRun.run.stopping()) return;
      if (!(await due(mappingRun, scan))) continue;
      await mappingRun.prepare();
      await runScan(mappingRun, scan);
      if (!mappingRun.run.dryRun && !mappingRun.run.aborted()) {
        await mappingRun.state.meta.set(`scan.${scan.name}.at`, mappingRun.run.now().toISOString());
      }
    }
  }
}

async function due(mappingRun: MappingRun, scan: CompiledScan): Promise<boolean> {
  if (mappingRun.run.options.mode === 'full' || mappingRun.run.dryRun) return true;
  const last = await mappingRun.state.meta.get(`scan.${scan.name}.at`);
  if (typeof last !== 'string') return true;
  return mappingRun.run.now().getTime() - new Date(last).getTime() >= scan.everyMs;
}

interface Candidate {
  link: LinkRecord;
  /** Property target path → the value the scanned side yields now (the other side's vocabulary). */
  yields: Map<string, unknown>;
}

async function runScan(mappingRun: MappingRun, scan: CompiledScan): Promise<void> {
  const { run, mapping } = mappingRun;
  const listed = scan.side === 'target' ? mappingRun.target : mappingRun.source;
  const properties = mapping.properties.filter((p) => scan.properties.includes(p.target));
  const projected: CompiledMapping = { ...mapping, properties };
  const evaluation = recordContext(mappingRun);
  const fields = [...new Set([...scan.fields, ...Object.keys(mapping.target.where)])];
  // Candidates gather across listing pages (a page holds few that changed) and go out 100 at a time.
  let pending: Candidate[] = [];
  for await (const page of listed.connector.list(listed.entity, { fields })) {
    if (run.stopping()) return;
    const ids = page.records.map((r) => listed.descriptor.idOf(r));
    const links = await linksOf(mappingRun, scan.side, ids);
    for (const [i, record] of page.records.entries()) {
      const link = links[i];
      if (!link || link.virtual || link.locked || listed.descriptor.isGone?.(record)) continue;
      let yields: Map<string, unknown>;
      try {
        yields =
          scan.side === 'target'
            ? sourceKeyed(properties, await run.evaluator.valuesForSource(projected, record, evaluation.ctx))
            : await run.evaluator.valuesForTarget(projected, record, evaluation.ctx);
      } catch (error) {
        // A scanned record the mapping cannot read (a fractional stock for the shop's
        // integer) fails its pair alone; the scan goes on with the others.
        if (!(error instanceof MappingRuntimeError || error instanceof RecordFailure)) throw error;
        await failPair(mappingRun, scan, link, properties, error);
        continue;
      }
      const changed = properties.some(
        (p) =>
          yields.get(p.target) !== undefined && !same(mappingRun, p, scan.side, yields.get(p.target), link),
      );
      if (changed) pending.push({ link, yields });
    }
    while (pending.length >= CHUNK) {
      await writeChunk(mappingRun, scan, properties, pending.slice(0, CHUNK));
      pending = pending.slice(CHUNK);
    }
  }
  if (pending.length > 0 && !run.aborted()) await writeChunk(mappingRun, scan, properties, pending);
  await mappingRun.runs.drainWrites();
}

/** `valuesForSource` is keyed by source path; the scan keys everything by target path. */
function sourceKeyed(
  properties: readonly CompiledProperty[],
  bySource: Map<string, unknown>,
): Map<string, unknown> {
  return new Map(properties.map((p) => [p.target, bySource.get(p.source!)]));
}

async function linksOf(
  mappingRun: MappingRun,
  side: Side,
  ids: string[],
): Promise<Array<LinkRecord | undefined>> {
  if (side === 'source') return mappingRun.state.getLinks(ids);
  const reverse = await mappingRun.state.reverseMany(ids);
  const sourceIds = reverse.map((r) => (r && !r.virtual ? r.sourceId : undefined));
  const links = await mappingRun.state.getLinks(sourceIds.filter((id): id is string => id !== undefined));
  const byId = new Map(links.filter((l) => l !== undefined).map((l) => [l!.sourceId, l!]));
  return sourceIds.map((id) => (id === undefined ? undefined : byId.get(id)));
}

/** Whether the scanned side yields what it yielded at the last sync (the snapshot). */
function same(
  mappingRun: MappingRun,
  p: CompiledProperty,
  side: Side,
  value: unknown,
  link: LinkRecord,
): boolean {
  const base = side === 'target' ? link.base.target[p.target] : link.base.yields[p.target];
  const type = side === 'target' ? (p.sourceType ?? p.type) : p.type;
  return mappingRun.run.evaluator.sameValue(value, base, type, p.normalize);
}

interface Planned {
  link: LinkRecord;
  /** The partner's id (the record written). */
  id: string;
  changes: Array<{ p: CompiledProperty; path: string; value: unknown; from: unknown; differs: boolean }>;
}

/**
 * Read the partners of a chunk, write where they differ, advance the snapshots. The chunk's
 * pairs are locked together and its updates queued in one turn of the event loop, so a
 * batching connector sends them as one call of up to 100.
 */
async function writeChunk(
  mappingRun: MappingRun,
  scan: CompiledScan,
  properties: readonly CompiledProperty[],
  chunk: Candidate[],
): Promise<void> {
  const { run, mapping } = mappingRun;
  const toSource = scan.side === 'target';
  const other = toSource ? mappingRun.source : mappingRun.target;
  const partnerOf = (link: LinkRecord) => (toSource ? link.sourceId : link.targetId);
  const projected: CompiledMapping = { ...mapping, properties };
  await run.mutex.run(
    chunk.map((c) => `${mapping.name}:s:${c.link.sourceId}`),
    async () => {
      const partners = await readMany(
        mappingRun,
        toSource ? 'source' : 'target',
        chunk.map((c) => partnerOf(c.link)),
      );
      const planned: Planned[] = [];
      for (const { link, yields } of chunk) {
        const id = partnerOf(link);
        const partner = partners.get(id);
        if (!partner) continue; // gone: the ordinary pass handles deletes
        const now = toSource
          ? run.evaluator.readSourceValues(projected, partner)
          : run.evaluator.readTargetValues(projected, partner);
        const changes = properties
          .map((p) => {
            const path = toSource ? p.source! : p.target;
            const type = toSource ? (p.sourceType ?? p.type) : p.type;
            const value = yields.get(p.target);
            return {
              p,
              path,
              value,
              from: now.get(path),
              differs: !run.evaluator.sameValue(value, now.get(path), type),
            };
          })
          .filter((c) => c.value !== undefined);
        planned.push({ link, id, changes });
      }
      const sent = planned.map((plan) => {
        const writes = plan.changes.filter((c) => c.differs);
        if (writes.length === 0) return Promise.resolve(undefined);
        const current = new Map(writes.map((w) => [w.path, w.from]));
        return run.writer.update(other, plan.id, buildPatch(current, [], writes));
      });
      const results = await Promise.allSettled(sent);
      for (const [i, plan] of planned.entries()) {
        await settle(mappingRun, scan, plan, results[i]!);
      }
    },
  );
}

/** After the write (or none): the change and snapshot, or the failed record. */
async function settle(
  mappingRun: MappingRun,
  scan: CompiledScan,
  plan: Planned,
  result: PromiseSettledResult<unknown>,
): Promise<void> {
  const { run, mapping } = mappingRun;
  const toSource = scan.side === 'target';
  const side: Side = toSource ? 'source' : 'target';
  const direction = toSource ? 'to-source' : 'to-target';
  const partnerId = toSource ? plan.link.targetId : plan.link.sourceId;
  const writes = plan.changes.filter((c) => c.differs);
  if (result.status === 'rejected') {
    await failPair(
      mappingRun,
      scan,
      plan.link,
      writes.map((w) => w.p),
      result.reason,
    );
    return;
  }
  if (writes.length > 0) {
    run.reporter.change({
      mapping: mapping.name,
      side,
      id: plan.id,
      action: 'update',
      direction,
      partnerId,
      diffs: writes.map((w) => ({ path: w.path, from: w.from ?? null, to: w.value })),
      notes: [`scan ${scan.name}`],
    });
    run.reporter.record({
      mapping: mapping.name,
      side,
      id: plan.id,
      outcome: 'updated',
      direction,
      properties: writes.map((w) => w.p.target),
      partnerId,
    });
  }
  if (run.dryRun) return;
  const fresh = (await mappingRun.state.getLink(plan.link.sourceId)) ?? plan.link;
  const next: LinkRecord = { ...fresh, base: structuredClone(fresh.base), syncedAt: run.now().toISOString() };
  for (const c of plan.changes) {
    if (toSource) setBase(next.base, c.p, { source: c.value, target: c.value });
    else
      setBase(next.base, c.p, {
        yielded: c.value,
        target: c.value,
        source: fresh.base.source[c.p.source ?? ''],
      });
  }
  await mappingRun.state.putLink(next, fresh);
}

/** Fail the record the scan would write (the partner of the scanned one), with the scan's name. */
async function failPair(
  mappingRun: MappingRun,
  scan: CompiledScan,
  link: LinkRecord,
  properties: readonly CompiledProperty[],
  error: unknown,
): Promise<void> {
  const toSource = scan.side === 'target';
  const failure = classify(error);
  await mappingRun.finish(toSource ? 'source' : 'target', toSource ? link.sourceId : link.targetId, {
    outcome: 'failed',
    direction: toSource ? 'to-source' : 'to-target',
    properties: properties.map((p) => p.target),
    partnerId: toSource ? link.targetId : link.sourceId,
    failure: { ...failure, reason: `scan ${scan.name}: ${failure.reason}` },
  });
}

/** The records by id (one request per chunk where the connector can read many). */
async function readMany(
  mappingRun: MappingRun,
  side: Side,
  ids: string[],
): Promise<Map<string, EntityRecord>> {
  const binding = side === 'source' ? mappingRun.source : mappingRun.target;
  const { connector, entity, descriptor } = binding;
  const records = connector.getMany
    ? await connector.getMany(entity, ids)
    : (await Promise.all(ids.map((id) => connector.get(entity, id)))).filter(
        (r): r is EntityRecord => r !== null,
      );
  return new Map(records.map((r) => [descriptor.idOf(r), r]));
}
