/**
 * A connector held in memory that answers at once: the engine's own cost can be timed
 * without any network (benchmark 3). It uses the real connector's entity descriptors (ids,
 * timestamps, schemas, guard fields), stores what it is sent, and hands it back the way a
 * vendor echoes a created record (the payload plus its new id). Every call is counted and
 * the last create is kept, so the benchmark can compare payloads.
 */
import fastJsonPatch from 'fast-json-patch';
import type {
  Connector,
  CreatedWithChildren,
  EntityDescriptor,
  EntityRecord,
  GuardLookup,
  ListOptions,
  Page,
  PatchOperation,
  RecordId,
} from '../../engine/connectors/types.ts';

const { applyPatch } = fastJsonPatch as unknown as typeof import('fast-json-patch');

export class MemoryConnector implements Connector {
  readonly records = new Map<string, Map<string, EntityRecord>>();
  readonly calls: Record<string, number> = {};
  lastCreate: { data: EntityRecord; children?: EntityRecord[] } | undefined;
  private seq = 1_000_000;
  readonly withChildren?: Connector['withChildren'];

  constructor(
    readonly kind: string,
    readonly entities: Readonly<Record<string, EntityDescriptor>>,
    private readonly idField: string,
    children?: Record<string, readonly string[]>,
    private readonly pageSize = 100,
  ) {
    if (children) {
      this.withChildren = {
        children,
        createWithChildren: (entity, data, childEntity, list, options) =>
          this.createWithChildren(entity, data, childEntity, list, options),
      };
    }
  }

  private table(entity: string): Map<string, EntityRecord> {
    let table = this.records.get(entity);
    if (!table) {
      table = new Map();
      this.records.set(entity, table);
    }
    return table;
  }

  private count(call: string): void {
    this.calls[call] = (this.calls[call] ?? 0) + 1;
  }

  put(entity: string, records: EntityRecord[]): void {
    const table = this.table(entity);
    for (const r of records) table.set(String(r[this.idField]), r);
  }

  async *list(entity: string, _options: ListOptions = {}): AsyncIterable<Page> {
    this.count(`list ${entity}`);
    const all = [...this.table(entity).values()];
    for (let i = 0; i < all.length || i === 0; i += this.pageSize) {
      yield { records: all.slice(i, i + this.pageSize).map((r) => structuredClone(r)) };
      if (all.length === 0) break;
    }
  }

  async get(entity: string, id: RecordId): Promise<EntityRecord | null> {
    this.count(`get ${entity}`);
    const r = this.table(entity).get(id);
    return r ? structuredClone(r) : null;
  }

  async create(entity: string, data: EntityRecord): Promise<EntityRecord> {
    this.count(`create ${entity}`);
    const record = { ...structuredClone(data), [this.idField]: this.seq++ };
    this.table(entity).set(String(record[this.idField]), record);
    this.lastCreate = { data: structuredClone(data) };
    return structuredClone(record);
  }

  async createWithChildren(
    entity: string,
    data: EntityRecord,
    childEntity: string,
    children: EntityRecord[],
    _options?: unknown,
  ): Promise<CreatedWithChildren> {
    this.count(`createWithChildren ${entity}`);
    const id = `00000000-0000-4000-8000-${String(this.seq++).padStart(12, '0')}`;
    const created = children.map((c) => ({
      ...structuredClone(c),
      [this.idField]: `00000000-0000-4000-9000-${String(this.seq++).padStart(12, '0')}`,
      SalesOrderId: id,
    }));
    const record = { ...structuredClone(data), [this.idField]: id, SalesOrderLines: created };
    this.table(entity).set(id, record);
    for (const c of created) this.table(childEntity).set(String(c[this.idField]), c);
    this.lastCreate = { data: structuredClone(data), children: structuredClone(children) };
    return { record: structuredClone(record), children: structuredClone(created) };
  }

  async update(entity: string, id: RecordId, ops: PatchOperation[]): Promise<EntityRecord> {
    this.count(`update ${entity}`);
    const current = this.table(entity).get(id);
    if (!current) throw new Error(`${entity} ${id} not found`);
    const next = applyPatch(structuredClone(current), ops, false, false).newDocument;
    this.table(entity).set(id, next);
    return structuredClone(next);
  }

  async remove(entity: string, id: RecordId): Promise<void> {
    this.count(`remove ${entity}`);
    this.table(entity).delete(id);
  }

  async findByGuard(entity: string, lookup: GuardLookup): Promise<EntityRecord[]> {
    this.count(`findByGuard ${entity}`);
    return [...this.table(entity).values()]
      .filter((r) => String(r[lookup.field] ?? '') === lookup.value)
      .map((r) => structuredClone(r));
  }

  async checkAuth(): Promise<void> {}
  async close(): Promise<void> {}
}
