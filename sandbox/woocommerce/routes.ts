/**
 * The wc/v3 router: resolves `/wp-json/wc/v3/...` and `/?rest_route=/wc/v3/...`, applies
 * `X-HTTP-Method-Override`/`_method`, checks the endpoint permission (anonymous → 401
 * `woocommerce_rest_cannot_*`), and runs the resource operations, batch included.
 */
import { bool, first, ParamErrors, type Query } from './collection.ts';
import { pick } from './crud-list.ts';
import { createCustomer, deleteCustomer, getCustomer, listCustomers, updateCustomer } from './customers.ts';
import { createOrder, deleteOrder, getOrder, listOrders, renderOrder, updateOrder } from './orders.ts';
import {
  createProduct,
  deleteProduct,
  getProduct,
  listProducts,
  renderProduct,
  updateProduct,
} from './products.ts';
import type { Shop } from './shop.ts';
import { publicView, type Rec } from './state.ts';
import type { Resource } from './validate.ts';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  updateWebhook,
  type WebhookHub,
  webhookView,
} from './webhooks.ts';
import { noRoute, WpError } from './wp-error.ts';

export interface ApiRequest {
  method: string;
  /** Route inside the REST API, e.g. `/wc/v3/customers/5`. */
  route: string;
  query: Query;
  body: unknown;
  authenticated: boolean;
  url: URL;
}

export interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RouterContext {
  shop: Shop;
  hub: WebhookHub;
  webhookSecret: string;
}

const COLLECTIONS: Record<string, Resource> = { customers: 'customer', orders: 'order', products: 'product' };
const POST_TYPE: Record<Resource, string> = { customer: 'customer', order: 'shop_order', product: 'product' };
const BATCH_LIMIT = 100;
const WRITE = new Set(['POST', 'PUT', 'PATCH']);

type Action = 'list' | 'view' | 'create' | 'edit' | 'delete' | 'batch';

function denied(action: Action): WpError {
  const messages: Record<Action, [string, string]> = {
    list: ['woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'],
    view: ['woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.'],
    create: ['woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.'],
    edit: ['woocommerce_rest_cannot_edit', 'Sorry, you are not allowed to edit this resource.'],
    delete: ['woocommerce_rest_cannot_delete', 'Sorry, you are not allowed to delete this resource.'],
    batch: ['woocommerce_rest_cannot_batch', 'Sorry, you are not allowed to batch manipulate this resource.'],
  };
  const [code, message] = messages[action];
  return new WpError(code, message, 401);
}

function objectBody(body: unknown): Rec {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Rec) : {};
}

function force(query: Query, body: Rec): boolean {
  const errors = new ParamErrors();
  const fromQuery = bool(query, 'force', errors);
  errors.throwIfAny();
  return fromQuery ?? (body.force === true || body.force === 'true');
}

export function render(shop: Shop, resource: Resource, record: Rec): Rec {
  return resource === 'order'
    ? renderOrder(shop, record)
    : resource === 'product'
      ? renderProduct(record)
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
        get: (id: number) => renderProduct(getProduct(shop, id)),
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
  throw noRoute();
}

function batch(resource: Resource, o: ReturnType<typeof ops>, body: Rec): Rec {
  const creates = Array.isArray(body.create) ? (body.create as unknown[]) : [];
  const updates = Array.isArray(body.update) ? (body.update as unknown[]) : [];
  const deletes = Array.isArray(body.delete) ? (body.delete as unknown[]) : [];
  if (creates.length + updates.length + deletes.length > BATCH_LIMIT) {
    throw new WpError(
      'woocommerce_rest_request_entity_too_large',
      `Unable to accept more than ${BATCH_LIMIT} items for this request.`,
      413,
    );
  }
  const attempt = (id: unknown, fn: () => Rec): Rec => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof WpError) return { id: typeof id === 'number' ? id : 0, error: error.body() };
      throw error;
    }
  };
  const out: Rec = {};
  if (body.create !== undefined)
    out.create = creates.map((item) => attempt(0, () => o.create(objectBody(item), true)));
  if (body.update !== undefined) {
    out.update = updates.map((item) => {
      const fields = objectBody(item);
      const id = fields.id;
      return attempt(id, () => {
        if (typeof id !== 'number') {
          throw new WpError(`woocommerce_rest_${POST_TYPE[resource]}_invalid_id`, 'Invalid ID.', 400);
        }
        const { id: _id, ...rest } = fields;
        return o.update(id, rest, true);
      });
    });
  }
  if (body.delete !== undefined) {
    // Batch deletes are always forced: orders and products are deleted permanently.
    out.delete = deletes.map((id) => attempt(Number(id), () => o.remove(Number(id), true, true)));
  }
  return out;
}

function index(url: URL): Rec {
  const routes = ['customers', 'orders', 'products', 'webhooks'].flatMap((r) => [
    `/wc/v3/${r}`,
    `/wc/v3/${r}/(?P<id>[\\d]+)`,
    ...(r === 'webhooks' ? [] : [`/wc/v3/${r}/batch`]),
  ]);
  return {
    namespace: 'wc/v3',
    routes: Object.fromEntries(
      routes.map((r) => [r, { namespace: 'wc/v3', _links: { self: `${url.origin}/wp-json${r}` } }]),
    ),
  };
}
