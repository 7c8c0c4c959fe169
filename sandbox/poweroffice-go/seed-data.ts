/**
 * Generated records for the seed: persons, companies (with valid organisation numbers and
 * their contact persons), products spread over the Norwegian VAT rates, and the service
 * products per VAT rate that shipping and fee lines need.
 */
import type { Random } from '../common/random.ts';
import { accountIdOf } from './client-setup.ts';
import type { Rec } from './state.ts';

const FIRST = ['Kari', 'Ola', 'Ingrid', 'Lars', 'Sofie', 'Jonas', 'Nora', 'Emil', 'Hedda', 'Magnus'];
const LAST = ['Nordmann', 'Hansen', 'Johansen', 'Olsen', 'Larsen', 'Berg', 'Haugen', 'Dahl', 'Lie', 'Moen'];
const TRADES = ['Sykkel', 'Bakeri', 'Elektro', 'Bygg', 'Regnskap', 'Frisør', 'Kafé', 'Transport'];
export const CITIES: Array<[string, string]> = [
  ['Oslo', '0150'],
  ['Bergen', '5003'],
  ['Trondheim', '7010'],
  ['Stavanger', '4006'],
  ['Tromsø', '9008'],
];

/** [suffix, standard account, VAT rate]: 25 %, 15 %, 12 % and zero-rated. */
export const RATE_ACCOUNTS: Array<[string, number, number]> = [
  ['', 3000, 0.25],
  ['15', 3030, 0.15],
  ['12', 3020, 0.12],
  ['0', 3100, 0],
];

export function person(random: Random, i: number): Rec {
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
}

/** A valid Norwegian organisation number (mod-11) from 8 random digits. */
export function organizationNumber(random: Random): string {
  for (;;) {
    const digits = Array.from({ length: 8 }, (_, i) => (i === 0 ? random.int(8, 9) : random.int(0, 9)));
    const sum = [3, 2, 7, 6, 5, 4, 3, 2].reduce((acc, w, i) => acc + w * digits[i]!, 0);
    const check = (11 - (sum % 11)) % 11;
    if (check !== 10) return `${digits.join('')}${check}`;
  }
}

export function company(random: Random, i: number): { company: Rec; contacts: Rec[] } {
  const last = random.pick(LAST);
  const name = `${last} ${random.pick(TRADES)} AS`;
  const slug = `${last.toLowerCase()}${i + 1}`;
  const [city, zip] = random.pick(CITIES);
  const contacts = Array.from({ length: random.int(1, 2) }, (_, k) => {
    const first = random.pick(FIRST);
    const surname = random.pick(LAST);
    return {
      FirstName: first,
      LastName: surname,
      EmailAddress: `${first}.${surname}@${slug}.example.no`.toLowerCase(),
      Title: k === 0 ? 'Daglig leder' : 'Innkjøper',
      IsDefault: k === 0,
      ExternalCode: `seed-company-${i + 1}-${k + 1}`,
    };
  });
  return {
    company: {
      IsPerson: false,
      Name: name,
      LegalName: name,
      OrganizationNumber: organizationNumber(random),
      EmailAddress: `post@${slug}.example.no`,
      InvoiceEmailAddress: `faktura@${slug}.example.no`,
      MailAddress: {
        AddressLine1: `Industriveien ${random.int(1, 60)}`,
        City: city,
        ZipCode: zip,
        CountryCode: 'NO',
      },
    },
    contacts,
  };
}

/** Generated products; with `vatMix` a quarter each at 25, 15, 12 and 0 %. */
export function product(random: Random, i: number, vatMix: boolean): Rec {
  const [, account] = RATE_ACCOUNTS[vatMix ? i % RATE_ACCOUNTS.length : 0]!;
  return {
    Code: `SKU-${String(i + 1).padStart(4, '0')}`,
    Name: `Product ${i + 1}`,
    UnitPrice: random.int(50, 2000),
    IsStockItem: true,
    StockOnHand: random.int(0, 100),
    ...(vatMix
      ? { StandardSalesAccountId: accountIdOf(account), OptionalSalesAccountId: accountIdOf(3100) }
      : {}),
  };
}

/**
 * FRAKT15, FRAKT12, FRAKT0, GEBYR15, …: one service product per reduced or zero rate (FRAKT and
 * GEBYR at 25 % are the default service products); AVRUNDING, AVRUNDING15, AVRUNDING12 and
 * AVRUNDING0 at every rate, for the rounding lines of orders whose totals PowerOffice Go's
 * per-line VAT cannot reproduce (mappings/salesorderline.yaml).
 */
export function vatServiceProducts(): Rec[] {
  const out: Rec[] = [];
  for (const [code, name, rates] of [
    ['FRAKT', 'Frakt', RATE_ACCOUNTS.slice(1)],
    ['GEBYR', 'Gebyr', RATE_ACCOUNTS.slice(1)],
    ['AVRUNDING', 'Øreavrunding', RATE_ACCOUNTS],
  ] as const) {
    for (const [suffix, account, rate] of rates) {
      out.push({
        Code: `${code}${suffix}`,
        Name: `${name} ${Math.round(rate * 100)} % mva`,
        Description: `${name} charged to the customer, ${Math.round(rate * 100)} % VAT`,
        ProductType: 'Service',
        UnitOfMeasureCode: 'EA',
        StandardSalesAccountId: accountIdOf(account),
        OptionalSalesAccountId: accountIdOf(3100),
      });
    }
  }
  return out;
}
