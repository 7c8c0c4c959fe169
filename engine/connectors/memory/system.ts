/**
 * The in-memory "system" behind the memory connector: tables of records, a modification
 * clock, and the test capability that tests and benches drive it with, as they drive a
 * sandbox through its admin endpoints:
 *
 * - `seed`, `edit`, `drop`, `clear`, `all`: put, change (as a user would), remove and read records
 *   directly, without the connector and without a log entry;
 * - `failNext(method, entity, kind | fn)`: the next call of a connector method on an entity
 *   throws a `ConnectorError` of that kind (or what `fn(...args)` returns, when it returns
 *   one), before it is logged or applied — as a request the system refused;
 * - `failListingAfterFirstPage`: listings of these entities fail after their first page;
 * - `writes`, `reads`: every call the connector made, in order, with what it sent
 *   (`lastCreate`: the last create payload and its children);
 * - `requests`: the same as a sandbox's request log (one entry per listed page, with the
 *   status the call would have had over HTTP), for the conformance suite;
 * - `pageSize`: records per listed page.
 *
 * Records carry bookkeeping fields the way a vendor adds its own: `_modified` (the clock at
 * the last write: the cursor and, unless a descriptor says otherwise, the modification
 * time), `_parent` (a child's parent id), `_archived` (archived records are gone) and
 * `_locked` (set it to make updates fail with `locked`).
 */
import { createRequire } from 'node:module';
import { ConnectorError, type ConnectorErrorKind } from '../errors.ts';
import type { EntityDescriptor, EntityRecord, GuardLookup, PatchOperation, RemoveMode } from '../types.ts';
import { copyRecord } from './copy.ts';

/**
 * fast-json-patch, loaded on the first update: the spec (index.ts) builds a system for its
 * entities when the registry loads, and commands that never write (`validate`) need none of it.
 */
let patcher: typeof import('fast-json-patch') | undefined;
function applyPatch(record: EntityRecord, ops: PatchOperation[]): EntityRecord {
  patcher ??= createRequire(import.meta.url)('fast-json-patch') as typeof import('fast-json-patch');
  // mutateDocument false: the patch is applied to a copy (fast-json-patch's own, JSON's
  // round trip); `record` is left as it was, also when an op fails half-way.
  return patcher.applyPatch(record, ops, false, false).newDocument;
}

export interface MemoryEntity {
  /** Field holding the id (default `id`); records created without one get the next id. */
  idField?: string;
  changeDetection?: 'cursor' | 'full-scan';
  guardFields?: readonly string[];
  removeModes?: readonly RemoveMode[];
  parent?: string;
  /** Entity schema (see EntityDescriptor.schema; default `<kind>/<name>.schema.json`). */
  schema?: string;
  /** A create the system refuses (a `validation` error, like a vendor's 400): the reason. */
  invalid?(record: EntityRecord): string | undefined;
  /** Descriptor fields to take over, e.g. a real kind's, to stand in for that system. */
  descriptor?: Partial<EntityDescriptor>;
}

export interface MemorySystemOptions {
  /** The kind its connectors report (default `memory`). */
  kind?: string;
  entities: Readonly<Record<string, MemoryEntity>>;
  /** Shared by the systems of one test, so "newest" means the same on both sides. */
  clock?: { now: number };
  /** Offer batch updates and `getMany` (like WooCommerce's batch endpoints and `include=`). */
  batch?: boolean;
  /** Parent entity → child entities it can be created with in one call. */
  children?: Readonly<Record<string, readonly string[]>>;
  /** Records per listed page (default 50). */
  pageSize?: number;
  /** Id for a new record (default: the next number, as a string). */
  newId?(entity: string): string | number;
  /**
   * Declare that updates honour RFC 6902 `test` ops (Connector.preconditions), so the
   * engine sends them. Failed tests are answered `stale` either way.
   */
  preconditions?: boolean;
}

export interface MemoryWrite {
  method: 'create' | 'update' | 'remove' | 'batch' | 'createWithChildren';
  entity: string;
  id?: string;
  ops?: PatchOperation[];
  body?: unknown;
  parentId?: string;
}

export interface MemoryRead {
  method: 'list' | 'get' | 'getMany' | 'findByGuard';
  entity: string;
  id?: string;
}

/** One call as a sandbox would log the request (the shape of sandbox/common's LoggedRequest). */
export interface MemoryRequest {
  seq: number;
  at: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query: Record<string, string>;
  status: number;
  durationMs: number;
  body?: unknown;
}

const STATUS: Record<ConnectorErrorKind, number> = {
  validation: 400,
  auth: 401,
  'not-found': 404,
  conflict: 409,
  stale: 412,
  locked: 423,
  'rate-limited': 429,
  transport: 503,
  ambiguous: 504,
};

type Failure = ConnectorError | ((...args: unknown[]) => ConnectorError | undefined);

export class MemorySystem {
  readonly kind: string;
  readonly entities: Readonly<Record<string, EntityDescriptor>>;
  readonly options: MemorySystemOptions;
  readonly writes: MemoryWrite[] = [];
  readonly reads: MemoryRead[] = [];
  readonly requests: MemoryRequest[] = [];
  /** Listings of these entities throw (transport) after their first page. */
  readonly failListingAfterFirstPage = new Set<string>();
  pageSize: number;
  private readonly tables = new Map<string, Map<string, EntityRecord>>();
  private readonly failures = new Map<string, Failure[]>();
  private readonly time: { now: number };
  private nextId = 1000;

  constructor(options: MemorySystemOptions) {
    this.options = options;
    this.kind = options.kind ?? 'memory';
    this.time = options.clock ?? { now: 0 };
    this.pageSize = options.pageSize ?? 50;
    const entities: Record<string, EntityDescriptor> = {};
    for (const [name, o] of Object.entries(options.entities)) {
      const idField = o.idField ?? 'id';
      entities[name] = {
        name,
        schema: o.schema ?? `${this.kind}/${name}.schema.json`,
        idOf: (r) => String(r[idField]),
        modifiedAt: (r) =>
          typeof r._modified === 'number' ? new Date(Date.UTC(2025, 0, 1) + r._modified * 1000) : undefined,
        changeDetection: o.changeDetection ?? 'cursor',
        removeModes: o.removeModes ?? ['delete', 'archive'],
        guardFields: o.guardFields ?? [],
        ...(o.parent ? { parent: o.parent } : {}),
        isGone: (r) => r._archived === true,
        ...o.descriptor,
      };
      this.tables.set(name, new Map());
    }
    this.entities = entities;
  }

  // --- the test capability ---------------------------------------------------------------

  /** Put records in directly (like a sandbox admin endpoint); stamps their modification. */
  seed(entity: string, records: EntityRecord[]): EntityRecord[] {
    return records.map((r) => this.insert(entity, r));
  }

  /** Edit a record as a user would in the system's UI. */
  edit(entity: string, id: string, change: (r: EntityRecord) => void): void {
    const record = this.table(entity).get(id);
    if (!record) throw new Error(`${this.kind} ${entity} ${id} does not exist`);
    change(record);
    record._modified = ++this.time.now;
  }

  drop(entity: string, id: string): void {
    this.table(entity).delete(id);
  }

  /** Remove every record of an entity. */
  clear(entity: string): void {
    this.table(entity).clear();
  }

  /** Copies of every record of an entity (also gone ones). */
  all(entity: string): EntityRecord[] {
    return [...this.table(entity).values()].map((r) => copyRecord(r));
  }

  /** Queue a failure for the next call of connector method `method` on `entity`. */
  failNext(
    method: string,
    entity: string,
    kind: ConnectorErrorKind | ((...args: unknown[]) => ConnectorError | undefined),
    message = 'injected',
  ): void {
    const key = `${method}:${entity}`;
    const list = this.failures.get(key) ?? [];
    list.push(
      typeof kind === 'function' ? kind : this.error(kind, method.toUpperCase(), `/${entity}`, message),
    );
    this.failures.set(key, list);
  }

  /** The payload (and children) of the last create. */
  get lastCreate(): { data: EntityRecord; children?: EntityRecord[] } | undefined {
    const last = this.writes.findLast((w) => w.method === 'create' || w.method === 'createWithChildren');
    if (!last) return undefined;
    if (last.method === 'create') return { data: last.body as EntityRecord };
    const { data, kids } = last.body as { data: EntityRecord; kids: EntityRecord[] };
    return { data, children: kids };
  }

  // --- what the connector calls ------------------------------------------------------------

  /** Run one call of the connector, logged as a request with the status it ends with. */
  request<T>(method: MemoryRequest['method'], path: string, body: unknown, call: () => T): T {
    const q = path.indexOf('?');
    const log = (status: number) =>
      this.requests.push({
        seq: this.requests.length + 1,
        at: new Date().toISOString(),
        method,
        path: q < 0 ? path : path.slice(0, q),
        query: q < 0 ? {} : Object.fromEntries(new URLSearchParams(path.split('?')[1])),
        status,
        durationMs: 0,
        ...(body !== undefined ? { body } : {}),
      });
    try {
      const result = call();
      log(method === 'POST' ? 201 : 200);
      return result;
    } catch (error) {
      log(error instanceof ConnectorError ? STATUS[error.kind] : 500);
      throw error;
    }
  }

  /** Throws the failure queued for this call, if any. */
  injected(method: string, entity: string, ...args: unknown[]): void {
    const next = this.failures.get(`${method}:${entity}`)?.shift();
    if (!next) return;
    const error = typeof next === 'function' ? next(...args) : next;
    if (error) throw error;
  }

  table(entity: string): Map<string, EntityRecord> {
    const table = this.tables.get(entity);
    if (!table) throw this.error('validation', 'GET', `/${entity}`, `${this.kind} has no entity "${entity}"`);
    return table;
  }

  descriptor(entity: string): EntityDescriptor {
    this.table(entity);
    return this.entities[entity]!;
  }

  insert(entity: string, data: EntityRecord): EntityRecord {
    const idField = this.options.entities[entity]?.idField ?? 'id';
    const record = copyRecord(data);
    if (record[idField] === undefined)
      record[idField] = this.options.newId?.(entity) ?? String(this.nextId++);
    record._modified = ++this.time.now;
    this.table(entity).set(String(record[idField]), record);
    return record;
  }

  /** A create the entity refuses, as a `validation` error. */
  refuse(entity: string, data: EntityRecord): void {
    const reason = this.options.entities[entity]?.invalid?.(data);
    if (reason) throw this.error('validation', 'POST', `/${entity}`, reason);
  }

  applyUpdate(entity: string, id: string, ops: PatchOperation[]): EntityRecord {
    const record = this.table(entity).get(id);
    const path = `/${entity}/${id}`;
    if (!record) throw this.error('not-found', 'PATCH', path, 'not found');
    if (record._locked) throw this.error('locked', 'PATCH', path, 'locked');
    let next: EntityRecord;
    try {
      next = applyPatch(record, ops);
    } catch (error) {
      if ((error as { name?: string }).name !== 'TEST_OPERATION_FAILED') throw error;
      throw this.error('stale', 'PATCH', path, 'a test failed: the record changed since it was read');
    }
    next._modified = ++this.time.now;
    this.table(entity).set(id, next);
    return copyRecord(next);
  }

  remove(entity: string, id: string, mode: RemoveMode): void {
    const record = this.table(entity).get(id);
    if (!record) return;
    if (mode === 'archive') {
      record._archived = true;
      record._modified = ++this.time.now;
    } else {
      this.table(entity).delete(id);
    }
  }

  findByGuard(entity: string, lookup: GuardLookup): EntityRecord[] {
    return [...this.table(entity).values()]
      .filter((r) => String(r[lookup.field] ?? '') === lookup.value)
      .filter((r) => lookup.parentId === undefined || r._parent === lookup.parentId)
      .map((r) => copyRecord(r));
  }

  error(kind: ConnectorErrorKind, method: string, path: string, message: string): ConnectorError {
    return new ConnectorError(message, { system: this.kind, kind, method, path });
  }
}
