/**
 * The memory connector: the Connector interface over a {@link MemorySystem}, with the
 * optional capabilities its system offers (batch updates and `getMany`, parents created
 * with their children). Every call is logged on the system (`reads`, `writes`) and may
 * meet a failure queued there (`failNext`). Records go in and out as copies, as over a wire.
 */
import { isConnectorError } from '../errors.ts';
import type {
  BatchItemResult,
  BatchUpdateItem,
  BatchWrites,
  Connector,
  CreatedWithChildren,
  CreateWithChildren,
  EntityDescriptor,
  EntityRecord,
  GuardLookup,
  ListOptions,
  Page,
  PatchOperation,
  PatchPreconditions,
  RecordId,
  RemoveMode,
  WriteOptions,
} from '../types.ts';
import { copyRecord } from './copy.ts';
import type { MemorySystem } from './system.ts';

export class MemoryConnector implements Connector {
  readonly kind: string;
  readonly entities: Readonly<Record<string, EntityDescriptor>>;
  batch?: BatchWrites;
  getMany?: Connector['getMany'];
  withChildren?: CreateWithChildren;
  preconditions?: PatchPreconditions;

  constructor(readonly system: MemorySystem) {
    this.kind = system.kind;
    this.entities = system.entities;
    if (system.options.batch) {
      this.batch = { maxItems: 100, updateMany: (entity, items) => this.updateMany(entity, items) };
      this.getMany = (entity, ids) => this.readMany(entity, ids);
    }
    if (system.options.preconditions) this.preconditions = { honoured: () => true };
    if (system.options.children) {
      this.withChildren = {
        children: system.options.children,
        createWithChildren: (entity, data, childEntity, kids) =>
          this.createWithChildren(entity, data, childEntity, kids),
      };
    }
  }

  async *list(entity: string, options: ListOptions = {}): AsyncIterable<Page> {
    const s = this.system;
    s.reads.push({ method: 'list', entity });
    const descriptor = s.descriptor(entity);
    const since = options.since !== undefined ? Number(options.since) : -1;
    let records = [...s.table(entity).values()].filter((r) => (r._modified as number) > since);
    if (options.parentId !== undefined) records = records.filter((r) => r._parent === options.parentId);
    records.sort((a, b) => (a._modified as number) - (b._modified as number));
    const cursor = descriptor.changeDetection === 'cursor';
    for (let i = 0; i < records.length || i === 0; i += s.pageSize) {
      const chunk = s.request('GET', `/${entity}?page=${i / s.pageSize + 1}`, undefined, () => {
        if (i > 0 && s.failListingAfterFirstPage.has(entity)) {
          throw s.error('transport', 'GET', `/${entity}`, 'listing failed');
        }
        return records.slice(i, i + s.pageSize).map(copyRecord);
      });
      const last = chunk.at(-1);
      yield {
        records: chunk,
        ...(cursor && last ? { cursor: String(last._modified) } : {}),
        ...(cursor && !last && options.since ? { cursor: options.since } : {}),
      };
      if (records.length === 0) break;
    }
  }

  async get(entity: string, id: RecordId): Promise<EntityRecord | null> {
    const s = this.system;
    s.reads.push({ method: 'get', entity, id });
    try {
      return s.request('GET', `/${entity}/${id}`, undefined, () => {
        s.injected('get', entity, id);
        const record = s.table(entity).get(id);
        if (!record || s.descriptor(entity).isGone?.(record))
          throw s.error('not-found', 'GET', '', 'not found');
        return copyRecord(record);
      });
    } catch (error) {
      if (isConnectorError(error, 'not-found')) return null;
      throw error;
    }
  }

  private async readMany(entity: string, ids: readonly RecordId[]): Promise<EntityRecord[]> {
    const s = this.system;
    s.reads.push({ method: 'getMany', entity, id: ids.join(',') });
    const descriptor = s.descriptor(entity);
    return ids
      .map((id) => s.table(entity).get(id))
      .filter((r): r is EntityRecord => r !== undefined && !descriptor.isGone?.(r))
      .map(copyRecord);
  }

  async create(entity: string, data: EntityRecord, options?: WriteOptions): Promise<EntityRecord> {
    const s = this.system;
    return s.request('POST', `/${entity}`, data, () => {
      s.injected('create', entity, data);
      s.writes.push({ method: 'create', entity, body: data, ...parent(options) });
      s.refuse(entity, data);
      const record = s.insert(entity, options?.parentId ? { ...data, _parent: options.parentId } : data);
      return copyRecord(record);
    });
  }

  private async createWithChildren(
    entity: string,
    data: EntityRecord,
    childEntity: string,
    kids: EntityRecord[],
  ): Promise<CreatedWithChildren> {
    const s = this.system;
    s.injected('createWithChildren', entity, data);
    s.writes.push({ method: 'createWithChildren', entity, body: { data, kids } });
    s.refuse(entity, data);
    for (const kid of kids) s.refuse(childEntity, kid);
    const record = s.insert(entity, data);
    const id = s.descriptor(entity).idOf(record);
    const children = kids.map((k) => s.insert(childEntity, { ...k, _parent: id }));
    return { record: copyRecord(record), children: copyRecord(children) };
  }

  async update(
    entity: string,
    id: RecordId,
    ops: PatchOperation[],
    options?: WriteOptions,
  ): Promise<EntityRecord> {
    const s = this.system;
    return s.request('PATCH', `/${entity}/${id}`, ops, () => {
      s.injected('update', entity, id, ops);
      s.writes.push({ method: 'update', entity, id, ops, ...parent(options) });
      return s.applyUpdate(entity, id, ops);
    });
  }

  private async updateMany(entity: string, items: BatchUpdateItem[]): Promise<BatchItemResult[]> {
    const s = this.system;
    s.writes.push({ method: 'batch', entity, body: items });
    return items.map((item) => {
      try {
        return { id: item.id, record: s.applyUpdate(entity, item.id, item.ops) };
      } catch (error) {
        return { id: item.id, error: error as Error };
      }
    });
  }

  async remove(entity: string, id: RecordId, mode: RemoveMode, options?: WriteOptions): Promise<void> {
    const s = this.system;
    s.request('DELETE', `/${entity}/${id}?mode=${mode}`, undefined, () => {
      s.injected('remove', entity, id, mode);
      s.writes.push({ method: 'remove', entity, id, body: mode, ...parent(options) });
      s.remove(entity, id, mode);
    });
  }

  async findByGuard(entity: string, lookup: GuardLookup): Promise<EntityRecord[]> {
    const s = this.system;
    s.reads.push({ method: 'findByGuard', entity });
    const query = new URLSearchParams({ [lookup.field]: lookup.value });
    return s.request('GET', `/${entity}?${query}`, undefined, () => s.findByGuard(entity, lookup));
  }

  async checkAuth(): Promise<void> {}
  async close(): Promise<void> {}
}

const parent = (options?: WriteOptions) => (options?.parentId ? { parentId: options.parentId } : {});
