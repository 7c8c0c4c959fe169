/**
 * Sandbox-only helpers behind `/__admin` (loopback, no vendor auth), and the same
 * operations for in-process callers (tests, the conformance harness):
 *
 * - `POST /__admin/reset`: empty shop (keys and webhook secret stay).
 * - `POST /__admin/seed {count, seed, anchor?, …options}`: reset, then generate a
 *   deterministic shop (options: seed.ts `SeedOptions`).
 * - `POST /__admin/records/<entity>`: insert raw records (one or an array), bypassing the
 *   API, its validation, its log and webhooks; missing fields get defaults, given ids and
 *   dates are kept (`*_gmt` or local alone is enough).
 * - `PATCH /__admin/records/<entity>/<id>`: edit as a shop manager would in wp-admin
 *   (same rules as the API, fires webhooks, no auth).
 * - `DELETE /__admin/records/<entity>/<id>?force=`: delete the same way.
 * - `GET /__admin/state`: every record, webhooks with `failure_count`, the delivery log.
 * - `POST /__admin/webhooks/flush`: deliver pending webhooks now and wait for them.
 */
import type { FastifyInstance } from 'fastify';
import { registerShopAdmin } from './admin-shop.ts';
import { buildCustomer, deleteCustomer, updateCustomer } from './customers.ts';
import { formatLocal, formatUtc, parseNaive } from './dates.ts';
import { renderRefund } from './order-render.ts';
import { buildOrder, deleteOrder, updateOrder } from './orders.ts';
import { buildProduct, deleteProduct, updateProduct } from './products.ts';
import { render } from './routes.ts';
import { type SeedOptions, seedShop } from './seed.ts';
import type { Shop } from './shop.ts';
import { emptyData, type Rec } from './state.ts';
import { rateView } from './taxes-api.ts';
import type { Resource } from './validate.ts';
import type { WebhookHub } from './webhooks.ts';
import { WpError } from './wp-error.ts';

export function resourceOf(entity: string): Resource {
  const name = entity.replace(/s$/, '');
  if (name === 'customer' || name === 'order' || name === 'product') return name;
  throw new WpError('sandbox_unknown_entity', `Unknown entity "${entity}".`, 404);
}

/** Fill whichever half of a local/_gmt date pair is missing. */
function completeDates(shop: Shop, input: Rec): Rec {
  const out = { ...input };
  for (const name of ['date_created', 'date_modified', 'date_paid', 'date_completed']) {
    const gmt = out[`${name}_gmt`];
    const local = out[name];
    if (typeof gmt === 'string' && local === undefined) {
      const d = parseNaive(gmt);
      if (d) out[name] = formatLocal(d, shop.offset);
    } else if (typeof local === 'string' && gmt === undefined) {
      const d = parseNaive(local);
      if (d) out[`${name}_gmt`] = formatUtc(new Date(d.getTime() - shop.offset * 60_000));
    }
  }
  return out;
}

/** Insert raw records; returns them as the API would show them. */
export function insertRecords(shop: Shop, resource: Resource, inputs: Rec[]): Rec[] {
  const out: Rec[] = [];
  for (const raw of inputs) {
    const input = completeDates(shop, raw);
    const created =
      typeof input.date_created_gmt === 'string'
        ? (parseNaive(input.date_created_gmt) ?? shop.now())
        : shop.now();
    const record =
      resource === 'customer'
        ? buildCustomer(shop, input, created)
        : resource === 'order'
          ? buildOrder(shop, input, created)
          : buildProduct(shop, input, created);
    if (input.date_modified === undefined && input.date_created !== undefined) {
      record.date_modified = record.date_created;
      record.date_modified_gmt = record.date_created_gmt;
    }
    if (resource === 'customer' && raw.date_modified === null) {
      record.date_modified = null;
      record.date_modified_gmt = null;
    }
    const list = shop.list(resource);
    const index = list.findIndex((r) => r.id === record.id);
    if (index >= 0) list[index] = record;
    else list.push(record);
    out.push(render(shop, resource, record));
  }
  shop.onMutate();
  return out;
}

export function adminUpdate(shop: Shop, resource: Resource, id: number, body: Rec): Rec {
  if (resource === 'customer') return updateCustomer(shop, id, body);
  if (resource === 'order') return updateOrder(shop, id, body);
  return updateProduct(shop, id, body);
}

export function adminDelete(shop: Shop, resource: Resource, id: number, force: boolean): Rec {
  if (resource === 'customer') return deleteCustomer(shop, id, true);
  if (resource === 'order') return deleteOrder(shop, id, force);
  return deleteProduct(shop, id, force);
}

export function stateView(shop: Shop): Rec {
  const d = shop.data;
  return {
    seq: d.seq,
    counts: {
      customers: d.customers.length,
      orders: d.orders.length,
      products: d.products.length,
      webhooks: d.webhooks.length,
    },
    customers: d.customers.map((r) => render(shop, 'customer', r)),
    orders: d.orders.map((r) => render(shop, 'order', r)),
    products: d.products.map((r) => render(shop, 'product', r)),
    webhooks: d.webhooks,
    deliveries: d.deliveries,
    refunds: d.refunds.map((r) => renderRefund(shop, r, undefined, true)),
    coupons: d.coupons,
    options: d.options,
    taxRates: d.taxRates.map(rateView),
    taxClasses: d.taxClasses,
  };
}

export function registerAdmin(app: FastifyInstance, shop: Shop, hub: WebhookHub): void {
  const guard = async <T>(fn: () => T | Promise<T>, reply: { code(n: number): unknown }) => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof WpError) {
        reply.code(error.status);
        return error.body();
      }
      throw error;
    }
  };
  app.post('/__admin/reset', async () => {
    shop.data = emptyData();
    shop.onMutate();
    return { ok: true };
  });
  app.post('/__admin/seed', async (request) => {
    const body = (request.body ?? {}) as Omit<SeedOptions, 'anchor'> & { anchor?: string };
    shop.data = emptyData();
    const { anchor, ...rest } = body;
    seedShop(shop, {
      ...rest,
      count: body.count ?? 20,
      seed: body.seed ?? 1,
      ...(anchor ? { anchor: new Date(anchor) } : {}),
    });
    shop.onMutate();
    return stateView(shop).counts;
  });
  app.post('/__admin/records/:entity', async (request, reply) =>
    guard(() => {
      const body = request.body;
      const inputs = (Array.isArray(body) ? body : [body]) as Rec[];
      return insertRecords(shop, resourceOf((request.params as { entity: string }).entity), inputs);
    }, reply),
  );
  app.patch('/__admin/records/:entity/:id', async (request, reply) =>
    guard(() => {
      const { entity, id } = request.params as { entity: string; id: string };
      return adminUpdate(shop, resourceOf(entity), Number(id), (request.body ?? {}) as Rec);
    }, reply),
  );
  app.delete('/__admin/records/:entity/:id', async (request, reply) =>
    guard(() => {
      const { entity, id } = request.params as { entity: string; id: string };
      const force = (request.query as { force?: string }).force === 'true';
      return adminDelete(shop, resourceOf(entity), Number(id), force);
    }, reply),
  );
  app.get('/__admin/state', async () => stateView(shop));
  registerShopAdmin(app, shop);
  app.post('/__admin/webhooks/flush', async () => {
    const before = shop.data.deliveries.length;
    await hub.flush();
    return { delivered: shop.data.deliveries.length - before };
  });
}
