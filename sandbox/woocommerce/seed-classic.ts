import { datePair } from './dates.ts';
import { dec, formatDp } from './money.ts';
import { buildOrder, CORE_STATUSES } from './orders.ts';
import { createRefund } from './refunds.ts';
import { buyerBilling } from './seed-data.ts';
import type { SeedContext } from './seed-orders.ts';

export function classicOrders(ctx: SeedContext, n: number): void {
  const { shop, rnd, anchor, daysAgo, customers, products } = ctx;
  for (let i = 0; i < n; i++) {
    const guest = customers.length === 0 || rnd.chance(0.25);
    const customer = guest ? undefined : rnd.pick(customers);
    const lines = Array.from({ length: rnd.int(1, 5) }, () => {
      const product = rnd.pick(products);
      const quantity = rnd.int(1, 4);
      const subtotal = dec(product.price).mul(quantity);
      const discounted = rnd.chance(0.2);
      return {
        product_id: product.id,
        quantity,
        subtotal: formatDp(subtotal, 2),
        total: formatDp(discounted ? subtotal.mul(0.9) : subtotal, 2),
      };
    });
    const { billing } = buyerBilling(rnd, customer, i);
    const status = CORE_STATUSES[i % CORE_STATUSES.length]!;
    const created = daysAgo(120);
    const modified = new Date(
      Math.min(anchor.getTime() - 1000, created.getTime() + rnd.int(0, 72) * 3_600_000),
    );
    const order = buildOrder(
      shop,
      {
        order_key: `wc_order_${Math.floor(rnd.next() * 2 ** 52)
          .toString(36)
          .padStart(11, '0')
          .slice(0, 13)}`,
        customer_id: customer ? customer.id : 0,
        created_via: 'checkout',
        status,
        payment_method: 'vipps',
        payment_method_title: 'Vipps',
        billing,
        shipping: { ...billing, email: undefined, phone: '' },
        line_items: lines,
        shipping_lines: rnd.chance(0.6)
          ? [{ method_id: 'flat_rate', method_title: 'Flat rate', instance_id: '1', total: '99.00' }]
          : [],
        fee_lines: rnd.chance(0.1)
          ? [{ name: 'Gebyr', tax_status: rnd.chance(0.5) ? 'taxable' : 'none', total: '29.00' }]
          : [],
        customer_note: rnd.chance(0.1) ? 'Leveres på døra, takk!' : '',
      },
      created,
    );
    Object.assign(order, datePair('date_modified', modified, shop.offset));
    const paid = ['processing', 'completed', 'refunded'].includes(status);
    Object.assign(order, datePair('date_paid', paid ? created : null, shop.offset));
    Object.assign(order, datePair('date_completed', status === 'completed' ? modified : null, shop.offset));
    if (customer && (status === 'processing' || status === 'completed')) customer.is_paying_customer = true;
    shop.data.orders.push(order);
    // A refunded order has its refund (amount only, no lines), as WooCommerce creates it.
    if (status === 'refunded') {
      const refund = createRefund(shop, order, {
        amount: dec(order.total),
        reason: 'Angrerett',
        lineItems: [],
        refundPayment: false,
      });
      Object.assign(refund, datePair('date_created', modified, shop.offset));
    }
  }
}
