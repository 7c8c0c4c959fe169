/**
 * Random mapping expressions from a small grammar of mapsync's helper functions
 * (engine/mapping/functions) and the JSONata built-ins mappings use most, over the paths of
 * shop records: money helpers with odd decimals, dates, $htmlToText, string functions with
 * huge paddings, and regexes known to backtrack catastrophically on engines that backtrack
 * (the linear-time engine must run them in linear time, or validation must refuse them).
 */
import fc from 'fast-check';

const NUM_PATHS = ['regular_price', 'stock_quantity', 'total', 'id', 'line_items.price', 'fee_lines.total'];
const STR_PATHS = [
  'first_name',
  'last_name',
  'billing.city',
  'billing.address_1',
  'name',
  'sku',
  'short_description',
  'email',
];
const DATE_PATHS = ['date_created_gmt', 'date_modified_gmt', 'date_paid_gmt', 'first_name'];

/** Regexes that hang a backtracking engine on inputs like "aaaa…a!". */
export const HOSTILE_REGEXES = [
  '/^([a-z]+)+$/',
  '/(a|aa)*$/',
  '/^(\\w+\\s?)*$/',
  '/(x+x+)+y/',
  '/^(a?){25}a{25}$/',
  '/[\\u0300-\\u036f]/',
  '/^woo-[0-9]+$/i',
  '/\\s+/',
];

const lit = <T>(values: T[]) => fc.constantFrom(...values);

function grammar(): { expr: fc.Arbitrary<string> } {
  const { num, str, bool, expr } = fc.letrec<{ num: string; str: string; bool: string; expr: string }>(
    (tie) => {
      const num = tie('num') as fc.Arbitrary<string>;
      const str = tie('str') as fc.Arbitrary<string>;
      const bool = tie('bool') as fc.Arbitrary<string>;
      const places = lit(['', ', 0', ', 2', ', 12', ', 13', ', -1', ', 2.5']);
      const amount = lit(['"19.90"', '"1e309"', '"1e999999999"', '1e308', '"-0"', '"abc"', '0', '"  3.5 "']);
      return {
        num: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          lit(NUM_PATHS),
          amount,
          fc.tuple(num, places).map(([a, p]) => `$decimal(${a}${p})`),
          fc.tuple(num, num, places).map(([a, b, p]) => `$divide(${a}, ${b}${p})`),
          fc.tuple(num, num, places).map(([a, b, p]) => `$percentOff(${a}, ${b}${p})`),
          fc
            .tuple(num, lit(['25', '15', '0', '-100', '"1e309"']), places)
            .map(([a, r, p]) => `$exclVat(${a}, ${r}${p})`),
          fc.tuple(num, lit(['25', '12', '"x"']), places).map(([a, r, p]) => `$inclVat(${a}, ${r}${p})`),
          fc.tuple(num, num).map(([a, b]) => `(${a} * ${b})`),
          str.map((s) => `$number($trim(${s}))`),
          str.map((s) => `$length(${s})`),
        ),
        str: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          lit(STR_PATHS),
          lit(['"Ødegård"', '""', '"e\\u0301"', '"\\ud800"']),
          fc.tuple(num, places).map(([a, p]) => `$decimalString(${a}${p})`),
          str.map((s) => `$htmlToText(${s})`),
          str.map((s) => `$trim(${s})`),
          str.map((s) => `$uppercase(${s})`),
          fc.tuple(str, lit(['0', '3', '-2', '100000'])).map(([s, n]) => `$substring(${s}, ${n})`),
          fc.tuple(str, lit(['10', '-10', '100000', '1000000'])).map(([s, n]) => `$pad(${s}, ${n}, "#")`),
          fc.tuple(str, str).map(([a, b]) => `(${a} & ${b})`),
          fc.tuple(str, lit(HOSTILE_REGEXES)).map(([s, r]) => `$replace(${s}, ${r}, "-")`),
          fc.tuple(str, lit(['" "', '""', '"a"'])).map(([s, d]) => `$join($split(${s}, ${d}), "|")`),
          lit(DATE_PATHS).map((d) => `$utcDateTime(${d})`),
          lit(DATE_PATHS).map((d) => `$utcDate(${d})`),
          fc
            .tuple(lit(DATE_PATHS), lit(['"Europe/Oslo"', '"Mars/Olympus"', '""']))
            .map(([d, z]) => `$zonedDate(${d}, ${z})`),
          lit(DATE_PATHS).map((d) => `$dateTimeOffset(${d})`),
          lit(DATE_PATHS).map((d) => `$gmtDateTime(${d})`),
          num.map((n) => `$string(${n})`),
          fc.tuple(bool, str, str).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
        ),
        bool: fc.oneof(
          fc.tuple(str, lit(HOSTILE_REGEXES)).map(([s, r]) => `$contains(${s}, ${r})`),
          fc.tuple(str, lit(HOSTILE_REGEXES)).map(([s, r]) => `$exists($match(${s}, ${r}))`),
          fc.tuple(num, num).map(([a, b]) => `(${a} > ${b})`),
          lit(STR_PATHS).map((p) => `$exists(${p})`),
        ),
        expr: fc.oneof(num, str, bool),
      };
    },
  );
  void num;
  void str;
  void bool;
  return { expr };
}

/** `count` expressions, deterministic for the seed. */
export function randomExpressions(seed: number, count: number): string[] {
  return fc.sample(grammar().expr, { seed, numRuns: count });
}
