/**
 * An engine wired to two in-memory systems (`shop` and `erp`: the registered memory
 * connector, each on its own MemorySystem sharing one clock) and an in-memory store, for
 * unit tests of the engine's behaviour.
 */

import type { Logger } from 'pino';
import { connectors } from '../../../engine/connectors/index.ts';
import {
  MEMORY_SYSTEM,
  type MemoryConnector,
  MemorySystem,
  type MemorySystemOptions,
} from '../../../engine/connectors/memory/index.ts';
import { inProcessEvaluator } from '../../../engine/mapping/evaluate.ts';
import type { CompiledMapping } from '../../../engine/mapping/model.ts';
import { createLogger } from '../../../engine/observability/logger.ts';
import { createRuntime } from '../../../engine/runtime.ts';
import { openStore, type StoreBackend } from '../../../engine/store/open-store.ts';
import type { StateBackend } from '../../../engine/store/sync-state.ts';
import { SyncEngine } from '../../../engine/sync/engine.ts';
import type { EngineEvents, RecordEvent } from '../../../engine/sync/events.ts';
import { RecordFailure } from '../../../engine/sync/failures.ts';
import { expr, mapping, prop } from './builders.ts';

/**
 * The registered memory connector (built through the registry, as the service builds any
 * connector) on a system of `entities`; tests drive the system through `connector.system`.
 */
function memoryConnector(options: MemorySystemOptions): MemoryConnector {
  const system = new MemorySystem(options);
  return connectors.get('memory')!.create({ [MEMORY_SYSTEM]: system }, createRuntime()) as MemoryConnector;
}

export function systems() {
  const clock = { now: 0 };
  const shop = memoryConnector({
    kind: 'shop',
    entities: {
      customer: { changeDetection: 'full-scan', guardFields: ['email'], removeModes: ['delete'] },
      order: { guardFields: ['id'] },
      product: { guardFields: ['sku'] },
    },
    batch: true,
    clock,
  });
  const erp = memoryConnector({
    kind: 'erp',
    entities: {
      customer: { idField: 'Id', guardFields: ['ExternalImportReference'] },
      product: { idField: 'Id', guardFields: ['Code'] },
      salesorder: { idField: 'Id', guardFields: ['ExternalImportReference'], removeModes: ['delete'] },
      salesorderline: { idField: 'Id', parent: 'salesorder', guardFields: ['ExternalImportReference'] },
    },
    children: { salesorder: ['salesorderline'] },
    clock,
  });
  return { shop, erp };
}

/** Rejects e-mails without "@", like a JSON Schema `format: email` would. */
export const testValidator = {
  check(_schema: string, payload: unknown, what: string) {
    const email = (payload as Record<string, unknown>).EmailAddress;
    if (typeof email === 'string' && !email.includes('@')) {
      throw new RecordFailure(
        'VALIDATION',
        'validation',
        `${what}: /EmailAddress must match format "email"`,
        {
          request: { body: payload },
        },
      );
    }
  },
};

export function makeEngine(
  mappings: CompiledMapping[],
  options: {
    store?: StateBackend | StoreBackend;
    events?: EngineEvents;
    concurrency?: number;
    logger?: Logger;
    /** Extra milliseconds added to the engine's clock (which moves 1 s per reading). */
    skew?: { ms: number };
  } = {},
) {
  const { shop, erp } = systems();
  const store = options.store ?? openStore('memory://');
  let tick = 0;
  const events: RecordEvent[] = [];
  const engine = new SyncEngine({
    mappings,
    connectors: new Map([
      ['shop', shop],
      ['erp', erp],
    ]),
    store,
    runtime: createRuntime({
      logger: options.logger ?? createLogger({ level: 'silent' }),
      now: () => new Date(Date.UTC(2025, 5, 1) + ++tick * 1000 + (options.skew?.ms ?? 0)),
    }),
    evaluator: inProcessEvaluator,
    validator: testValidator,
    events: {
      ...options.events,
      recordProcessed: (e) => {
        events.push(e);
        options.events?.recordProcessed?.(e);
      },
    },
    concurrency: options.concurrency ?? 4,
  });
  return { engine, shop, erp, store, events };
}

export function customerMapping(
  over: Partial<Omit<CompiledMapping, 'when' | 'properties'>> = {},
): CompiledMapping {
  return mapping({
    name: 'customer',
    source: { system: 'shop', entity: 'customer' },
    target: { system: 'erp', entity: 'customer', where: { IsPerson: true } },
    match: [{ source: 'email', target: 'EmailAddress', normalize: 'email' }],
    identity: { target: 'ExternalImportReference' },
    properties: [
      prop({ source: 'id', target: 'ExternalImportReference', direction: 'to-target' }),
      prop({ source: 'email', target: 'EmailAddress' }),
      prop({ source: 'first_name', target: 'FirstName' }),
      prop({ source: 'last_name', target: 'LastName' }),
      prop({ source: 'billing.city', target: 'MailAddress.City' }),
      prop({
        target: 'Name',
        direction: 'to-target',
        toTarget: (c) => {
          const r = c as Record<string, string>;
          return [r.first_name, r.last_name].filter(Boolean).join(' ');
        },
      }),
    ],
    ...over,
  });
}

export { expr, mapping, prop };

export function productMapping(): CompiledMapping {
  return mapping({
    name: 'product',
    source: { system: 'shop', entity: 'product' },
    target: { system: 'erp', entity: 'product', where: {} },
    match: [{ source: 'sku', target: 'Code', normalize: 'trim' }],
    identity: { target: 'Code' },
    properties: [
      prop({ source: 'sku', target: 'Code' }),
      prop({ source: 'name', target: 'Name' }),
      prop({ source: 'price', target: 'SalesPrice', type: 'decimal' }),
    ],
  });
}

type Rec = Record<string, unknown>;

export function orderMappings(
  options: { customerPolicy?: 'wait' | 'create'; productPolicy?: 'wait' | 'create' } = {},
) {
  const order = mapping({
    name: 'salesorder',
    direction: 'one-way',
    source: { system: 'shop', entity: 'order' },
    target: { system: 'erp', entity: 'salesorder', where: {} },
    identity: { target: 'ExternalImportReference' },
    when: (o) => ['processing', 'completed'].includes((o as Rec).status as string),
    lockedWhen: (t) => (t as Rec).SalesOrderStatus === 'Confirmed',
    dependencies: [{ mapping: 'customer', onMissing: options.customerPolicy ?? 'create' }],
    properties: [
      prop({ source: 'id', target: 'ExternalImportReference', direction: 'to-target' }),
      prop({
        target: 'CustomerId',
        direction: 'to-target',
        type: 'integer',
        toTarget: (o, ctx) => {
          const r = o as Rec;
          return Number(r.customer_id) > 0
            ? ctx.link('customer', r.customer_id)
            : ctx.link('customer', {
                id: `guest-${r.id}`,
                email: (r.billing as Rec).email,
                first_name: (r.billing as Rec).first_name,
                last_name: 'Guest',
                billing: r.billing,
              });
        },
      }),
      prop({ source: 'note', target: 'CustomerReference', direction: 'to-target' }),
    ],
  });
  const lines = mapping({
    name: 'salesorderline',
    direction: 'one-way',
    source: { system: 'shop', entity: 'order' },
    target: { system: 'erp', entity: 'salesorderline', where: {} },
    identity: { target: 'ExternalImportReference' },
    parent: 'salesorder',
    each: (o) => (o as Rec).line_items,
    key: (l) => (l as Rec).id,
    dependencies: [{ mapping: 'product', onMissing: options.productPolicy ?? 'wait' }],
    properties: [
      prop({ source: 'id', target: 'ExternalImportReference', direction: 'to-target' }),
      prop({
        target: 'ProductId',
        direction: 'to-target',
        type: 'integer',
        toTarget: (l, ctx) => ctx.link('product', (l as Rec).product_id),
      }),
      prop({ source: 'quantity', target: 'Quantity', direction: 'to-target', type: 'decimal' }),
      prop({ source: 'price', target: 'ProductUnitPrice', direction: 'to-target', type: 'decimal' }),
    ],
  });
  return [order, lines];
}
