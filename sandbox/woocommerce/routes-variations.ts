/** `/products/<pid>/variations[/<id>]` and `/products/<pid>/variations/batch`. */
import { batchItems, force, ok, requireAuth, type SubRouter, WRITE } from './route-kit.ts';
import {
  createVariation,
  deleteVariation,
  getVariation,
  listVariations,
  renderVariation,
  updateVariation,
} from './variations.ts';
import { noRoute, WpError } from './wp-error.ts';

export const variationRoutes: SubRouter = (ctx, request, body) => {
  const match = /^\/wc\/v3\/products\/(\d+)\/variations(?:\/(batch|\d+))?$/.exec(request.route);
  if (!match) return undefined;
  const { shop } = ctx;
  const { method, query } = request;
  const pid = Number(match[1]);
  const tail = match[2];
  if (tail === undefined) {
    if (method === 'GET') {
      requireAuth(request, 'list');
      const { items, headers } = listVariations(shop, pid, query, request.url);
      return ok(items, 200, headers);
    }
    if (method === 'POST') {
      requireAuth(request, 'create');
      const created = createVariation(shop, pid, body);
      return ok(created, 201, {
        Location: `${shop.settings.siteUrl}/wp-json/wc/v3/products/${pid}/variations/${created.id}`,
      });
    }
    throw noRoute();
  }
  if (tail === 'batch') {
    if (!WRITE.has(method)) throw noRoute();
    requireAuth(request, 'batch');
    return ok(
      batchItems(body, {
        create: (item) => createVariation(shop, pid, item),
        update: (id, item) => updateVariation(shop, pid, id, item),
        remove: (id) => deleteVariation(shop, pid, id, true),
        invalidId: () => new WpError('woocommerce_rest_product_variation_invalid_id', 'Invalid ID.', 400),
      }),
    );
  }
  const id = Number(tail);
  if (method === 'GET') {
    requireAuth(request, 'view');
    return ok(renderVariation(shop, getVariation(shop, pid, id)));
  }
  if (WRITE.has(method)) {
    requireAuth(request, 'edit');
    return ok(updateVariation(shop, pid, id, body));
  }
  if (method === 'DELETE') {
    requireAuth(request, 'delete');
    return ok(deleteVariation(shop, pid, id, force(query, body)));
  }
  throw noRoute();
};
