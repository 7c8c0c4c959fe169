/**
 * The seed's orders when any option is on (seed-classic.ts makes today's default ones).
 *
 * - `checkoutOrders`: orders placed through the checkout (checkout.ts) with what the
 *   options turn on: coupons, tax classes, variations, companies with org numbers, EUR
 *   orders with a currency plugin's exchange-rate meta, exports and VAT-exempt buyers,
 *   payment methods by status (paid with transaction ids, bank transfers on hold), and
 *   line-item refunds (full and partial).
 *
 * Statuses are set as stored data (no transitions: no notes, no stock moves), as in a shop
 * whose history is imported.
 */

import { orgNumber } from '../common/org-number.ts';
import type { Random } from '../common/random.ts';
import { checkoutOrder } from './checkout.ts';
import { datePair } from './dates.ts';
import { dec, formatDp, stored } from './money.ts';
import { CORE_STATUSES } from './orders.ts';
import { gateway } from './payments.ts';
import { createRefund, type RefundLineInput } from './refunds.ts';
import type { SeedOptions } from './seed.ts';
import { buyerBilling } from './seed-data.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';

export interface SeedContext {
  shop: Shop;
  options: SeedOptions;
  /** The default stream (today's draws, unchanged). */
  rnd: Random;
  /** The options' stream. */
  extra: Random;
  anchor: Date;
  daysAgo: (maxDays: number) => Date;
  customers: Rec[];
  products: Rec[];
}

const OPTIONAL: Array<keyof SeedOptions> = [
  'pricesIncludeTax',
  'roundAtSubtotal',
  'taxClasses',
  'coupons',
  'companies',
  'foreignCurrency',
  'vatExempt',
  'variations',
  'refunds',
  'payments',
];

/** Orders go through the checkout as soon as any option beyond today's shop is asked for. */
export function usesCheckout(options: SeedOptions): boolean {
  return OPTIONAL.some((k) => options[k] !== undefined && options[k] !== false && options[k] !== 0);
}

/** What a buyer of a sellable item can put in the cart: a simple product or a variation. */
function sellable(shop: Shop, products: Rec[]): Rec[] {
  return products.flatMap((p) =>
    p.type === 'variable'
      ? shop.data.products.filter((v) => v.type === 'variation' && v.parent_id === p.id)
      : p.price === ''
        ? []
        : [p],
  );
}

const PAID_BY = [
  ['vipps', 'Vipps'],
  ['kco', 'Klarna'],
  ['stripe', 'Credit Card (Stripe)'],
] as const;

function payment(
  r: Random,
  status: string,
  on: boolean,
): { method: string; title: string; paid: boolean; tx: string } {
  const paid = ['processing', 'completed', 'refunded'].includes(status);
  if (!on) return { method: 'vipps', title: 'Vipps', paid, tx: '' };
  if (status === 'on-hold' || (status === 'pending' && r.chance(0.5)))
    return { method: 'bacs', title: 'Direct bank transfer', paid: false, tx: '' };
  const [method, title] = r.pick(PAID_BY);
  const tx = paid ? `${method.toUpperCase()}-${String(r.int(1, 99_999_999)).padStart(8, '0')}` : '';
  return { method, title, paid, tx };
}

/** Refund lines for `share` (0–1] of every line, shipping and fee of an order, rounded to øre. */
function refundLines(order: Rec, share: (line: Rec) => number, dp: number): RefundLineInput[] {
  const out: RefundLineInput[] = [];
  for (const field of ['line_items', 'shipping_lines', 'fee_lines'] as const) {
    for (const item of order[field] as Rec[]) {
      const part = share(item);
      if (part <= 0) continue;
      const qty = field === 'line_items' ? Math.round((Number(item.quantity) || 0) * part) : 0;
      out.push({
        id: item.id as number,
        qty,
        refundTotal: dec(formatDp(dec(item.total).mul(part), dp)),
        refundTax: new Map(
          (item.taxes as Rec[]).map(
            (t) => [Number(t.id), dec(formatDp(dec(t.total).mul(part), dp))] as const,
          ),
        ),
      });
    }
  }
  return out;
}

export function checkoutOrders(ctx: SeedContext, n: number): void {
  const { shop, options, rnd, extra, anchor, daysAgo, customers, products } = ctx;
  const items = sellable(shop, products);
  const rate = dec(options.exchangeRate ?? '11.50');
  const orgKey = options.orgNumberMetaKey ?? '_billing_org_nr';
  for (let i = 0; i < n; i++) {
    const guest = customers.length === 0 || rnd.chance(0.25);
    const customer = guest ? undefined : rnd.pick(customers);
    const { billing, lastName: last } = buyerBilling(rnd, customer, i);
    const meta: Rec[] = [];
    const company = extra.chance(options.companies ?? 0);
    if (company) {
      billing.company = billing.company || `${String(billing.last_name || last)} AS`;
      const number = orgNumber(extra, !extra.chance(options.invalidOrgNumbers ?? 0));
      meta.push({ key: orgKey, value: number });
    }
    const noVat = extra.chance(options.vatExempt ?? 0);
    const exported = noVat && extra.chance(0.5);
    if (exported)
      Object.assign(billing, {
        country: extra.pick(['SE', 'DE', 'DK']),
        postcode: '11122',
        city: 'Stockholm',
      });
    const eur = extra.chance(options.foreignCurrency ?? 0);
    const convert = (nok: unknown) => (eur ? formatDp(dec(nok).div(rate), 2) : undefined);
    const status = CORE_STATUSES[i % CORE_STATUSES.length]!;
    const pay = payment(extra, status, options.payments === true);
    const lines = Array.from({ length: rnd.int(1, 4) }, () => {
      const product = rnd.pick(items);
      const price = convert(product.price);
      return {
        ...(product.type === 'variation'
          ? { variation_id: product.id as number }
          : { product_id: product.id as number }),
        quantity: rnd.int(1, 3),
        ...(price !== undefined ? { price } : {}),
      };
    });
    const coupons = options.coupons && extra.chance(0.2) ? [extra.pick(['10off', 'fast100'])] : [];
    const shipping = rnd.chance(0.6)
      ? {
          method_id: extra.chance(0.1) ? 'local_pickup' : 'flat_rate',
          method_title: 'Frakt',
          instance_id: '1',
          cost: convert('79.00') ?? '79.00',
        }
      : undefined;
    const fees = rnd.chance(0.1)
      ? [{ name: 'Gebyr', amount: convert('29.00') ?? '29.00', taxable: rnd.chance(0.5) }]
      : [];
    const created = daysAgo(120);
    const modified = new Date(
      Math.min(anchor.getTime() - 1000, created.getTime() + rnd.int(0, 72) * 3_600_000),
    );
    const order = checkoutOrder(
      shop,
      {
        customer_id: customer ? (customer.id as number) : 0,
        billing,
        shipping: { ...billing, email: undefined, phone: '' },
        items: lines,
        coupons,
        ...(shipping ? { shipping_line: shipping } : {}),
        fees,
        vat_exempt: noVat && !exported,
        currency: eur ? 'EUR' : shop.currency,
        payment_method: pay.method,
        payment_method_title: pay.title,
        meta_data: meta,
      },
      created,
    );
    shop.data.seq.order = order.id as number;
    order.order_key = `wc_order_${Math.floor(extra.next() * 2 ** 52)
      .toString(36)
      .padStart(11, '0')
      .slice(0, 13)}`;
    order.payment_url = `${shop.settings.siteUrl}/checkout/order-pay/${order.id}/?pay_for_order=true&key=${order.order_key}`;
    if (eur && options.currencyPlugin !== 'none') {
      const meta = order.meta_data as Rec[];
      const add = (key: string, value: string) => meta.push({ id: shop.nextId('meta'), key, value });
      if (options.currencyPlugin === 'woocs') {
        add('_woocs_order_rate', stored(dec(1).div(rate)));
        add('_woocs_order_base_currency', shop.currency);
      } else {
        add('_base_currency_exchange_rate', stored(rate));
        add('_order_total_base_currency', formatDp(dec(order.total).mul(rate), 2));
      }
    }
    order.status = status;
    order.transaction_id = pay.tx;
    Object.assign(order, datePair('date_modified', modified, shop.offset));
    Object.assign(order, datePair('date_paid', pay.paid ? created : null, shop.offset));
    Object.assign(order, datePair('date_completed', status === 'completed' ? modified : null, shop.offset));
    order.needs_payment = ['pending', 'failed'].includes(status) && dec(order.total).gt(0);
    order.is_editable = ['pending', 'on-hold'].includes(status);
    if (customer && pay.paid && status !== 'refunded') customer.is_paying_customer = true;
    shop.data.orders.push(order);

    const refundable = gateway(pay.method)?.refunds === true;
    const dp = shop.tax().dp;
    if (status === 'refunded') {
      const refund = createRefund(shop, order, {
        amount: dec(order.total),
        reason: 'Angrerett',
        lineItems: options.refunds ? refundLines(order, () => 1, dp) : [],
        refundPayment: refundable,
      });
      Object.assign(refund, datePair('date_created', modified, shop.offset));
    } else if (options.refunds && ['processing', 'completed'].includes(status) && extra.chance(0.3)) {
      const line = (order.line_items as Rec[])[0]!;
      const qty = Number(line.quantity) || 1;
      const lineItems = refundLines(order, (item) => (item === line ? 1 / qty : 0), dp);
      const amount = lineItems.reduce(
        (s, l) => s.add(l.refundTotal).add([...l.refundTax.values()].reduce((a, b) => a.add(b), dec(0))),
        dec(0),
      );
      const refund = createRefund(shop, order, {
        amount,
        reason: 'Retur',
        lineItems,
        refundPayment: refundable,
      });
      Object.assign(refund, datePair('date_created', modified, shop.offset));
    }
  }
}
