/**
 * Deterministic shops of exact sizes for the benchmarks: `customers` customers, `products`
 * products and `orders` orders of 1–5 product lines, every order `processing` or
 * `completed` (so every one takes part in the sync) and placed by a registered customer
 * (so the record counts are exactly the ones asked for: no guest becomes an extra customer
 * person). Inserted in-process through the sandbox's admin path (`insertRecords`), which
 * fills in what WooCommerce computes (totals, dates, keys).
 */
import { Random } from '../../sandbox/common/random.ts';
import { insertRecords } from '../../sandbox/woocommerce/admin.ts';
import { buildCustomer } from '../../sandbox/woocommerce/customers.ts';
import type { WooSandbox } from '../../sandbox/woocommerce/index.ts';

type Rec = Record<string, unknown>;

export interface DatasetSize {
  customers: number;
  products: number;
  orders: number;
  /** Seed of the generator (default 42). */
  seed?: number;
  /** Share of orders with a shipping line (default 0.5): one more PowerOffice line each. */
  shipping?: number;
  /** Product lines per order (default: 1–5 at random). */
  lines?: number;
  /**
   * Every n-th order `completed`, the others `processing` (default 2: every other one; 0:
   * none). A completed order is also invoiced in PowerOffice Go (salesorder.yaml's `invoice`
   * action: one more write and its status polls).
   */
  completedEvery?: number;
  /**
   * Orders paid (a payment date and a Vipps transaction id), so that a completed one also
   * gets its payment voucher in PowerOffice Go (salesorder.yaml's `payment` action).
   */
  paid?: boolean;
}

const FIRST = ['Kari', 'Ola', 'Åse', 'Bjørn', 'Ingrid', 'Øystein', 'Marte', 'Jonas', 'Zoë', 'Siv'];
const LAST = ['Nordmann', 'Hansen', 'Ødegård', 'Johansen', 'Larsen', 'Müller', 'Berg', 'Strøm'];
const CITIES: Array<[string, string]> = [
  ['Oslo', '0150'],
  ['Bergen', '5003'],
  ['Trondheim', '7010'],
  ['Tromsø', '9008'],
];
const ANCHOR = Date.parse('2026-01-15T00:00:00Z');
const CHUNK = 5_000;

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);

export function customerInput(i: number, rnd: Random): Rec {
  const first = rnd.pick(FIRST);
  const last = rnd.pick(LAST);
  const [city, postcode] = rnd.pick(CITIES);
  const email = `bench.customer${i}@example.no`;
  const address = {
    first_name: first,
    last_name: last,
    company: '',
    address_1: `Storgata ${1 + (i % 120)}`,
    address_2: i % 3 === 0 ? `H0${1 + (i % 4)}01` : '',
    city,
    state: '',
    postcode,
    country: 'NO',
  };
  return {
    email,
    first_name: first,
    last_name: last,
    billing: { ...address, email, phone: i % 4 === 0 ? '' : `+47 ${400 + (i % 500)} 12 345` },
    shipping: { ...address, phone: '' },
    date_created_gmt: iso(ANCHOR - (1 + (i % 300)) * 86_400_000 - i * 1000),
  };
}

/** Fill the shop (which should be empty) with a dataset of exactly these sizes. */
export function fillShop(woo: WooSandbox, size: DatasetSize): void {
  const rnd = new Random(size.seed ?? 42);
  const shop = woo.state;
  // Customers are built and appended directly: the admin insert looks every record up by
  // id and every username up for uniqueness, which is quadratic at 100,000 customers.
  const customers = new Map<number, Rec>();
  for (let i = 1; i <= size.customers; i++) {
    const input = customerInput(i, rnd);
    const record = buildCustomer(
      shop,
      { ...input, username: `bench${i}` },
      new Date(`${String(input.date_created_gmt)}Z`),
    );
    shop.data.customers.push(record);
    customers.set(record.id as number, record);
  }
  shop.onMutate();
  const customerIds = [...customers.keys()];
  const products: Array<{ id: number; price: number }> = [];
  const productInputs: Rec[] = [];
  for (let i = 0; i < size.products; i++) {
    const price = rnd.int(49, 2999);
    productInputs.push({
      name: `Bench product ${i + 1}`,
      sku: `BENCH-${1001 + i}`,
      regular_price: `${price}.00`,
      virtual: i % 7 === 3,
      manage_stock: i % 5 === 1,
      stock_quantity: i % 5 === 1 ? rnd.int(0, 50) : null,
      short_description: `<p>Product ${i + 1}</p>`,
      date_created_gmt: iso(ANCHOR - (1 + (i % 400)) * 86_400_000),
    });
  }
  for (const p of insertRecords(shop, 'product', productInputs)) {
    products.push({ id: p.id as number, price: Number(p.regular_price) });
  }
  const orderInputs: Rec[] = [];
  const completedEvery = size.completedEvery ?? 2;
  for (let i = 0; i < size.orders; i++) {
    const customer = customerIds[rnd.int(0, customerIds.length - 1)]!;
    const source = customers.get(customer)!;
    const lines = Array.from({ length: size.lines ?? rnd.int(1, 5) }, () => {
      const product = rnd.pick(products);
      const quantity = rnd.int(1, 4);
      const subtotal = product.price * quantity;
      const discounted = rnd.chance(0.2);
      return {
        product_id: product.id,
        quantity,
        subtotal: subtotal.toFixed(2),
        total: (discounted ? subtotal * 0.9 : subtotal).toFixed(2),
      };
    });
    orderInputs.push({
      customer_id: customer,
      created_via: 'checkout',
      status: completedEvery > 0 && i % completedEvery === completedEvery - 1 ? 'completed' : 'processing',
      payment_method: 'vipps',
      payment_method_title: 'Vipps',
      billing: { ...(source.billing as Rec) },
      shipping: { ...(source.shipping as Rec) },
      line_items: lines,
      shipping_lines: rnd.chance(size.shipping ?? 0.5)
        ? [{ method_id: 'flat_rate', method_title: 'Flat rate', instance_id: '1', total: '99.00' }]
        : [],
      date_created_gmt: iso(ANCHOR - (1 + (i % 120)) * 3_600_000 * 24),
      ...(size.paid
        ? {
            date_paid_gmt: iso(ANCHOR - (1 + (i % 120)) * 3_600_000 * 24 + 60_000),
            transaction_id: `VIPPS-${String(10_000_000 + i)}`,
          }
        : {}),
    });
  }
  for (let start = 0; start < orderInputs.length; start += CHUNK) {
    insertRecords(shop, 'order', orderInputs.slice(start, start + CHUNK));
  }
}
