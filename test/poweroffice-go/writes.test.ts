/**
 * Writes: creates (POST /Products answers 200), sales orders with lines in one call, line
 * CRUD under the order, JSON Patch (nested paths, exactly the ops sent, errors), remove by
 * archive or delete, locking of Confirmed orders, delete-in-use conflicts, duplicate
 * guards exposing the existing id, identity-guard look-ups for every entity.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectorError, isConnectorError } from '../../engine/connectors/errors.ts';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { type Fixture, raw, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as ConnectorError,
  );

async function customerAndOrder(
  f: Fixture,
  lines: EntityRecord[] = [{ ProductCode: 'FRAKT', Quantity: 1, ProductUnitPrice: 99 }],
) {
  const c = f.connect();
  const customer = await c.create('customer', { Name: 'Kunde AS', EmailAddress: 'kunde@example.no' });
  const created = await c.withChildren!.createWithChildren(
    'salesorder',
    { CustomerId: customer.Id, ExternalImportReference: 'woo-1001' },
    'salesorderline',
    lines,
  );
  return { c, customer, order: created.record, lines: created.children };
}

describe('PowerOffice Go writes', () => {
  it('creates products with POST /Products (200) and customers (201)', async () => {
    fx = await start();
    const c = fx.connect();
    const product = await c.create('product', { Code: 'SKU-1', Name: 'Sykkel', UnitPrice: 4990 });
    const customer = await c.create('customer', {
      IsPerson: true,
      FirstName: 'Kari',
      LastName: 'Nordmann',
      InvoiceDeliveryType: 'Print',
    });
    const statuses = fx.sb.log
      .list()
      .filter((r) => r.method === 'POST' && r.path.startsWith('/v2/'))
      .map((r) => r.status);
    expect(statuses).toEqual([200, 201]);
    expect(product).toMatchObject({ Code: 'SKU-1', ProductType: 'Product', IsArchived: false });
    expect(customer).toMatchObject({ Name: 'Kari Nordmann', Number: 10000, IsActive: true });
  });

  it('creates an order with its lines in one call and computes the amounts', async () => {
    fx = await start();
    const { order, lines } = await customerAndOrder(fx, [
      {
        ProductCode: 'FRAKT',
        Quantity: 1,
        ProductUnitPrice: 99,
        SortOrder: 2,
        ExternalImportReference: 'ship',
      },
      { ProductCode: 'GEBYR', Quantity: 3, ProductUnitPrice: 10.333, Allowance: 10, SortOrder: 1 },
    ]);
    const posts = fx.sb.log.list().filter((r) => r.path === '/v2/SalesOrders/Complete');
    expect(posts).toHaveLength(1);
    expect(order.SalesOrderLines).toBeUndefined();
    // Children come back in the order they were sent, although the service sorts by SortOrder.
    expect(lines.map((l) => l.ProductCode)).toEqual(['FRAKT', 'GEBYR']);
    expect(lines[0]).toMatchObject({
      NetAmount: 99,
      VatAmount: 24.75,
      TotalAmount: 123.75,
      VatRate: 0.25,
      Description: 'Frakt',
    });
    // 3 × 10.333 × 0.9 = 27.8991 → 27.90; VAT 6.975 → 6.98 (half away from zero)
    expect(lines[1]).toMatchObject({ NetAmount: 27.9, VatAmount: 6.98, TotalAmount: 34.88 });
    expect(order).toMatchObject({
      NetAmount: 126.9,
      TotalAmount: 158.63,
      LineCount: 2,
      SalesOrderStatus: 'Draft',
      IsCreatedByCurrentIntegration: true,
    });
  });

  it('adds, reads, patches and deletes lines under their order', async () => {
    fx = await start();
    const { c, order } = await customerAndOrder(fx);
    const orderId = String(order.Id);
    const line = await c.create(
      'salesorderline',
      { ProductCode: 'GEBYR', Quantity: 2, ProductUnitPrice: 25 },
      { parentId: orderId },
    );
    expect(line).toMatchObject({ SalesOrderId: orderId, NetAmount: 50, ProductCode: 'GEBYR' });
    const lineId = String(line.Id);
    expect(await c.get('salesorderline', lineId, { parentId: orderId })).toMatchObject({ Quantity: 2 });
    const patched = await c.update(
      'salesorderline',
      lineId,
      [{ op: 'replace', path: '/Quantity', value: 4 }],
      { parentId: orderId },
    );
    expect(patched).toMatchObject({ Quantity: 4, NetAmount: 100 });
    const header = await c.get('salesorder', orderId);
    expect(header).toMatchObject({ LineCount: 2, NetAmount: 199 });
    expect(String(header!.LastChangedDateTimeOffset) > String(order.LastChangedDateTimeOffset)).toBe(true);
    await c.remove('salesorderline', lineId, 'delete', { parentId: orderId });
    expect(await c.get('salesorderline', lineId, { parentId: orderId })).toBeNull();
    await c.remove('salesorderline', lineId, 'delete', { parentId: orderId }); // already gone: fine
    expect((await c.get('salesorder', orderId))?.LineCount).toBe(1);
  });

  it('sends exactly the ops it is given as application/json-patch+json, nested paths included', async () => {
    fx = await start();
    const c = fx.connect();
    const customer = await c.create('customer', { Name: 'N AS', EmailAddress: 'n@n.no' });
    const id = String(customer.Id);
    const ops = [
      { op: 'add', path: '/MailAddress', value: { AddressLine1: 'Gate 1', City: 'Oslo', ZipCode: '0150' } },
      { op: 'replace', path: '/PhoneNumber', value: '+47 22 22 22 22' },
    ] as const;
    const mark = fx.sb.log.mark();
    const after = await c.update('customer', id, [...ops]);
    expect(fx.sb.log.list(mark).map((r) => [r.method, r.body])).toEqual([['PATCH', ops]]);
    expect(after.MailAddress).toMatchObject({ City: 'Oslo', CountryCode: 'NO' });
    const nested = await c.update('customer', id, [
      { op: 'replace', path: '/MailAddress/City', value: 'Bergen' },
    ]);
    expect(nested).toMatchObject({
      MailAddress: { City: 'Bergen', AddressLine1: 'Gate 1' },
      PhoneNumber: '+47 22 22 22 22',
    });
    // Case-insensitive paths, as ASP.NET binds them; remove means null.
    const lower = await c.update('customer', id, [{ op: 'remove', path: '/phonenumber' }]);
    expect(lower.PhoneNumber).toBeNull();
  });

  it('maps JSON Patch refusals to validation errors with the vendor text', async () => {
    fx = await start();
    const c = fx.connect();
    const customer = await c.create('customer', { Name: 'P AS', EmailAddress: 'p@p.no' });
    const id = String(customer.Id);
    const unknown = await failure(
      c.update('customer', id, [{ op: 'replace', path: '/Nickname', value: 'x' }]),
    );
    expect(unknown.kind).toBe('validation');
    expect(unknown.message).toContain(
      "CustomerPatchDto: The target location specified by path segment 'Nickname' was not found.",
    );
    const readOnly = await failure(
      c.update('customer', id, [{ op: 'replace', path: '/LastChangedDateTimeOffset', value: 'x' }]),
    );
    expect(readOnly.kind).toBe('validation');
    expect(readOnly.message).toContain('could not be updated');
    const missingParent = await failure(
      c.update('customer', id, [{ op: 'replace', path: '/MailAddress/City', value: 'Oslo' }]),
    );
    expect(missingParent.message).toContain("path segment 'City' was not found");
    const badValue = await failure(
      c.update('customer', id, [{ op: 'replace', path: '/IsPerson', value: 'yes' }]),
    );
    expect(badValue.message).toContain("The value 'yes' is invalid for target location.");
    const tooLong = await failure(
      c.update('customer', id, [{ op: 'replace', path: '/ExternalImportReference', value: 'x'.repeat(51) }]),
    );
    expect(tooLong.kind).toBe('validation');
    const test = await failure(c.update('customer', id, [{ op: 'test', path: '/Name', value: 'Other' }]));
    expect(test.message).toContain('is not equal to the test value');
    // Create-only alternatives are not patchable.
    const createOnly = await failure(
      c.update('customer', id, [{ op: 'replace', path: '/DepartmentCode', value: 'A' }]),
    );
    expect(createOnly.message).toContain('could not be updated');
  });

  it('refuses a PATCH that is not application/json-patch+json (415)', async () => {
    fx = await start();
    const res = await raw(
      fx.sb,
      'PATCH',
      'Products/5000001',
      [{ op: 'replace', path: '/Name', value: 'x' }],
      {
        'content-type': 'application/json',
      },
    );
    expect(res.status).toBe(415);
  });

  it('archives and deletes, and treats an already deleted record as removed', async () => {
    fx = await start();
    const c = fx.connect();
    const p = await c.create('product', { Code: 'ARK', Name: 'Arkiv' });
    const mark = fx.sb.log.mark();
    await c.remove('product', String(p.Id), 'archive');
    expect(fx.sb.log.list(mark).map((r) => [r.method, r.body])).toEqual([
      ['PATCH', [{ op: 'replace', path: '/IsArchived', value: true }]],
    ]);
    expect((await c.get('product', String(p.Id)))?.IsArchived).toBe(true);
    await c.remove('product', String(p.Id), 'delete');
    expect(await c.get('product', String(p.Id))).toBeNull();
    await c.remove('product', String(p.Id), 'delete');
    await expect(c.remove('salesorder', '00000000-0000-4000-8000-000000000000', 'archive')).rejects.toThrow(
      /archive/,
    );
  });

  it('refuses to delete a customer or product in use (409 → conflict)', async () => {
    fx = await start();
    const { c, customer } = await customerAndOrder(fx);
    const error = await failure(c.remove('customer', String(customer.Id), 'delete'));
    expect(error.kind).toBe('conflict');
    expect(error.status).toBe(409);
    expect(error.vendorCode).toBe('Customer conflict');
    const frakt = [...fx.sb.state.products.values()].find((p) => p.Code === 'FRAKT')!;
    expect((await failure(c.remove('product', String(frakt.Id), 'delete'))).kind).toBe('conflict');
  });

  it('locks Confirmed orders: header and line changes refused (locked) until set back to Draft', async () => {
    fx = await start();
    const { c, order, lines } = await customerAndOrder(fx);
    const orderId = String(order.Id);
    await c.update('salesorder', orderId, [{ op: 'replace', path: '/SalesOrderStatus', value: 'Confirmed' }]);
    const header = await failure(
      c.update('salesorder', orderId, [{ op: 'replace', path: '/CustomerReference', value: 'x' }]),
    );
    expect(header.kind).toBe('locked');
    const addLine = await failure(
      c.create('salesorderline', { ProductCode: 'GEBYR', Quantity: 1 }, { parentId: orderId }),
    );
    expect(addLine.kind).toBe('locked');
    const lineId = String(lines[0]!.Id);
    expect(
      (
        await failure(
          c.update('salesorderline', lineId, [{ op: 'replace', path: '/Quantity', value: 2 }], {
            parentId: orderId,
          }),
        )
      ).kind,
    ).toBe('locked');
    expect((await failure(c.remove('salesorderline', lineId, 'delete', { parentId: orderId }))).kind).toBe(
      'locked',
    );
    expect((await failure(c.remove('salesorder', orderId, 'delete'))).kind).toBe('locked');
    await c.update('salesorder', orderId, [{ op: 'replace', path: '/SalesOrderStatus', value: 'Draft' }]);
    await c.update('salesorder', orderId, [{ op: 'replace', path: '/CustomerReference', value: 'x' }]);
  });

  it('reserves stock for Confirmed orders (StockAvailable) without touching LastChangedDateTimeOffset', async () => {
    fx = await start();
    const c = fx.connect();
    const p = await c.create('product', {
      Code: 'LAGER',
      Name: 'Lagervare',
      UnitPrice: 100,
      IsStockItem: true,
      StockOnHand: 10,
    });
    const customer = await c.create('customer', { Name: 'S AS', EmailAddress: 's@s.no' });
    const order = await c.create('salesorder', {
      CustomerId: customer.Id,
      SalesOrderLines: [{ ProductId: p.Id, Quantity: 3 }],
    });
    expect((await c.get('product', String(p.Id)))?.StockAvailable).toBe(10);
    await c.update('salesorder', String(order.Id), [
      { op: 'replace', path: '/SalesOrderStatus', value: 'Confirmed' },
    ]);
    expect((await c.get('product', String(p.Id)))?.StockAvailable).toBe(7);
    const stock = await c.update('product', String(p.Id), [
      { op: 'replace', path: '/StockOnHand', value: 20 },
    ]);
    expect(stock.LastChangedDateTimeOffset).toBe(p.LastChangedDateTimeOffset);
    expect(stock.StockOnHandLastChangedDatetimeOffset).not.toBe(p.StockOnHandLastChangedDatetimeOffset);
  });

  it('exposes the existing id when a guard value is already in use (customers, products, orders, lines)', async () => {
    fx = await start();
    const { c, customer, order } = await customerAndOrder(fx, [
      { ProductCode: 'FRAKT', Quantity: 1, ExternalImportReference: 'line-1' },
    ]);
    await c.update('customer', String(customer.Id), [
      { op: 'add', path: '/ExternalImportReference', value: 'woo-customer-7' },
    ]);
    const dupCustomer = await failure(
      c.create('customer', {
        Name: 'Dup',
        EmailAddress: 'd@d.no',
        ExternalImportReference: 'WOO-CUSTOMER-7',
      }),
    );
    expect(dupCustomer).toMatchObject({
      kind: 'conflict',
      existingId: String(customer.Id),
      vendorCode: 'Customer validation error(s)',
      status: 400,
    });
    expect(dupCustomer.fields?.ExternalImportReference).toContain('already in use');
    const product = await c.create('product', { Code: 'DUP', Name: 'x' });
    expect(await failure(c.create('product', { Code: 'dup', Name: 'y' }))).toMatchObject({
      kind: 'conflict',
      existingId: String(product.Id),
    });
    expect(
      await failure(c.create('salesorder', { CustomerId: customer.Id, ExternalImportReference: 'woo-1001' })),
    ).toMatchObject({
      kind: 'conflict',
      existingId: String(order.Id),
    });
    const line = await failure(
      c.create(
        'salesorderline',
        { ProductCode: 'FRAKT', Quantity: 1, ExternalImportReference: 'line-1' },
        { parentId: String(order.Id) },
      ),
    );
    expect(line.kind).toBe('conflict');
    expect(line.existingId).toMatch(/^[0-9a-f-]{36}$/);
    expect(line.requestBody).toMatchObject({ ExternalImportReference: 'line-1' });
  });

  it('finds records by identity guard for every entity', async () => {
    fx = await start();
    const notBefore = new Date();
    const { c, customer, order, lines } = await customerAndOrder(fx, [
      { ProductCode: 'FRAKT', Quantity: 1, ExternalImportReference: 'woo-line-55' },
    ]);
    await c.update('customer', String(customer.Id), [
      { op: 'add', path: '/ExternalImportReference', value: 'woo-c-1' },
    ]);
    const byRef = await c.findByGuard('customer', { field: 'ExternalImportReference', value: 'woo-c-1' });
    expect(byRef.map((r) => r.Id)).toEqual([customer.Id]);
    expect((await c.findByGuard('product', { field: 'Code', value: 'GEBYR' })).map((r) => r.Code)).toEqual([
      'GEBYR',
    ]);
    expect(await c.findByGuard('product', { field: 'Code', value: 'A,B' })).toEqual([]);
    const mark = fx.sb.log.mark();
    const orders = await c.findByGuard('salesorder', {
      field: 'ExternalImportReference',
      value: 'woo-1001',
      notBefore,
    });
    expect(orders.map((r) => r.Id)).toEqual([order.Id]);
    expect(orders[0]).toHaveProperty('NetAmount');
    const scan = fx.sb.log.list(mark)[0]!;
    expect(scan.path).toBe('/v2/SalesOrders');
    expect(scan.query.lastChangedDateTimeOffsetGreaterThan).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/,
    );
    const found = await c.findByGuard('salesorderline', {
      field: 'ExternalImportReference',
      value: 'woo-line-55',
      parentId: String(order.Id),
    });
    expect(found.map((r) => r.Id)).toEqual([lines[0]!.Id]);
    await expect(c.findByGuard('customer', { field: 'EmailAddress', value: 'x' })).rejects.toSatisfy(
      (e: unknown) => isConnectorError(e, 'validation'),
    );
  });

  it('refuses a line for an unknown product (404 ProblemDetails on POST → validation)', async () => {
    fx = await start();
    const c = fx.connect();
    const customer = await c.create('customer', { Name: 'U AS', EmailAddress: 'u@u.no' });
    const error = await failure(
      c.create('salesorder', {
        CustomerId: customer.Id,
        SalesOrderLines: [{ ProductCode: 'NOPE', Quantity: 1 }],
      }),
    );
    expect(error).toMatchObject({ kind: 'validation', status: 404 });
    expect(error.message).toContain("Product with code = 'NOPE' not found.");
    expect(fx.sb.state.orders.size).toBe(0);
  });
});
