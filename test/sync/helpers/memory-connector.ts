/**
 * An in-memory Connector for the engine's unit tests (never used by e2e tests, which run
 * against the real sandboxes over HTTP). Records live in maps; every write is counted;
 * `failNext` injects one failure into the next call of a method.
 */
import fastJsonPatch from 'fast-json-patch';
import { ConnectorError, type ConnectorErrorKind } from '../../../engine/connectors/errors.ts';
import type {
  BatchItemResult,
  BatchUpdateItem,
  Connector,
  CreatedWithChildren,
  EntityDescriptor,
  EntityRecord,
  GuardLookup,
  ListOptions,
  Page,
  PatchOperation,
  RemoveMode,
  WriteOptions,
} from '../../../engine/connectors/types.ts';

export interface WriteLog {
  method: 'create' | 'update' | 'remove' | 'batch' | 'createWithChildren';
  entity: string;
  id?: string;
  ops?: PatchOperation[];
  body?: unknown;
  parentId?: string;
}

interface EntityOptions {
  changeDetection?: 'cursor' | 'full-scan';
  guardFields?: string[];
  removeModes?: RemoveMode[];
  parent?: string;
  /** Field holding the id (default `id`). */
  idField?: string;
  lockedField?: string;
}

export class MemoryConnector implements Connector {
  readonly entities: Record<string, EntityDescriptor> = {};
  readonly data = new Map<string, Map<string, EntityRecord>>();
  readonly writes: WriteLog[] = [];
  readonly reads: Array<{ method: string; entity: string; id?: string }> = [];
  private readonly idFields = new Map<string, string>();
  private readonly time: { now: number };
  private nextId = 1000;
  private failures = new Map<
    string,
    Array<ConnectorError | ((...args: unknown[]) => ConnectorError | undefined)>
  >();
  /** A listing of this entity throws after the first page. */
  failListingAfterFirstPage = new Set<string>();
  pageSize = 50;
  batch?: Connector['batch'];
  withChildren?: Connector['withChildren'];
  getMany?: Connector['getMany'];

  constructor(
    readonly kind: string,
    entities: Record<string, EntityOptions>,
    options: { batch?: boolean; children?: Record<string, string[]>; clock?: { now: number } } = {},
  ) {
    // Systems in one test share a clock, so "newest" means the same thing on both sides.
    this.time = options.clock ?? { now: 0 };
    for (const [name, o] of Object.entries(entities)) {
      const idField = o.idField ?? 'id';
      this.idFields.set(name, idField);
      this.entities[name] = {
        name,
        schema: `${kind}/${name}.schema.json`,
        idOf: (r) => String(r[idField]),
        modifiedAt: (r) =>
          typeof r._modified === 'number' ? new Date(Date.UTC(2025, 0, 1) + r._modified * 1000) : undefined,
        changeDetection: o.changeDetection ?? 'cursor',
        removeModes: o.removeModes ?? ['delete', 'archive'],
        guardFields: o.guardFields ?? [],
        ...(o.parent ? { parent: o.parent } : {}),
        isGone: (r) => r._archived === true,
      };
      this.data.set(name, new Map());
    }
    if (options.batch) {
      this.batch = {
        maxItems: 100,
        updateMany: async (entity: string, items: BatchUpdateItem[]): Promise<BatchItemResult[]> => {
          this.writes.push({ method: 'batch', entity, body: items });
          return Promise.all(
            items.map(async (item) => {
              try {
                return { id: item.id, record: this.applyUpdate(entity, item.id, item.ops) };
              } catch (error) {
                return { id: item.id, error: error as Error };
              }
            }),
          );
        },
      };
    }
    if (options.batch) {
      // Like WooCommerce's `include=` listing: several records in one request.
      this.getMany = async (entity: string, ids: readonly string[]) => {
        this.reads.push({ method: 'getMany', entity, id: ids.join(',') });
        return ids
          .map((id) => this.data.get(entity)!.get(id))
          .filter((r): r is EntityRecord => r !== undefined && !this.entities[entity]!.isGone?.(r))
          .map((r) => structuredClone(r));
      };
    }
    if (options.children) {
      const children = options.children;
      this.withChildren = {
        children,
        createWithChildren: async (entity, data, childEntity, kids): Promise<CreatedWithChildren> => {
          this.fail('createWithChildren', entity, data);
          this.writes.push({ method: 'createWithChildren', entity, body: { data, kids } });
          const record = this.insert(entity, data);
          const id = this.entities[entity]!.idOf(record);
          const created = kids.map((k) => this.insert(childEntity, { ...k, _parent: id }));
          return { record: structuredClone(record), children: structuredClone(created) };
        },
      };
    }
  }

  /** Put records in directly (like a sandbox admin endpoint); bumps their modification time. */
  seed(entity: string, records: EntityRecord[]): EntityRecord[] {
    return records.map((r) => this.insert(entity, r));
  }

  /** Edit a record as a user would in the system's UI. */
  edit(entity: string, id: string, change: (r: EntityRecord) => void): void {
    const record = this.data.get(entity)!.get(id)!;
    change(record);
    record._modified = ++this.time.now;
  }

  drop(entity: string, id: string): void {
    this.data.get(entity)!.delete(id);
  }

  all(entity: string): EntityRecord[] {
    return [...this.data.get(entity)!.values()].map((r) => structuredClone(r));
  }

  /** Queue a failure for the next call of `method` on `entity`. */
  failNext(
    method: string,
    entity: string,
    kind: ConnectorErrorKind | ((...args: unknown[]) => ConnectorError | undefined),
    message = 'injected',
  ) {
    const key = `${method}:${entity}`;
    const list = this.failures.get(key) ?? [];
    list.push(
      typeof kind === 'function'
        ? kind
        : new ConnectorError(message, {
            system: this.kind,
            kind,
            method: method.toUpperCase(),
            path: `/${entity}`,
          }),
    );
    this.failures.set(key, list);
  }

  private fail(method: string, entity: string, ...args: unknown[]): void {
    const list = this.failures.get(`${method}:${entity}`);
    const next = list?.shift();
    if (!next) return;
    const error = typeof next === 'function' ? next(...args) : next;
    if (error) throw error;
  }

  private insert(entity: string, data: EntityRecord): EntityRecord {
    const idField = this.idFields.get(entity)!;
    const record = structuredClone(data);
    if (record[idField] === undefined) record[idField] = String(this.nextId++);
    record._modified = ++this.time.now;
    this.data.get(entity)!.set(String(record[idField]), record);
    return record;
  }

  async *list(entity: string, options: ListOptions = {}): AsyncIterable<Page> {
    this.reads.push({ method: 'list', entity });
    const descriptor = this.entities[entity]!;
    const since = options.since !== undefined ? Number(options.since) : -1;
    let records = [...this.data.get(entity)!.values()].filter((r) => (r._modified as number) > since);
    if (options.parentId !== undefined) records = records.filter((r) => r._parent === options.parentId);
    records.sort((a, b) => (a._modified as number) - (b._modified as number));
    for (let i = 0; i < records.length || i === 0; i += this.pageSize) {
      if (i > 0 && this.failListingAfterFirstPage.has(entity)) {
        throw new ConnectorError('listing failed', {
          system: this.kind,
          kind: 'transport',
          method: 'GET',
          path: `/${entity}`,
        });
      }
      const chunk = records.slice(i, i + this.pageSize).map((r) => structuredClone(r));
      const last = chunk.at(-1);
      yield {
        records: chunk,
        ...(descriptor.changeDetection === 'cursor' && last ? { cursor: String(last._modified) } : {}),
        ...(descriptor.changeDetection === 'cursor' && !last && options.since
          ? { cursor: options.since }
          : {}),
      };
      if (records.length === 0) break;
    }
  }

  async get(entity: string, id: string): Promise<EntityRecord | null> {
    this.reads.push({ method: 'get', entity, id });
    this.fail('get', entity, id);
    const record = this.data.get(entity)!.get(id);
    if (!record || this.entities[entity]!.isGone?.(record)) return null;
    return structuredClone(record);
  }

  async create(entity: string, data: EntityRecord, options?: WriteOptions): Promise<EntityRecord> {
    this.fail('create', entity, data);
    this.writes.push({
      method: 'create',
      entity,
      body: data,
      ...(options?.parentId ? { parentId: options.parentId } : {}),
    });
    const record = this.insert(entity, options?.parentId ? { ...data, _parent: options.parentId } : data);
    return structuredClone(record);
  }

  async update(
    entity: string,
    id: string,
    ops: PatchOperation[],
    options?: WriteOptions,
  ): Promise<EntityRecord> {
    this.fail('update', entity, id, ops);
    this.writes.push({
      method: 'update',
      entity,
      id,
      ops,
      ...(options?.parentId ? { parentId: options.parentId } : {}),
    });
    return this.applyUpdate(entity, id, ops);
  }

  private applyUpdate(entity: string, id: string, ops: PatchOperation[]): EntityRecord {
    const record = this.data.get(entity)!.get(id);
    if (!record)
      throw new ConnectorError('not found', {
        system: this.kind,
        kind: 'not-found',
        method: 'PATCH',
        path: `/${entity}/${id}`,
      });
    if (record._locked)
      throw new ConnectorError('locked', {
        system: this.kind,
        kind: 'locked',
        method: 'PATCH',
        path: `/${entity}/${id}`,
      });
    const next = fastJsonPatch.applyPatch(structuredClone(record), ops, false, false).newDocument;
    next._modified = ++this.time.now;
    this.data.get(entity)!.set(id, next);
    return structuredClone(next);
  }

  async remove(entity: string, id: string, mode: RemoveMode, options?: WriteOptions): Promise<void> {
    this.fail('remove', entity, id, mode);
    this.writes.push({
      method: 'remove',
      entity,
      id,
      body: mode,
      ...(options?.parentId ? { parentId: options.parentId } : {}),
    });
    const record = this.data.get(entity)!.get(id);
    if (!record) return;
    if (mode === 'archive') {
      record._archived = true;
      record._modified = ++this.time.now;
    } else {
      this.data.get(entity)!.delete(id);
    }
  }

  async findByGuard(entity: string, lookup: GuardLookup): Promise<EntityRecord[]> {
    this.reads.push({ method: 'findByGuard', entity });
    return [...this.data.get(entity)!.values()]
      .filter((r) => String(r[lookup.field]) === lookup.value)
      .filter((r) => lookup.parentId === undefined || r._parent === lookup.parentId)
      .map((r) => structuredClone(r));
  }

  async checkAuth(): Promise<void> {}
  async close(): Promise<void> {}
}
