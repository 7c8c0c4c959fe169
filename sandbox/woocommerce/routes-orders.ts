/**
 * Routes under an order and next to it: `/orders/<id>/refunds[/<rid>]`, `/refunds` (all
 * refunds, with `parent_id`; WooCommerce ≥ 9.0), `/orders/<id>/notes[/<nid>]` and
 * `/coupons[/<id>]`.
 */
import { first, ParamErrors, pageHeaders, paginate, paging, type Query, sortBy } from './collection.ts';
import { buildCoupon } from './coupons.ts';
import { createNote, deleteNote, getNote, listNotes } from './notes.ts';
import { renderRefund } from './order-render.ts';
import { deleteRefund, refundOrder } from './refund-api.ts';
import { refundsOf } from './refunds.ts';
import { force, ok, requireAuth, type SubRouter, WRITE } from './route-kit.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { noRoute, WpError } from './wp-error.ts';

function orderOf(shop: Shop, id: number): Rec {
  const order = shop.find('order', id);
  if (!order) throw new WpError('woocommerce_rest_invalid_order_id', 'Invalid order ID.', 404);
  return order;
}

function dpOf(shop: Shop, query: Query): number {
  const raw = first(query, 'dp');
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : shop.tax().dp;
}

function pageOf(shop: Shop, records: Rec[], query: Query, url: URL, render: (r: Rec) => Rec) {
  const errors = new ParamErrors();
  const p = paging(query, errors, ['date', 'id', 'include', 'title', 'slug', 'modified'], {
    orderby: 'date',
    order: 'desc',
  });
  errors.throwIfAny();
  const key = p.orderby === 'id' ? (r: Rec) => r.id as number : (r: Rec) => String(r.date_created_gmt);
  const result = paginate(sortBy(records, key, p.order), p);
  void shop;
  return ok(result.items.map(render), 200, pageHeaders(result, p, url));
}

export const orderChildRoutes: SubRouter = (ctx, request, body) => {
  const { shop } = ctx;
  const { method, query, route: path } = request;

  const refunds = /^\/wc\/v3\/orders\/(\d+)\/refunds(?:\/(\d+))?$/.exec(path);
  if (refunds) {
    const order = orderOf(shop, Number(refunds[1]));
    const dp = dpOf(shop, query);
    if (refunds[2] === undefined) {
      if (method === 'GET') {
        requireAuth(request, 'list');
        return pageOf(shop, refundsOf(shop, order.id as number), query, request.url, (r) =>
          renderRefund(shop, r, dp),
        );
      }
      if (method === 'POST') {
        requireAuth(request, 'create');
        const refund = refundOrder(shop, order, body);
        return ok(renderRefund(shop, refund, dp), 201, {
          Location: `${shop.settings.siteUrl}/wp-json/wc/v3/orders/${order.id}/refunds/${refund.id}`,
        });
      }
      throw noRoute();
    }
    const refund = refundsOf(shop, order.id as number).find((r) => r.id === Number(refunds[2]));
    if (!refund) throw new WpError('woocommerce_rest_shop_order_refund_invalid_id', 'Invalid ID.', 404);
    if (method === 'GET') {
      requireAuth(request, 'view');
      return ok(renderRefund(shop, refund, dp));
    }
    if (method === 'DELETE') {
      requireAuth(request, 'delete');
      const view = renderRefund(shop, refund, dp);
      deleteRefund(
        shop,
        order,
        refund,
        query.force === undefined && body.force === undefined ? true : force(query, body),
      );
      return ok(view);
    }
    throw noRoute();
  }

  if (path === '/wc/v3/refunds') {
    if (method !== 'GET') throw noRoute();
    requireAuth(request, 'list');
    const dp = dpOf(shop, query);
    return pageOf(shop, shop.data.refunds, query, request.url, (r) => renderRefund(shop, r, dp, true));
  }

  const notes = /^\/wc\/v3\/orders\/(\d+)\/notes(?:\/(\d+))?$/.exec(path);
  if (notes) {
    const order = orderOf(shop, Number(notes[1]));
    if (notes[2] === undefined) {
      if (method === 'GET') {
        requireAuth(request, 'list');
        return ok(listNotes(order, query));
      }
      if (method === 'POST') {
        requireAuth(request, 'create');
        return ok(createNote(shop, order, body), 201);
      }
      throw noRoute();
    }
    if (method === 'GET') {
      requireAuth(request, 'view');
      return ok(getNote(order, Number(notes[2])));
    }
    if (method === 'DELETE') {
      requireAuth(request, 'delete');
      return ok(deleteNote(shop, order, Number(notes[2]), query, body));
    }
    throw noRoute();
  }

  const coupons = /^\/wc\/v3\/coupons(?:\/(\d+))?$/.exec(path);
  if (coupons) {
    if (coupons[1] === undefined) {
      if (method === 'GET') {
        requireAuth(request, 'list');
        const code = first(query, 'code');
        const found = shop.data.coupons.filter((c) => code === undefined || c.code === code.toLowerCase());
        return pageOf(shop, found, query, request.url, (c) => ({ ...c }));
      }
      if (method === 'POST') {
        requireAuth(request, 'create');
        const coupon = buildCoupon(shop, body);
        shop.data.coupons.push(coupon);
        shop.onMutate();
        return ok({ ...coupon }, 201);
      }
      throw noRoute();
    }
    const coupon = shop.data.coupons.find((c) => c.id === Number(coupons[1]));
    if (!coupon) throw new WpError('woocommerce_rest_shop_coupon_invalid_id', 'Invalid ID.', 404);
    if (method === 'GET') {
      requireAuth(request, 'view');
      return ok({ ...coupon });
    }
    if (WRITE.has(method)) {
      requireAuth(request, 'edit');
      for (const key of ['amount', 'description', 'discount_type', 'limit_usage_to_x_items'] as const)
        if (body[key] !== undefined) coupon[key] = key === 'amount' ? String(body[key]) : body[key];
      Object.assign(coupon, shop.dates('date_modified', shop.now()));
      shop.onMutate();
      return ok({ ...coupon });
    }
    if (method === 'DELETE') {
      requireAuth(request, 'delete');
      if (!force(query, body)) {
        coupon.status = 'trash';
      } else shop.data.coupons = shop.data.coupons.filter((c) => c !== coupon);
      shop.onMutate();
      return ok({ ...coupon });
    }
    throw noRoute();
  }
  return undefined;
};
