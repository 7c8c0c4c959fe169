/**
 * Routes of customers, products, sales orders and their lines (below `/v2`).
 */
import {
  createCustomer,
  deleteCustomer,
  filterCustomers,
  patchCustomer,
  renderCustomer,
} from './customers.ts';
import { notFoundById } from './problem.ts';
import { createProduct, deleteProduct, filterProducts, patchProduct, renderProduct } from './products.ts';
import { listing, ok, type Route, requireBody, route } from './route-kit.ts';
import { createLine, deleteLine, getLine, listLines, patchLine, renderLine } from './sales-order-lines.ts';
import { createOrder, deleteOrder, filterOrders, patchOrder, renderOrder } from './sales-orders.ts';
import { SCHEMAS } from './schemas.ts';

export const CORE_ROUTES: Route[] = [
  route('GET', 'clientintegrationinformation', () =>
    ok({
      ClientId: '5f1c7c1e-8d3a-4c55-9d1e-0b1a2c3d4e5f',
      ClientName: 'mapsync sandbox AS',
      ActiveClientSubscriptions: ['Basic', 'Invoicing', 'Stock'],
      ValidPrivileges: [
        'Customer',
        'Customer_Full',
        'Product',
        'Product_Full',
        'SalesOrders',
        'SalesOrders_Full',
        'ContactPerson',
        'ContactPerson_Full',
        'CommonServices',
        'GeneralLedgerAccount',
        'OutgoingInvoice',
        'CustomerLedger',
        'BankVoucher_Full',
        'YearEndVoucher_Full',
        'ClientIntegrationInformation',
      ],
      InvalidPrivileges: [],
    }),
  ),

  route('GET', 'customers', (ctx) =>
    listing(filterCustomers(ctx.state, ctx.query).map(renderCustomer), ctx, SCHEMAS.customer.properties),
  ),
  route('POST', 'customers', (ctx) => {
    requireBody(ctx.body);
    return ok(renderCustomer(createCustomer(ctx.state, ctx.body)), 201);
  }),
  route('GET', 'customers/:id#int', (ctx) => {
    const rec = ctx.state.customers.get(ctx.params.id!);
    if (!rec) throw notFoundById('Customer', ctx.params.id!);
    return ok(renderCustomer(rec));
  }),
  route('PATCH', 'customers/:id#int', (ctx) =>
    ok(renderCustomer(patchCustomer(ctx.state, ctx.params.id!, ctx.body))),
  ),
  route('DELETE', 'customers/:id#int', (ctx) => {
    deleteCustomer(ctx.state, ctx.params.id!);
    return { status: 200 };
  }),

  route('GET', 'products', (ctx) =>
    listing(
      filterProducts(ctx.state, ctx.query).map((p) => renderProduct(ctx.state, p)),
      ctx,
      SCHEMAS.product.properties,
    ),
  ),
  // The vendor's POST /Products answers 200, not 201.
  route('POST', 'products', (ctx) => {
    requireBody(ctx.body);
    return ok(renderProduct(ctx.state, createProduct(ctx.state, ctx.body)), 200);
  }),
  route('GET', 'products/:id#int', (ctx) => {
    const rec = ctx.state.products.get(ctx.params.id!);
    if (!rec) throw notFoundById('Product', ctx.params.id!);
    return ok(renderProduct(ctx.state, rec));
  }),
  route('PATCH', 'products/:id#int', (ctx) =>
    ok(renderProduct(ctx.state, patchProduct(ctx.state, ctx.params.id!, ctx.body))),
  ),
  route('DELETE', 'products/:id#int', (ctx) => {
    deleteProduct(ctx.state, ctx.params.id!);
    return { status: 200 };
  }),

  route('GET', 'salesorders', (ctx) =>
    listing(
      filterOrders(ctx.state, ctx.query).map((o) => renderOrder(ctx.state, o)),
      ctx,
      SCHEMAS.salesorder.properties,
    ),
  ),
  route('POST', 'salesorders/complete', (ctx) => {
    requireBody(ctx.body);
    return ok(renderOrder(ctx.state, createOrder(ctx.state, ctx.body), true), 201);
  }),
  route('GET', 'salesorders/:id#uuid', (ctx) => {
    const rec = ctx.state.orders.get(ctx.params.id!);
    if (!rec) throw notFoundById('Sales order', ctx.params.id!);
    return ok(renderOrder(ctx.state, rec));
  }),
  route('GET', 'salesorders/:id#uuid/complete', (ctx) => {
    const rec = ctx.state.orders.get(ctx.params.id!);
    if (!rec) throw notFoundById('Sales order', ctx.params.id!);
    return ok(renderOrder(ctx.state, rec, true));
  }),
  route('PATCH', 'salesorders/:id#uuid', (ctx) =>
    ok(renderOrder(ctx.state, patchOrder(ctx.state, ctx.params.id!, ctx.body))),
  ),
  route('DELETE', 'salesorders/:id#uuid', (ctx) => {
    deleteOrder(ctx.state, ctx.params.id!);
    return { status: 200 };
  }),
  route('GET', 'salesorders/:id#uuid/lines', (ctx) =>
    listing(
      listLines(ctx.state, ctx.params.id!).map((l) => renderLine(ctx.state, l)),
      ctx,
      SCHEMAS.salesorderline.properties,
    ),
  ),
  route('POST', 'salesorders/:id#uuid/lines', (ctx) => {
    requireBody(ctx.body);
    return ok(renderLine(ctx.state, createLine(ctx.state, ctx.params.id!, ctx.body)), 201);
  }),
  route('GET', 'salesorders/:id#uuid/lines/:lineId#uuid', (ctx) =>
    ok(renderLine(ctx.state, getLine(ctx.state, ctx.params.id!, ctx.params.lineId!))),
  ),
  route('PATCH', 'salesorders/:id#uuid/lines/:lineId#uuid', (ctx) =>
    ok(renderLine(ctx.state, patchLine(ctx.state, ctx.params.id!, ctx.params.lineId!, ctx.body))),
  ),
  route('DELETE', 'salesorders/:id#uuid/lines/:lineId#uuid', (ctx) => {
    deleteLine(ctx.state, ctx.params.id!, ctx.params.lineId!);
    return { status: 200 };
  }),
];
