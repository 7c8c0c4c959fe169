/**
 * Decimal money helpers. WooCommerce sends amounts as strings ("19.90"), PowerOffice wants
 * numbers; doing the arithmetic in binary floating point drifts (0.1 + 0.2) and JSONata's
 * `$round` rounds half to even, which is not what invoices do. Everything here goes through
 * decimal.js and rounds half-up (away from zero, commercial rounding).
 */
import { Decimal } from 'decimal.js';

/** A private Decimal class: no global configuration is changed. */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
type Dec = InstanceType<typeof D>;

const MAX_DECIMALS = 12;
/** The longest numeric string a helper reads. */
const MAX_DIGITS = 400;

/**
 * The largest number a JSON body (a double) can carry. Decimal.js goes far beyond it, so a
 * value or result past it would become Infinity and vanish from the request: refused instead.
 */
const LARGEST = new D('1.7976931348623157e308');

const shown = (value: unknown) => {
  const text = String(value);
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} characters)` : text;
};

function inRange(d: Dec, fn: string, what: string): Dec {
  if (!d.isFinite() || d.abs().gt(LARGEST)) {
    throw new Error(
      `$${fn}: ${what} ${shown(d.toString())} is beyond the largest number allowed (1.7976931348623157e308)`,
    );
  }
  return d;
}

/** A result as a number, refused when it would not fit a double (never Infinity). */
function toNumber(d: Dec, fn: string): number {
  return inRange(d, fn, 'the result').toNumber();
}

/** Parse a money value; empty input (undefined, null, "") is `undefined`. */
export function toDecimal(value: unknown, fn = 'decimal'): Dec | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    // Far beyond any amount (a double prints in at most 24 characters), and it keeps every
    // helper linear: decimal.js multiplies digit by digit (evaluator/bounded.ts counts on it).
    if (text.length > MAX_DIGITS) throw new Error(`$${fn}: "${shown(value)}" is too long for a number`);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
      throw new Error(`$${fn}: "${shown(value)}" is not a number`);
    }
    return inRange(new D(text), fn, 'the value');
  }
  if (typeof value === 'number' && Number.isFinite(value)) return new D(value);
  if (value instanceof D) return inRange(value, fn, 'the value');
  if (typeof value === 'number') throw new Error(`$${fn}: the value ${value} is not a finite number`);
  throw new Error(`$${fn}: expected a number or a numeric string, got ${typeof value}`);
}

function places(decimals: unknown, fallback: number, fn: string): number {
  if (decimals === undefined) return fallback;
  if (
    typeof decimals !== 'number' ||
    !Number.isInteger(decimals) ||
    decimals < 0 ||
    decimals > MAX_DECIMALS
  ) {
    throw new Error(`$${fn}: decimals must be an integer from 0 to ${MAX_DECIMALS}`);
  }
  return decimals;
}

/** `$decimal(value, decimals = 2)`: the value rounded half-up, as a number. */
export function decimal(value: unknown, decimals?: unknown): number | undefined {
  const d = toDecimal(value, 'decimal');
  return d === undefined ? undefined : toNumber(d.toDecimalPlaces(places(decimals, 2, 'decimal')), 'decimal');
}

/** `$decimalString(value, decimals = 2)`: rounded half-up, as a string with exactly that many decimals. */
export function decimalString(value: unknown, decimals?: unknown): string | undefined {
  const d = toDecimal(value, 'decimalString')?.toDecimalPlaces(places(decimals, 2, 'decimalString'));
  // A negative amount that rounds to zero is "0.00", not decimal.js's "-0.00".
  return d?.isZero()
    ? d.abs().toFixed(places(decimals, 2, 'decimalString'))
    : d?.toFixed(places(decimals, 2, 'decimalString'));
}

/** `$divide(dividend, divisor, decimals = 2)`: exact division rounded half-up; nothing when the divisor is 0. */
export function divide(dividend: unknown, divisor: unknown, decimals?: unknown): number | undefined {
  const a = toDecimal(dividend, 'divide');
  const b = toDecimal(divisor, 'divide');
  if (a === undefined || b === undefined || b.isZero()) return undefined;
  return toNumber(a.dividedBy(b).toDecimalPlaces(places(decimals, 2, 'divide')), 'divide');
}

/** `$multiply(a, b, decimals = 2)`: the exact decimal product rounded half-up (a line's VAT: net × rate / 100). */
export function multiply(a: unknown, b: unknown, decimals?: unknown): number | undefined {
  const x = toDecimal(a, 'multiply');
  const y = toDecimal(b, 'multiply');
  if (x === undefined || y === undefined) return undefined;
  return toNumber(x.times(y).toDecimalPlaces(places(decimals, 2, 'multiply')), 'multiply');
}

/**
 * `$sumDecimal(values, decimals = 2)`: the exact decimal sum of numbers or numeric strings
 * (JSONata's `$sum` adds binary floats: 0.1 + 0.2), rounded half-up; empty entries are
 * skipped and an empty list is 0.
 */
export function sumDecimal(values: unknown, decimals?: unknown): number {
  const list = Array.isArray(values) ? values : values === undefined ? [] : [values];
  // Most calls sum one amount (a line's total, a tax rate): no arithmetic to do.
  const alone = list.length === 1 ? plainAmount(list[0], decimals) : plainSum(list, decimals);
  return alone ?? sumDecimalExact(list, decimals);
}

const POWERS = Array.from({ length: MAX_DECIMALS + 1 }, (_, i) => 10 ** i);

/**
 * The sum of several plain amounts without decimal.js, or undefined: every entry empty
 * (skipped, as decimal.js's sum skips it) or a text or number of plain digits with no more
 * decimals than asked, and at most 15 digits once scaled to that many decimals. Each is then
 * an exact integer count of 10^-decimals, so is their sum while it stays a safe integer, and
 * dividing it by 10^decimals (both exact doubles, the division rounded once) gives the double
 * nearest the exact decimal sum: what decimal.js's number is (its sum of at most 28 digits is
 * exact at 40, and nothing is left to round). A sum of zero is 0, as 0 + (−0) is. Anything
 * else is decimal.js's (test/mapping/sum-decimal.test.ts compares the two).
 */
function plainSum(list: readonly unknown[], decimals: unknown): number | undefined {
  if (decimals !== undefined && !(Number.isInteger(decimals) && (decimals as number) >= 0)) return undefined;
  const scale = decimals === undefined ? 2 : (decimals as number);
  if (scale > MAX_DECIMALS) return undefined;
  let total = 0;
  for (const value of list) {
    if (value === undefined || value === null) continue;
    const text = amountText(value);
    if (text === undefined) return undefined;
    if (text === '') continue;
    const match = PLAIN_AMOUNT.exec(text);
    if (!match) return undefined;
    const whole = match[1]!;
    const fraction = match[2] ?? '';
    if (fraction.length > scale || whole.length + scale > 15) return undefined;
    const units =
      Number(whole) * POWERS[scale]! +
      (fraction === '' ? 0 : Number(fraction) * POWERS[scale - fraction.length]!);
    total += text.startsWith('-') ? -units : units;
    if (!Number.isSafeInteger(total)) return undefined;
  }
  return total / POWERS[scale]!;
}

/** The sum through decimal.js (what `sumDecimal` gives for every input). */
export function sumDecimalExact(list: readonly unknown[], decimals?: unknown): number {
  let total = new D(0);
  for (const value of list) {
    const d = toDecimal(value, 'sumDecimal');
    if (d !== undefined) total = inRange(total.plus(d), 'sumDecimal', 'the sum');
  }
  return toNumber(total.toDecimalPlaces(places(decimals, 2, 'sumDecimal')), 'sumDecimal');
}

const PLAIN_AMOUNT = /^[+-]?(\d+)(?:\.(\d+))?$/;

/** A text or finite number as the text the fast paths read, or undefined (too long, or neither). */
function amountText(value: unknown): string | undefined {
  const text =
    typeof value === 'string'
      ? value.trim()
      : typeof value === 'number' && Number.isFinite(value)
        ? String(value)
        : undefined;
  return text === undefined || text.length > 17 ? undefined : text;
}

/**
 * A sum of this one value that needs no decimal.js, or undefined: a text or number of at
 * most 15 digits, without exponent, with no more decimals than asked (nothing to round).
 * decimal.js keeps such a value exact and its number is the double nearest that exact
 * decimal, which is what `Number` reads from the text too; the sum starts at 0, and
 * 0 + (−0) is 0. Anything else (more digits, rounding, a bad value or `decimals`: its error)
 * is decimal.js's (`sumDecimalExact`; test/mapping/money.test.ts compares the two).
 */
function plainAmount(value: unknown, decimals: unknown): number | undefined {
  const valid =
    Number.isInteger(decimals) && (decimals as number) >= 0 && (decimals as number) <= MAX_DECIMALS;
  if (decimals !== undefined && !valid) return undefined;
  const allowed = decimals === undefined ? 2 : (decimals as number);
  const text = amountText(value);
  if (text === undefined) return undefined;
  const match = PLAIN_AMOUNT.exec(text);
  if (!match) return undefined;
  const fraction = match[2]?.length ?? 0;
  if (fraction > allowed || match[1]!.length + fraction > 15) return undefined;
  const n = Number(text);
  return n === 0 ? 0 : n;
}

/**
 * `$percentOff(before, after, decimals = 2)`: the discount in percent that takes `before`
 * to `after`, i.e. (before − after) / before × 100, rounded half-up. 0 when `before` is 0.
 */
export function percentOff(before: unknown, after: unknown, decimals?: unknown): number | undefined {
  const a = toDecimal(before, 'percentOff');
  const b = toDecimal(after, 'percentOff');
  if (a === undefined || b === undefined) return undefined;
  if (a.isZero()) return 0;
  return toNumber(
    a
      .minus(b)
      .dividedBy(a)
      .times(100)
      .toDecimalPlaces(places(decimals, 2, 'percentOff')),
    'percentOff',
  );
}

/** `$exclVat(amount, ratePercent, decimals = 2)`: a VAT-inclusive amount without VAT. */
export function exclVat(amount: unknown, ratePercent: unknown, decimals?: unknown): number | undefined {
  const a = toDecimal(amount, 'exclVat');
  const r = toDecimal(ratePercent, 'exclVat');
  if (a === undefined || r === undefined) return undefined;
  return toNumber(
    a.dividedBy(r.dividedBy(100).plus(1)).toDecimalPlaces(places(decimals, 2, 'exclVat')),
    'exclVat',
  );
}

/** `$inclVat(amount, ratePercent, decimals = 2)`: a VAT-exclusive amount with VAT added. */
export function inclVat(amount: unknown, ratePercent: unknown, decimals?: unknown): number | undefined {
  const a = toDecimal(amount, 'inclVat');
  const r = toDecimal(ratePercent, 'inclVat');
  if (a === undefined || r === undefined) return undefined;
  return toNumber(
    a.times(r.dividedBy(100).plus(1)).toDecimalPlaces(places(decimals, 2, 'inclVat')),
    'inclVat',
  );
}
