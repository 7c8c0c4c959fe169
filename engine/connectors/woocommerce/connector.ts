/**
 * The WooCommerce wc/v3 connector: the `Connector` contract on top of `WooApi`.
 * Routes: `customers`, `orders`, `products` (+ `/<id>`, `/batch`); the `product` entity
 * also holds the variations of variable products (products.ts, variations.ts); an order
 * with refunds also `orders/<id>/refunds` (refund-details.ts).
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
import { BATCH_LIMIT, updateMany } from './batch-update.ts';
import type { ResolvedConfig } from './config.ts';
import { entities } from './entities.ts';
import { SYSTEM } from './errors.ts';
import { listByModified, listFullScan } from './listing.ts';
import { addOrderNote, setOrderMeta } from './order-operations.ts';
import { opsToPartial, type SchemaNode } from './patch.ts';
import { ProductRoutes } from './products.ts';
import { withRefundDetails } from './refund-details.ts';
import { schemas } from './schemas.ts';
import { readTaxSettings } from './tax-settings.ts';
import { listWebhookSubscriptions } from './webhook-status.ts';
import { webhookReceiver } from './webhooks.ts';

const ROUTES: Readonly<Record<string, string>> = {
  customer: 'customers',
  order: 'orders',
  product: 'products',
};

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
  private readonly products: ProductRoutes;

  constructor(
    private readonly config: ResolvedConfig,
    runtime: Runtime,
  ) {
    this.api = new WooApi(config, runtime);
    this.products = new ProductRoutes(this.api, config.maxBodyBytes);
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
    if (entity === 'product') {
      yield* this.products.list(fetch, settings, options.since, options.signal);
      return;
    }
    const pages = listByModified(fetch, route, { status: 'any' }, settings, options.since, options.signal);
    if (entity !== 'order') {
      yield* pages;
      return;
    }
    for await (const page of pages)
      yield { ...page, records: await withRefundDetails(this.api, page.records, options.signal) };
  }

  async get(entity: string, id: RecordId, options: WriteOptions = {}): Promise<EntityRecord | null> {
    const descriptor = this.descriptor(entity);
    try {
      const { body } = await this.api.request<EntityRecord>(
        'GET',
        `${ROUTES[entity]}/${encodeId(id)}`,
        signal(options),
      );
      if (descriptor.isGone?.(body)) return null;
      if (entity === 'order') return (await withRefundDetails(this.api, [body], options.signal))[0]!;
      return entity === 'product' ? await this.products.read(body, options.signal) : body;
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
    if (entity === 'order') return withRefundDetails(this.api, out, options.signal);
    return entity === 'product' ? this.products.getMany(out, wanted, options.signal) : out;
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
    if (entity === 'product') return this.products.update(encodeId(id), ops, options.signal);
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
      if (entity === 'product') return await this.products.remove(encodeId(id), options.signal);
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
    const found = (Array.isArray(records) ? records : []).filter((record) => {
      const field = record[lookup.field];
      if (typeof field !== 'string' || descriptor.isGone?.(record)) return false;
      return entity === 'customer' ? field.trim().toLowerCase() === wanted : field === wanted;
    });
    // `?sku=` finds variations too (as products of this entity).
    return entity === 'product' ? this.products.bySku(found) : found;
  }

  async checkAuth(): Promise<void> {
    // A listing needs valid keys; a 401 `woocommerce_rest_cannot_view` means they were ignored.
    await this.api.request('GET', 'customers', { query: { per_page: 1, role: 'all', _fields: 'id' } });
  }

  async close(): Promise<void> {
    this.api.close();
  }

  private updateMany(
    entity: string,
    items: BatchUpdateItem[],
    options: WriteOptions = {},
  ): Promise<BatchItemResult[]> {
    this.descriptor(entity);
    if (entity === 'product') return this.products.updateMany(items, options.signal);
    return updateMany(
      this.api,
      `${ROUTES[entity]}/batch`,
      schemas[entity] as SchemaNode,
      items,
      this.config.maxBodyBytes,
      options.signal,
    );
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
