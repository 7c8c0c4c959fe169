/**
 * The shapes of what the store keeps per mapping (store layout version 1, see
 * docs/store-layout.md): links with their merge base, create intents, failed records and
 * action intents. Reading and writing them is sync-state.ts's job.
 */
import type { Side } from '../mapping/model.ts';

/**
 * What both sides held for the mapped properties after the last sync: the merge base.
 * Each side is compared with its own earlier values, never with the other side's, so a
 * system that normalises what we write cannot start an update loop.
 */
export interface Snapshot {
  /** Source path → the source record's raw value. */
  source: Record<string, unknown>;
  /** Target path → the target record's raw value. */
  target: Record<string, unknown>;
  /** Target path → the value the source yielded for it (to-target/both properties). */
  yields: Record<string, unknown>;
  /** Object paths that existed in each record (so a patch adds `/A/B`, not `/A`). */
  targetObjects?: string[];
  sourceObjects?: string[];
}

export type LinkOrigin = 'created-in-target' | 'created-in-source' | 'matched' | 'recovered';

export interface ChildLink {
  targetId: string;
  base: Snapshot;
}

export interface LinkRecord {
  v: 1;
  sourceId: string;
  targetId: string;
  base: Snapshot;
  /** Hash of the whole source record as last processed (full-scan entities skip unchanged ones). */
  sourceHash?: string;
  /** The source does not exist in the source system (a guest's billing data): never scanned or written back. */
  virtual?: boolean;
  /** The target record was locked (`target.locked_when`) when last seen. */
  locked?: boolean;
  origin: LinkOrigin;
  linkedAt: string;
  syncedAt: string;
  /** Fan-out mappings: the children under the parent's target record, by child key. */
  children?: Record<string, ChildLink>;
  /** Mapping actions done on this pair, by action name (engine/sync/actions.ts). */
  actions?: Record<string, ActionState>;
}

/** An action done on a linked pair: what its operation returned, and whether it was written back. */
export interface ActionState {
  /** When the operation succeeded (ISO). */
  doneAt: string;
  /** What it returned (`InvoiceNo`, …). */
  result: Record<string, unknown>;
  /** The target is locked from then on (`locks_target`). */
  locks: boolean;
  /** When every write-back step succeeded (ISO); absent while one is outstanding. */
  writtenBackAt?: string;
}

/**
 * Written before an action's operation is sent, deleted once it and its write-back are done:
 * found after a crash, it means "an attempt may have reached the system": the next run
 * resumes the action with `resume` (the connector checks first), whatever the record's state.
 */
export interface ActionIntent {
  action: string;
  sourceId: string;
  targetId: string;
  at: string;
  /**
   * The operation's value as sent (a payment's amount and reference, a credit note's lines):
   * a resumed attempt sends this again, not a value computed from the record as it is now.
   */
  value?: unknown;
}

export interface IntentRecord {
  /** The identity guard written with the create: field on the side created in, and its value. */
  guard: { field: string; value: string };
  /** The side the record is being created in. */
  side: Side;
  /** When the intent was recorded (ISO); the guard lookup scans from here. */
  at: string;
  payloadHash: string;
  /** For child records (sales order lines): the parent's id on the side created in. */
  parentId?: string;
  /** For child records: the child key within the parent record. */
  childKey?: string;
  /** The record is a virtual source (a guest's billing data): recover it as a virtual link. */
  virtual?: boolean;
}

export interface FailedRequest {
  method?: string;
  path?: string;
  body?: unknown;
}

export interface FailedRecord {
  mapping: string;
  /** Side the failing record lives on (the record that is retried). */
  side: Side;
  id: string;
  /** Stable code: CONNECTOR_VALIDATION, MISSING_DEPENDENCY, CONFLICT, LOCKED, AMBIGUOUS_MATCH… */
  code: string;
  /** validation | conflict | dependency | locked | transport | ambiguous | stale | mapping | not-found | auth */
  kind: string;
  reason: string;
  request?: FailedRequest;
  /** Match candidates (ambiguous match) or both values (manual conflict). */
  candidates?: string[];
  details?: unknown;
  /** First failure (ISO) and latest failure. */
  firstAt: string;
  at: string;
  attempts: number;
  nextAttemptAt: string;
  /**
   * Automatic retries stopped (after a bounded number of attempts of a failure that will not
   * pass by itself, e.g. DEPENDENCY_GONE): only a person's retry, or a change of the record,
   * tries it again. `nextAttemptAt` is then not acted on.
   */
  stoppedAt?: string;
  /**
   * The failing record's version when it last failed (its modification time, or a hash of
   * its content when its system keeps none): the same failure of the same version is not
   * logged again (mapping-run.ts `finish`).
   */
  version?: string;
}
