/** Names, places and products the seed draws from (Norwegian, with a few non-ASCII letters). */

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
