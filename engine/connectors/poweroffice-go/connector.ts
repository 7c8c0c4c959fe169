/**
 * The PowerOffice Go v2 connector: listing with cursors, get, create (sales orders with
 * their lines in one call), JSON Patch updates, delete/archive, identity-guard look-ups
 * and an auth check. HTTP, tokens and the shared rate limit live in api.ts; error mapping
 * in errors.ts; paging in listing.ts.
 */
import type { Runtime } from '../../runtime.ts';
import { isConnectorError } from '../errors.ts';
import { cachedRunSettings } from '../run-settings-cache.ts';
import type {
  Connector,
  CreatedWithChildren,
  CreateWithChildren,
  EntityRecord,
  GuardLookup,
  ListOptions,
  Page,
  PatchOperation,
  RecordId,
  RecordOperations,
  RemoveMode,
  RunSettings,
  SystemLookups,
  WriteOptions,
} from '../types.ts';
import { alignChildren, sameText } from './align-children.ts';
import { PowerOfficeApi } from './api.ts';
import type { ResolvedConfig } from './config.ts';
import { creditSalesOrder, deleteDraft } from './credit-note.ts';
import { CurrencyCheck } from './currencies.ts';
import { currencyRate } from './currency-rates.ts';
import { decodeCursor } from './cursor.ts';
import { entities } from './entities.ts';
import { SYSTEM, usageError } from './errors.ts';
import { RecordFacts } from './facts.ts';
import { invoiceSalesOrder } from './invoice.ts';
import { listPages } from './listing.ts';
import { registerPayment } from './payment.ts';
import { PaymentAccounts } from './payment-accounts.ts';
import { TestPreconditions } from './preconditions.ts';
import { readSalesAccounts } from './sales-accounts.ts';
import { fromDate, minusMs } from './timestamps.ts';

type Entity = 'customer' | 'product' | 'salesorder' | 'salesorderline';

const COLLECTION: Record<Exclude<Entity, 'salesorderline'>, string> = {
  customer: 'Customers',
  product: 'Products',
  salesorder: 'SalesOrders',
};

const INT_ID = /^\d{1,19}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * How far before `notBefore` the sales-order guard scan starts: our clock and the
 * service's may disagree, and the order's timestamp is set when the service commits it.
 */
const GUARD_SCAN_MARGIN_MS = 10 * 60_000;

export class PowerOfficeGoConnector implements Connector {
  readonly kind = SYSTEM;
  readonly entities = entities;
  readonly withChildren: CreateWithChildren;
  /**
   * The client's sales accounts with their VAT rates (sales-accounts.ts), the configured
   * account of each tax class, and the currencies a record may have (currencies.ts), each
   * kept 5 minutes across runs.
   */
  readonly runSettings: RunSettings;
  readonly operations: RecordOperations;
  /** `currency-rate`: GET /CurrencyRates on a date (currency-rates.ts). */
  readonly lookups: SystemLookups;
  /** Exposed for tests and diagnostics (token request count). */
  readonly api: PowerOfficeApi;
  /** Currencies a written record may have (currencies.ts). */
  private readonly currencies: CurrencyCheck;
  /** The payment methods' accounts (payment-accounts.ts). */
  readonly paymentAccounts: PaymentAccounts;
  /** Customers' and orders' facts the order-to-cash operations need (facts.ts). */
  readonly facts = new RecordFacts();
  /** `test` ops as preconditions, until the API refuses them (preconditions.ts). */
  readonly preconditions: TestPreconditions;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly runtime: Runtime,
  ) {
    this.api = new PowerOfficeApi(config, runtime);
    this.preconditions = new TestPreconditions(runtime.logger);
    this.currencies = new CurrencyCheck(this.api, runtime.now, config.currencies);
    this.paymentAccounts = new PaymentAccounts(this.api, config.paymentAccounts, runtime.now);
    const accounts = cachedRunSettings((signal) => readSalesAccounts(this.api, signal), runtime.now);
    this.runSettings = {
      // The accounts (with their VAT codes) and the currencies are read side by side: three
      // requests in one round trip, not three in a row, at the start of a run.
      read: async (options = {}) => {
        const [read, currencies] = await Promise.all([
          accounts.read(options),
          this.currencies.allowed(options),
        ]);
        return { ...read, sales_account_of_tax_class: { ...config.salesAccounts }, currencies };
      },
    };
    this.lookups = {
      lookup: (name, args, options) =>
        name === 'currency-rate'
          ? currencyRate(this.api, this.currencies, args, options)
          : Promise.reject(usageError(`no lookup "${name}"`)),
    };
    this.operations = {
      perform: async (request, options) => {
        const onOrder = this.entity(request.entity) === 'salesorder' && UUID.test(request.id);
        if (onOrder && request.operation === 'invoice')
          return invoiceSalesOrder(this.api, request.id, request, this.facts, options);
        if (onOrder && request.operation === 'credit-note')
          return creditSalesOrder(this.api, request.id, request, this.facts, options);
        if (onOrder && request.operation === 'delete-draft')
          return deleteDraft(this.api, request.id, options);
        if (onOrder && (request.operation === 'register-payment' || request.operation === 'refund-payment'))
          return registerPayment(
            this.api,
            this.paymentAccounts,
            this.facts,
            request.id,
            { ...request, refund: request.operation === 'refund-payment' },
            options,
          );
        throw usageError(`no operation "${request.operation}" on ${request.entity} ${request.id}`);
      },
    };
    this.withChildren = {
      children: { salesorder: ['salesorderline'] },
      createWithChildren: (entity, data, childEntity, children, options) =>
        this.createWithChildren(entity, data, childEntity, children, options),
    };
  }

  async *list(entity: string, options: ListOptions = {}): AsyncIterable<Page> {
    const e = this.entity(entity);
    const common = {
      pageSize: this.config.pageSize,
      ...(options.fields ? { fields: options.fields } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    if (e === 'salesorderline') {
      const parentId = this.requireParent(e, options.parentId);
      if (!UUID.test(parentId)) return;
      yield* listPages(
        this.api,
        { ...common, path: this.linesPath(parentId), timestamped: false, overlapMs: 0 },
        this.runtime.logger,
      );
      return;
    }
    const since = options.since === undefined ? undefined : decodeCursor(options.since);
    if (options.since !== undefined && since === undefined) {
      throw usageError(`cannot resume listing ${COLLECTION[e]}: unrecognised cursor`);
    }
    const querySince =
      since !== undefined && this.config.overlapMs > 0
        ? (minusMs(since.newest, this.config.overlapMs) ?? since.newest)
        : since?.newest;
    const pages = listPages(
      this.api,
      {
        ...common,
        path: COLLECTION[e],
        timestamped: true,
        overlapMs: this.config.overlapMs,
        ...(since !== undefined ? { since } : {}),
        ...(querySince !== undefined ? { querySince } : {}),
        scanAddresses: e === 'customer' && this.config.customerChanges === 'scan' && since !== undefined,
      },
      this.runtime.logger,
    );
    for await (const page of pages) {
      for (const record of page.records) this.facts.note(e, record);
      yield page;
    }
  }

  async get(entity: string, id: RecordId, options: WriteOptions = {}): Promise<EntityRecord | null> {
    const path = this.recordPath(this.entity(entity), id, options.parentId);
    if (!path) return null;
    try {
      const response = await this.api.call('GET', path, options.signal ? { signal: options.signal } : {});
      this.facts.note(entity, response.body as EntityRecord | undefined);
      return (response.body ?? null) as EntityRecord | null;
    } catch (error) {
      if (isConnectorError(error, 'not-found')) return null;
      throw error;
    }
  }

  async create(entity: string, data: EntityRecord, options: WriteOptions = {}): Promise<EntityRecord> {
    const e = this.entity(entity);
    const path =
      e === 'salesorderline'
        ? this.linesPath(this.requireParent(e, options.parentId))
        : e === 'salesorder'
          ? 'SalesOrders/Complete'
          : COLLECTION[e];
    await this.currencies.checkCreate(e, data, options.signal);
    const response = await this.api.call('POST', path, {
      json: data,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    this.facts.note(e, response.body as EntityRecord | undefined);
    return response.body as EntityRecord;
  }

  private async createWithChildren(
    entity: string,
    data: EntityRecord,
    childEntity: string,
    children: EntityRecord[],
    options: WriteOptions = {},
  ): Promise<CreatedWithChildren> {
    if (entity !== 'salesorder' || childEntity !== 'salesorderline') {
      throw usageError(
        `createWithChildren supports salesorder + salesorderline, not ${entity} + ${childEntity}`,
      );
    }
    const created = await this.create('salesorder', { ...data, SalesOrderLines: children }, options);
    const { SalesOrderLines, ...record } = created;
    const lines = Array.isArray(SalesOrderLines) ? (SalesOrderLines as EntityRecord[]) : [];
    return { record, children: alignChildren(children, lines) };
  }

  async update(
    entity: string,
    id: RecordId,
    ops: PatchOperation[],
    options: WriteOptions = {},
  ): Promise<EntityRecord> {
    const e = this.entity(entity);
    const path = this.recordPath(e, id, options.parentId);
    if (!path) throw usageError(`${entity} ${id} does not exist (not a valid id)`);
    if (ops.length === 0) {
      const current = await this.get(e, id, options);
      if (!current) throw usageError(`${entity} ${id} does not exist`);
      return current;
    }
    await this.currencies.checkUpdate(e, ops, options.signal);
    const response = await this.api
      .call('PATCH', path, {
        patch: ops,
        ...(options.signal ? { signal: options.signal } : {}),
      })
      .catch((error: unknown) => {
        throw this.preconditions.refusal(error, ops);
      });
    this.facts.note(e, response.body as EntityRecord | undefined);
    return response.body as EntityRecord;
  }

  async remove(entity: string, id: RecordId, mode: RemoveMode, options: WriteOptions = {}): Promise<void> {
    const e = this.entity(entity);
    if (!entities[e]!.removeModes.includes(mode)) throw usageError(`${entity} cannot be removed by ${mode}`);
    const path = this.recordPath(e, id, options.parentId);
    if (!path) return;
    try {
      if (mode === 'archive') {
        await this.api.call('PATCH', path, {
          patch: [{ op: 'replace', path: '/IsArchived', value: true }],
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } else {
        await this.api.call('DELETE', path, options.signal ? { signal: options.signal } : {});
      }
    } catch (error) {
      // Already gone is not an error.
      if (isConnectorError(error, 'not-found')) return;
      throw error;
    }
  }

  async findByGuard(entity: string, lookup: GuardLookup): Promise<EntityRecord[]> {
    const e = this.entity(entity);
    if (!entities[e]!.guardFields.includes(lookup.field)) {
      throw usageError(`${entity} has no identity guard "${lookup.field}"`);
    }
    const value = lookup.value;
    const matching = (records: EntityRecord[]) => records.filter((r) => sameText(r[lookup.field], value));
    switch (e) {
      case 'customer':
        // Server-side filter; the service compares case-insensitively, so do we.
        return matching(await this.collect('Customers', { externalImportReference: value }));
      case 'product':
        // `codes` is a comma-separated list: a code containing a comma cannot be filtered for.
        return matching(
          value.includes(',')
            ? await this.collect('Products', {})
            : await this.collect('Products', { codes: value }),
        );
      case 'salesorder': {
        // There is no ExternalImportReference filter on sales orders: scan the orders
        // changed since shortly before the guard was written and match client-side.
        const since = lookup.notBefore
          ? fromDate(new Date(lookup.notBefore.getTime() - GUARD_SCAN_MARGIN_MS))
          : undefined;
        return matching(
          await this.collect('SalesOrders', since ? { lastChangedDateTimeOffsetGreaterThan: since } : {}, [
            'Id',
            'ExternalImportReference',
          ]).then((found) => this.refetch('salesorder', matching(found))),
        );
      }
      case 'salesorderline': {
        const parentId = this.requireParent(e, lookup.parentId);
        if (!UUID.test(parentId)) return [];
        try {
          return matching(await this.collect(this.linesPath(parentId), {}));
        } catch (error) {
          if (isConnectorError(error, 'not-found')) return [];
          throw error;
        }
      }
    }
  }

  async checkAuth(): Promise<void> {
    await this.api.call('GET', 'ClientIntegrationInformation');
  }

  /** Setup problems worth a warning at start: payment accounts missing or inactive. */
  async checkSetup(): Promise<string[]> {
    return this.paymentAccounts.problems();
  }

  async close(): Promise<void> {
    this.api.close();
  }

  // ---- helpers ----------------------------------------------------------------------

  private entity(name: string): Entity {
    if (!(name in entities)) throw usageError(`unknown entity "${name}"`);
    return name as Entity;
  }

  private requireParent(entity: Entity, parentId: RecordId | undefined): string {
    if (parentId === undefined || parentId === '')
      throw usageError(`${entity} needs the parent sales order id`);
    return parentId;
  }

  private linesPath(orderId: string): string {
    return `SalesOrders/${encodeURIComponent(orderId)}/Lines`;
  }

  /** The record's path, or undefined when `id` cannot be an id of this entity. */
  private recordPath(entity: Entity, id: RecordId, parentId: RecordId | undefined): string | undefined {
    if (entity === 'salesorderline') {
      const parent = this.requireParent(entity, parentId);
      return UUID.test(parent) && UUID.test(id) ? `${this.linesPath(parent)}/${id}` : undefined;
    }
    const valid = entity === 'salesorder' ? UUID.test(id) : INT_ID.test(id);
    return valid ? `${COLLECTION[entity]}/${id}` : undefined;
  }

  /** Every record of a (filtered) listing. */
  private async collect(
    path: string,
    filters: Record<string, string>,
    fields?: string[],
  ): Promise<EntityRecord[]> {
    const out: EntityRecord[] = [];
    for (let page = 1; ; page++) {
      const response = await this.api.call('GET', path, {
        searchParams: {
          ...filters,
          PageNumber: page,
          PageSize: this.config.pageSize,
          ...(fields ? { Fields: fields.join(',') } : {}),
        },
      });
      const records = Array.isArray(response.body) ? (response.body as EntityRecord[]) : [];
      out.push(...records);
      if (records.length < this.config.pageSize) return out;
    }
  }

  /** Full records for the (few) matches of a trimmed scan. */
  private async refetch(entity: Entity, records: EntityRecord[]): Promise<EntityRecord[]> {
    const full = await Promise.all(records.map((r) => this.get(entity, String(r.Id))));
    return full.filter((r): r is EntityRecord => r !== null);
  }
}
