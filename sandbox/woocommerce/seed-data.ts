/** Names, places and products the seed draws from (Norwegian, with a few non-ASCII letters). */
import type { Random } from '../common/random.ts';
import type { Rec } from './state.ts';

export const FIRST = [
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
export const LAST = [
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
export const CITIES: Array<[string, string]> = [
  ['Oslo', '0150'],
  ['Bergen', '5003'],
  ['Trondheim', '7010'],
  ['Tromsø', '9008'],
  ['Stavanger', '4006'],
  ['Ålesund', '6002'],
  ['Bodø', '8006'],
];
export const STREETS = ['Storgata', 'Kirkegata', 'Strandveien', 'Bakkeveien', 'Fjordgata', 'Løkkeveien'];
export const PRODUCTS = [
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

export const ascii = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/gi, 'o')
    .replace(/æ/gi, 'ae')
    .replace(/å/gi, 'a')
    .toLowerCase();

/**
 * The billing address of order `i`: the customer's, or a guest's drawn here (a Norwegian
 * address and a guest e-mail). The draws happen in the same order either way, so the
 * orders after it do not change with who bought.
 */
export function buyerBilling(
  rnd: Random,
  customer: Rec | undefined,
  i: number,
): { billing: Rec; lastName: string } {
  const [city, postcode] = rnd.pick(CITIES);
  const first = rnd.pick(FIRST);
  const last = rnd.pick(LAST);
  const billing = customer
    ? { ...(customer.billing as Rec) }
    : {
        first_name: first,
        last_name: last,
        address_1: `${rnd.pick(STREETS)} ${rnd.int(1, 99)}`,
        city,
        postcode,
        country: 'NO',
        email: `${ascii(first)}.guest${i + 1}@example.com`,
        phone: '',
      };
  return { billing, lastName: last };
}
