/**
 * What one run shares besides its writer and reporter: the engine's dependencies, the mode
 * (incremental/full, dry run), the abort and stop signals, the store as this run uses it,
 * the keyed mutex, the record workers and each system's run settings and lookups. One RunContext per
 * `run()` or `syncRecord()` call; the mappings' run state is in mapping-run.ts.
 */
import type { CompiledMapping, Side } from '../mapping/model.ts';
import type { StateBackend } from '../store/sync-state.ts';
import { watchedBackend } from '../store/watched.ts';
import { FirstReads } from './first-reads.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { RunLookups } from './lookups.ts';
import type { MappingEval } from './mapping-eval.ts';
import { RunReporter } from './run-reporter.ts';
import { RunSettingsCache } from './run-settings.ts';
import type { EngineDeps, RunOptions, SideBinding } from './run-types.ts';
import { RunWriter } from './run-writer.ts';
import { SharedListings } from './shared-listings.ts';
import { type RecordLimit, yieldingLimit } from './yielding-limit.ts';

export class RunContext {
  readonly mutex = new KeyedMutex();
  /**
   * The run's workers: records in flight at once, over every mapping and phase of the run
   * (mappings that do not depend on each other run side by side and share them).
   */
  readonly limit: RecordLimit;
  /** Each system's run settings, read once for this run (run-settings.ts). */
  readonly settings: RunSettingsCache;
  /** `$fetch` answers of this run, asked once per system, name and arguments (lookups.ts). */
  readonly lookups: RunLookups;
  /** Complete listings in flight, joined by mappings listing the same entity (shared-listings.ts). */
  readonly listings: SharedListings;
  readonly startedAt: Date;
  /** Applies the run's writes (dry run, batching, the store-failure latch). */
  readonly writer: RunWriter;
  /** Counts, summaries and events of the run. */
  readonly reporter: RunReporter;
  /** Aborted when the run is aborted or the store fails: pauses between attempts end early. */
  readonly stopSignal: AbortSignal;
  /** The store as this run uses it: its first failure stops the run's writes at once. */
  readonly store: StateBackend;
  /** When the first level's mappings read their records (the validators compile from then). */
  readonly firstReads: FirstReads;

  constructor(
    readonly deps: EngineDeps,
    readonly options: RunOptions,
    firstLevel: readonly string[] = [],
  ) {
    this.firstReads = new FirstReads(firstLevel);
    this.startedAt = deps.runtime.now();
    this.limit = yieldingLimit(deps.concurrency);
    this.settings = new RunSettingsCache(deps.connectors, options);
    this.lookups = new RunLookups(deps.connectors, options.signal);
    this.listings = new SharedListings(() => deps.runtime.now().getTime());
    this.writer = new RunWriter(deps.validator, options.dryRun);
    this.reporter = new RunReporter(
      deps.events,
      deps.runtime.logger,
      (mapping, side) => this.mapping(mapping)[side].system,
      options.dryRun,
    );
    this.store = watchedBackend(deps.store, (error) => {
      if (this.writer.noteFailure(error))
        this.reporter.emit(() => deps.events.storeFailed?.({ message: error.message }));
    });
    this.stopSignal = options.signal
      ? AbortSignal.any([options.signal, this.writer.writeSignal])
      : this.writer.writeSignal;
  }

  get dryRun(): boolean {
    return this.options.dryRun;
  }

  get evaluator(): MappingEval {
    return this.deps.evaluator;
  }

  now(): Date {
    return this.deps.runtime.now();
  }

  aborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  /** Whether the run stops: aborted, or the store failed. */
  stopping(): boolean {
    return this.aborted() || this.writer.fatal !== undefined;
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
}
