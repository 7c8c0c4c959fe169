/**
 * What the service needs from the sync engine, and nothing more. The service is written
 * against this narrow port so that its scheduling, webhook and shutdown logic can be tested
 * with a scripted fake; `engine-adapter.ts` implements it on the real `SyncEngine`.
 */
import type { Side } from '../mapping/model.ts';

export type RunMode = 'incremental' | 'full';

/** A mapping as the service sees it: names, systems and what it must lock. */
export interface MappingInfo {
  name: string;
  description?: string;
  source: { system: string; entity: string };
  target: { system: string; entity: string };
  direction: 'two-way' | 'one-way';
  /**
   * Mappings whose records this one may write while it runs (`$link` dependencies with the
   * `create` policy, the fan-out parent): they are locked together so that two runs never
   * create the same record.
   */
  locksWith: string[];
  /**
   * Scheduling units whose records this one's `$link`s look up (other than by creating
   * them): at start its first run waits for their first runs, so that a backfill does not
   * fail every order whose product the product mapping has not linked yet.
   */
  waitsFor?: string[];
  /** Fan-out children that run with this mapping (sales order lines under sales orders). */
  children?: Array<{ name: string; source: MappingInfo['source']; target: MappingInfo['target'] }>;
}

export interface RunRequest {
  mapping: string;
  mode: RunMode;
  signal: AbortSignal;
}

/** Outcome counts of one run; keys are outcomes (`created`, `updated`, `unchanged`, `failed`, …). */
export interface RunResult {
  /** `ok` when the run finished; `aborted` when stopped by the signal; `failed` when it stopped on an error. */
  status: 'ok' | 'aborted' | 'failed';
  counts: Record<string, number>;
  /** Why a `failed` run stopped (no secrets: connector errors name method and path only). */
  error?: string;
  /** The stable codes of what stopped it, per mapping (alerts key on these, never on text). */
  errors?: Array<{ mapping: string; code: string }>;
  /** The system (name in mapsync.yaml) whose credentials were refused, when that stopped the run. */
  authFailedSystem?: string;
}

/** One record to sync now (a webhook delivery); what the service queues; the engine takes it as a SyncRequest. */
export interface WorkItem {
  mapping: string;
  side: Side;
  id: string;
  reason: 'webhook';
  /** The webhook event that caused it; `deleted` takes the engine's delete path. */
  event: 'created' | 'updated' | 'deleted' | 'restored';
}

export interface FailedRecordView {
  mapping: string;
  side: Side;
  id: string;
  /** Short human reason (error code and message). */
  reason: string;
  code?: string;
  failedAt: string;
  /** When the record first failed (its age); `failedAt` is the latest attempt. */
  firstFailedAt?: string;
  attempts?: number;
  /** Absent when automatic retries stopped (`stopped`). */
  nextRetryAt?: string;
  /** Automatic retries stopped after a bounded number of attempts: a person retries it. */
  stopped?: boolean;
}

export interface ServiceEngine {
  readonly mappings: readonly MappingInfo[];
  run(request: RunRequest): Promise<RunResult>;
  /** Sync one record; resolves when done (its outcome arrives as a record event). */
  syncRecord(item: WorkItem, signal: AbortSignal): Promise<void>;
  failedRecords(mapping: string): Promise<FailedRecordView[]>;
  /** Retry failed records of a mapping now (one id, or all). Resolves with how many succeeded. */
  retryFailed(
    mapping: string,
    id: string | undefined,
    signal: AbortSignal,
  ): Promise<{ retried: number; succeeded: number }>;
  /** Number of linked record pairs of a mapping. */
  linkCount(mapping: string): Promise<number>;
  /** Per mapping action (`actions:`) how many records have it done, and how many were made. */
  actionCounts?(mapping: string): Promise<ActionCount[]>;
}

/**
 * One mapping action's tally from the stored action results: `records` pairs have it done
 * (orders invoiced), `made` operations were done (credit notes: one per refund, so more).
 * Per-item actions (`credit-note:refund-812`) count under their action's name.
 */
export interface ActionCount {
  name: string;
  records: number;
  made: number;
}

/** What the engine reports while it works (fed to metrics, the status page and the scheduler). */
export interface RecordEvent {
  mapping: string;
  side: Side;
  id: string;
  /** `created`, `updated`, `unchanged`, `deleted`, `failed`, `skipped`, … */
  outcome: string;
  /** `to-target` / `to-source` (or `both`) when something was written. */
  direction?: 'to-target' | 'to-source' | 'both';
  /** Changed property paths (target vocabulary). */
  properties?: string[];
  /** Failure reason for `failed`. */
  reason?: string;
  at?: Date;
}

/**
 * A property changed in both systems, decided by the conflict policy. The feed shows who
 * won; the values stay out of it (personal data on a status page).
 */
export interface ConflictEvent {
  mapping: string;
  sourceId: string;
  targetId: string;
  property: string;
  /** `source` / `target`: whose value was written to the other side; `none` for `manual`. */
  winner: 'source' | 'target' | 'none';
  policy: string;
  at?: Date;
}

export interface ServiceEvents {
  record(event: RecordEvent): void;
  conflict?(event: ConflictEvent): void;
}
