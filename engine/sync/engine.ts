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
import { MappingRuns } from './mapping-run.ts';
import { runLevels, runOrder } from './order.ts';
import { type PayloadCheck, PayloadValidator } from './payload-validator.ts';
import { runMapping } from './phases.ts';
import { recordWork } from './record-work.ts';
import { RunContext } from './run-context.ts';
import type { RunReporter } from './run-reporter.ts';
import type { EngineDeps, ProcessResult, RunOptions, WorkReason } from './run-types.ts';
import { runScanPass } from './scan.ts';

/** One record to sync now (`syncRecord`): serialisable, idempotent. */
export interface SyncRequest {
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
      evaluator: options.evaluator,
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
    // The caller's reason goes along (an interrupted evaluation names it: "service shutting down").
    const forward = () => local.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', forward, { once: true });
    if (options.signal?.aborted) local.abort(options.signal.reason);
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
    const levels = runLevels(selected);
    const runs = this.context(
      { ...runOptions, mappings: selected.map((m) => m.name) },
      (levels[0] ?? []).map((m) => m.name),
    );
    const ctx = runs.run;
    // The run settings its mappings read, asked for before any mapping touches the store.
    if (!ctx.stopping()) ctx.settings.prefetch(selected);
    // Schemas compiled a turn each, not in the middle of a page of records, but only once the
    // first level's mappings read their records (first-reads.ts).
    const validators = ctx.firstReads.ready.then(() => this.prepareValidators(selected, runs));
    // Awaited after the mappings (its error then stands); never an unhandled rejection when
    // the run throws before that.
    validators.catch(() => {});
    const report = ctx.reporter;
    const startedAt = ctx.now();
    report.emit(() =>
      this.deps.events.runStarted?.({
        mappings: selected.map((m) => m.name),
        mode: runOptions.mode,
        dryRun: runOptions.dryRun,
      }),
    );
    let storeError: string | undefined;
    // A pass of one mapping that throws stops that mapping (reported), never the run.
    const guarded = async (mapping: string, pass: () => Promise<void>): Promise<void> => {
      try {
        await pass();
      } catch (error) {
        if (error instanceof StoreError) {
          storeError ??= `store unavailable: ${error.message}`;
          report.error(mapping, error.code, `store unavailable: ${error.message}`);
        } else {
          const message = error instanceof Error ? error.message : String(error);
          report.error(mapping, 'INTERNAL', `${mapping}: stopped by an internal error: ${message}`);
          this.deps.runtime.logger.error({ err: error, mapping }, 'mapping run failed');
        }
      }
    };
    const runOne = async (mapping: CompiledMapping): Promise<void> => {
      report.startSummary(mapping.name);
      await guarded(mapping.name, () => runMapping(runs.get(mapping.name)));
      ctx.firstReads.reading(mapping.name);
      this.finishMapping(report, mapping.name);
    };
    // Mappings that do not depend on each other run side by side (sharing the run's workers
    // and the connectors' rate limits); a mapping starts once everything it depends on is done.
    for (const level of levels) {
      if (ctx.stopping() || storeError) break;
      await Promise.all(level.map(runOne));
    }
    ctx.firstReads.end();
    // Mapping actions (invoice a completed order) once every mapping, children included, is
    // done; scans last, so that what the actions changed (stock an invoice took out) is
    // carried at once. A mapping stopped in its run (settings unreadable, an internal error)
    // has neither: its error stands once, and nothing runs on state it could not read.
    const healthy = selected.filter((m) => report.summary(m.name).errors.length === 0);
    for (const pass of [runActionPass, runScanPass]) {
      for (const mapping of healthy) {
        if (ctx.stopping() || storeError) break;
        await guarded(mapping.name, () => pass([runs.get(mapping.name)]));
      }
    }
    await validators;
    const mappings = selected.map((m) => report.finishSummary(m.name));
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
    report.emit(() => this.deps.events.runFinished?.(summary));
    return summary;
  }

  /**
   * Sync one record now (webhooks, the service's work queue). Both sides are read live.
   * A delete (webhook `deleted`, or `reason: 'delete-check'`) is applied only after a lookup
   * confirms the record is gone. `signal` (a shutdown) stops its evaluations in their
   * workers: the record then fails as interrupted and is taken up by the next run.
   */
  async syncRecord(item: SyncRequest, signal?: AbortSignal): Promise<ProcessResult> {
    const runs = this.context({ mode: 'incremental', dryRun: false, ...(signal ? { signal } : {}) });
    const mappingRun = runs.get(item.mapping);
    await mappingRun.prepare();
    const binding = item.side === 'source' ? mappingRun.source : mappingRun.target;
    const record = await binding.connector.get(binding.entity, item.id);
    let result: ProcessResult;
    if (!record) {
      const link =
        item.side === 'source'
          ? await mappingRun.state.getLink(item.id)
          : await (async () => {
              const reverse = await mappingRun.state.reverse(item.id);
              return reverse && !reverse.virtual ? mappingRun.state.getLink(reverse.sourceId) : undefined;
            })();
      if (link && !link.virtual) {
        const policy =
          item.side === 'source' ? mappingRun.mapping.delete.toTarget : mappingRun.mapping.delete.toSource;
        await propagate(mappingRun, link, item.side, policy);
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
      result = await mappingRun.processSource(record, item.reason === 'change' ? 'webhook' : item.reason);
      for (const child of runs.run.childrenOf(item.mapping)) {
        await runs.get(child.name).processSource(record, 'webhook');
      }
      await runs.drainWrites();
      await runActionPass([mappingRun]);
    } else {
      const reverse = await mappingRun.state.reverse(item.id);
      await mappingRun.retry('target', item.id);
      result = {
        outcome: 'updated',
        direction: 'none',
        properties: [],
        ...(reverse ? { partnerId: reverse.sourceId } : {}),
      };
    }
    await runs.drainWrites();
    return result;
  }

  private finishMapping(report: RunReporter, mapping: string): void {
    // Computed outside the optional call: `f?.(x)` would not evaluate `x` without listener.
    const finished = report.finishSummary(mapping);
    report.emit(() => this.deps.events.mappingFinished?.(finished));
  }

  /**
   * Do before the first run what it would otherwise do in the middle of its records, on the
   * thread that answers health checks and webhooks: compile every mapping's payload
   * validators (target full and partial, source partial: AJV takes up to seconds of CPU for
   * an entity schema), one per event-loop turn, and start the evaluator's workers. `mapsync
   * serve` awaits this before it listens; a validator that cannot compile is left to the
   * record that needs it (which fails with the reason).
   */
  async warmUp(): Promise<void> {
    const runs = this.context({ mode: 'incremental', dryRun: false });
    await Promise.all([this.prepareValidators(this.deps.mappings, runs), this.deps.evaluator.warmUp?.()]);
  }

  private async prepareValidators(mappings: readonly CompiledMapping[], runs: MappingRuns): Promise<void> {
    await this.deps.validator.prepare?.(
      mappings.flatMap((m) => {
        const { source, target } = runs.get(m.name);
        return [
          { schema: target.descriptor.schema, partial: false },
          { schema: target.descriptor.schema, partial: true },
          { schema: source.descriptor.schema, partial: true },
        ];
      }),
    );
  }

  /** The run's context and its mapping runs, whose record work is record-work.ts's. */
  private context(options: RunOptions, firstLevel: readonly string[] = []): MappingRuns {
    const store = options.dryRun ? overlayBackend(this.store) : this.store;
    return new MappingRuns(new RunContext({ ...this.deps, store }, options, firstLevel), recordWork);
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
