/**
 * WooCommerce's number handling, in decimal arithmetic (decimal.js):
 *
 * - `roundPhp(v, places, mode)`: PHP `round()` — half away from zero (`PHP_ROUND_HALF_UP`)
 *   or half towards zero (`PHP_ROUND_HALF_DOWN`, WooCommerce's tax rounding mode when prices
 *   are entered with tax, and its discount rounding mode).
 * - `stored(v)`: what `wc_format_decimal($float)` stores for an unrounded amount: six
 *   decimals (`wc_get_rounding_precision()`), trailing zeros trimmed (`"8.982"`, `"0"`).
 * - `formatDp(v, dp)`: `wc_format_decimal($v, $dp)` = PHP `number_format` (half away from
 *   zero), what the REST API shows for totals (`"8.98"`).
 *
 * PHP computes these amounts in doubles; the sandbox computes them exactly. The two agree
 * except where float noise crosses a rounding boundary (see docs/woocommerce.md).
 */
import { Decimal } from 'decimal.js';

export { Decimal };

export type RoundingMode = 'half-up' | 'half-down';

/** WooCommerce rounds unrounded amounts to this many decimals (`WC_ROUNDING_PRECISION`). */
export const ROUNDING_PRECISION = 6;

export const ZERO = new Decimal(0);

/**
 * PHP computes amounts in doubles: a magnitude beyond the largest double is INF, one below the
 * smallest subnormal is 0. Decimals are clamped the same way, which also keeps a client's
 * "1e999999999" from becoming a billion-digit string when formatted (the sandbox ran out of
 * memory on it).
 */
const DBL_MAX = new Decimal('1.7976931348623157e308');
const DBL_TINY = new Decimal('4.9e-324');

function asDouble(d: Decimal): Decimal {
  if (!d.isFinite() || d.isZero()) return d;
  if (d.abs().gt(DBL_MAX)) return new Decimal(d.isNegative() ? -Infinity : Infinity);
  if (d.abs().lt(DBL_TINY)) return new Decimal(0);
  return d;
}

/** A decimal from a WooCommerce amount (string, number, empty = 0). Garbage is 0, as PHP casts it. */
export function dec(value: unknown): Decimal {
  if (value instanceof Decimal) return asDouble(value);
  try {
    const s = typeof value === 'number' ? String(value) : String(value ?? '').trim();
    // What `stored` wrote for an infinite amount reads back as one (PHP would read "INF" as
    // 0 on the next load; keeping it shows a client what it sent instead of hiding it).
    const infinite = /^([+-]?)inf(inity)?$/i.exec(s);
    if (infinite) return new Decimal(infinite[1] === '-' ? -Infinity : Infinity);
    return asDouble(new Decimal(s === '' ? 0 : s));
  } catch {
    return new Decimal(0);
  }
}

/** PHP's rendering of a non-finite float: `(string)INF` is "INF", `number_format(INF)` "inf". */
function nonFinite(value: Decimal, lower: boolean): string | undefined {
  const d = asDouble(value);
  if (d.isFinite()) return undefined;
  const text = d.isNaN() ? 'NAN' : d.isNegative() ? '-INF' : 'INF';
  return lower ? text.toLowerCase() : text;
}

export function roundPhp(value: Decimal, places: number, mode: RoundingMode = 'half-up'): Decimal {
  return value.toDecimalPlaces(places, mode === 'half-up' ? Decimal.ROUND_HALF_UP : Decimal.ROUND_HALF_DOWN);
}

/** `wc_format_decimal($float)`: six decimals, trailing zeros trimmed, `"0"` for zero. */
export function stored(value: Decimal): string {
  const infinite = nonFinite(value, false);
  if (infinite) return infinite;
  const fixed = value.toDecimalPlaces(ROUNDING_PRECISION, Decimal.ROUND_HALF_UP).toFixed(ROUNDING_PRECISION);
  const trimmed = fixed.replace(/\.?0+$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

/** `wc_format_decimal($value, $dp)`: PHP `number_format`, half away from zero. */
export function formatDp(value: unknown, dp: number): string {
  const infinite = nonFinite(dec(value), true);
  if (infinite) return infinite;
  const out = dec(value).toDecimalPlaces(dp, Decimal.ROUND_HALF_UP).toFixed(dp);
  return /^-0\.?0*$/.test(out) ? out.slice(1) : out;
}

/** Sum of decimals. */
export function sum(values: Iterable<Decimal>): Decimal {
  let total = new Decimal(0);
  for (const v of values) total = total.add(v);
  return total;
}
