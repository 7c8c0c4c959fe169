/**
 * Everything one run shares: the engine's dependencies, the mode (incremental/full,
 * dry run), the abort signal, the writer (real or dry-run), per-mapping run state created
 * on first use (so a dependency created on demand can reach the mapping it belongs to),
 * the keyed mutex and the summaries. One RunContext per `run()` or `syncRecord()` call.
 */

import type {
  BatchWrites,
  Connector,
  EntityDescriptor,
  EntityRecord,
  OperationRequest,
  OperationResult,
  PatchOperation,
  RemoveMode,
  WriteOptions,
} from '../connectors/types.ts';
import { StoreError } from '../errors.ts';
import type { CompiledMapping, Side } from '../mapping/model.ts';
import type { Runtime } from '../runtime.ts';
import type { StateBackend } from '../store/sync-state.ts';
import { watchedBackend } from '../store/watched.ts';
import { BatchQueue, type StillAsRead } from './batch-queue.ts';
import {
  type ConflictDecision,
  type EngineEvents,
  emptyCounts,
  type MappingSummary,
  type PlannedChange,
  type RecordEvent,
} from './events.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import type { MappingEval } from './mapping-eval.ts';
import { MappingRun } from './mapping-run.ts';
import type { PayloadCheck } from './payload-validator.ts';
import { RunSettingsCache } from './run-settings.ts';
import { type RecordLimit, yieldingLimit } from './yielding-limit.ts';

/** Planned/made changes kept per mapping in the summary (the rest are counted only). */
export const MAX_CHANGES_PER_MAPPING = 2_000;

export interface SideBinding {
  side: Side;
  system: string;
  entity: string;
  connector: Connector;
  descriptor: EntityDescriptor;
}

export interface RunOptions {
  mode: 'incremental' | 'full';
  dryRun: boolean;
  signal?: AbortSignal;
  /** Process due failed records (default true). */
  retryFailed?: boolean;
  /** Treat every failed record as due now (`mapsync retry`). */
  retryAllNow?: boolean;
  /** Only these failed records are made due now (`mapsync retry ID`). */
  retryIds?: ReadonlySet<string>;
  /** Only recover intents and retry failed records; no listings (`mapsync retry`). */
  retryOnly?: boolean;
  /** The mappings this run processes (with their fan-out children); absent: any. */
  mappings?: readonly string[];
}

export interface EngineDeps {
  mappings: readonly CompiledMapping[];
  connectors: ReadonlyMap<string, Connector>;
  store: StateBackend;
  runtime: Runtime;
  events: EngineEvents;
  evalr: MappingEval;
  validator: PayloadCheck;
  concurrency: number;
}

export class RunContext {
  readonly mutex = new KeyedMutex();
  /**
   * The run's workers: records in flight at once, over every mapping and phase of the run
   * (mappings that do not depend on each other run side by side and share them).
   */
  readonly limit: RecordLimit;
  readonly summaries = new Map<string, MappingSummary>();
  private readonly queues = new Map<string, BatchQueue>();
  private readonly started = new Map<string, number>();
  private readonly finished = new Set<string>();
  private placeholders = 0;
  /** Set on the first store failure: from then on no write is sent, the run stops. */
  fatal: StoreError | undefined;
  private readonly runs = new Map<string, MappingRun>();
  /** Each system's run settings, read once for this run (run-settings.ts). */
  readonly settings = new RunSettingsCache(this);
  readonly startedAt: Date;
  /** Aborted on the first store failure: writes still waiting to be sent are cancelled. */
  private readonly storeDown = new AbortController();
  /** Aborted when the run is aborted or the store fails: pauses between attempts end early. */
  readonly stopSignal: AbortSignal;
  /** The store as this run uses it: its first failure stops the run's writes at once. */
  readonly store: StateBackend;

  constructor(
    readonly deps: EngineDeps,
    readonly options: RunOptions,
  ) {
    this.startedAt = deps.runtime.now();
    this.limit = yieldingLimit(deps.concurrency);
    this.store = watchedBackend(deps.store, (error) => this.noteFailure(error));
    this.stopSignal = options.signal
      ? AbortSignal.any([options.signal, this.storeDown.signal])
      : this.storeDown.signal;
  }

  /** The signal every write carries (WriteOptions.signal): aborted when the store fails. */
  get writeSignal(): AbortSignal {
    return this.storeDown.signal;
  }

  /**
   * `$link` answers may be reused within this run while the linked mapping's links do not
   * change (see EvaluationContext.linkScope); never in a dry run, whose placeholder ids
   * must reach each record's plan notes.
   */
  readonly linkScope = {
    generation: (mapping: string): number => this.mappingRun(mapping).linkCache.generation,
  };

  /** The run state of a mapping, created on first use. */
  mappingRun(name: string): MappingRun {
    let mr = this.runs.get(name);
    if (!mr) {
      mr = new MappingRun(this, this.mapping(name));
      this.runs.set(name, mr);
    }
    return mr;
  }

  /** An id for a record a dry run would create (see `isPlaceholder`). */
  nextPlaceholder(): string {
    return String(-(900_000_000 + ++this.placeholders));
  }

  get dryRun(): boolean {
    return this.options.dryRun;
  }

  get evalr(): MappingEval {
    return this.deps.evalr;
  }

  now(): Date {
    return this.deps.runtime.now();
  }

  aborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  mapping(name: string): CompiledMapping {
    const mapping = this.deps.mappings.find((m) => m.name === name);
    if (!mapping) throw new Error(`unknown mapping "${name}"`);
    return mapping;
  }

  /** Whether mapping `name` takes part in this run. */
  inRun(name: string): boolean {
    return this.options.mappings === undefined || this.options.mappings.includes(name);
  }

  /** Mappings whose `parent` is `name` (fan-out children), in run order. */
  childrenOf(name: string): CompiledMapping[] {
    return this.deps.mappings.filter((m) => m.fanOut?.parent === name);
  }

  binding(mapping: CompiledMapping, side: Side): SideBinding {
    const { system, entity } = mapping[side];
    const connector = this.deps.connectors.get(system);
    if (!connector) throw new Error(`no connector for system "${system}" (mapping ${mapping.name})`);
    const descriptor = connector.entities[entity];
    if (!descriptor)
      throw new Error(`system "${system}" has no entity "${entity}" (mapping ${mapping.name})`);
    return { side, system, entity, connector, descriptor };
  }

  summary(mapping: string): MappingSummary {
    let summary = this.summaries.get(mapping);
    if (!summary) {
      summary = {
        mapping,
        counts: emptyCounts(),
        seen: 0,
        errors: [],
        changes: [],
        changesDropped: 0,
        conflicts: [],
        durationMs: 0,
      };
      this.summaries.set(mapping, summary);
      this.started.set(mapping, Date.now());
    }
    return summary;
  }

  /** The mapping's run starts now (its duration counts from here). */
  startSummary(mapping: string): void {
    this.summary(mapping);
    this.started.set(mapping, Date.now());
  }

  /** Mark the mapping's run finished (the first call fixes its duration) and return its summary. */
  finishSummary(mapping: string): MappingSummary {
    const summary = this.summary(mapping);
    if (!this.finished.has(mapping)) {
      summary.durationMs = Date.now() - (this.started.get(mapping) ?? Date.now());
      this.finished.add(mapping);
    }
    return summary;
  }

  record(event: RecordEvent): void {
    this.summary(event.mapping).counts[event.outcome]++;
    this.emit(() => this.deps.events.recordProcessed?.(event));
  }

  change(change: PlannedChange): void {
    const summary = this.summary(change.mapping);
    if (summary.changes.length < MAX_CHANGES_PER_MAPPING) summary.changes.push(change);
    else summary.changesDropped++;
  }

  /**
   * A conflict the policy decided: kept in the summary (with its values), emitted as an
   * event (with its values), and logged at info — property, policy, winner and times only,
   * since the values are personal data.
   */
  conflict(decision: ConflictDecision): void {
    const summary = this.summary(decision.mapping);
    if (summary.conflicts.length < MAX_CHANGES_PER_MAPPING) summary.conflicts.push(decision);
    const { sourceValue: _s, targetValue: _t, ...facts } = decision;
    const side = decision.winner === 'none' ? undefined : this.mapping(decision.mapping)[decision.winner];
    this.deps.runtime.logger.info(
      { ...facts, ...(this.dryRun ? { dryRun: true } : {}) },
      side
        ? `conflict decided: ${decision.property} changed in both systems; ${decision.policy}: the ${decision.winner} (${side.system}) value wins`
        : `conflict: ${decision.property} changed in both systems; ${decision.policy}: left for a person`,
    );
    this.emit(() => this.deps.events.conflictDecided?.(decision));
  }

  error(mapping: string, code: string, message: string): void {
    this.summary(mapping).errors.push({ code, message });
    this.deps.runtime.logger.warn({ mapping, code }, message);
  }

  emit(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.deps.runtime.logger.warn({ err: error }, 'an engine event listener threw; ignored');
    }
  }

  // --- writes: the only place connector write methods are called -------------------------

  async create(
    binding: SideBinding,
    data: EntityRecord,
    options?: WriteOptions,
  ): Promise<{ id: string; record: EntityRecord }> {
    this.assertHealthy();
    if (this.dryRun) return { id: this.nextPlaceholder(), record: data };
    const record = await this.write(() =>
      binding.connector.create(binding.entity, data, this.withSignal(options)),
    );
    return { id: binding.descriptor.idOf(record), record };
  }

  async createWithChildren(
    binding: SideBinding,
    data: EntityRecord,
    childEntity: string,
    children: EntityRecord[],
  ): Promise<{ id: string; record: EntityRecord; children: EntityRecord[] }> {
    this.assertHealthy();
    if (this.dryRun) return { id: this.nextPlaceholder(), record: data, children };
    const created = await this.write(() =>
      binding.connector.withChildren!.createWithChildren(
        binding.entity,
        data,
        childEntity,
        children,
        this.withSignal(),
      ),
    );
    return { id: binding.descriptor.idOf(created.record), ...created };
  }

  /**
   * Apply ops; returns the record as stored afterwards when the connector says. With
   * `stillAsRead`, a batched write is dropped right before it is sent when the record was
   * modified since it was read (it rejects with `ChangedSinceRead`; see batch-queue.ts).
   */
  async update(
    binding: SideBinding,
    id: string,
    ops: PatchOperation[],
    options?: WriteOptions & { stillAsRead?: StillAsRead },
  ): Promise<EntityRecord | undefined> {
    this.assertHealthy();
    // What an update writes must fit the entity's limits as a create would (plans too).
    this.deps.validator.checkPatch?.(binding.descriptor.schema, ops, `${binding.entity} ${id} update`);
    if (this.dryRun || ops.length === 0) return undefined;
    const { stillAsRead, ...writeOptions } = options ?? {};
    const batch = binding.connector.batch;
    if (batch && !writeOptions.parentId) {
      const queue = this.queueFor(binding, batch);
      return this.write(() => queue.update(id, ops, stillAsRead));
    }
    return this.write(() => binding.connector.update(binding.entity, id, ops, this.withSignal(writeOptions)));
  }

  private queueFor(binding: SideBinding, batch: BatchWrites): BatchQueue {
    const key = `${binding.system}/${binding.entity}`;
    let queue = this.queues.get(key);
    if (!queue) {
      const { connector, entity, descriptor } = binding;
      const signal = this.writeSignal;
      queue = new BatchQueue(batch, entity, {
        signal,
        ...(connector.getMany
          ? {
              reRead: async (ids) =>
                new Map(
                  (await connector.getMany!(entity, ids, { signal })).map((r) => [descriptor.idOf(r), r]),
                ),
            }
          : {}),
      });
      this.queues.set(key, queue);
    }
    return queue;
  }

  async remove(binding: SideBinding, id: string, mode: RemoveMode, options?: WriteOptions): Promise<void> {
    this.assertHealthy();
    if (this.dryRun) return;
    await this.write(() => binding.connector.remove(binding.entity, id, mode, this.withSignal(options)));
  }

  /**
   * A write that fails once the store is down (typically: cancelled before it was sent)
   * reports the store failure, not a record failure: the run is stopping.
   */
  private async write<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (this.fatal) throw this.fatal;
      throw error;
    }
  }

  /** Record a store failure; later writes of this run are refused. */
  noteFailure(error: unknown): void {
    if (!(error instanceof StoreError) || this.fatal) return;
    this.fatal = error;
    this.storeDown.abort(error);
  }

  private assertHealthy(): void {
    if (this.fatal) throw this.fatal;
  }

  /**
   * A record operation of a connector (mapping actions, engine/sync/actions.ts): never in a
   * dry run (the caller plans instead), carrying the run's store signal like every write.
   */
  async perform(binding: SideBinding, request: OperationRequest): Promise<OperationResult> {
    this.assertHealthy();
    const operations = binding.connector.operations;
    if (!operations) throw new Error(`${binding.system} has no record operations`);
    return this.write(() => operations.perform(request, this.withSignal()));
  }

  /** Send every queued batch update and wait for them; then delete the settled intents. */
  async drainWrites(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.drain()));
    for (const mr of this.runs.values()) await mr.flushIntents();
  }

  /**
   * Every write carries the run's store signal: when the store fails, writes still waiting
   * to be sent (for the rate limiter, a token) are cancelled. A write already sent is never
   * aborted half-way (an aborted POST would be "ambiguous" for nothing): connectors honour
   * the signal only until the request leaves (engine/connectors/http/client.ts).
   */
  private withSignal(options?: WriteOptions): WriteOptions {
    return { ...options, signal: this.writeSignal };
  }
}
