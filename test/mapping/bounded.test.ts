/**
 * Which expressions are evaluated on the calling thread (bounded: straight-line, linear in
 * the input) and which stay in the worker pool with its hard time limit (issue 9). Every
 * shipped mapping expression but the few with a lambda or $htmlToText is bounded.
 */
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { isBounded, literalOf } from '../../engine/mapping/evaluator/bounded.ts';

const FIXED = new Set([
  'position',
  'time_zone',
  'org_number_meta_key',
  'shipping_product_code',
  'source_settings',
  'target_settings',
]);
const bounded = (text: string): boolean => isBounded(jsonata(text).ast(), FIXED);

describe('bounded expressions', () => {
  it.each([
    'status in ["processing", "completed"]',
    '$contains(number, /^[0-9]{1,15}$/) ? $number(number)',
    '$trim($join([billing.first_name, billing.last_name], " "))',
    'kind = "shipping" ? $shipping_product_code : line.name',
    '($price := $divide(line.subtotal, line.quantity, 6); $price >= 0 ? $price : $error("negative"))',
    '$zonedDate(date_created_gmt, $time_zone)',
    'meta_data[key = $org_number_meta_key][0].value',
    '[line_items.{ "ref": $string(id), "kind": "product", "line": $ }]',
    '($guest := {"id": "guest-" & $string(id), "billing": billing}; $link("customer", $guest))',
    '$position',
    '$contains(first_name, /^([a-z]+)+$/)',
    // a join in linear time: a lookup per element in a scalar map (a grouping with scalar values)
    '($rates := tax_lines{ $string(rate_id): $sumDecimal(rate_percent, 4) }; line_items.$sumDecimal(taxes.$lookup($rates, $string(id))))',
    '($lines := [line_items]; $vat := $lines{ "r" & $string(rate): $sumDecimal(vat) }; $keys($vat).$lookup($vat, $))',
    '$multiply(total, 0.25)',
    // paths into fixed values weigh nothing: `in` between two of them is constant
    '$not($exists($source_settings.currency)) or $source_settings.currency in $target_settings.currencies',
    '$merge([{"id": $string(id)}, billing])',
  ])('%s', (text) => {
    expect(bounded(text)).toBe(true);
  });
});

describe('expressions left to the worker pool', () => {
  it.each([
    // loops and recursion
    ['a lambda', '($f := function($n) { $f($n + 1) }; $f(0))'],
    ['a higher-order function', '$map(items, function($v) { $v * 2 })'],
    ['a range', '$count([1..$number(n)])'],
    ['a quadratic built-in', '$distinct(items)'],
    ['a string as long as a number says', '$pad("", $number(n))'],
    ['$eval', '$eval(code)'],
    ['a ~> chain', 'name ~> $uppercase()'],
    ['sorting', 'items^(price)'],
    // size blow-up and quadratic work
    ['a variable bound twice', '($s := name; $s := $s & $s; $s)'],
    [
      'a value doubled until it exceeds the weight bound',
      '($a := name & name; $b := $a & $a; $c := $b & $b; $d := $c & $c; $d & $d)',
    ],
    ['the root read once per element', 'items[price > $$.limit]'],
    ['$parent read once per element', 'items[id = $parent.id]'],
    ['a value of the input read once per element', '($all := items; items[$count($all) > 1])'],
    ['`in` between two values of the input', 'name in names'],
    // a lookup per element is linear only in a map of scalars built by a grouping
    ['a lookup per element in a map of objects', '($m := items{ id: $ }; lines.$lookup($m, id))'],
    ['a lookup per element in a value of the input', '($m := byId; lines.$lookup($m, id))'],
    ['a lookup per element in an array', '($m := items; lines.$lookup($m, id))'],
    ['a quadratic join', '($order := $; line_items.$order.tax_lines[rate_id in $.taxes.id])'],
    ['positional binding', 'items#$i[$i > 0]'],
    ['an unknown function', '$somethingNew(name)'],
  ])('%s: %s', (_what, text) => {
    expect(bounded(text)).toBe(false);
  });
});

describe('literals', () => {
  it('are folded at compile time; anything else is not a literal', () => {
    expect(literalOf(jsonata('"Draft"').ast())).toEqual({ value: 'Draft' });
    expect(literalOf(jsonata('0').ast())).toEqual({ value: 0 });
    expect(literalOf(jsonata('false').ast())).toEqual({ value: false });
    expect(literalOf(jsonata('null').ast())).toEqual({ value: null });
    expect(literalOf(jsonata('"a" & "b"').ast())).toBeUndefined();
    expect(literalOf(jsonata('name').ast())).toBeUndefined();
    expect(literalOf(jsonata('[1]').ast())).toBeUndefined();
  });
});
