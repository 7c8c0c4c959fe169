/**
 * The match indexes of one mapping during one run, built once on first need from a
 * complete listing: the target index (unlinked source records look for their partner in
 * it: by identity guard, then by match keys) and the source index (for `create.in_source`).
 * Linked records are indexed without a projection: they are never a candidate for another
 * record, but they tell a guest it matches a customer already linked.
 */
import type { EntityRecord } from '../connectors/types.ts';
import { getPath } from '../mapping/values.ts';
import { recordContext } from './dependencies.ts';
import type { MappingRun, MatchLookup } from './mapping-run.ts';
import { type IndexKeys, MatchIndex } from './match-index.ts';
import { listedTargetViewOf, matchesWhere, type SourceView, sourceViewOf, type TargetView } from './views.ts';

export class MatchIndexes implements MatchLookup {
  private target: Promise<MatchIndex<TargetView>> | undefined;
  private source: Promise<MatchIndex<SourceView>> | undefined;
  private laterMatchers: boolean | undefined;

  constructor(private readonly mappingRun: MappingRun) {}

  /** Target match index from a complete listing (built once per run, on first need). */
  targetIndex(): Promise<MatchIndex<TargetView>> {
    this.target ??= this.buildTargetIndex();
    return this.target;
  }

  /** Called by the target-change phase when its listing was complete anyway. */
  adoptTargetIndex(index: MatchIndex<TargetView>): void {
    this.target ??= Promise.resolve(index);
  }

  newTargetIndex(): MatchIndex<TargetView> {
    return new MatchIndex<TargetView>(this.mappingRun.mapping.match.length);
  }

  /**
   * Whether a record this mapping creates in the target may still be matched by a later
   * record of the same run — only a guest's synthetic record can be (`$link` with an object,
   * which matches customers already linked): so only when a mapping of this run may create
   * through this one (`dependencies: {<this>: create}`). Otherwise created records are not
   * added to the match index at all (a linked entry is never a candidate for anything else).
   */
  createdMayBeMatched(): boolean {
    const { run, mapping } = this.mappingRun;
    this.laterMatchers ??= run.deps.mappings.some(
      (m) =>
        m.name !== mapping.name &&
        run.inRun(m.name) &&
        m.dependencies.some((d) => d.mapping === mapping.name && d.onMissing === 'create'),
    );
    return this.laterMatchers;
  }

  /** Index keys of a target record. */
  targetKeys(record: EntityRecord): IndexKeys {
    return this.keysOf(record, 'target');
  }

  /** Index keys of a source record. */
  /**
   * A source record's guard and match keys. A rule without a source path takes what the
   * record yields for the rule's target (`yields`); without them (the source index of
   * create.in_source) such a rule has no key and never matches.
   */
  sourceKeys(record: unknown, yields?: ReadonlyMap<string, unknown>): IndexKeys {
    return this.keysOf(record, 'source', yields);
  }

  private keysOf(
    record: unknown,
    side: 'source' | 'target',
    yields?: ReadonlyMap<string, unknown>,
  ): IndexKeys {
    const { mapping, run } = this.mappingRun;
    const guardPath = mapping.identity?.[side];
    const guardValue = guardPath ? getPath(record, guardPath) : undefined;
    return {
      guard: guardValue === undefined || guardValue === null ? undefined : String(guardValue),
      keys: mapping.match.map((rule) => {
        const path = rule[side];
        const value = path !== undefined ? getPath(record, path) : yields?.get(rule.target);
        return run.evaluator.matchKey(value, rule.normalize);
      }),
    };
  }

  /** Add target records to an index (projections only for unlinked ones). */
  async indexTargets(index: MatchIndex<TargetView>, records: EntityRecord[]): Promise<void> {
    const { mappingRun } = this;
    const ids = records.map((r) => mappingRun.target.descriptor.idOf(r));
    const linked = await mappingRun.state.reverseMany(ids);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const id = ids[i]!;
      const { guard, keys } = this.targetKeys(record);
      const entry = linked[i];
      if (entry && !entry.virtual) {
        index.add({ id, linkedTo: entry.sourceId }, guard, keys);
      } else {
        const evaluation = recordContext(mappingRun);
        const modifiedAt = mappingRun.target.descriptor.modifiedAt(record);
        const projection = await listedTargetViewOf(
          mappingRun.run.evaluator,
          mappingRun.mapping,
          id,
          record,
          evaluation.ctx,
          modifiedAt,
        );
        index.add({ id, projection }, guard, keys);
      }
    }
  }

  /** Source match index for create.in_source (a complete source listing, once per run). */
  sourceIndex(): Promise<MatchIndex<SourceView>> {
    this.source ??= this.buildSourceIndex();
    return this.source;
  }

  private async buildTargetIndex(): Promise<MatchIndex<TargetView>> {
    const { mappingRun } = this;
    const index = this.newTargetIndex();
    const { connector, entity, descriptor } = mappingRun.target;
    for await (const page of connector.list(entity, {})) {
      const records = page.records.filter(
        (r) => matchesWhere(mappingRun.run.evaluator, mappingRun.mapping, r) && !descriptor.isGone?.(r),
      );
      await this.indexTargets(index, records);
    }
    return index;
  }

  private async buildSourceIndex(): Promise<MatchIndex<SourceView>> {
    const { mappingRun } = this;
    const index = new MatchIndex<SourceView>(mappingRun.mapping.match.length);
    const { connector, entity, descriptor } = mappingRun.source;
    for await (const page of connector.list(entity, {})) {
      const records = page.records.filter((r) => !descriptor.isGone?.(r));
      const ids = records.map((r) => descriptor.idOf(r));
      const links = await mappingRun.state.getLinks(ids);
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        const { guard, keys } = this.sourceKeys(record);
        const link = links[i];
        if (link) {
          index.add({ id: ids[i]!, linkedTo: link.targetId }, guard, keys);
        } else {
          const evaluation = recordContext(mappingRun);
          const modifiedAt = descriptor.modifiedAt(record);
          const projection = await sourceViewOf(
            mappingRun.run.evaluator,
            mappingRun.mapping,
            ids[i]!,
            record,
            evaluation.ctx,
            modifiedAt,
          );
          index.add({ id: ids[i]!, projection }, guard, keys);
        }
      }
    }
    return index;
  }
}
