/**
 * The API's routes (below `/v2`) and what each answers. Paths match case-insensitively, as
 * ASP.NET routing does; id segments must satisfy the route constraint (int64 for customers
 * and products, uuid for orders and lines), or the route does not match (404).
 */
import {
  createCustomer,
  deleteCustomer,
  filterCustomers,
  patchCustomer,
  renderCustomer,
} from './customers.ts';
import { validIntId, validUuid } from './domain.ts';
import { notFoundById, Problem } from './problem.ts';
import { createProduct, deleteProduct, filterProducts, patchProduct, renderProduct } from './products.ts';
import { pageOf, paginationHeader, type Query, resourceParameters } from './query.ts';
import {
  createLine,
  createOrder,
  deleteLine,
  deleteOrder,
  filterOrders,
  getLine,
  listLines,
  patchLine,
  patchOrder,
  renderLine,
  renderOrder,
} from './sales-orders.ts';
import { type PropertySchema, SCHEMAS } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

export interface Context {
  state: PowerOfficeState;
  query: Query;
  body: unknown;
  params: Record<string, string>;
  url: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  /** Lower-case segments after `/v2`; `:name` captures, `:name#int` / `:name#uuid` constrain. */
  segments: string[];
  handler: (ctx: Context) => Reply;
}

const ok = (body: unknown, status = 200): Reply => ({ status, body });

function listing(items: Rec[], ctx: Context, props: Record<string, PropertySchema>): Reply {
  const params = resourceParameters(ctx.query, props);
  const page = pageOf(items, params);
  if (page.length === 0) return { status: 204 };
  return {
    status: 200,
    body: page,
    headers: { 'x-pagination': paginationHeader(items.length, params, ctx.url) },
  };
}

function requireBody(body: unknown): void {
  if (body === undefined || body === null || body === '') {
    throw new Problem(400, 'One or more validation errors occurred.', undefined, {
      '': ['A non-empty request body is required.'],
    });
  }
}

const route = (method: string, path: string, handler: Route['handler']): Route => ({
  method,
  segments: path.split('/').filter(Boolean),
  handler,
});

export const ROUTES: Route[] = [
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

export type Match = { route: Route; params: Record<string, string> } | 'method-not-allowed' | undefined;

/** Find the route for a method and the segments after `/v2`. */
export function matchRoute(method: string, segments: string[]): Match {
  let pathMatched = false;
  for (const r of ROUTES) {
    if (r.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = r.segments.every((pattern, i) => {
      const seg = segments[i]!;
      if (!pattern.startsWith(':')) return pattern === seg.toLowerCase();
      const [name, constraint] = pattern.slice(1).split('#');
      if (constraint === 'int' && !validIntId(seg)) return false;
      if (constraint === 'uuid' && !validUuid(seg)) return false;
      params[name!] =
        constraint === 'uuid' ? seg.toLowerCase() : constraint === 'int' ? BigInt(seg).toString() : seg;
      return true;
    });
    if (!fits) continue;
    pathMatched = true;
    if (r.method === method) return { route: r, params };
  }
  return pathMatched ? 'method-not-allowed' : undefined;
}
