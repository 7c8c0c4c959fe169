/**
 * What each connector kind provides so that the shared conformance suite can exercise it
 * against its sandbox. A kind's harness lives in `sandbox/<kind>/conformance-harness.ts`
 * and default-exports a `ConformanceHarness`; the suite finds it from the registry, so a
 * registered connector without a harness fails the suite instead of being skipped.
 */
import type { EntityRecord } from '../../engine/connectors/types.ts';
import type { FaultConfig } from '../../sandbox/common/faults.ts';
import type { LoggedRequest } from '../../sandbox/common/request-log.ts';

export interface RunningSandbox {
  /** Connector config (as it would appear in mapsync.yaml after env interpolation). */
  config: Record<string, unknown>;
  /** Insert records directly into the sandbox state (bypassing the API and its log). */
  insert(entity: string, records: EntityRecord[]): Promise<void>;
  /** The sandbox request log since `mark` (all when absent). */
  requests(mark?: number): Promise<LoggedRequest[]>;
  /** Current newest log sequence number. */
  mark(): Promise<number>;
  setFaults(config: FaultConfig): Promise<void>;
  /**
   * Connections the system's server holds open now. Absent for a system reached without a
   * network (its harness waives `releases-connections`).
   */
  openConnections?(): Promise<number>;
  close(): Promise<void>;
}

export interface ConformanceHarness {
  kind: string;
  /** Start a fresh, empty sandbox (optionally with a server-side rate limit in rps). */
  start(options?: { rateLimit?: number; faults?: FaultConfig }): Promise<RunningSandbox>;
  /** A simple top-level entity to exercise (`customer`). */
  entity: string;
  /** A valid create payload; `i` makes it unique. */
  newRecord(i: number): EntityRecord;
  /** A field and a new value for the partial-update checks. */
  change: { path: string; value: unknown };
  /** A create payload the system rejects as invalid (validation error). */
  invalidRecord: EntityRecord;
  /** Records needed to get more than one page in a full listing with this config. */
  recordsForSeveralPages: number;
  /**
   * Config entries (merged over `config`) that make a request time out after 1–2 s, for the
   * timeout checks. Default `{ timeout_ms: 1500 }`.
   */
  shortTimeout?: Record<string, unknown>;
  /**
   * Checks that do not apply to this kind, each with the reason (e.g. token renewal for a
   * system without tokens). Every waiver is printed by the suite.
   */
  waivers?: Partial<Record<ConformanceCheck, string>>;
}

export type ConformanceCheck =
  | 'pagination'
  | 'empty-listing'
  | 'not-found'
  | 'create-get-roundtrip'
  | 'partial-update'
  | 'idempotent-update'
  | 'error-mapping'
  | 'rate-limit-backoff'
  | 'token-renewal'
  | 'timeouts-and-resets'
  | 'guard-lookup'
  | 'get-many'
  | 'releases-connections';
