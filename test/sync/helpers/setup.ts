/**
 * An engine wired to two in-memory systems (`shop` and `erp`: the registered memory
 * connector, each on its own MemorySystem sharing one clock) and an in-memory store, for
 * unit tests of the engine's behaviour.
 */

import type { Logger } from 'pino';
import { MemoryConnector } from '../../../engine/connectors/memory/connector.ts';
import { MemorySystem, type MemorySystemOptions } from '../../../engine/connectors/memory/index.ts';
import { inProcessEvaluator } from '../../../engine/mapping/evaluate.ts';
import type { CompiledMapping } from '../../../engine/mapping/model.ts';
import { createLogger } from '../../../engine/observability/logger.ts';
import { createRuntime } from '../../../engine/runtime.ts';
import { openStore, type StoreBackend } from '../../../engine/store/open-store.ts';
import type { StateBackend } from '../../../engine/store/sync-state.ts';
import { SyncEngine } from '../../../engine/sync/engine.ts';
import type { EngineEvents, RecordEvent } from '../../../engine/sync/events.ts';
import { RecordFailure } from '../../../engine/sync/failures.ts';
import { compileYaml } from './yaml.ts';

/**
 * The registered memory kind's connector on a system of `entities`; tests drive the system
 * through `connector.system`. Built synchronously, as the spec's `create` builds it once it
 * has imported the connector (test/connectors/memory.test.ts builds it through the registry).
 */
function memoryConnector(options: MemorySystemOptions): MemoryConnector {
  const system = new MemorySystem(options);
  return new MemoryConnector(system);
}

/** `preconditions`: the erp honours RFC 6902 `test` ops in updates (PowerOffice-like). */
export function systems(options: { preconditions?: boolean } = {}) {
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
    ...(options.preconditions ? { preconditions: true } : {}),
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
    /** The erp honours `test` ops (see systems). */
    preconditions?: boolean;
  } = {},
) {
  const { shop, erp } = systems({ preconditions: options.preconditions === true });
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

/** The customer mapping of the engine tests, as a user would write it. */
export const CUSTOMER_YAML = `
version: 1
name: customer
source: { system: shop, entity: customer }
target:
  system: erp
  entity: customer
  where:
    IsPerson: true
direction: two-way
create: { in_target: true, in_source: false }
match:
  - source: email
    target: EmailAddress
    normalize: email
identity:
  target: ExternalImportReference
conflict: newest-wins
properties:
  - source: id
    target: ExternalImportReference
    direction: to-target
  - source: email
    target: EmailAddress
  - source: first_name
    target: FirstName
  - source: last_name
    target: LastName
  - source: billing.city
    target: MailAddress.City
  - target: Name
    direction: to-target
    to_target: $join([first_name, last_name][$ != ""], " ")
`;

/** The product mapping of the engine tests. */
export const PRODUCT_YAML = `
version: 1
name: product
source: { system: shop, entity: product }
target: { system: erp, entity: product }
direction: two-way
create: { in_target: true, in_source: false }
match:
  - source: sku
    target: Code
    normalize: trim
identity:
  target: Code
conflict: newest-wins
properties:
  - source: sku
    target: Code
  - source: name
    target: Name
  - source: price
    target: SalesPrice
    type: decimal
`;

const compiled = await compileYaml({ customer: CUSTOMER_YAML, product: PRODUCT_YAML }, systems());
const compiledCustomer = compiled.find((m) => m.name === 'customer')!;
const compiledProduct = compiled.find((m) => m.name === 'product')!;

export function customerMapping(
  over: Partial<Omit<CompiledMapping, 'when' | 'properties'>> = {},
): CompiledMapping {
  return { ...compiledCustomer, ...over };
}

export function productMapping(): CompiledMapping {
  return compiledProduct;
}

type Policy = 'wait' | 'create';

/** The order mappings of the engine tests: the order and, fanned out, its lines (YAML text). */
export function orderYaml(customerPolicy: Policy, productPolicy: Policy): Record<string, string> {
  return {
    salesorder: `
version: 1
name: salesorder
source: { system: shop, entity: order }
target:
  system: erp
  entity: salesorder
  locked_when: SalesOrderStatus = "Confirmed"
direction: one-way
create: { in_target: true }
identity: { target: ExternalImportReference }
when: status in ["processing", "completed"]
delete: ignore
dependencies:
  customer: ${customerPolicy}
properties:
  - source: id
    target: ExternalImportReference
    direction: to-target
  - target: CustomerId
    direction: to-target
    to_target: |
      $number(customer_id) > 0
        ? $link("customer", customer_id)
        : $link("customer", {
            "id": "guest-" & $string(id),
            "email": billing.email,
            "first_name": billing.first_name,
            "last_name": "Guest",
            "billing": billing
          })
  - source: note
    target: CustomerReference
    direction: to-target
`,
    salesorderline: `
version: 1
name: salesorderline
source: { system: shop, entity: order }
target: { system: erp, entity: salesorderline }
direction: one-way
create: { in_target: true }
identity: { target: ExternalImportReference }
delete: ignore
parent: salesorder
each: line_items
key: id
dependencies:
  salesorder: wait
  product: ${productPolicy}
properties:
  - source: id
    target: ExternalImportReference
    direction: to-target
  - target: ProductId
    direction: to-target
    to_target: $link("product", product_id)
  - source: quantity
    target: Quantity
    direction: to-target
    type: decimal
  - source: price
    target: ProductUnitPrice
    direction: to-target
    type: decimal
`,
  };
}

const orderVariants = new Map<string, CompiledMapping[]>();
for (const customerPolicy of ['wait', 'create'] as const) {
  for (const productPolicy of ['wait', 'create'] as const) {
    const files = {
      customer: CUSTOMER_YAML,
      product: PRODUCT_YAML,
      ...orderYaml(customerPolicy, productPolicy),
    };
    const all = await compileYaml(files, systems());
    orderVariants.set(
      `${customerPolicy}/${productPolicy}`,
      ['salesorder', 'salesorderline'].map((name) => all.find((m) => m.name === name)!),
    );
  }
}

export function orderMappings(options: { customerPolicy?: Policy; productPolicy?: Policy } = {}) {
  return orderVariants.get(`${options.customerPolicy ?? 'create'}/${options.productPolicy ?? 'wait'}`)!;
}
