/**
 * Data a fresh sandbox starts with (besides the client setup of client-setup.ts: VAT codes,
 * accounts, currencies). Always (unless turned off) the service products a web shop
 * integration needs for shipping, fees and rounding lines (`FRAKT`, `GEBYR`, 25 % through
 * the client's default sales account; FRAKT15/12/0, GEBYR15/12/0 and AVRUNDING at every
 * rate), and
 * customers (persons and companies with contact persons), products and invoiced orders that
 * "already exist" in the accounting client, given explicitly or generated reproducibly.
 */
import { Random } from '../common/random.ts';
import { createContactPerson } from './contact-persons.ts';
import { createCustomer } from './customers.ts';
import { osloToday } from './dates.ts';
import { postInvoice } from './posting.ts';
import { createProduct } from './products.ts';
import { createOrder } from './sales-orders.ts';
import { company, person, product, vatServiceProducts } from './seed-data.ts';
import type { PowerOfficeState, Rec } from './state.ts';

export interface SeedOptions {
  /**
   * The service products shipping, fee and rounding lines need (default true): FRAKT and GEBYR
   * (25 % through the client's default account), FRAKT15/12/0, GEBYR15/12/0 and AVRUNDING,
   * AVRUNDING15/12/0 (seed-data.ts).
   */
  services?: boolean;
  /** Pre-existing customers (persons): records (any writable or read-only fields) or a number to generate. */
  customers?: number | Rec[];
  /** Generated companies with valid organisation numbers and one or two contact persons each. */
  companies?: number;
  /** Pre-existing products: records or a number to generate. */
  products?: number | Rec[];
  /** Generated products spread over 25/15/12/0 % sales accounts (default: all 25 %). */
  vatMix?: boolean;
  /**
   * Invoiced, unpaid orders: one each for the first N generated customers and companies
   * (needs generated products), so balances, outgoing invoices and the archive rule have
   * something to show.
   */
  invoicedOrders?: number;
  /** Seed for generated data (default 1). */
  seed?: number;
}

export const SERVICE_PRODUCTS: Rec[] = [
  {
    Code: 'FRAKT',
    Name: 'Frakt',
    Description: 'Shipping charged to the customer',
    ProductType: 'Service',
    UnitOfMeasureCode: 'EA',
  },
  {
    Code: 'GEBYR',
    Name: 'Gebyr',
    Description: 'Fees charged to the customer',
    ProductType: 'Service',
    UnitOfMeasureCode: 'EA',
  },
];

export function applySeed(state: PowerOfficeState, options: SeedOptions | false | undefined): void {
  if (options === false) return;
  const random = new Random(options?.seed ?? 1);
  if (options?.services !== false) {
    for (const p of [...SERVICE_PRODUCTS, ...vatServiceProducts()]) createProduct(state, p, { admin: true });
  }
  const customers = options?.customers;
  const customerRecords =
    typeof customers === 'number'
      ? Array.from({ length: customers }, (_, i) => person(random, i))
      : (customers ?? []);
  const buyers = customerRecords.map((c) => createCustomer(state, c, { admin: true }));
  for (let i = 0; i < (options?.companies ?? 0); i++) {
    const generated = company(random, i);
    const created = createCustomer(state, generated.company, { admin: true });
    for (const contact of generated.contacts)
      createContactPerson(state, String(created.Id), contact, { admin: true });
    buyers.push(created);
  }
  const products = options?.products;
  const productRecords =
    typeof products === 'number'
      ? Array.from({ length: products }, (_, i) => product(random, i, options?.vatMix === true))
      : (products ?? []);
  const made = productRecords.map((p) => createProduct(state, p, { admin: true }));
  const invoiced = Math.min(options?.invoicedOrders ?? 0, buyers.length);
  if (invoiced > 0 && made.length === 0) throw new Error('seed: invoicedOrders needs products');
  for (let i = 0; i < invoiced; i++) {
    const lines = Array.from({ length: random.int(1, 3) }, () => ({
      ProductId: random.pick(made).Id,
      Quantity: random.int(1, 3),
    }));
    const order = createOrder(
      state,
      { CustomerId: buyers[i]!.Id, ExternalImportReference: `seed-order-${i + 1}`, SalesOrderLines: lines },
      { admin: true },
    );
    postInvoice(state, String(order.Id), {
      voucherDate: osloToday(),
      deliveryType: 'PdfByEmail',
      sentAt: state.clock.next(),
      exchangeRate: 1,
    });
  }
}
