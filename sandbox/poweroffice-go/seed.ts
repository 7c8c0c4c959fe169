/**
 * Data a fresh sandbox starts with. Always (unless turned off) the service products a web
 * shop integration needs for shipping and fees (`FRAKT`, `GEBYR`); optionally customers and
 * products that "already exist" in the accounting client, given explicitly or generated
 * reproducibly from a seed.
 */
import { Random } from '../common/random.ts';
import { createCustomer } from './customers.ts';
import { createProduct } from './products.ts';
import type { PowerOfficeState, Rec } from './state.ts';

export interface SeedOptions {
  /** The FRAKT/GEBYR service products (default true). */
  services?: boolean;
  /** Pre-existing customers: records (any writable or read-only fields) or a number to generate. */
  customers?: number | Rec[];
  /** Pre-existing products: records or a number to generate. */
  products?: number | Rec[];
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

const FIRST = ['Kari', 'Ola', 'Ingrid', 'Lars', 'Sofie', 'Jonas', 'Nora', 'Emil', 'Hedda', 'Magnus'];
const LAST = ['Nordmann', 'Hansen', 'Johansen', 'Olsen', 'Larsen', 'Berg', 'Haugen', 'Dahl', 'Lie', 'Moen'];
const CITIES: Array<[string, string]> = [
  ['Oslo', '0150'],
  ['Bergen', '5003'],
  ['Trondheim', '7010'],
  ['Stavanger', '4006'],
  ['Tromsø', '9008'],
];

export function applySeed(state: PowerOfficeState, options: SeedOptions | false | undefined): void {
  if (options === false) return;
  const random = new Random(options?.seed ?? 1);
  if (options?.services !== false) {
    for (const p of SERVICE_PRODUCTS) createProduct(state, p, { admin: true });
  }
  const customers = options?.customers;
  const customerRecords =
    typeof customers === 'number'
      ? Array.from({ length: customers }, (_, i) => {
          const first = random.pick(FIRST);
          const last = random.pick(LAST);
          const [city, zip] = random.pick(CITIES);
          return {
            IsPerson: true,
            FirstName: first,
            LastName: last,
            EmailAddress: `${first}.${last}.${i + 1}@example.no`.toLowerCase(),
            PhoneNumber: `+47 9${random.int(1000000, 9999999)}`,
            MailAddress: {
              AddressLine1: `Storgata ${random.int(1, 120)}`,
              City: city,
              ZipCode: zip,
              CountryCode: 'NO',
            },
          };
        })
      : (customers ?? []);
  for (const c of customerRecords) createCustomer(state, c, { admin: true });
  const products = options?.products;
  const productRecords =
    typeof products === 'number'
      ? Array.from({ length: products }, (_, i) => ({
          Code: `SKU-${String(i + 1).padStart(4, '0')}`,
          Name: `Product ${i + 1}`,
          UnitPrice: random.int(50, 2000),
          IsStockItem: true,
          StockOnHand: random.int(0, 100),
        }))
      : (products ?? []);
  for (const p of productRecords) createProduct(state, p, { admin: true });
}
