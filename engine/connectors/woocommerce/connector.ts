/**
 * The WooCommerce wc/v3 connector: the `Connector` contract on top of `WooApi`.
 * Routes: `customers`, `orders`, `products` (+ `/<id>`, `/batch`).
 */
import type { Runtime } from '../../runtime.ts';
import { ConnectorError, isConnectorError } from '../errors.ts';
import { cachedRunSettings } from '../run-settings-cache.ts';
import type {
  BatchItemResult,
  BatchUpdateItem,
  BatchWrites,
  Connector,
  EntityDescriptor,
  EntityRecord,
  GuardLookup,
  ListOptions,
  Page,
  PatchOperation,
  RecordId,
  RecordOperations,
  RemoveMode,
  RunSettings,
  WebhookReceiver,
  WebhookSubscriptions,
  WriteOptions,
} from '../types.ts';
import { type Query, WooApi } from './api.ts';
import type { ResolvedConfig } from './config.ts';
import { entities } from './entities.ts';
import { fromWpError, isWpError, SYSTEM } from './errors.ts';
import { listByModified, listFullScan } from './listing.ts';
import { addOrderNote, setOrderMeta } from './order-operations.ts';
import { opsToPartial, type SchemaNode } from './patch.ts';
import { schemas } from './schemas.ts';
import { readTaxSettings } from './tax-settings.ts';
import { listWebhookSubscriptions } from './webhook-status.ts';
import { webhookReceiver } from './webhooks.ts';

const ROUTES: Readonly<Record<string, string>> = {
  customer: 'customers',
  order: 'orders',
  product: 'products',
};
/** WooCommerce accepts at most 100 items per batch call (create + update + delete). */
const BATCH_LIMIT = 100;

export class WooCommerceConnector implements Connector {
  readonly kind = SYSTEM;
  readonly entities = entities;
  readonly batch: BatchWrites;
  readonly webhooks: WebhookReceiver;
  readonly webhookSubscriptions: WebhookSubscriptions;
  /** The shop's tax settings (tax-settings.ts), kept 5 minutes across runs. */
  readonly runSettings: RunSettings;
  readonly operations: RecordOperations;
  private readonly api: WooApi;

  constructor(
    private readonly config: ResolvedConfig,
    runtime: Runtime,
  ) {
    this.api = new WooApi(config, runtime);
    this.webhooks = webhookReceiver(config.webhookSecret);
    this.webhookSubscriptions = { list: (options) => listWebhookSubscriptions(this.api, options) };
    this.runSettings = cachedRunSettings((signal) => readTaxSettings(this.api, signal), runtime.now);
    this.operations = {
      perform: async (request, options) => {
        this.descriptor(request.entity);
        if (request.entity === 'order' && request.operation === 'set-meta')
          return setOrderMeta(this.api, request.id, String(request.options.key), request.value, options);
        if (request.entity === 'order' && request.operation === 'add-note') {
          const customerNote = request.options.customer_note === true;
          return addOrderNote(
            this.api,
            request.id,
            request.value,
            { customerNote, resume: request.resume },
            options,
          );
        }
        throw new ConnectorError(`${SYSTEM}: no operation "${request.operation}" on ${request.entity}`, {
          system: SYSTEM,
          kind: 'validation',
        });
      },
    };
    this.batch = {
      maxItems: BATCH_LIMIT,
      updateMany: (entity, items, options) => this.updateMany(entity, items, options),
    };
  }

  async *list(entity: string, options: ListOptions = {}): AsyncIterable<Page> {
    const descriptor = this.descriptor(entity);
    const route = ROUTES[entity]!;
    const fetch = (r: string, query: Query, signal?: AbortSignal) =>
      this.api.request<unknown>('GET', r, { query, ...(signal ? { signal } : {}) });
    const settings = { pageSize: this.config.pageSize, overlapMs: this.config.overlapMs };
    if (descriptor.changeDetection === 'full-scan') {
      // Customers: no date filter exists, so every listing is complete (role=all, or only
      // the `customer` role would be listed).
      yield* listFullScan(fetch, route, { role: 'all' }, settings, options.signal);
      return;
    }
    yield* listByModified(fetch, route, { status: 'any' }, settings, options.since, options.signal);
  }

  async get(entity: string, id: RecordId, options: WriteOptions = {}): Promise<EntityRecord | null> {
    const descriptor = this.descriptor(entity);
    try {
      const { body } = await this.api.request<EntityRecord>(
        'GET',
        `${ROUTES[entity]}/${encodeId(id)}`,
        signal(options),
      );
      return descriptor.isGone?.(body) ? null : body;
    } catch (error) {
      if (isConnectorError(error, 'not-found')) return null;
      throw error;
    }
  }

  /** Up to 100 records per request: `GET <route>?include=…` (customers of every role, any status). */
  async getMany(
    entity: string,
    ids: readonly RecordId[],
    options: WriteOptions = {},
  ): Promise<EntityRecord[]> {
    const descriptor = this.descriptor(entity);
    const wanted = [...new Set(ids.filter((id) => /^\d+$/.test(id)))];
    const out: EntityRecord[] = [];
    for (let start = 0; start < wanted.length; start += BATCH_LIMIT) {
      const chunk = wanted.slice(start, start + BATCH_LIMIT);
      const { body } = await this.api.request<unknown>('GET', ROUTES[entity]!, {
        query: {
          include: chunk.join(','),
          per_page: chunk.length,
          ...(entity === 'customer' ? { role: 'all' } : { status: 'any' }),
        },
        ...signal(options),
      });
      for (const record of Array.isArray(body) ? body : []) {
        if (typeof record === 'object' && record !== null && !descriptor.isGone?.(record as EntityRecord)) {
          out.push(record as EntityRecord);
        }
      }
    }
    return out;
  }

  async create(entity: string, data: EntityRecord, options: WriteOptions = {}): Promise<EntityRecord> {
    this.descriptor(entity);
    const { body } = await this.api.request<EntityRecord>('POST', ROUTES[entity]!, {
      body: data,
      ...signal(options),
    });
    return body;
  }

  async update(
    entity: string,
    id: RecordId,
    ops: PatchOperation[],
    options: WriteOptions = {},
  ): Promise<EntityRecord> {
    this.descriptor(entity);
    const route = `${ROUTES[entity]}/${encodeId(id)}`;
    const body = opsToPartial(ops, schemas[entity] as SchemaNode, `/wp-json/wc/v3/${route}`);
    // PUT: a partial update is idempotent, so the shared retry policy may repeat it safely.
    const response = await this.api.request<EntityRecord>('PUT', route, { body, ...signal(options) });
    return response.body;
  }

  async remove(entity: string, id: RecordId, mode: RemoveMode, options: WriteOptions = {}): Promise<void> {
    this.descriptor(entity);
    if (mode !== 'delete') {
      throw new ConnectorError(`${SYSTEM}: ${entity} cannot be removed with mode "${mode}"`, {
        system: SYSTEM,
        kind: 'validation',
      });
    }
    // Customers cannot be trashed (force=true is required); orders and products go to the
    // trash (force=false), where a shop admin can still restore them.
    const force = entity === 'customer';
    try {
      await this.api.request('DELETE', `${ROUTES[entity]}/${encodeId(id)}`, {
        query: { force },
        ...signal(options),
      });
    } catch (error) {
      if (isConnectorError(error, 'not-found')) return; // 404, or 410 already trashed
      throw error;
    }
  }

  async findByGuard(entity: string, lookup: GuardLookup): Promise<EntityRecord[]> {
    const descriptor = this.descriptor(entity);
    if (!descriptor.guardFields.includes(lookup.field)) {
      throw new ConnectorError(`${SYSTEM}: ${entity} cannot be looked up by "${lookup.field}"`, {
        system: SYSTEM,
        kind: 'validation',
      });
    }
    const value = lookup.value.trim();
    if (value === '') return [];
    if (entity === 'order') {
      const record = /^\d+$/.test(value) ? await this.get('order', value) : null;
      return record ? [record] : [];
    }
    const query: Query = entity === 'customer' ? { email: value, role: 'all' } : { sku: value };
    let records: EntityRecord[];
    try {
      records = (await this.api.request<EntityRecord[]>('GET', ROUTES[entity]!, { query })).body;
    } catch (error) {
      // A value WooCommerce refuses as an e-mail cannot belong to any customer.
      if (entity === 'customer' && isConnectorError(error, 'validation')) return [];
      throw error;
    }
    const wanted = entity === 'customer' ? value.toLowerCase() : value;
    return (Array.isArray(records) ? records : []).filter((record) => {
      const field = record[lookup.field];
      if (typeof field !== 'string' || descriptor.isGone?.(record)) return false;
      return entity === 'customer' ? field.trim().toLowerCase() === wanted : field === wanted;
    });
  }

  async checkAuth(): Promise<void> {
    // A listing needs valid keys; a 401 `woocommerce_rest_cannot_view` means they were ignored.
    await this.api.request('GET', 'customers', { query: { per_page: 1, role: 'all', _fields: 'id' } });
  }

  async close(): Promise<void> {}

  private async updateMany(
    entity: string,
    items: BatchUpdateItem[],
    options: WriteOptions = {},
  ): Promise<BatchItemResult[]> {
    this.descriptor(entity);
    const route = `${ROUTES[entity]}/batch`;
    const path = `/wp-json/wc/v3/${route}`;
    const results: BatchItemResult[] = [];
    for (let start = 0; start < items.length; start += BATCH_LIMIT) {
      const chunk = items.slice(start, start + BATCH_LIMIT);
      const update: EntityRecord[] = [];
      const chunkResults: Array<BatchItemResult | undefined> = chunk.map(() => undefined);
      chunk.forEach((item, i) => {
        try {
          update.push({
            ...opsToPartial(item.ops, schemas[entity] as SchemaNode, path),
            id: toWooId(item.id),
          });
        } catch (error) {
          chunkResults[i] = { id: item.id, error: error as Error };
        }
      });
      const sent = chunk.filter((_, i) => chunkResults[i] === undefined);
      if (sent.length > 0) {
        try {
          const { body } = await this.api.request<{ update?: unknown[] }>('PUT', route, {
            body: { update },
            ...signal(options),
          });
          const answers = Array.isArray(body.update) ? body.update : [];
          let k = 0;
          chunk.forEach((item, i) => {
            if (chunkResults[i] !== undefined) return;
            chunkResults[i] = batchItemResult(item.id, answers[k++], path);
          });
        } catch (error) {
          chunk.forEach((item, i) => {
            if (chunkResults[i] === undefined) chunkResults[i] = { id: item.id, error: error as Error };
          });
        }
      }
      results.push(...(chunkResults as BatchItemResult[]));
    }
    return results;
  }

  private descriptor(entity: string): EntityDescriptor {
    const descriptor = this.entities[entity];
    if (!descriptor) {
      throw new ConnectorError(`${SYSTEM}: unknown entity "${entity}"`, {
        system: SYSTEM,
        kind: 'validation',
      });
    }
    return descriptor;
  }
}

function batchItemResult(id: RecordId, answer: unknown, path: string): BatchItemResult {
  if (typeof answer !== 'object' || answer === null) {
    return {
      id,
      error: new ConnectorError(`${SYSTEM}: PUT ${path}: no answer for item ${id}`, {
        system: SYSTEM,
        kind: 'ambiguous',
        method: 'PUT',
        path,
      }),
    };
  }
  const error = (answer as { error?: unknown }).error;
  if (isWpError(error)) return { id, error: fromWpError(error, 400, 'PUT', path) };
  return { id, record: answer as EntityRecord };
}

function toWooId(id: RecordId): number {
  const n = Number(id);
  return Number.isInteger(n) ? n : (id as unknown as number);
}

function encodeId(id: RecordId): string {
  if (!/^\d+$/.test(id)) {
    throw new ConnectorError(`${SYSTEM}: "${id}" is not a WooCommerce id`, {
      system: SYSTEM,
      kind: 'not-found',
    });
  }
  return id;
}

function signal(options: WriteOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
