/**
 * The one small interface every connector implements. The engine only ever talks to a
 * system through it, so nothing outside a connector's folder knows anything about
 * WooCommerce, PowerOffice Go or any later system.
 *
 * Conventions
 * - Record ids are strings in the engine (`"42"`, a uuid…); connectors convert.
 * - Records are the system's own JSON, field names as the API spells them.
 * - Updates are RFC 6902 JSON Patch operations on the record's own shape, carrying exactly
 *   the changed paths; a connector whose API takes partial objects converts them.
 * - Every failure is a {@link ConnectorError} with a kind the engine acts on.
 */
import type { Operation } from 'fast-json-patch';

export type RecordId = string;
export type EntityRecord = Record<string, unknown>;
export type PatchOperation = Operation;

/** What the engine needs to know about one entity of a system. */
export interface EntityDescriptor {
  /** Entity name as used in mapping files (`customer`, `salesorderline`). */
  readonly name: string;
  /**
   * Entity schema: relative to `schemas/` (`poweroffice-go/customer.schema.json`), or a
   * `file:` URL for a kind that keeps its schemas in its own folder.
   */
  readonly schema: string;
  /** The record's id as a string. */
  idOf(record: EntityRecord): RecordId;
  /** Last modification time (UTC) when the system records one; used by `newest-wins`. */
  modifiedAt(record: EntityRecord): Date | undefined;
  /**
   * How changes are found: `cursor` = the system can list records changed since a cursor;
   * `full-scan` = it cannot (WooCommerce customers), so every listing is complete and the
   * engine diffs by content.
   */
  readonly changeDetection: 'cursor' | 'full-scan';
  /** For child entities (sales order lines): the parent entity they live under. */
  readonly parent?: string;
  /** How a record can be removed: really deleted, archived (kept but hidden), or both. */
  readonly removeModes: readonly RemoveMode[];
  /** Identity-guard fields the connector can look records up by (see {@link Connector.findByGuard}). */
  readonly guardFields: readonly string[];
  /**
   * Whether a record is currently gone even though the API still returns it (a trashed
   * WooCommerce product). Absent means "never".
   */
  isGone?(record: EntityRecord): boolean;
}

export type RemoveMode = 'delete' | 'archive';

export interface ListOptions {
  /**
   * Resume after this cursor (as returned in a previous {@link Page.cursor}). Absent means a
   * complete listing of every record. Connectors apply their own overlap window.
   */
  since?: string;
  /** For child entities: the parent record's id. */
  parentId?: RecordId;
  /** Fields the caller needs; connectors may use it to trim responses. Absent = all. */
  fields?: readonly string[];
  signal?: AbortSignal;
}

export interface Page {
  records: EntityRecord[];
  /**
   * Cursor covering this page and every page before it. Persist it only after all of the
   * page's records are processed. Absent for full-scan entities.
   */
  cursor?: string;
}

export interface WriteOptions {
  /** For child entities: the parent record's id. */
  parentId?: RecordId;
  signal?: AbortSignal;
}

export interface GuardLookup {
  /** A field listed in {@link EntityDescriptor.guardFields}. */
  field: string;
  value: string;
  /**
   * The guard was written no earlier than this; lets connectors without a server-side
   * filter scan only recent records.
   */
  notBefore?: Date;
  parentId?: RecordId;
}

/** One item of a batch write. Exactly one of `record` or `error` is set. */
export interface BatchItemResult {
  id?: RecordId;
  record?: EntityRecord;
  error?: Error;
}

export interface BatchUpdateItem {
  id: RecordId;
  ops: PatchOperation[];
}

/** Result of {@link CreateWithChildren.createWithChildren}. */
export interface CreatedWithChildren {
  record: EntityRecord;
  children: EntityRecord[];
}

export interface Connector {
  /** The registry name (`woocommerce`). */
  readonly kind: string;
  readonly entities: Readonly<Record<string, EntityDescriptor>>;

  /** Pages of records: all of them, or those changed since a cursor. */
  list(entity: string, options?: ListOptions): AsyncIterable<Page>;
  /** One record, or `null` when it does not exist (or is gone, see `isGone`). */
  get(entity: string, id: RecordId, options?: WriteOptions): Promise<EntityRecord | null>;
  /** Create a record; returns it as the system stored it. Never blindly retried. */
  create(entity: string, data: EntityRecord, options?: WriteOptions): Promise<EntityRecord>;
  /** Apply exactly these changes; returns the record as stored afterwards. */
  update(entity: string, id: RecordId, ops: PatchOperation[], options?: WriteOptions): Promise<EntityRecord>;
  /** Delete or archive a record. Removing a record that is already gone is not an error. */
  remove(entity: string, id: RecordId, mode: RemoveMode, options?: WriteOptions): Promise<void>;
  /** Records carrying this identity-guard value (normally zero or one). */
  findByGuard(entity: string, lookup: GuardLookup): Promise<EntityRecord[]>;
  /** Check that the credentials work (used by `/readyz` and at start). */
  checkAuth(): Promise<void>;
  /** Release sockets and timers. */
  close(): Promise<void>;
  /**
   * Optional: problems of the system's setup worth a warning at start (`serve`), each one
   * line (PowerOffice: a payment method's account missing or inactive). Never throws for a
   * problem it found; a failed read throws.
   */
  checkSetup?(): Promise<string[]>;

  /**
   * Optional: several records by id in one request (WooCommerce `include=id1,id2,…`). The
   * engine re-reads a batch's records with it right before sending the batch, so a record
   * edited since it was read is not overwritten. Ids that do not exist (or are gone) are
   * simply absent from the result. Only for systems where a read is cheap (no rate limit).
   */
  getMany?(entity: string, ids: readonly RecordId[], options?: WriteOptions): Promise<EntityRecord[]>;

  /** Optional capabilities, detected at run time with the helpers below. */
  readonly batch?: BatchWrites;
  readonly withChildren?: CreateWithChildren;
  readonly webhooks?: WebhookReceiver;
  /** Optional: the system's own webhook registrations and their state (alerts). */
  readonly webhookSubscriptions?: WebhookSubscriptions;
  /**
   * Optional: `update` honours RFC 6902 `test` ops as preconditions (see PatchPreconditions).
   * Without it the engine sends no `test` op to this system.
   */
  readonly preconditions?: PatchPreconditions;
  /** Optional: settings mappings read as `$source_settings` / `$target_settings` (see RunSettings). */
  readonly runSettings?: RunSettings;
  /**
   * Optional: named operations on one record beyond create/update (PowerOffice `invoice`,
   * WooCommerce `add-note`), declared statically in the spec's `operations` so that
   * mapping `actions:` are checked without a connection.
   */
  readonly operations?: RecordOperations;
  /**
   * Optional: named reads of the system a mapping expression asks for with
   * `$fetch('<side>', '<name>', args)` (PowerOffice `currency-rate`), declared in the spec's
   * `lookups` so that `mapsync validate` checks the names without connecting.
   */
  readonly lookups?: SystemLookups;
}

/**
 * Preconditions on updates: an `update` whose ops start with RFC 6902 `test` ops applies
 * nothing when one of them fails and rejects with a ConnectorError of kind `stale` (the
 * record changed since it was read). The engine then reads the record again and merges
 * again, so a concurrent edit in the system is decided by the conflict policy instead of
 * being overwritten (docs/sync-engine.md, "Preconditions").
 */
export interface PatchPreconditions {
  /**
   * Whether `update` of this entity honours `test` ops now. A connector whose system
   * refused the op itself (an API that does not implement it) answers false from then on,
   * after rejecting that update as `stale`: the engine then reads the record right before
   * every update instead.
   */
  honoured(entity: string): boolean;
}

/**
 * Values a mapping needs from a system that are neither a record nor a run setting because
 * they depend on the record (an exchange rate on the order's date). The engine asks at most
 * once per run for the same name and arguments (engine/sync/lookups.ts) and gives the answer
 * to every record that asks; a rejection (a ConnectorError) fails the records that asked.
 */
export interface SystemLookups {
  lookup(name: string, args: Readonly<Record<string, unknown>>, options?: WriteOptions): Promise<unknown>;
}

/**
 * Settings of the system that decide how values are carried (a shop's "prices entered with
 * tax", its tax rates), read once per run by the engine and bound for the mappings whose
 * expressions read them — a handful of requests per run, none per record. The names are
 * those the kind's spec declares (`ConnectorSpec.runSettings`). A connector may keep them
 * for a few minutes across runs; `refresh` (reconciliation runs) reads them anew. A read
 * that fails throws a ConnectorError: the engine never guesses a setting.
 */
export interface RunSettings {
  read(options?: { refresh?: boolean; signal?: AbortSignal }): Promise<Readonly<Record<string, unknown>>>;
}

/** One operation on one record, as a mapping action asks for it. */
export interface OperationRequest {
  /** A name declared in the spec's `operations`. */
  operation: string;
  entity: string;
  id: RecordId;
  /** The declared options, checked and defaulted at compile time. */
  options: Readonly<Record<string, unknown>>;
  /** The value the action computed (`value:` of a write-back), when the operation takes one. */
  value?: unknown;
  /**
   * True when an earlier attempt may have reached the system (the engine found its intent
   * after a crash, or the attempt's outcome is unknown). The connector then first finds out
   * what that attempt did and never repeats its effect (an invoice sent twice, a note added
   * twice).
   */
  resume: boolean;
  /**
   * The engine's pass over this record's actions: operations of one pass ran one after the
   * other on this record, nothing of the record in between, and none of them was tried
   * before in it. A connector may take what an earlier operation of the same pass found
   * out (an invoice it just posted is not settled yet) instead of reading it back.
   */
  pass?: string;
}

export interface OperationResult {
  /** What the operation produced (`InvoiceNo`, …): bound as `$result` in write-backs. */
  result: Record<string, unknown>;
  /** One line for people (logs, the live feed), without personal data. */
  summary: string;
}

export interface RecordOperations {
  perform(request: OperationRequest, options?: WriteOptions): Promise<OperationResult>;
}

/**
 * A webhook the system itself keeps (WooCommerce `GET /webhooks`). `disabled` means the
 * system stopped delivering on its own (WooCommerce does so after repeated delivery
 * failures); `paused` is a person's choice.
 */
export interface WebhookSubscription {
  id: string;
  topic: string;
  status: 'active' | 'paused' | 'disabled';
  deliveryUrl: string;
}

export interface WebhookSubscriptions {
  list(options?: WriteOptions): Promise<WebhookSubscription[]>;
}

/** Batch endpoints (WooCommerce `…/batch`): ≤ `maxItems` per call, per-item errors. */
export interface BatchWrites {
  readonly maxItems: number;
  updateMany(entity: string, items: BatchUpdateItem[], options?: WriteOptions): Promise<BatchItemResult[]>;
}

/** Create a parent and its children in one call (PowerOffice `SalesOrders/Complete`). */
export interface CreateWithChildren {
  /** Child entity names this parent entity can carry, e.g. `{ salesorder: ['salesorderline'] }`. */
  readonly children: Readonly<Record<string, readonly string[]>>;
  createWithChildren(
    entity: string,
    data: EntityRecord,
    childEntity: string,
    children: EntityRecord[],
    options?: WriteOptions,
  ): Promise<CreatedWithChildren>;
}

/** A verified webhook delivery. */
export type WebhookEvent =
  | { type: 'ping'; webhookId: string }
  | {
      type: 'change';
      entity: string;
      event: 'created' | 'updated' | 'deleted' | 'restored';
      id: RecordId;
      /** The record as delivered (absent for deletes). */
      record?: EntityRecord;
      deliveryId?: string;
    };

export interface WebhookReceiver {
  /**
   * Verify and parse one delivery from its headers and the raw body bytes. Throws a
   * `ConnectorError` of kind `auth` when the signature is missing or wrong (the unsigned
   * ping is the only delivery accepted without one).
   */
  parse(headers: Readonly<Record<string, string | string[] | undefined>>, rawBody: Buffer): WebhookEvent;
}
