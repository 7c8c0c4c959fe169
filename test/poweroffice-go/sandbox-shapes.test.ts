/**
 * Every record the sandbox answers with (lists, gets, creates, patches; headers, complete
 * orders and lines) validates against mapsync's own entity schemas, carries every
 * property the schema lists (the real API returns nulls rather than omitting), and nothing
 * the schema does not know.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { type Fixture, raw, start } from './helpers.ts';

// ajv-formats is CommonJS; its default export is the plugin function itself.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Entity = 'customer' | 'product' | 'salesorder' | 'salesorderline';
const schemaOf = (e: Entity) =>
  JSON.parse(
    readFileSync(new URL(`../../schemas/poweroffice-go/${e}.schema.json`, import.meta.url), 'utf8'),
  ) as {
    properties: Record<string, { writeOnly?: boolean }>;
  };

const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);
// mapsync's own keyword in the entity schemas (checked by engine/sync/payload-validator.ts).
ajv.addKeyword('x-decimals');
const validators = Object.fromEntries(
  (['customer', 'product', 'salesorder', 'salesorderline'] as const).map((e) => [
    e,
    ajv.compile(schemaOf(e)),
  ]),
) as Record<Entity, ValidateFunction>;

function check(entity: Entity, record: unknown, { complete = false } = {}): void {
  const validate = validators[entity];
  expect(validate(record), `${entity}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  const expected = Object.entries(schemaOf(entity).properties)
    .filter(([name, p]) => !p.writeOnly && (complete || name !== 'SalesOrderLines'))
    .map(([name]) => name)
    .sort();
  expect(Object.keys(record as object).sort(), `${entity} properties`).toEqual(expected);
  if (complete)
    for (const line of (record as EntityRecord).SalesOrderLines as unknown[]) check('salesorderline', line);
}

let fx: Fixture;
const ids: Record<string, string> = {};

beforeAll(async () => {
  fx = await start({ rateLimit: false, seed: { customers: 2, products: 2 } });
  const c = fx.connect();
  const company = await c.create('customer', {
    Name: 'Bedrift AS',
    OrganizationNumber: '999999999',
    EmailAddress: 'post@bedrift.no',
    MailAddress: { AddressLine1: 'Gate 1', City: 'Oslo', ZipCode: '0150' },
    ContactGroupIds: [1, 2],
    CustomerSince: '2020-01-31',
  });
  const person = await c.create('customer', {
    IsPerson: true,
    FirstName: 'Ola',
    LastName: 'Nordmann',
    InvoiceDeliveryType: 'print',
  });
  const product = await c.create('product', {
    Code: 'S1',
    Name: 'Stock item',
    UnitPrice: 10.5,
    IsStockItem: true,
    StockOnHand: 3,
  });
  const order = await c.create('salesorder', {
    CustomerNo: company.Number,
    SalesOrderDate: '2024-05-01',
    SalesOrderLines: [
      { ProductId: product.Id, Quantity: 2 },
      { LineType: 'Text', Description: 'Thank you' },
      { ProductCode: 'FRAKT', Quantity: 1, ProductUnitPrice: 49 },
    ],
  });
  ids.company = String(company.Id);
  ids.person = String(person.Id);
  ids.product = String(product.Id);
  ids.order = String(order.Id);
  ids.line = String((order.SalesOrderLines as EntityRecord[])[0]!.Id);
});

afterAll(() => fx.close());

describe('sandbox responses match the PowerOffice Go schemas', () => {
  it('customers: list, get, create, patch', async () => {
    const list = await raw(fx.sb, 'GET', 'Customers');
    expect((list.json as unknown[]).length).toBe(4);
    for (const r of list.json as unknown[]) check('customer', r);
    check('customer', (await raw(fx.sb, 'GET', `Customers/${ids.person}`)).json);
    const created = await raw(fx.sb, 'POST', 'Customers', { name: 'Ny AS', emailAddress: 'ny@ny.no' });
    expect(created.status).toBe(201);
    check('customer', created.json);
    const patched = await raw(fx.sb, 'PATCH', `Customers/${ids.company}`, [
      { op: 'replace', path: '/mailAddress/city', value: 'Bergen' },
    ]);
    check('customer', patched.json);
  });

  it('products: list, get, create (200), patch', async () => {
    for (const r of (await raw(fx.sb, 'GET', 'Products')).json as unknown[]) check('product', r);
    check('product', (await raw(fx.sb, 'GET', `Products/${ids.product}`)).json);
    const created = await raw(fx.sb, 'POST', 'Products', { Name: 'Tjeneste', ProductType: 'service' });
    expect(created.status).toBe(200);
    check('product', created.json);
    check(
      'product',
      (
        await raw(fx.sb, 'PATCH', `Products/${ids.product}`, [
          { op: 'replace', path: '/UnitPrice', value: 11 },
        ])
      ).json,
    );
  });

  it('sales orders: list, header, complete, patch', async () => {
    for (const r of (await raw(fx.sb, 'GET', 'SalesOrders')).json as unknown[]) check('salesorder', r);
    check('salesorder', (await raw(fx.sb, 'GET', `SalesOrders/${ids.order}`)).json);
    check('salesorder', (await raw(fx.sb, 'GET', `SalesOrders/${ids.order}/Complete`)).json, {
      complete: true,
    });
    const patched = await raw(fx.sb, 'PATCH', `SalesOrders/${ids.order}`, [
      { op: 'replace', path: '/CustomerReference', value: 'Kari' },
    ]);
    check('salesorder', patched.json);
  });

  it('sales order lines: list, get, create, patch', async () => {
    for (const r of (await raw(fx.sb, 'GET', `SalesOrders/${ids.order}/Lines`)).json as unknown[])
      check('salesorderline', r);
    check('salesorderline', (await raw(fx.sb, 'GET', `SalesOrders/${ids.order}/Lines/${ids.line}`)).json);
    const created = await raw(fx.sb, 'POST', `SalesOrders/${ids.order}/Lines`, {
      productCode: 'GEBYR',
      quantity: 1,
    });
    expect(created.status).toBe(201);
    check('salesorderline', created.json);
    check(
      'salesorderline',
      (
        await raw(fx.sb, 'PATCH', `SalesOrders/${ids.order}/Lines/${ids.line}`, [
          { op: 'replace', path: '/Allowance', value: 5 },
        ])
      ).json,
    );
  });

  it('timestamps carry 7 fractional digits and +00:00', async () => {
    const list = (await raw(fx.sb, 'GET', 'Customers')).json as EntityRecord[];
    for (const c of list)
      expect(c.LastChangedDateTimeOffset).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);
    const stamps = [
      ...fx.sb.state.customers.values(),
      ...fx.sb.state.products.values(),
      ...fx.sb.state.orders.values(),
    ].map((r) => r.LastChangedDateTimeOffset);
    expect(new Set(stamps).size).toBe(stamps.length);
  });
});
