/**
 * The state of one mapping during one run, and the record-level entry points every phase
 * (and `$link`, retries and webhooks) goes through: `processSource` for a source record,
 * `processTargetChange` / `processUnlinkedTarget` for a target record, `retry` for a failed
 * one, `syncOnDemand` / `linkVirtual` for dependencies. Each takes the record's lock, does
 * the work elsewhere (source-record.ts, create.ts, create-in-source.ts, pair.ts) and ends in
 * `finish`, which stores or clears the failed record and reports the outcome. The match
 * indexes live in match-indexes.ts, the preload bookkeeping in preload-marks.ts.
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
import { recordContext } from './dependencies.ts';
import type { FlowDirection, RecordOutcome } from './events.ts';
import { bounded, type ClassifiedFailure, classify, storeFailure } from './failures.ts';
import { IdSet } from './id-set.ts';
import { LinkCache } from './link-cache.ts';
import { MatchIndexes } from './match-indexes.ts';
import { syncPair } from './pair.ts';
import { PreloadMarks } from './preload-marks.ts';
import type { RunContext, SideBinding } from './run-context.ts';
import { syncSourceRecord } from './source-record.ts';
import { copiedSourcePaths } from './source-values.ts';
import { sourceFromBase, type TargetView, targetViewOf } from './views.ts';

export type WorkReason = 'change' | 'retry' | 'webhook' | 'delete-check';

/**
 * Links of a record read ahead with its page (one `getMany` per page and namespace): its
 * own link, and for a fan-out mapping the parent mapping's link too.
 */
export interface KnownLinks {
  link: LinkRecord | undefined;
  /** The mapping's preload mark (see preload-marks.ts). */
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
  /** Which preloaded links are still current (preload-marks.ts). */
  readonly preload = new PreloadMarks();
  /** The target and source match indexes, built on first need (match-indexes.ts). */
  readonly indexes: MatchIndexes;
  /** The source paths whose values are checked before they are copied (source-values.ts). */
  readonly copiedSourcePaths: string[];
  /** Intents whose links are stored, deleted together at the next drain (see `settleIntent`). */
  private settledIntents: Array<{ from: Side; id: string }> = [];
  private prepared: Promise<void> | undefined;
  /** `$source_settings` / `$target_settings` for this mapping's expressions (read in `prepare`). */
  settingsBindings: Record<string, unknown> = {};
  private readonly goneLookups = new Map<string, Promise<boolean>>();

  constructor(
    readonly run: RunContext,
    readonly mapping: CompiledMapping,
  ) {
    this.state = new MappingState(mapping.name, run.store, {
      reverseIndex: mapping.fanOut === undefined,
      onLinkChange: (id, link) => {
        this.linkCache.changed(id, link);
        this.preload.linkWritten(id);
      },
    });
    this.linkCache = new LinkCache(this.state);
    this.indexes = new MatchIndexes(this);
    this.copiedSourcePaths = copiedSourcePaths(mapping);
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
      this.settingsBindings = await this.run.settings.bindingsFor(this.mapping);
    })();
    return this.prepared;
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
        result = await syncSourceRecord(this, id, record, reason, known);
      } catch (error) {
        result = { outcome: 'failed', direction: 'none', properties: [], failure: classify(error) };
      }
      await this.finish('source', id, result);
      if (this.mapping.actions && ['created', 'updated', 'unchanged'].includes(result.outcome))
        this.actionCandidates.set(id, record);
      return result;
    });
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

  /** Phase 6 / `mapsync retry`: fetch the failed record and process it again. */
  async retry(side: Side, id: string): Promise<void> {
    const binding = side === 'source' ? this.source : this.target;
    const record = await binding.connector.get(binding.entity, id);
    if (!record) {
      // Gone: a delete is the delete phase's (which ran before this one and kept the failed
      // record if the partner refused it again); otherwise nothing is left to retry.
      const linked =
        side === 'source'
          ? (await this.state.getLink(id)) !== undefined
          : (await this.state.reverse(id))?.virtual === false;
      if (!linked) await this.finish(side, id, { outcome: 'skipped', direction: 'none', properties: [] });
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
}
