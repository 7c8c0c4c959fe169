/**
 * The wc/v3 router: resolves `/wp-json/wc/v3/...` and `/?rest_route=/wc/v3/...`, applies
 * `X-HTTP-Method-Override`/`_method`, checks the endpoint permission (anonymous → 401
 * `woocommerce_rest_cannot_*`), and runs the resource operations, batch included.
 */
import { first, type Query } from './collection.ts';
import { pick } from './crud-list.ts';
import { createCustomer, deleteCustomer, getCustomer, listCustomers, updateCustomer } from './customers.ts';
import { createOrder, deleteOrder, getOrder, listOrders, renderOrder, updateOrder } from './orders.ts';
import { listProducts, renderAny } from './product-list.ts';
import { createProduct, deleteProduct, getProduct, updateProduct } from './products.ts';
import {
  type Action,
  type ApiRequest,
  type ApiResult,
  batchItems,
  denied,
  force,
  objectBody,
  type RouterContext,
  type SubRouter,
  WRITE,
} from './route-kit.ts';
import { orderChildRoutes } from './routes-orders.ts';
import { taxRoutes } from './routes-tax.ts';
import { variationRoutes } from './routes-variations.ts';
import type { Shop } from './shop.ts';
import { publicView, type Rec } from './state.ts';
import type { Resource } from './validate.ts';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  updateWebhook,
  webhookView,
} from './webhooks.ts';
import { noRoute, WpError } from './wp-error.ts';

export type { ApiRequest, ApiResult, RouterContext };

const COLLECTIONS: Record<string, Resource> = { customers: 'customer', orders: 'order', products: 'product' };
const POST_TYPE: Record<Resource, string> = { customer: 'customer', order: 'shop_order', product: 'product' };

/** Extra route families, tried in order after the core resources. */
const SUB_ROUTERS: SubRouter[] = [taxRoutes, orderChildRoutes, variationRoutes];

export function render(shop: Shop, resource: Resource, record: Rec): Rec {
  return resource === 'order'
    ? renderOrder(shop, record)
    : resource === 'product'
      ? renderAny(shop, record)
      : publicView(record);
}

function ops(shop: Shop, resource: Resource) {
  switch (resource) {
    case 'customer':
      return {
        get: (id: number) => publicView(getCustomer(shop, id)),
        create: (body: Rec, batch: boolean) => createCustomer(shop, body, batch),
        update: (id: number, body: Rec, batch: boolean) => updateCustomer(shop, id, body, batch),
        remove: (id: number, f: boolean, batch: boolean) => deleteCustomer(shop, id, f, batch),
        list: (q: Query, url: URL) => listCustomers(shop, q, url),
      };
    case 'order':
      return {
        get: (id: number) => renderOrder(shop, getOrder(shop, id)),
        create: (body: Rec) => createOrder(shop, body),
        update: (id: number, body: Rec) => updateOrder(shop, id, body),
        remove: (id: number, f: boolean) => deleteOrder(shop, id, f),
        list: (q: Query, url: URL) => listOrders(shop, q, url),
      };
    case 'product':
      return {
        get: (id: number) => renderAny(shop, getProduct(shop, id)),
        create: (body: Rec) => createProduct(shop, body),
        update: (id: number, body: Rec) => updateProduct(shop, id, body),
        remove: (id: number, f: boolean) => deleteProduct(shop, id, f),
        list: (q: Query, url: URL) => listProducts(shop, q, url),
      };
  }
}

export function route(ctx: RouterContext, request: ApiRequest): ApiResult {
  const { shop } = ctx;
  const path = request.route.replace(/\/+$/, '') || '/';
  const { method, query } = request;
  const body = objectBody(request.body);
  const fields = first(query, '_fields');
  const shape = (record: Rec) => (fields ? pick(record, fields) : record);

  if (path === '/wc/v3' || path === '/') {
    if (method !== 'GET') throw noRoute();
    return { status: 200, body: index(request.url) };
  }

  const resourceMatch = /^\/wc\/v3\/(customers|orders|products)(?:\/(batch|\d+))?$/.exec(path);
  if (resourceMatch) {
    const resource = COLLECTIONS[resourceMatch[1]!]!;
    const o = ops(shop, resource);
    const tail = resourceMatch[2];
    const require = (action: Action) => {
      if (!request.authenticated) throw denied(action);
    };
    if (tail === undefined) {
      if (method === 'GET') {
        require('list');
        const { items, headers } = o.list(query, request.url);
        return { status: 200, body: items, headers };
      }
      if (method === 'POST') {
        require('create');
        const record = o.create(body, false);
        const location = `${shop.settings.siteUrl}/wp-json/wc/v3/${resourceMatch[1]}/${record.id}`;
        return { status: 201, body: shape(record), headers: { Location: location } };
      }
      throw noRoute();
    }
    if (tail === 'batch') {
      if (!WRITE.has(method)) throw noRoute();
      require('batch');
      return { status: 200, body: batch(resource, o, body) };
    }
    const id = Number(tail);
    if (method === 'GET') {
      require('view');
      return { status: 200, body: shape(o.get(id)) };
    }
    if (WRITE.has(method)) {
      require('edit');
      return { status: 200, body: shape(o.update(id, body, false)) };
    }
    if (method === 'DELETE') {
      require('delete');
      return { status: 200, body: shape(o.remove(id, force(query, body), false)) };
    }
    throw noRoute();
  }

  const hookMatch = /^\/wc\/v3\/webhooks(?:\/(\d+))?$/.exec(path);
  if (hookMatch) {
    const require = (action: Action) => {
      if (!request.authenticated) throw denied(action);
    };
    if (hookMatch[1] === undefined) {
      if (method === 'GET') {
        require('list');
        return { status: 200, body: listWebhooks(shop, query) };
      }
      if (method === 'POST') {
        require('create');
        return { status: 201, body: createWebhook(shop, ctx.hub, body, ctx.webhookSecret) };
      }
      throw noRoute();
    }
    const id = Number(hookMatch[1]);
    if (method === 'GET') {
      require('view');
      return { status: 200, body: webhookView(getWebhook(shop, id)) };
    }
    if (WRITE.has(method)) {
      require('edit');
      return { status: 200, body: updateWebhook(shop, id, body) };
    }
    if (method === 'DELETE') {
      require('delete');
      return { status: 200, body: deleteWebhook(shop, id, force(query, body)) };
    }
  }
  for (const sub of SUB_ROUTERS) {
    const result = sub(ctx, { ...request, route: path }, body);
    if (result) return result;
  }
  throw noRoute();
}

function batch(resource: Resource, o: ReturnType<typeof ops>, body: Rec): Rec {
  return batchItems(body, {
    create: (item) => o.create(item, true),
    update: (id, item) => o.update(id, item, true),
    // Batch deletes are always forced: orders and products are deleted permanently.
    remove: (id) => o.remove(id, true, true),
    invalidId: () => new WpError(`woocommerce_rest_${POST_TYPE[resource]}_invalid_id`, 'Invalid ID.', 400),
  });
}

/** Every route the sandbox answers, as `GET /wp-json/wc/v3` lists them. */
const ROUTES = [
  ...['customers', 'orders', 'products'].flatMap((r) => [
    `/wc/v3/${r}`,
    `/wc/v3/${r}/(?P<id>[\\d]+)`,
    `/wc/v3/${r}/batch`,
  ]),
  '/wc/v3/webhooks',
  '/wc/v3/webhooks/(?P<id>[\\d]+)',
  '/wc/v3/orders/(?P<order_id>[\\d]+)/refunds',
  '/wc/v3/orders/(?P<order_id>[\\d]+)/refunds/(?P<id>[\\d]+)',
  '/wc/v3/refunds',
  '/wc/v3/orders/(?P<order_id>[\\d]+)/notes',
  '/wc/v3/orders/(?P<order_id>[\\d]+)/notes/(?P<id>[\\d]+)',
  '/wc/v3/products/(?P<product_id>[\\d]+)/variations',
  '/wc/v3/products/(?P<product_id>[\\d]+)/variations/(?P<id>[\\d]+)',
  '/wc/v3/products/(?P<product_id>[\\d]+)/variations/batch',
  '/wc/v3/coupons',
  '/wc/v3/coupons/(?P<id>[\\d]+)',
  '/wc/v3/taxes',
  '/wc/v3/taxes/(?P<id>[\\d]+)',
  '/wc/v3/taxes/batch',
  '/wc/v3/taxes/classes',
  '/wc/v3/taxes/classes/(?P<slug>\\w[\\w\\s\\-]*)',
  '/wc/v3/settings',
  '/wc/v3/settings/(?P<group_id>[\\w-]+)',
  '/wc/v3/settings/(?P<group_id>[\\w-]+)/batch',
  '/wc/v3/settings/(?P<group_id>[\\w-]+)/(?P<id>[\\w-]+)',
  '/wc/v3/payment_gateways',
  '/wc/v3/data/currencies/current',
];

function index(url: URL): Rec {
  return {
    namespace: 'wc/v3',
    routes: Object.fromEntries(
      ROUTES.map((r) => [r, { namespace: 'wc/v3', _links: { self: `${url.origin}/wp-json${r}` } }]),
    ),
  };
}
