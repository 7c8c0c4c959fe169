/**
 * The shapes a run is described by: what the engine is given (EngineDeps), how one run is
 * asked for (RunOptions), one side of a mapping bound to its connector (SideBinding), and
 * what processing one record answers (ProcessResult). Types only, so that every module of
 * the sync can name them without importing the modules that do the work.
 */
import type { Connector, EntityDescriptor } from '../connectors/types.ts';
import type { CompiledMapping, Side } from '../mapping/model.ts';
import type { Runtime } from '../runtime.ts';
import type { LinkRecord, StateBackend } from '../store/sync-state.ts';
import type { EngineEvents, FlowDirection, RecordOutcome } from './events.ts';
import type { ClassifiedFailure } from './failures.ts';
import type { MappingEval } from './mapping-eval.ts';
import type { PayloadCheck } from './payload-validator.ts';

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
  evaluator: MappingEval;
  validator: PayloadCheck;
  concurrency: number;
}

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
