/**
 * A deterministic demo shop: the same `seed` and `anchor` always give the same records
 * (ids, names, amounts, dates, keys). `count` N gives N customers (some non-ASCII names,
 * some without phone or address line 2, a few with mixed-case e-mails), N/4 products (a
 * few without SKU, some virtual/downloadable, some with managed stock, some on sale) and
 * N orders of 1–5 lines (some guests with only a billing e-mail, some discounted, with
 * shipping and fee lines, every core status), spread over the months before `anchor`.
 */
import { Random } from '../common/random.ts';
import { buildCustomer } from './customers.ts';
import { datePair, formatUtc } from './dates.ts';
import { dec, formatDp } from './money.ts';
import { buildOrder, CORE_STATUSES } from './orders.ts';
import { buildProduct } from './products.ts';
import { createRefund } from './refunds.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';

export interface SeedOptions {
  count: number;
  seed: number;
  /** Dates lie before this moment (default: today 00:00 UTC, so a seed is stable all day). */
  anchor?: Date;
}

const FIRST = [
  'Kari',
  'Ola',
  'Åse',
  'Bjørn',
  'Ingrid',
  'Øystein',
  'Marte',
  'Jonas',
  'Zoë',
  'José',
  'Siv',
  'Håkon',
  'Lena',
  'Per',
  'Ærlig',
  'Mia',
];
const LAST = [
  'Nordmann',
  'Hansen',
  'Ødegård',
  'Johansen',
  'Larsen',
  'Müller',
  'Berg',
  'Haugen',
  'Strøm',
  'Dahl',
  'Lie',
  'Økland',
  'Bakke',
  'García',
];
const CITIES: Array<[string, string]> = [
  ['Oslo', '0150'],
  ['Bergen', '5003'],
  ['Trondheim', '7010'],
  ['Tromsø', '9008'],
  ['Stavanger', '4006'],
  ['Ålesund', '6002'],
  ['Bodø', '8006'],
];
const STREETS = ['Storgata', 'Kirkegata', 'Strandveien', 'Bakkeveien', 'Fjordgata', 'Løkkeveien'];
const PRODUCTS = [
  'Ullgenser',
  'Kaffekopp',
  'Turbok',
  'Strikkeoppskrift (PDF)',
  'Ryggsekk',
  'Termos',
  'Lue',
  'Votter',
  'Kart',
  'Gavekort',
];

const ascii = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/gi, 'o')
    .replace(/æ/gi, 'ae')
    .replace(/å/gi, 'a')
    .toLowerCase();

export function seedShop(shop: Shop, options: SeedOptions): void {
  const rnd = new Random(options.seed);
  const anchor = options.anchor ?? new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  const daysAgo = (max: number) => new Date(anchor.getTime() - rnd.int(1, max * 24 * 3600) * 1000);
  const n = Math.max(0, Math.floor(options.count));

  // Customers
  const customers: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const first = rnd.pick(FIRST);
    const last = rnd.pick(LAST);
    let email = `${ascii(first)}.${ascii(last)}${i + 1}@example.no`;
    if (rnd.chance(0.1))
      email = `${first.replace(/[^A-Za-z]/g, 'X')}.${last.replace(/[^A-Za-z]/g, 'X')}${i + 1}@Example.NO`;
    const [city, postcode] = rnd.pick(CITIES);
    const address = {
      first_name: first,
      last_name: last,
      company: rnd.chance(0.2) ? `${last} AS` : '',
      address_1: `${rnd.pick(STREETS)} ${rnd.int(1, 120)}`,
      address_2: rnd.chance(0.4) ? `H0${rnd.int(1, 5)}0${rnd.int(1, 4)}` : '',
      city,
      state: '',
      postcode,
      country: 'NO',
    };
    const created = daysAgo(365);
    const record = buildCustomer(
      shop,
      {
        email,
        first_name: first,
        last_name: last,
        billing: {
          ...address,
          email: rnd.chance(0.15) ? email.toUpperCase() : email,
          phone: rnd.chance(0.7) ? `+47 ${rnd.int(400, 999)} ${rnd.int(10, 99)} ${rnd.int(100, 999)}` : '',
        },
        shipping: { ...address, phone: '' },
      },
      created,
    );
    Object.assign(
      record,
      datePair('date_modified', new Date(created.getTime() + rnd.int(0, 30) * 86_400_000), shop.offset),
    );
    if (record.date_modified_gmt! > formatUtc(anchor))
      Object.assign(record, datePair('date_modified', created, shop.offset));
    customers.push(record);
    shop.data.customers.push(record);
  }

  // Products
  const products: Rec[] = [];
  for (let i = 0; i < Math.max(1, Math.floor(n / 4)); i++) {
    const name = `${rnd.pick(PRODUCTS)} ${i + 1}`;
    // Every kind appears once there are a handful of products; the rest is chance.
    const virtual = i % 6 === 2 || rnd.chance(0.1);
    const manage = !virtual && (i % 5 === 1 || rnd.chance(0.4));
    const regular = `${rnd.int(49, 2999)}${rnd.pick(['', '.50', '.90'])}`;
    const record = buildProduct(
      shop,
      {
        name,
        sku: i % 8 === 5 || rnd.chance(0.05) ? '' : `SKU-${1001 + i}`,
        regular_price: regular,
        sale_price: rnd.chance(0.15) ? formatDp(dec(regular).mul(0.8), 2) : '',
        virtual,
        downloadable: virtual && rnd.chance(0.5),
        manage_stock: manage,
        stock_quantity: manage ? rnd.int(0, 50) : null,
        tax_status: rnd.chance(0.05) ? 'none' : 'taxable',
        description: `<p>${name}</p>`,
      },
      daysAgo(400),
    );
    products.push(record);
    shop.data.products.push(record);
  }

  // Orders
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
    const [city, postcode] = rnd.pick(CITIES);
    const guestFirst = rnd.pick(FIRST);
    const guestLast = rnd.pick(LAST);
    const billing = customer
      ? { ...(customer.billing as Rec) }
      : {
          first_name: guestFirst,
          last_name: guestLast,
          address_1: `${rnd.pick(STREETS)} ${rnd.int(1, 99)}`,
          city,
          postcode,
          country: 'NO',
          email: `${ascii(guestFirst)}.guest${i + 1}@example.com`,
          phone: '',
        };
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
