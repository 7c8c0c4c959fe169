/**
 * Routes of the shop's configuration: `/settings…`, `/taxes…`, `/taxes/classes…`,
 * `/payment_gateways`, `/data/currencies/current`.
 */
import { GATEWAYS, gatewayView } from './payments.ts';
import { batchItems, objectBody, ok, requireAuth, type SubRouter, WRITE } from './route-kit.ts';
import { batchSettings, getSetting, groupSettings, listGroups, updateSetting } from './settings-api.ts';
import {
  createClass,
  createRate,
  deleteClass,
  deleteRate,
  getClass,
  getRate,
  listClasses,
  listRates,
  rateView,
  updateRate,
} from './taxes-api.ts';
import { noRoute, WpError } from './wp-error.ts';

export const taxRoutes: SubRouter = (ctx, request, body) => {
  const { shop } = ctx;
  const { method, query, route: path } = request;

  const settings = /^\/wc\/v3\/settings(?:\/([\w-]+)(?:\/(batch|[\w-]+))?)?$/.exec(path);
  if (settings) {
    const [, group, id] = settings;
    if (group === undefined) {
      if (method !== 'GET') throw noRoute();
      requireAuth(request, 'list');
      return ok(listGroups(shop));
    }
    if (id === undefined) {
      if (method !== 'GET') throw noRoute();
      requireAuth(request, 'list');
      return ok(groupSettings(shop, group));
    }
    if (id === 'batch') {
      if (!WRITE.has(method)) throw noRoute();
      requireAuth(request, 'batch');
      return ok(batchSettings(shop, group, body));
    }
    if (method === 'GET') {
      requireAuth(request, 'view');
      return ok(getSetting(shop, group, id));
    }
    if (WRITE.has(method)) {
      requireAuth(request, 'edit');
      return ok(updateSetting(shop, group, id, body));
    }
    throw noRoute();
  }

  const classes = /^\/wc\/v3\/taxes\/classes(?:\/([\w-]+))?$/.exec(path);
  if (classes) {
    const slug = classes[1];
    if (slug === undefined) {
      if (method === 'GET') {
        requireAuth(request, 'list');
        return ok(listClasses(shop));
      }
      if (method === 'POST') {
        requireAuth(request, 'create');
        return ok(createClass(shop, body), 201);
      }
      throw noRoute();
    }
    if (method === 'GET') {
      requireAuth(request, 'view');
      return ok(getClass(shop, slug));
    }
    if (method === 'DELETE') {
      requireAuth(request, 'delete');
      return ok(deleteClass(shop, slug, query, body));
    }
    throw noRoute();
  }

  const taxes = /^\/wc\/v3\/taxes(?:\/(batch|\d+))?$/.exec(path);
  if (taxes) {
    const tail = taxes[1];
    if (tail === undefined) {
      if (method === 'GET') {
        requireAuth(request, 'list');
        const { items, headers } = listRates(shop, query, request.url);
        return ok(items, 200, headers);
      }
      if (method === 'POST') {
        requireAuth(request, 'create');
        return ok(createRate(shop, body), 201);
      }
      throw noRoute();
    }
    if (tail === 'batch') {
      if (!WRITE.has(method)) throw noRoute();
      requireAuth(request, 'batch');
      return ok(
        batchItems(body, {
          create: (item) => createRate(shop, item),
          update: (id, item) => updateRate(shop, id, item),
          remove: (id) => deleteRate(shop, id, { force: 'true' }, {}),
          invalidId: () => new WpError('woocommerce_rest_invalid_id', 'Invalid resource ID.', 400),
        }),
      );
    }
    const id = Number(tail);
    if (method === 'GET') {
      requireAuth(request, 'view');
      return ok(rateView(getRate(shop, id)));
    }
    if (WRITE.has(method)) {
      requireAuth(request, 'edit');
      return ok(updateRate(shop, id, objectBody(body)));
    }
    if (method === 'DELETE') {
      requireAuth(request, 'delete');
      return ok(deleteRate(shop, id, query, body));
    }
    throw noRoute();
  }

  if (path === '/wc/v3/payment_gateways') {
    if (method !== 'GET') throw noRoute();
    requireAuth(request, 'list');
    return ok(GATEWAYS.map(gatewayView));
  }
  if (path === '/wc/v3/data/currencies/current') {
    if (method !== 'GET') throw noRoute();
    requireAuth(request, 'view');
    const code = shop.currency;
    return ok({ code, name: code, symbol: code === 'NOK' ? 'kr' : code === 'EUR' ? '€' : code });
  }
  return undefined;
};
