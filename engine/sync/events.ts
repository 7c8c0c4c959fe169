/**
 * What the engine reports while it works, and the summary of a run. The CLI turns events
 * into progress bars; the service turns them into metrics and a live feed. Listeners must
 * not throw (a throwing listener is logged and ignored) and should return quickly.
 */
import type { ConflictPolicy, Side } from '../mapping/model.ts';

export type RecordOutcome =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'deleted'
  | 'archived'
  | 'failed'
  | 'skipped'
  | 'conflict';

/** Which way data moved for this record (`none` when nothing was written). */
export type FlowDirection = 'to-target' | 'to-source' | 'both' | 'none';

export interface RecordEvent {
  mapping: string;
  /** Side of the record the engine was looking at. */
  side: Side;
  id: string;
  outcome: RecordOutcome;
  direction: FlowDirection;
  /** Target paths of the properties written (or that failed / conflicted). */
  properties: string[];
  /** The partner's id, when known. */
  partnerId?: string;
  /** For failures: the stable code and reason. */
  code?: string;
  reason?: string;
}

export interface PropertyDiff {
  /** Target path of the property (the source path is given too when it differs). */
  path: string;
  sourcePath?: string;
  from: unknown;
  to: unknown;
  /**
   * Why the value flows: `changed` (one side changed), `first-sync` (first link), or the
   * conflict policy that decided a property changed on both sides (`newest-wins`,
   * `source-wins`, `target-wins`).
   */
  reason?: FlowReason;
}

/** Why a value flows (see {@link PropertyDiff.reason}). */
export type FlowReason = 'changed' | 'first-sync' | ConflictPolicy;

/**
 * A property changed in both systems to different values, and how the conflict policy
 * decided it. Values are personal data: they travel in events and the run's JSON summary,
 * never in log lines.
 */
export interface ConflictDecision {
  mapping: string;
  sourceId: string;
  targetId: string;
  /** Target path of the property. */
  property: string;
  /** The source's value now (at the property's source path; what it yields when computed). */
  sourceValue: unknown;
  /** The target's value now. */
  targetValue: unknown;
  /** Whose value is written to the other side; `none` for `manual` (left for a person). */
  winner: 'source' | 'target' | 'none';
  policy: ConflictPolicy;
  /** Modification times the decision saw (ISO), when the systems record them. */
  sourceModifiedAt?: string;
  targetModifiedAt?: string;
}

/** One record the run changes (or, in a plan, would change). */
export interface PlannedChange {
  mapping: string;
  side: Side;
  id: string;
  action: 'create' | 'update' | 'delete' | 'archive' | 'link' | 'operation';
  /** For `operation`: the mapping action's name (`invoice`). */
  operation?: string;
  /** `to-target`: the target record is written; `to-source`: the source record. */
  direction: 'to-target' | 'to-source';
  partnerId?: string;
  diffs: PropertyDiff[];
  /** E.g. "depends on customer-person guest-1042, which this plan would create first". */
  notes?: string[];
}

export type OutcomeCounts = Record<RecordOutcome, number>;

export interface MappingSummary {
  mapping: string;
  counts: OutcomeCounts;
  /** Records seen in listings (both sides). */
  seen: number;
  /** Problems that stopped (part of) the mapping's run: listing failures, breaker trips. */
  errors: Array<{ code: string; message: string }>;
  /** Changes made (sync) or planned (plan); capped, see `changesDropped`. */
  changes: PlannedChange[];
  changesDropped: number;
  /** Conflicts decided (or, in a plan, that would be); capped like `changes`. */
  conflicts: ConflictDecision[];
  /** The mapping's `report` lines for the records it created or updated (capped like `changes`). */
  reports?: string[];
  durationMs: number;
}

export interface RunSummary {
  startedAt: string;
  finishedAt: string;
  mode: 'incremental' | 'full';
  dryRun: boolean;
  mappings: MappingSummary[];
  /** Set when the store failed: the run stopped and wrote nothing more. */
  storeError?: string;
  aborted: boolean;
  /** Whether every record synced and nothing stopped: exit code 0. */
  ok: boolean;
}

export interface EngineEvents {
  runStarted?(info: { mappings: string[]; mode: 'incremental' | 'full'; dryRun: boolean }): void;
  mappingStarted?(info: { mapping: string; phase: string }): void;
  /** Progress within a mapping: `total` is known only for some listings. */
  progress?(info: { mapping: string; phase: string; done: number; total?: number }): void;
  recordProcessed?(event: RecordEvent): void;
  /** A property changed in both systems was decided by the conflict policy (see ConflictDecision). */
  conflictDecided?(decision: ConflictDecision): void;
  mappingFinished?(summary: MappingSummary): void;
  runFinished?(summary: RunSummary): void;
  /**
   * The run's first store failure, emitted at the moment the run latches it (in the tick the
   * failing store call rejects): no write of the run passes its last check after this.
   */
  storeFailed?(info: { message: string }): void;
}

export const OUTCOMES: readonly RecordOutcome[] = [
  'created',
  'updated',
  'unchanged',
  'deleted',
  'archived',
  'failed',
  'skipped',
  'conflict',
];

export function emptyCounts(): OutcomeCounts {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;
}
