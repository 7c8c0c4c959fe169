/**
 * Sandbox-only helpers for the shop's money side, behind `/__admin` (loopback, no vendor
 * auth), and the same operations for in-process callers:
 *
 * - `PUT /__admin/options {<option id>: value, …}`: set options (prices with tax, rounding,
 *   currency, …), validated as the settings API validates them.
 * - `POST /__admin/coupons` (one or an array of `{code, discount_type, amount, …}`).
 * - `POST /__admin/checkout {items, coupons?, shipping_line?, fees?, vat_exempt?, billing?,
 *   shipping?, customer_id?, currency?, payment_method?, …, status?, set_paid?,
 *   transaction_id?}`: place an order through the checkout (checkout.ts), then move it to
 *   `status` and/or pay it, with WooCommerce's transitions; `order.created` fires.
 * - `POST /__admin/orders/<id>/refunds`: refund as a shop manager does in wp-admin (same
 *   body and rules as the REST API; `api_refund: false` = "refund manually").
 * - `POST /__admin/products/<id>/variations` (one or an array): variations of a variable
 *   product, inserted like `/__admin/records`.
 */
import type { FastifyInstance } from 'fastify';
import { type CartInput, checkoutOrder } from './checkout.ts';
import { buildCoupon } from './coupons.ts';
import { renderOrder, renderRefund } from './order-render.ts';
import { storeNewOrder } from './orders.ts';
import { refundOrder } from './refund-api.ts';
import { setOption } from './settings-api.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { syncVariable } from './variable-sync.ts';
import { buildVariation, parentProduct, renderVariation } from './variations.ts';
import { WpError } from './wp-error.ts';

export interface CheckoutRequest extends CartInput {
  status?: string;
  set_paid?: boolean;
  transaction_id?: string;
}

/** Place an order through the checkout and store it (API view returned). */
export function placeOrder(shop: Shop, input: CheckoutRequest, created?: Date): Rec {
  const order = checkoutOrder(shop, input, created);
  storeNewOrder(shop, order, input);
  return order;
}

export function insertVariations(shop: Shop, pid: number, inputs: Rec[]): Rec[] {
  const parent = parentProduct(shop, pid);
  const created = inputs.map((input) => {
    const v = buildVariation(shop, parent, input);
    shop.data.products.push(v);
    return v;
  });
  syncVariable(shop, parent);
  shop.onMutate();
  return created.map((v) => renderVariation(shop, v));
}

export function registerShopAdmin(app: FastifyInstance, shop: Shop): void {
  const guard = async <T>(fn: () => T, reply: { code(n: number): unknown }) => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof WpError) {
        reply.code(error.status);
        return error.body();
      }
      throw error;
    }
  };
  const many = (body: unknown): Rec[] => (Array.isArray(body) ? body : [body ?? {}]) as Rec[];
  app.put('/__admin/options', async (request, reply) =>
    guard(() => {
      for (const [id, value] of Object.entries((request.body ?? {}) as Rec)) setOption(shop, id, value);
      return shop.data.options;
    }, reply),
  );
  app.post('/__admin/coupons', async (request, reply) =>
    guard(
      () =>
        many(request.body).map((input) => {
          const coupon = buildCoupon(shop, input);
          shop.data.coupons.push(coupon);
          shop.onMutate();
          return coupon;
        }),
      reply,
    ),
  );
  app.post('/__admin/checkout', async (request, reply) =>
    guard(() => renderOrder(shop, placeOrder(shop, (request.body ?? {}) as CheckoutRequest)), reply),
  );
  app.post('/__admin/orders/:id/refunds', async (request, reply) =>
    guard(() => {
      const order = shop.find('order', Number((request.params as { id: string }).id));
      if (!order) throw new WpError('woocommerce_rest_invalid_order_id', 'Invalid order ID.', 404);
      return renderRefund(shop, refundOrder(shop, order, (request.body ?? {}) as Rec));
    }, reply),
  );
  app.post('/__admin/products/:id/variations', async (request, reply) =>
    guard(
      () => insertVariations(shop, Number((request.params as { id: string }).id), many(request.body)),
      reply,
    ),
  );
}
