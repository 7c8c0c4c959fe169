/**
 * Checks over both sandboxes' state (read through their admin endpoints, as the API
 * renders records) and the link store: duplicates, links, and whether every linked pair
 * holds what its mapping says.
 */
import type { Connector, EntityRecord } from '../../../engine/connectors/types.ts';
import { inProcessEvaluator } from '../../../engine/mapping/evaluate.ts';
import type { CompiledMapping, EvaluationContext } from '../../../engine/mapping/model.ts';
import type { StateBackend } from '../../../engine/store/sync-state.ts';
import { type LinkRecord, MappingState } from '../../../engine/store/sync-state.ts';
import type { Pair } from './pair.ts';

type Rec = Record<string, unknown>;

export interface Snapshot {
  woo: { customers: Rec[]; products: Rec[]; orders: Rec[] };
  po: { customers: Rec[]; products: Rec[]; salesorders: Rec[]; outgoinginvoices: Rec[]; bankvouchers: Rec[] };
}

export async function snapshot(pair: Pair): Promise<Snapshot> {
  const [woo, po] = await Promise.all([
    fetch(`${pair.woo.url}/__admin/state`).then((r) => r.json() as Promise<Snapshot['woo']>),
    fetch(`${pair.po.adminUrl}/state`).then((r) => r.json() as Promise<Snapshot['po']>),
  ]);
  return { woo, po };
}

/** Values that occur more than once (ignoring empty ones). */
export function duplicates(records: Rec[], key: (r: Rec) => unknown): string[] {
  const seen = new Map<string, number>();
  for (const r of records) {
    const k = key(r);
    if (k === undefined || k === null || k === '') continue;
    seen.set(String(k), (seen.get(String(k)) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

export async function links(store: StateBackend, mapping: string): Promise<LinkRecord[]> {
  const out: LinkRecord[] = [];
  for await (const link of new MappingState(mapping, store).allLinks()) out.push(link);
  return out;
}

/** `$source_settings` / `$target_settings` as the engine binds them, read from the connectors. */
export async function settingsBindings(
  mapping: CompiledMapping,
  connectors: ReadonlyMap<string, Connector>,
): Promise<Rec> {
  const out: Rec = {};
  for (const side of ['source', 'target'] as const) {
    const capability = connectors.get(mapping[side].system)?.runSettings;
    if (capability) out[`${side}_settings`] = await capability.read();
  }
  return out;
}

function linkContext(store: StateBackend, bindings?: Rec): EvaluationContext {
  return {
    ...(bindings ? { bindings } : {}),
    async link(mapping, key) {
      const id = typeof key === 'object' && key !== null ? String((key as Rec).id) : String(key);
      return (await new MappingState(mapping, store).getLink(id))?.targetId;
    },
  };
}

/**
 * Every linked pair of a (non-fan-out) mapping: does the target hold, for each
 * to-target/both property, what the source yields? For a pair created from the target
 * (create.in_source) the other way round: does the source hold what the target yields
 * (and its `both` properties agree both ways)? Returns the mismatches.
 */
export async function mismatches(
  mapping: CompiledMapping,
  store: StateBackend,
  sources: Map<string, Rec>,
  targets: Map<string, Rec>,
  /** The project's connectors, for mappings that read run settings (`$source_settings`). */
  connectors?: ReadonlyMap<string, Connector>,
): Promise<string[]> {
  const out: string[] = [];
  const settings = connectors ? await settingsBindings(mapping, connectors) : undefined;
  for (const link of await links(store, mapping.name)) {
    if (link.virtual) continue;
    const source = sources.get(link.sourceId);
    const target = targets.get(link.targetId);
    if (!source || !target) {
      out.push(`${mapping.name} ${link.sourceId}↔${link.targetId}: ${!source ? 'source' : 'target'} missing`);
      continue;
    }
    const fromTarget = link.origin === 'created-in-source';
    const want = await inProcessEvaluator.valuesForTarget(mapping, source, linkContext(store, settings));
    const have = inProcessEvaluator.readTargetValues(mapping, target);
    for (const p of mapping.properties) {
      if (p.direction === 'to-source' || (fromTarget && p.direction !== 'both')) continue;
      // A one-way property the mapping gives no value is not sent: the target keeps its own
      // (PowerOffice Go's CurrencyExchangeRate 1 on an order in the client's currency).
      if (p.direction !== 'both' && want.get(p.target) === undefined) continue;
      if (!inProcessEvaluator.sameValue(want.get(p.target), have.get(p.target), p.type, p.normalize)) {
        out.push(
          `${mapping.name} ${link.sourceId}↔${link.targetId} ${p.target}: want ${JSON.stringify(want.get(p.target))}, have ${JSON.stringify(have.get(p.target))}`,
        );
      }
    }
    if (mapping.direction === 'two-way' && fromTarget) {
      const back = await inProcessEvaluator.valuesForSource(mapping, target, linkContext(store, settings));
      const held = inProcessEvaluator.readSourceValues(mapping, source);
      for (const p of mapping.properties) {
        if (p.direction === 'to-target' || !p.source) continue;
        if (
          !inProcessEvaluator.sameValue(back.get(p.source), held.get(p.source), p.sourceType, p.normalize)
        ) {
          out.push(
            `${mapping.name} ${link.sourceId}↔${link.targetId} ${p.source} (source): want ${JSON.stringify(back.get(p.source))}, have ${JSON.stringify(held.get(p.source))}`,
          );
        }
      }
    }
  }
  return out;
}

/** Fan-out: every child of every linked source record is a line holding what it yields. */
export async function childMismatches(
  mapping: CompiledMapping,
  store: StateBackend,
  sources: Map<string, Rec>,
  linesOf: (parentTargetId: string) => Rec[],
  /** The project's connectors, for mappings that read run settings (`$source_settings`). */
  connectors?: ReadonlyMap<string, Connector>,
): Promise<{ mismatches: string[]; lines: number }> {
  const out: string[] = [];
  let count = 0;
  const settings = connectors ? await settingsBindings(mapping, connectors) : {};
  for (const link of await links(store, mapping.name)) {
    const source = sources.get(link.sourceId);
    if (!source) continue;
    const lines = linesOf(link.targetId);
    const children = await inProcessEvaluator.expandChildren(mapping, source, linkContext(store, settings));
    if (lines.length !== children.length)
      out.push(`${mapping.name} ${link.sourceId}: ${children.length} children, ${lines.length} lines`);
    for (const child of children) {
      count++;
      const targetId = link.children?.[child.key]?.targetId;
      const line = lines.find((l) => String(l.Id) === targetId);
      if (!line) {
        out.push(`${mapping.name} ${link.sourceId}[${child.key}]: no line`);
        continue;
      }
      const want = await inProcessEvaluator.valuesForTarget(
        mapping,
        child.child,
        linkContext(store, { ...settings, parent: source, position: child.position }),
      );
      const have = inProcessEvaluator.readTargetValues(mapping, line);
      for (const p of mapping.properties) {
        // A value the mapping leaves empty is not sent; PowerOffice derives ProductCode from
        // ProductId and the other way round.
        const w = want.get(p.target);
        if (w === undefined || w === null || w === '') continue;
        if (!inProcessEvaluator.sameValue(want.get(p.target), have.get(p.target), p.type, p.normalize)) {
          out.push(
            `${mapping.name} ${link.sourceId}[${child.key}] ${p.target}: want ${JSON.stringify(want.get(p.target))}, have ${JSON.stringify(have.get(p.target))}`,
          );
        }
      }
    }
  }
  return { mismatches: out, lines: count };
}

export function byId(records: Rec[], field: string): Map<string, Rec> {
  return new Map(records.map((r) => [String(r[field]), r]));
}

/** Edit a record the way a person would in that system: through its API (logged, like any client). */
export async function editThrough(
  connector: Connector,
  entity: string,
  id: string,
  ops: Parameters<Connector['update']>[2],
): Promise<EntityRecord> {
  return connector.update(entity, id, ops);
}
