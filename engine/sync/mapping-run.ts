/**
 * The state of one mapping during one run, and the record-level entry points every phase
 * (and `$link`, retries and webhooks) goes through: `processSource` for a source record,
 * `processTarget` for a target record, `syncOnDemand`/`linkVirtual` for dependencies.
 *
 * Per record the engine holds a keyed mutex (`<mapping>:s:<id>`), so processing a record
 * twice at the same time is impossible and processing it twice in a row is harmless.
 */
import type { EntityRecord } from '../connectors/types.ts';
import type { CompiledMapping, Side } from '../mapping/model.ts';
import {
  type ActionIntent,
  type FailedRecord,
  type IntentRecord,
  type LinkRecord,
  MappingState,
} from '../store/sync-state.ts';
import { ACTION_FAILED } from './actions.ts';
import { linkOrCreate } from './create.ts';
import { linkOrCreateInSource } from './create-in-source.ts';
import { assertResolved, recordContext } from './dependencies.ts';
import type { FlowDirection, RecordOutcome } from './events.ts';
import { bounded, type ClassifiedFailure, classify, storeFailure } from './failures.ts';
import { processChildren } from './fanout.ts';
import { contentHash } from './hash.ts';
import { IdSet } from './id-set.ts';
import { LinkCache } from './link-cache.ts';
import { MatchIndex } from './match-index.ts';
import { syncPair } from './pair.ts';
import type { RunContext, SideBinding } from './run-context.ts';
import {
  getPath,
  matchesWhere,
  type SourceView,
  sourceFromBase,
  sourceViewOf,
  type TargetView,
  targetFromBase,
  targetViewOf,
} from './views.ts';

export type WorkReason = 'change' | 'retry' | 'webhook' | 'delete-check';

/**
 * Links of a record read ahead with its page (one `getMany` per page and namespace): its
 * own link, and for a fan-out mapping the parent mapping's link too.
 */
export interface KnownLinks {
  link: LinkRecord | undefined;
  /** The mapping's preload mark (see `MappingRun.preloadStarted`). */
  mark: number;
  parent?: { link: LinkRecord | undefined; mark: number };
}

export interface ProcessResult {
  outcome: RecordOutcome;
  direction: FlowDirection;
  properties: string[];
  partnerId?: string;
  failure?: ClassifiedFailure;
}

/**
 * A target update decided from a listing older than this re-reads the record first (one
 * GET) and merges again when it changed: systems such as PowerOffice Go take no
 * precondition on a PATCH, so an edit made there while the run worked would otherwise be
 * overwritten without a conflict ever being seen. Fresher decisions are sent as they are.
 */
export const TARGET_REREAD_AFTER_MS = 2000;

export class MappingRun {
  readonly state: MappingState;
  readonly source: SideBinding;
  readonly target: SideBinding;
  readonly sourceIsFullScan: boolean;
  /** Linked target records that changed since the last sync, by source id. */
  readonly targetChanges = new Map<string, TargetView>();
  /**
   * When this run's target listing began (epoch ms): every target view taken from the
   * listing, or from the snapshot of a record the listing showed unchanged, is this old.
   */
  targetListedAt: number | undefined;
  /** Unlinked target records seen in this run's target listing (for create.in_source). */
  readonly unlinkedTargets = new Map<string, TargetView>();
  /** Source / target ids processed in this run (so later phases do not repeat them). */
  readonly processed = new IdSet();
  readonly processedTargets = new IdSet();
  /**
   * Fan-out children already handled together with their parent in this run (created in
   * the parent's call, or adopted when the parent was linked): the child pass skips them.
   */
  readonly handledWithParent = new Set<string>();
  /** Failed records of this mapping, by `<side>.<id>`. */
  failed = new Map<string, FailedRecord>();
  intents: Array<{ from: Side; id: string; intent: IntentRecord }> = [];
  /** Action intents found at the start of the run (a crash, or an unknown outcome). */
  actionIntents: ActionIntent[] = [];
  /**
   * Source records synced without failure in this run, for the mapping's actions (run once
   * the whole run, fan-out children included, is done: actions.ts).
   */
  readonly actionCandidates = new Map<string, EntityRecord>();
  /** Cursor of this run's target listing, persisted when the mapping's run completes. */
  pendingTargetCursor: string | undefined;
  /** Ids seen in complete, successful listings (for delete detection). */
  seenSource: IdSet | undefined;
  seenTarget: IdSet | undefined;
  /** Source records being processed right now (at most the concurrency), by id. */
  private readonly working = new Map<string, Promise<unknown>>();
  /** `$link` lookups of this mapping's links (cached for the run, batched). */
  readonly linkCache: LinkCache;
  /**
   * Links read ahead with a page are trusted unless this run wrote that link after the read:
   * link writes are numbered, and while a preload is open the ids written are remembered
   * (only then, so this stays as small as the pages in flight).
   */
  private linkWriteSeq = 0;
  private readonly openPreloads: number[] = [];
  private readonly recentWrites = new Map<string, number>();
  /** Intents whose links are stored, deleted together at the next drain (see `settleIntent`). */
  private settledIntents: Array<{ from: Side; id: string }> = [];
  private sourcePaths: string[] | undefined;
  private laterMatchers: boolean | undefined;
  private targetIndexPromise: Promise<MatchIndex<TargetView>> | undefined;
  private sourceIndexPromise: Promise<MatchIndex<SourceView>> | undefined;
  private prepared: Promise<void> | undefined;
  private readonly goneLookups = new Map<string, Promise<boolean>>();

  constructor(
    readonly run: RunContext,
    readonly mapping: CompiledMapping,
  ) {
    this.state = new MappingState(mapping.name, run.store, {
      reverseIndex: mapping.fanOut === undefined,
      onLinkChange: (id, link) => {
        this.linkCache.changed(id, link);
        this.linkWriteSeq++;
        if (this.openPreloads.length > 0) this.recentWrites.set(id, this.linkWriteSeq);
      },
    });
    this.linkCache = new LinkCache(this.state);
    this.source = run.binding(mapping, 'source');
    this.target = run.binding(mapping, 'target');
    this.sourceIsFullScan = this.source.descriptor.changeDetection === 'full-scan';
  }

  /** Load pending intents and failed records (one pass over the mapping's meta namespace). */
  prepare(): Promise<void> {
    this.prepared ??= (async () => {
      const meta = await this.state.scanMeta();
      this.intents = meta.intents;
      this.failed = new Map(meta.failed.map((f) => [`${f.side}.${f.id}`, f]));
      this.actionIntents = meta.actionIntents;
    })();
    return this.prepared;
  }

  /** A page's links are about to be read ahead; returns the mark to check them against. */
  preloadStarted(): number {
    this.openPreloads.push(this.linkWriteSeq);
    return this.linkWriteSeq;
  }

  /** The page of the preload `mark` is done: its writes need no remembering any more. */
  preloadDone(mark: number): void {
    const i = this.openPreloads.indexOf(mark);
    if (i >= 0) this.openPreloads.splice(i, 1);
    if (this.openPreloads.length === 0) {
      this.recentWrites.clear();
      return;
    }
    const oldest = Math.min(...this.openPreloads);
    for (const [id, seq] of this.recentWrites) if (seq <= oldest) this.recentWrites.delete(id);
  }

  /** Whether this run wrote the link of `sourceId` after the preload `mark` read it. */
  writtenSince(sourceId: string, mark: number): boolean {
    return (this.recentWrites.get(sourceId) ?? 0) > mark;
  }

  /**
   * The create this intent guarded is linked: the intent is obsolete. It is deleted with the
   * other settled intents at the next drain (one statement per page, not one per record);
   * should the process die before that, the next run finds the link and drops it unasked.
   */
  settleIntent(from: Side, id: string): void {
    if (!this.run.dryRun) this.settledIntents.push({ from, id });
  }

  async flushIntents(): Promise<void> {
    if (this.settledIntents.length === 0) return;
    const settled = this.settledIntents;
    this.settledIntents = [];
    await this.state.deleteIntents(settled);
  }

  hashSource(record: unknown): string {
    return contentHash(record);
  }

  /** The source record's mapped values must fit the source schema before they are copied. */
  checkSourceValues(record: unknown): void {
    const check = this.run.deps.validator.checkValues;
    if (!check || this.mapping.fanOut) return;
    this.sourcePaths ??= [
      ...new Set(
        this.mapping.properties
          .filter((p) => p.source !== undefined && p.direction !== 'to-source')
          .map((p) => p.source!),
      ),
    ];
    check.call(
      this.run.deps.validator,
      this.source.descriptor.schema,
      record,
      this.sourcePaths,
      `${this.mapping.name} ${this.mapping.source.entity} ${this.source.descriptor.idOf(record as EntityRecord)}`,
    );
  }

  // --- record entry points ----------------------------------------------------------------

  /** Sync one source record (step 2, retries, webhooks, dependencies created on demand). */
  async processSource(record: EntityRecord, reason: WorkReason, known?: KnownLinks): Promise<ProcessResult> {
    await this.prepare();
    const id = this.source.descriptor.idOf(record);
    return this.track(id, () => this.processSourceNow(id, record, reason, known));
  }

  /**
   * The processing of source record `id` if it is going on right now (a create that may
   * still succeed): `$link` waits for it rather than failing the dependent record.
   */
  inFlight(sourceId: string): Promise<unknown> | undefined {
    return this.working.get(sourceId);
  }

  private track<T>(id: string, work: () => Promise<T>): Promise<T> {
    const task = work();
    if (!this.working.has(id)) {
      this.working.set(id, task);
      task.then(
        () => this.working.get(id) === task && this.working.delete(id),
        () => this.working.get(id) === task && this.working.delete(id),
      );
    }
    return task;
  }

  private processSourceNow(
    id: string,
    record: EntityRecord,
    reason: WorkReason,
    known?: KnownLinks,
  ): Promise<ProcessResult> {
    return this.run.mutex.run([`${this.mapping.name}:s:${id}`], async () => {
      if (this.handledWithParent.has(id)) {
        return { outcome: 'unchanged', direction: 'none', properties: [] } as ProcessResult;
      }
      this.processed.add(id);
      let result: ProcessResult;
      try {
        result = await this.processSourceLocked(id, record, reason, known);
      } catch (error) {
        result = { outcome: 'failed', direction: 'none', properties: [], failure: classify(error) };
      }
      await this.finish('source', id, result);
      if (this.mapping.actions && ['created', 'updated', 'unchanged'].includes(result.outcome))
        this.actionCandidates.set(id, record);
      return result;
    });
  }

  private async processSourceLocked(
    id: string,
    record: EntityRecord,
    reason: WorkReason,
    known?: KnownLinks,
  ): Promise<ProcessResult> {
    const { mapping, run } = this;
    const when = mapping.when ?? (mapping.fanOut ? run.mapping(mapping.fanOut.parent).when : undefined);
    if (when) {
      const rc = recordContext(this);
      const passes = await run.evalr.passesWhen({ ...mapping, when }, record, rc.ctx);
      if (!passes) return { outcome: 'skipped', direction: 'none', properties: [] };
    }
    if (mapping.fanOut) return processChildren(this, id, record, known);

    // The page's preloaded link is stale only if this run wrote it since (a dependency
    // created on demand, a repeat in a full scan): then it is read again.
    const trusted = known !== undefined && !this.writtenSince(id, known.mark);
    const link = trusted ? known.link : await this.state.getLink(id);
    if (!link) return linkOrCreate(this, id, record, { virtual: false, knownUnlinked: trusted });

    const changedTarget = this.targetChanges.get(id);
    if (
      this.sourceIsFullScan &&
      !changedTarget &&
      link.sourceHash !== undefined &&
      link.sourceHash === this.hashSource(record) &&
      !this.failed.has(`source.${id}`)
    ) {
      return { outcome: 'unchanged', direction: 'none', properties: [], partnerId: link.targetId };
    }
    const rc = recordContext(this);
    const view = await sourceViewOf(
      run.evalr,
      mapping,
      id,
      record,
      rc.ctx,
      this.source.descriptor.modifiedAt(record),
    );
    assertResolved(rc);
    // A record that failed before (or arrives by webhook/retry) is merged against the live
    // target: a target change consumed by a failed write must not be lost.
    const fresh = !changedTarget && (reason !== 'change' || this.failed.has(`source.${id}`));
    const target = changedTarget ?? (fresh ? await this.liveTarget(link) : undefined) ?? targetFromBase(link);
    const result = await syncPair(this, link, view, target);
    this.targetChanges.delete(id);
    return { ...result, partnerId: link.targetId };
  }

  /**
   * Sync a linked pair whose target changed while its source did not (step 3), or a
   * target record given by id (retries of target-side failures).
   */
  async processTargetChange(sourceId: string, target: TargetView): Promise<ProcessResult> {
    await this.prepare();
    return this.run.mutex.run([`${this.mapping.name}:s:${sourceId}`], async () => {
      if (this.processed.has(sourceId)) {
        return { outcome: 'unchanged', direction: 'none', properties: [] } as ProcessResult;
      }
      this.processed.add(sourceId);
      let result: ProcessResult;
      try {
        const link = await this.state.getLink(sourceId);
        if (!link) {
          result = { outcome: 'skipped', direction: 'none', properties: [] };
        } else {
          const pair = await syncPair(this, link, sourceFromBase(link), target);
          result = { ...pair, partnerId: link.targetId };
        }
      } catch (error) {
        result = { outcome: 'failed', direction: 'none', properties: [], failure: classify(error) };
      }
      this.targetChanges.delete(sourceId);
      await this.finish('source', sourceId, result);
      return result;
    });
  }

  /** An unlinked target record (step 4, create.in_source): match a source record or create one. */
  async processUnlinkedTarget(target: TargetView): Promise<ProcessResult> {
    await this.prepare();
    return this.run.mutex.run([`${this.mapping.name}:t:${target.id}`], async () => {
      this.processedTargets.add(target.id);
      let result: ProcessResult;
      try {
        result = await linkOrCreateInSource(this, target);
      } catch (error) {
        result = { outcome: 'failed', direction: 'none', properties: [], failure: classify(error) };
      }
      await this.finish('target', target.id, result);
      return result;
    });
  }

  /**
   * The parent record `sourceId` was just linked to a target record that already existed
   * (recovered by its identity guard, or matched), outside of or ahead of the child pass:
   * each fan-out child mapping adopts the children already there by their guard now and
   * creates only the missing ones. Its own pass may never list the record again (its cursor
   * can be past it), so this cannot be left to it.
   */
  async syncChildren(sourceId: string, record: EntityRecord, reason: WorkReason): Promise<void> {
    for (const child of this.run.childrenOf(this.mapping.name)) {
      const cmr = this.run.mappingRun(child.name);
      if (cmr.handledWithParent.has(sourceId)) continue;
      await cmr.processSource(record, reason);
      cmr.handledWithParent.add(sourceId);
    }
  }

  /**
   * Whether a target view from this run's listing is too old to write over without a look
   * at the record first (see {@link TARGET_REREAD_AFTER_MS}). Only for two-way mappings:
   * there, an edit made in the target since the listing may have to win.
   */
  targetReadLongAgo(): boolean {
    return (
      this.mapping.direction === 'two-way' &&
      this.targetListedAt !== undefined &&
      this.run.now().getTime() - this.targetListedAt > TARGET_REREAD_AFTER_MS
    );
  }

  /** The target record of a link as it is now, or undefined when it is gone. */
  async liveTarget(link: LinkRecord): Promise<TargetView | undefined> {
    if (link.targetId.startsWith('-9')) return undefined;
    const record = await this.target.connector.get(this.target.entity, link.targetId);
    if (!record) return undefined;
    const rc = recordContext(this);
    return targetViewOf(
      this.run.evalr,
      this.mapping,
      link.targetId,
      record,
      rc.ctx,
      this.target.descriptor.modifiedAt(record),
    );
  }

  /** Phase 6 / `mapsync retry`: fetch the failed record and process it again. */
  async retry(side: Side, id: string): Promise<void> {
    const binding = side === 'source' ? this.source : this.target;
    const record = await binding.connector.get(binding.entity, id);
    if (!record) {
      // Gone meanwhile: nothing left to retry (a delete is handled by the delete phase).
      await this.finish(side, id, { outcome: 'skipped', direction: 'none', properties: [] });
      return;
    }
    if (side === 'source') {
      await this.processSource(record, 'retry');
      return;
    }
    const rc = recordContext(this);
    const view = await targetViewOf(
      this.run.evalr,
      this.mapping,
      id,
      record,
      rc.ctx,
      binding.descriptor.modifiedAt(record),
    );
    const reverse = await this.state.reverse(id);
    if (reverse && !reverse.virtual) {
      // A linked pair's failures are kept under its source id from here on.
      await this.processTargetChange(reverse.sourceId, view);
      if (this.failed.delete(`target.${id}`)) await this.state.deleteFailed('target', id);
    } else {
      await this.processUnlinkedTarget(view);
    }
  }

  /** `$link` with policy `create`: the source record is synced through this mapping now. */
  async syncOnDemand(sourceId: string): Promise<{ targetId?: string; reason?: string; gone?: boolean }> {
    const existing = await this.state.getLink(sourceId);
    if (existing) return { targetId: existing.targetId };
    const record = await this.source.connector.get(this.source.entity, sourceId);
    if (!record) return { reason: `${this.mapping.source.entity} ${sourceId} does not exist`, gone: true };
    const result = await this.processSource(record, 'change');
    const link = await this.state.getLink(sourceId);
    return link
      ? { targetId: link.targetId }
      : { reason: result.failure?.reason ?? `record was ${result.outcome}` };
  }

  /**
   * Whether source record `sourceId` is confirmed gone (its lookup answers "not found"); a
   * lookup that fails is not a confirmation. Asked when a dependent record finds it not
   * linked; cached for the run (many orders may name one deleted product).
   */
  sourceGone(sourceId: string): Promise<boolean> {
    let known = this.goneLookups.get(sourceId);
    if (!known) {
      known = this.source.connector.get(this.source.entity, sourceId).then(
        (record) => record === null,
        () => false,
      );
      this.goneLookups.set(sourceId, known);
    }
    return known;
  }

  /** `$link` with an object: a synthetic (virtual) source record, matched or created. */
  async linkVirtual(
    sourceId: string,
    object: Record<string, unknown>,
  ): Promise<{ targetId?: string; reason?: string }> {
    await this.prepare();
    return this.track(sourceId, () => this.linkVirtualNow(sourceId, object));
  }

  private linkVirtualNow(
    sourceId: string,
    object: Record<string, unknown>,
  ): Promise<{ targetId?: string; reason?: string }> {
    return this.run.mutex.run([`${this.mapping.name}:s:${sourceId}`], async () => {
      const existing = await this.state.getLink(sourceId);
      if (existing) return { targetId: existing.targetId };
      let result: ProcessResult;
      try {
        result = await linkOrCreate(this, sourceId, object, { virtual: true });
      } catch (error) {
        result = { outcome: 'failed', direction: 'none', properties: [], failure: classify(error) };
      }
      // A virtual record's failure is reported on the dependent record, not stored twice.
      this.run.record({
        mapping: this.mapping.name,
        side: 'source',
        id: sourceId,
        outcome: result.outcome,
        direction: result.direction,
        properties: result.properties,
        ...(result.partnerId ? { partnerId: result.partnerId } : {}),
        ...(result.failure ? { code: result.failure.code, reason: result.failure.reason } : {}),
      });
      const link = await this.state.getLink(sourceId);
      return link
        ? { targetId: link.targetId }
        : { reason: result.failure?.reason ?? `record was ${result.outcome}` };
    });
  }

  /** Store or clear the failed record, count the outcome and emit the event. */
  async finish(side: Side, id: string, outcome: ProcessResult): Promise<void> {
    const key = `${side}.${id}`;
    // What is kept, logged and reported is bounded (failure-bounds.ts).
    const result = outcome.failure ? { ...outcome, failure: bounded(outcome.failure) } : outcome;
    if (result.failure) {
      const previous = this.failed.get(key) ?? (await this.state.getFailed(side, id));
      const stored = await storeFailure(this.state, side, id, result.failure, this.run.now(), previous);
      this.failed.set(key, stored);
      this.run.deps.runtime.logger.info(
        { mapping: this.mapping.name, side, id, code: stored.code },
        `record failed: ${stored.reason}`,
      );
    } else if (
      this.failed.has(key) &&
      !(this.failed.get(key)!.code === ACTION_FAILED && result.outcome === 'unchanged')
    ) {
      // An action's failure is the action pass's to clear (the pair itself was fine).
      await this.state.deleteFailed(side, id);
      this.failed.delete(key);
    }
    this.run.record({
      mapping: this.mapping.name,
      side,
      id,
      outcome: result.outcome,
      direction: result.direction,
      properties: result.properties,
      ...(result.partnerId ? { partnerId: result.partnerId } : {}),
      ...(result.failure ? { code: result.failure.code, reason: result.failure.reason } : {}),
    });
  }

  // --- match indexes ------------------------------------------------------------------------

  /** Target match index from a complete listing (built once per run, on first need). */
  targetIndex(): Promise<MatchIndex<TargetView>> {
    this.targetIndexPromise ??= this.buildTargetIndex();
    return this.targetIndexPromise;
  }

  /**
   * Whether a record this mapping creates in the target may still be matched by a later
   * record of the same run — only a guest's synthetic record can be (`$link` with an object,
   * which matches customers already linked): so only when a mapping of this run may create
   * through this one (`dependencies: {<this>: create}`). Otherwise created records are not
   * added to the match index at all (a linked entry is never a candidate for anything else).
   */
  createdMayBeMatched(): boolean {
    this.laterMatchers ??= this.run.deps.mappings.some(
      (m) =>
        m.name !== this.mapping.name &&
        this.run.inRun(m.name) &&
        m.dependencies.some((d) => d.mapping === this.mapping.name && d.onMissing === 'create'),
    );
    return this.laterMatchers;
  }

  /** Called by the target-change phase when its listing was complete anyway. */
  adoptTargetIndex(index: MatchIndex<TargetView>): void {
    this.targetIndexPromise ??= Promise.resolve(index);
  }

  newTargetIndex(): MatchIndex<TargetView> {
    return new MatchIndex<TargetView>(this.mapping.match.length);
  }

  /** Index keys of a target record: its guard value and its normalised match keys. */
  targetKeys(record: EntityRecord): { guard: string | undefined; keys: Array<string | undefined> } {
    const guardPath = this.mapping.identity?.target;
    const guardValue = guardPath ? getPath(record, guardPath) : undefined;
    return {
      guard: guardValue === undefined || guardValue === null ? undefined : String(guardValue),
      keys: this.mapping.match.map((rule) =>
        this.run.evalr.matchKey(getPath(record, rule.target), rule.normalize),
      ),
    };
  }

  private async buildTargetIndex(): Promise<MatchIndex<TargetView>> {
    const index = this.newTargetIndex();
    const { connector, entity, descriptor } = this.target;
    for await (const page of connector.list(entity, {})) {
      const records = page.records.filter(
        (r) => matchesWhere(this.run.evalr, this.mapping, r) && !descriptor.isGone?.(r),
      );
      await this.indexTargets(index, records);
    }
    return index;
  }

  /** Add target records to an index (projections only for unlinked ones). */
  async indexTargets(index: MatchIndex<TargetView>, records: EntityRecord[]): Promise<void> {
    const ids = records.map((r) => this.target.descriptor.idOf(r));
    const linked = await this.state.reverseMany(ids);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const id = ids[i]!;
      const { guard, keys } = this.targetKeys(record);
      const entry = linked[i];
      if (entry && !entry.virtual) {
        index.add({ id, linkedTo: entry.sourceId }, guard, keys);
      } else {
        const rc = recordContext(this);
        const projection = await targetViewOf(
          this.run.evalr,
          this.mapping,
          id,
          record,
          rc.ctx,
          this.target.descriptor.modifiedAt(record),
        );
        index.add({ id, projection }, guard, keys);
      }
    }
  }

  /** Source match index for create.in_source (a complete source listing, once per run). */
  sourceIndex(): Promise<MatchIndex<SourceView>> {
    this.sourceIndexPromise ??= this.buildSourceIndex();
    return this.sourceIndexPromise;
  }

  sourceKeys(record: unknown): { guard: string | undefined; keys: Array<string | undefined> } {
    const guardPath = this.mapping.identity?.source;
    const guardValue = guardPath ? getPath(record, guardPath) : undefined;
    return {
      guard: guardValue === undefined || guardValue === null ? undefined : String(guardValue),
      keys: this.mapping.match.map((rule) =>
        this.run.evalr.matchKey(getPath(record, rule.source), rule.normalize),
      ),
    };
  }

  private async buildSourceIndex(): Promise<MatchIndex<SourceView>> {
    const index = new MatchIndex<SourceView>(this.mapping.match.length);
    const { connector, entity, descriptor } = this.source;
    for await (const page of connector.list(entity, {})) {
      const records = page.records.filter((r) => !descriptor.isGone?.(r));
      const ids = records.map((r) => descriptor.idOf(r));
      const links = await this.state.getLinks(ids);
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        const { guard, keys } = this.sourceKeys(record);
        const link = links[i];
        if (link) {
          index.add({ id: ids[i]!, linkedTo: link.targetId }, guard, keys);
        } else {
          const rc = recordContext(this);
          const projection = await sourceViewOf(
            this.run.evalr,
            this.mapping,
            ids[i]!,
            record,
            rc.ctx,
            descriptor.modifiedAt(record),
          );
          index.add({ id: ids[i]!, projection }, guard, keys);
        }
      }
    }
    return index;
  }
}
