/**
 * The state of one mapping during one run (`MappingRun`) and the run's mapping runs
 * (`MappingRuns`, created on first use so a dependency created on demand reaches the
 * mapping it belongs to). The record-level entry points every phase (and `$link`, retries
 * and webhooks) goes through are methods here, but the work is record-work.ts's, given by
 * the engine: this module imports none of the sync steps, so they can all name MappingRun.
 *
 * Per record the engine holds a keyed mutex (`<mapping>:s:<id>`), so processing a record
 * twice at the same time is impossible and processing it twice in a row is harmless.
 */
import type { EntityRecord } from '../connectors/types.ts';
import type { CompiledMapping, Side } from '../mapping/model.ts';
import { copiedSourcePaths } from '../mapping/source-paths.ts';
import {
  type ActionIntent,
  type FailedRecord,
  type IntentRecord,
  MappingState,
} from '../store/sync-state.ts';
import { ActionLinks } from './action-links.ts';
import { ACTION_FAILED, bounded, storeFailure, worthLogging } from './failures.ts';
import { IdSet } from './id-set.ts';
import { LinkCache } from './link-cache.ts';
import type { IndexKeys, MatchIndex } from './match-index.ts';
import { PreloadMarks } from './preload-marks.ts';
import type { RunContext } from './run-context.ts';
import type { KnownLinks, ProcessResult, SideBinding, WorkReason } from './run-types.ts';
import type { SourceView, TargetView } from './views.ts';

/** The match indexes of one mapping in one run (match-indexes.ts). */
export interface MatchLookup {
  targetIndex(): Promise<MatchIndex<TargetView>>;
  adoptTargetIndex(index: MatchIndex<TargetView>): void;
  newTargetIndex(): MatchIndex<TargetView>;
  createdMayBeMatched(): boolean;
  targetKeys(record: EntityRecord): IndexKeys;
  sourceKeys(record: unknown, yields?: ReadonlyMap<string, unknown>): IndexKeys;
  sourceIndex(): Promise<MatchIndex<SourceView>>;
}

/** What is done with one record (record-work.ts); each takes the record's lock itself. */
export interface RecordWork {
  processSource(
    run: MappingRun,
    record: EntityRecord,
    reason: WorkReason,
    known?: KnownLinks,
  ): Promise<ProcessResult>;
  processTargetChange(run: MappingRun, sourceId: string, target: TargetView): Promise<ProcessResult>;
  processUnlinkedTarget(run: MappingRun, target: TargetView): Promise<ProcessResult>;
  syncChildren(run: MappingRun, sourceId: string, record: EntityRecord, reason: WorkReason): Promise<void>;
  retry(run: MappingRun, side: Side, id: string): Promise<void>;
  syncOnDemand(
    run: MappingRun,
    sourceId: string,
  ): Promise<{ targetId?: string; reason?: string; gone?: boolean }>;
  linkVirtual(
    run: MappingRun,
    sourceId: string,
    object: Record<string, unknown>,
  ): Promise<{ targetId?: string; reason?: string }>;
  matchIndexes(run: MappingRun): MatchLookup;
}

/** The mapping runs of one run, by mapping name. */
export class MappingRuns {
  private readonly runs = new Map<string, MappingRun>();

  constructor(
    readonly run: RunContext,
    readonly work: RecordWork,
  ) {}

  /** The run state of a mapping, created on first use. */
  get(name: string): MappingRun {
    let mappingRun = this.runs.get(name);
    if (!mappingRun) {
      mappingRun = new MappingRun(this, this.run.mapping(name));
      this.runs.set(name, mappingRun);
    }
    return mappingRun;
  }

  /**
   * `$link` answers may be reused within this run while the linked mapping's links do not
   * change (see EvaluationContext.linkScope); never in a dry run, whose placeholder ids
   * must reach each record's plan notes.
   */
  readonly linkScope = {
    generation: (mapping: string): number => this.get(mapping).linkCache.generation,
  };

  /** Send every queued batch update and wait for them; then delete the settled intents. */
  async drainWrites(): Promise<void> {
    await this.run.writer.drain();
    for (const mappingRun of this.runs.values()) await mappingRun.flushIntents();
  }
}

export class MappingRun {
  readonly run: RunContext;
  readonly state: MappingState;
  readonly source: SideBinding;
  readonly target: SideBinding;
  readonly sourceIsFullScan: boolean;
  /** Linked target records that changed since the last sync, by source id. */
  readonly targetChanges = new Map<string, TargetView>();
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
  readonly failed = new Map<string, FailedRecord>();
  /**
   * Source records synced without failure in this run, for the mapping's actions (run once
   * the whole run, fan-out children included, is done: actions.ts).
   */
  readonly actionCandidates = new Map<string, EntityRecord>();
  /** The candidates' links as this run read or wrote them (bounded; action-links.ts). */
  readonly actionLinks: ActionLinks;
  /** `$link` lookups of this mapping's links (cached for the run, batched). */
  readonly linkCache: LinkCache;
  /** Which preloaded links are still current (preload-marks.ts). */
  readonly preload = new PreloadMarks();
  /** The target and source match indexes, built on first need (match-indexes.ts). */
  readonly indexes: MatchLookup;
  /** The source paths whose values are checked before they are copied (source-values.ts). */
  readonly copiedSourcePaths: string[];
  /** `$source_settings` / `$target_settings` for this mapping's expressions (read in `prepare`). */
  get settingsBindings(): Readonly<Record<string, unknown>> {
    return this.settings;
  }
  private settings: Record<string, unknown> = {};
  private listedAt: number | undefined;
  private targetCursor: string | undefined;
  private seen: { source?: IdSet; target?: IdSet } = {};
  private pendingIntents: Array<{ from: Side; id: string; intent: IntentRecord }> = [];
  private pendingActions: ActionIntent[] = [];
  /** Source records being processed right now (at most the concurrency), by id. */
  private readonly working = new Map<string, Promise<unknown>>();
  /** Intents whose links are stored, deleted together at the next drain (see `settleIntent`). */
  private settledIntents: Array<{ from: Side; id: string }> = [];
  private prepared: Promise<void> | undefined;
  private readonly goneLookups = new Map<string, Promise<boolean>>();

  constructor(
    readonly runs: MappingRuns,
    readonly mapping: CompiledMapping,
  ) {
    this.run = runs.run;
    this.state = new MappingState(mapping.name, this.run.store, {
      reverseIndex: mapping.fanOut === undefined,
      onLinkChange: (id, link) => {
        this.linkCache.changed(id, link);
        this.preload.linkWritten(id);
        this.actionLinks.seen(id, link);
      },
    });
    this.actionLinks = new ActionLinks((mapping.actions?.length ?? 0) > 0);
    this.linkCache = new LinkCache(this.state);
    this.indexes = runs.work.matchIndexes(this);
    this.copiedSourcePaths = copiedSourcePaths(mapping);
    this.source = this.run.binding(mapping, 'source');
    this.target = this.run.binding(mapping, 'target');
    this.sourceIsFullScan = this.source.descriptor.changeDetection === 'full-scan';
  }

  /** Load pending intents and failed records (one pass over the mapping's meta namespace). */
  prepare(): Promise<void> {
    this.prepared ??= (async () => {
      const meta = await this.state.scanMeta();
      this.pendingIntents = meta.intents;
      for (const f of meta.failed) this.failed.set(`${f.side}.${f.id}`, f);
      this.pendingActions = meta.actionIntents;
      this.settings = await this.run.settings.bindingsFor(this.mapping);
    })();
    return this.prepared;
  }

  // --- what the phases learn (phases.ts sets it through these, the rest only reads it) ---

  /**
   * When this run's target listing began (epoch ms): every target view taken from the
   * listing, or from the snapshot of a record the listing showed unchanged, is this old.
   */
  get targetListedAt(): number | undefined {
    return this.listedAt;
  }

  targetListingStarted(at = this.run.now().getTime()): void {
    this.listedAt = at;
  }

  /** Cursor of this run's target listing, persisted when the mapping's run completes. */
  get pendingTargetCursor(): string | undefined {
    return this.targetCursor;
  }

  targetPageListed(cursor: string | undefined): void {
    if (cursor !== undefined) this.targetCursor = cursor;
  }

  /** Ids seen in complete, successful listings (for delete detection). */
  get seenSource(): IdSet | undefined {
    return this.seen.source;
  }

  get seenTarget(): IdSet | undefined {
    return this.seen.target;
  }

  listingComplete(side: Side, ids: IdSet): void {
    this.seen[side] = ids;
  }

  /** Create intents found at the start of the run (intents.ts resolves them). */
  get intents(): ReadonlyArray<{ from: Side; id: string; intent: IntentRecord }> {
    return this.pendingIntents;
  }

  intentsResolved(): void {
    this.pendingIntents = [];
  }

  /** Action intents found at the start of the run (a crash, or an unknown outcome). */
  get actionIntents(): readonly ActionIntent[] {
    return this.pendingActions;
  }

  actionIntentsResumed(): void {
    this.pendingActions = [];
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

  // --- record entry points (the work is record-work.ts's) ---------------------------------

  /** Sync one source record (step 2, retries, webhooks, dependencies created on demand). */
  processSource(record: EntityRecord, reason: WorkReason, known?: KnownLinks): Promise<ProcessResult> {
    return this.runs.work.processSource(this, record, reason, known);
  }

  /** A linked pair whose target changed while its source did not (step 3, target retries). */
  processTargetChange(sourceId: string, target: TargetView): Promise<ProcessResult> {
    return this.runs.work.processTargetChange(this, sourceId, target);
  }

  /** An unlinked target record (step 4, create.in_source): match a source record or create one. */
  processUnlinkedTarget(target: TargetView): Promise<ProcessResult> {
    return this.runs.work.processUnlinkedTarget(this, target);
  }

  /** The parent `sourceId` was linked to an existing record: its fan-out children follow now. */
  syncChildren(sourceId: string, record: EntityRecord, reason: WorkReason): Promise<void> {
    return this.runs.work.syncChildren(this, sourceId, record, reason);
  }

  /** Phase 6 / `mapsync retry`: fetch the failed record and process it again. */
  retry(side: Side, id: string): Promise<void> {
    return this.runs.work.retry(this, side, id);
  }

  /** `$link` with policy `create`: the source record is synced through this mapping now. */
  syncOnDemand(sourceId: string): Promise<{ targetId?: string; reason?: string; gone?: boolean }> {
    return this.runs.work.syncOnDemand(this, sourceId);
  }

  /** `$link` with an object: a synthetic (virtual) source record, matched or created. */
  linkVirtual(
    sourceId: string,
    object: Record<string, unknown>,
  ): Promise<{ targetId?: string; reason?: string }> {
    return this.runs.work.linkVirtual(this, sourceId, object);
  }

  /**
   * The processing of source record `id` if it is going on right now (a create that may
   * still succeed): `$link` waits for it rather than failing the dependent record.
   */
  inFlight(sourceId: string): Promise<unknown> | undefined {
    return this.working.get(sourceId);
  }

  /** Run the work on source record `id`, known as in flight until it settles. */
  track<T>(id: string, work: () => Promise<T>): Promise<T> {
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

  /**
   * Store or clear the failed record, count the outcome and emit the event. `version` is
   * the record's version (failures.ts `recordVersion`): a failure already logged for the same
   * version, code and reason is logged at debug only.
   */
  async finish(side: Side, id: string, outcome: ProcessResult, version?: string): Promise<void> {
    const key = `${side}.${id}`;
    // What is kept, logged and reported is bounded (failure-bounds.ts).
    const result = outcome.failure ? { ...outcome, failure: bounded(outcome.failure) } : outcome;
    if (result.failure) {
      const previous = this.failed.get(key) ?? (await this.state.getFailed(side, id));
      const now = this.run.now();
      const stored = await storeFailure(this.state, side, id, result.failure, now, previous, version);
      this.failed.set(key, stored);
      const { logger } = this.run.deps.runtime;
      const fields = { mapping: this.mapping.name, side, id, code: stored.code };
      if (worthLogging(stored, previous)) logger.info(fields, `record failed: ${stored.reason}`);
      else logger.debug({ ...fields, attempts: stored.attempts }, 'record failed again, unchanged');
    } else if (!(this.failed.get(key)?.code === ACTION_FAILED && result.outcome === 'unchanged')) {
      // An action's failure is the action pass's to clear (the pair itself was fine).
      await this.clearFailure(side, id);
    }
    this.report(side, id, result);
  }

  /**
   * The failure this run holds for a record (loaded in `prepare`, or stored since) is
   * resolved: forgotten here and deleted from the store. The one way other modules clear one.
   */
  async clearFailure(side: Side, id: string): Promise<void> {
    if (this.failed.delete(`${side}.${id}`)) await this.state.deleteFailed(side, id);
  }

  /** Count the outcome and emit the event (a virtual record's failure is not stored). */
  report(side: Side, id: string, result: ProcessResult): void {
    this.run.reporter.record({
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
