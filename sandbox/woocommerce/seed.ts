/**
 * A deterministic demo shop: the same options, `seed` and `anchor` always give the same
 * records (ids, names, amounts, dates, keys).
 *
 * By default (today's shop, which the shipped mappings and e2e tests are built on): prices
 * without tax, one standard 25 % rate in use, NOK; `count` N gives N customers (some
 * non-ASCII names, some without phone or address line 2, a few with mixed-case e-mails),
 * N/4 products (a few without SKU, some virtual/downloadable, some with managed stock, some
 * on sale) and N orders of 1–5 lines (some guests with only a billing e-mail, some with
 * hand-set line discounts, with shipping and fee lines, every core status — a refunded
 * order has its amount-only refund), spread over the months before `anchor`, all paid with
 * Vipps.
 *
 * Opt-in options (seed-orders.ts) make it a shop with the settings and buyers real
 * Norwegian shops have; any of them switches orders to the checkout path (checkout.ts).
 * New draws come from a second random stream, so the default shop stays the same.
 */
import { Random } from '../common/random.ts';
import { buildCustomer } from './customers.ts';
import { datePair, formatUtc } from './dates.ts';
import { dec, formatDp } from './money.ts';
import { buildProduct } from './products.ts';
import { seedCatalogueExtras } from './seed-catalogue.ts';
import { classicOrders } from './seed-classic.ts';
import { ascii, CITIES, FIRST, LAST, PRODUCTS, STREETS } from './seed-data.ts';
import { checkoutOrders, type SeedContext, usesCheckout } from './seed-orders.ts';
import { setOption } from './settings-api.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';

export interface SeedOptions {
  count: number;
  seed: number;
  /** Dates lie before this moment (default: today 00:00 UTC, so a seed is stable all day). */
  anchor?: Date;
  /** `woocommerce_prices_include_tax` (default false). */
  pricesIncludeTax?: boolean;
  /** `woocommerce_tax_round_at_subtotal` (default false: round per line). */
  roundAtSubtotal?: boolean;
  /** Spread products over the classes standard 25 % / reduced 15 % / low 12 % / zero 0 %. */
  taxClasses?: boolean;
  /** Coupons `10off` (10 %) and `fast100` (100 off the cart), used on some orders. */
  coupons?: boolean;
  /** Share of orders bought by companies: `billing.company` and an org number in meta. */
  companies?: number;
  /** Meta key of the organisation number (default `_billing_org_nr`, as Klarna/Dintero store it). */
  orgNumberMetaKey?: string;
  /** Share of company orders whose org number fails the mod-11 check. */
  invalidOrgNumbers?: number;
  /** Share of orders in EUR, priced and stamped by a currency plugin. */
  foreignCurrency?: number;
  /**
   * Which plugin's exchange-rate meta (default `aelia`: `_base_currency_exchange_rate`);
   * `none`: the order carries no rate (a plugin that stores none, an order priced by hand).
   */
  currencyPlugin?: 'aelia' | 'woocs' | 'none';
  /** NOK per EUR (default "11.50"). */
  exchangeRate?: string;
  /** Share of orders without VAT: half exported (buyer abroad), half VAT-exempt buyers. */
  vatExempt?: number;
  /** Some products become variable products with variations that orders buy. */
  variations?: boolean;
  /** Line-item refunds: refunded orders itemised, and partial refunds on some paid orders. */
  refunds?: boolean;
  /** Payment methods by status: paid by card/Vipps/Klarna with transaction ids, bank transfers on hold unpaid. */
  payments?: boolean;
}

export function seedShop(shop: Shop, options: SeedOptions): void {
  if (options.pricesIncludeTax !== undefined)
    setOption(shop, 'woocommerce_prices_include_tax', options.pricesIncludeTax ? 'yes' : 'no');
  if (options.roundAtSubtotal !== undefined)
    setOption(shop, 'woocommerce_tax_round_at_subtotal', options.roundAtSubtotal ? 'yes' : 'no');
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

  const ctx: SeedContext = {
    shop,
    options,
    rnd,
    extra: new Random(options.seed ^ 0x5eed5eed),
    anchor,
    daysAgo,
    customers,
    products,
  };
  seedCatalogueExtras(ctx);
  if (usesCheckout(options)) checkoutOrders(ctx, n);
  else classicOrders(ctx, n);
}
