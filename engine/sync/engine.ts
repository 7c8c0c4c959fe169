/**
 * The sync engine's public face. A composition root (CLI command, service, test) builds one
 * with everything it needs — no hidden globals:
 *
 * ```ts
 * const engine = new SyncEngine({ mappings, connectors, store, runtime, events });
 * const summary = await engine.run({ mode: 'incremental', dryRun: false, signal });
 * await engine.syncRecord({ mapping: 'customer-person', side: 'source', id: '42', reason: 'webhook' });
 * ```
 *
 * - `mappings` in dependency order (as loaded; the engine re-checks the order),
 * - `connectors` by system name (the keys of `systems` in mapsync.yaml),
 * - `store` from `openStore()` (a plan runs on a copy-on-write overlay of it),
 * - `runtime` (logger, clock), `events` (progress, metrics, live feed).
 *
 * A `StoreError` stops the run at once: the summary carries `storeError`, no further
 * writes are made, and callers exit 1. Aborting (`signal`) stops taking new records and
 * lets the ones in flight finish; every create keeps its intent-then-link order.
 */
import { setMaxListeners } from 'node:events';
import type { Connector } from '../connectors/types.ts';
import { ConfigError, StoreError } from '../errors.ts';
import type { CompiledMapping, Side } from '../mapping/model.ts';
import type { Runtime } from '../runtime.ts';
import { overlayBackend } from '../store/overlay.ts';
import type { StateBackend } from '../store/sync-state.ts';
import { runActionPass } from './actions.ts';
import { propagate } from './deletes.ts';
import type { EngineEvents, RunSummary } from './events.ts';
import type { MappingEval } from './mapping-eval.ts';
import type { ProcessResult, WorkReason } from './mapping-run.ts';
import { runLevels, runOrder } from './order.ts';
import { type PayloadCheck, PayloadValidator } from './payload-validator.ts';
import { runMapping } from './phases.ts';
import { type EngineDeps, RunContext, type RunOptions } from './run-context.ts';

/** One unit of work: serialisable, idempotent. */
export interface WorkItem {
  mapping: string;
  side: Side;
  id: string;
  reason: WorkReason;
  /** For `reason: 'webhook'`: the system reported the record deleted. */
  deleted?: boolean;
}

export interface SyncEngineOptions {
  mappings: readonly CompiledMapping[];
  connectors: ReadonlyMap<string, Connector>;
  store: StateBackend;
  runtime: Runtime;
  evaluator: MappingEval;
  events?: EngineEvents;
  /** Records processed at the same time within one page (default 6). */
  concurrency?: number;
  validator?: PayloadCheck;
}

export interface EngineRunOptions {
  /** Only these mappings (their fan-out children come along); default all. */
  mappings?: readonly string[];
  mode?: 'incremental' | 'full';
  dryRun?: boolean;
  signal?: AbortSignal;
  retryFailed?: boolean;
  retryAllNow?: boolean;
  retryIds?: ReadonlySet<string>;
  /** Only retry failed records (and recover intents); no listings, no deletes. */
  retryOnly?: boolean;
}

export class SyncEngine {
  private readonly deps: Omit<EngineDeps, 'store'>;
  private readonly store: StateBackend;

  constructor(options: SyncEngineOptions) {
    this.store = options.store;
    this.deps = {
      mappings: runOrder(options.mappings),
      connectors: options.connectors,
      runtime: options.runtime,
      events: options.events ?? {},
      evalr: options.evaluator,
      validator: options.validator ?? new PayloadValidator(),
      concurrency: options.concurrency ?? 6,
    };
  }

  /** Mapping names in the order a run processes them. */
  get order(): string[] {
    return this.deps.mappings.map((m) => m.name);
  }

  async run(options: EngineRunOptions = {}): Promise<RunSummary> {
    // A run-scoped signal: every listing request listens to it, more than the default ten
    // at a time, and the caller's signal keeps no listener once the run is over.
    const local = new AbortController();
    setMaxListeners(0, local.signal);
    const forward = () => local.abort();
    options.signal?.addEventListener('abort', forward, { once: true });
    if (options.signal?.aborted) local.abort();
    try {
      return await this.runWith(options, local.signal);
    } finally {
      options.signal?.removeEventListener('abort', forward);
    }
  }

  private async runWith(options: EngineRunOptions, signal: AbortSignal): Promise<RunSummary> {
    const runOptions: RunOptions = {
      mode: options.mode ?? 'incremental',
      dryRun: options.dryRun ?? false,
      signal,
      ...(options.retryFailed !== undefined ? { retryFailed: options.retryFailed } : {}),
      ...(options.retryAllNow ? { retryAllNow: true } : {}),
      ...(options.retryIds ? { retryIds: options.retryIds } : {}),
      ...(options.retryOnly ? { retryOnly: true } : {}),
    };
    const selected = this.select(options.mappings);
    const ctx = this.context({ ...runOptions, mappings: selected.map((m) => m.name) });
    const startedAt = ctx.now();
    ctx.emit(() =>
      this.deps.events.runStarted?.({
        mappings: selected.map((m) => m.name),
        mode: runOptions.mode,
        dryRun: runOptions.dryRun,
      }),
    );
    let storeError: string | undefined;
    const runOne = async (mapping: CompiledMapping): Promise<void> => {
      const mr = ctx.mappingRun(mapping.name);
      ctx.startSummary(mapping.name);
      try {
        await runMapping(mr);
      } catch (error) {
        if (error instanceof StoreError) {
          storeError ??= `store unavailable: ${error.message}`;
          ctx.error(mapping.name, error.code, `store unavailable: ${error.message}`);
        } else {
          const message = error instanceof Error ? error.message : String(error);
          ctx.error(mapping.name, 'INTERNAL', `${mapping.name}: stopped by an internal error: ${message}`);
          this.deps.runtime.logger.error({ err: error, mapping: mapping.name }, 'mapping run failed');
        }
      }
      this.finishMapping(ctx, mapping.name);
    };
    // Mappings that do not depend on each other run side by side (sharing the run's workers
    // and the connectors' rate limits); a mapping starts once everything it depends on is done.
    for (const level of runLevels(selected)) {
      if (ctx.aborted() || storeError || ctx.fatal) break;
      await Promise.all(level.map(runOne));
    }
    // Mapping actions (invoice a completed order) once every mapping, children included, is done.
    if (!ctx.aborted() && !storeError && !ctx.fatal) {
      try {
        await runActionPass(selected.map((m) => ctx.mappingRun(m.name)));
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        storeError ??= `store unavailable: ${error.message}`;
      }
    }
    const mappings = selected.map((m) => ctx.finishSummary(m.name));
    const aborted = ctx.aborted();
    const summary: RunSummary = {
      startedAt: startedAt.toISOString(),
      finishedAt: ctx.now().toISOString(),
      mode: runOptions.mode,
      dryRun: runOptions.dryRun,
      mappings,
      ...(storeError ? { storeError } : {}),
      aborted,
      ok:
        !storeError &&
        !aborted &&
        mappings.every((m) => m.errors.length === 0 && m.counts.failed === 0 && m.counts.conflict === 0),
    };
    ctx.emit(() => this.deps.events.runFinished?.(summary));
    return summary;
  }

  /**
   * Sync one record now (webhooks, the service's work queue). Both sides are read live.
   * A delete (webhook `deleted`, or `reason: 'delete-check'`) is applied only after a lookup
   * confirms the record is gone.
   */
  async syncRecord(item: WorkItem): Promise<ProcessResult> {
    const ctx = this.context({ mode: 'incremental', dryRun: false });
    const mr = ctx.mappingRun(item.mapping);
    await mr.prepare();
    const binding = item.side === 'source' ? mr.source : mr.target;
    const record = await binding.connector.get(binding.entity, item.id);
    let result: ProcessResult;
    if (!record) {
      const link =
        item.side === 'source'
          ? await mr.state.getLink(item.id)
          : await (async () => {
              const reverse = await mr.state.reverse(item.id);
              return reverse && !reverse.virtual ? mr.state.getLink(reverse.sourceId) : undefined;
            })();
      if (link && !link.virtual) {
        const policy = item.side === 'source' ? mr.mapping.delete.toTarget : mr.mapping.delete.toSource;
        await propagate(mr, link, item.side, policy);
        result = {
          outcome: policy === 'archive' ? 'archived' : policy === 'delete' ? 'deleted' : 'unchanged',
          direction: item.side === 'source' ? 'to-target' : 'to-source',
          properties: [],
          partnerId: item.side === 'source' ? link.targetId : link.sourceId,
        };
      } else {
        result = { outcome: 'skipped', direction: 'none', properties: [] };
      }
    } else if (item.side === 'source') {
      result = await mr.processSource(record, item.reason === 'change' ? 'webhook' : item.reason);
      for (const child of ctx.childrenOf(item.mapping)) {
        await ctx.mappingRun(child.name).processSource(record, 'webhook');
      }
      await ctx.drainWrites();
      await runActionPass([mr]);
    } else {
      const reverse = await mr.state.reverse(item.id);
      await mr.retry('target', item.id);
      result = {
        outcome: 'updated',
        direction: 'none',
        properties: [],
        ...(reverse ? { partnerId: reverse.sourceId } : {}),
      };
    }
    await ctx.drainWrites();
    return result;
  }

  private finishMapping(ctx: RunContext, mapping: string): void {
    // Computed outside the optional call: `f?.(x)` would not evaluate `x` without listener.
    const finished = ctx.finishSummary(mapping);
    ctx.emit(() => this.deps.events.mappingFinished?.(finished));
  }

  private context(options: RunOptions): RunContext {
    const store = options.dryRun ? overlayBackend(this.store) : this.store;
    return new RunContext({ ...this.deps, store }, options);
  }

  private select(names?: readonly string[]): CompiledMapping[] {
    if (!names || names.length === 0) return [...this.deps.mappings];
    const wanted = new Set(names);
    for (const name of names) {
      if (!this.deps.mappings.some((m) => m.name === name)) {
        throw new ConfigError(
          'SYNC_UNKNOWN_MAPPING',
          `unknown mapping "${name}" (known: ${this.deps.mappings.map((m) => m.name).join(', ')})`,
        );
      }
    }
    // Fan-out children belong to their parent's run.
    let grew = true;
    while (grew) {
      grew = false;
      for (const m of this.deps.mappings) {
        if (m.fanOut && wanted.has(m.fanOut.parent) && !wanted.has(m.name)) {
          wanted.add(m.name);
          grew = true;
        }
      }
    }
    return this.deps.mappings.filter((m) => wanted.has(m.name));
  }
}
