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

/** Parse a money value; empty input (undefined, null, "") is `undefined`. */
export function toDecimal(value: unknown, fn = 'decimal'): Dec | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
      throw new Error(`$${fn}: "${value}" is not a number`);
    }
    return new D(text);
  }
  if (typeof value === 'number' && Number.isFinite(value)) return new D(value);
  if (value instanceof D) return value;
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
  return d?.toDecimalPlaces(places(decimals, 2, 'decimal')).toNumber();
}

/** `$decimalString(value, decimals = 2)`: rounded half-up, as a string with exactly that many decimals. */
export function decimalString(value: unknown, decimals?: unknown): string | undefined {
  const d = toDecimal(value, 'decimalString');
  return d?.toFixed(places(decimals, 2, 'decimalString'));
}

/** `$divide(dividend, divisor, decimals = 2)`: exact division rounded half-up; nothing when the divisor is 0. */
export function divide(dividend: unknown, divisor: unknown, decimals?: unknown): number | undefined {
  const a = toDecimal(dividend, 'divide');
  const b = toDecimal(divisor, 'divide');
  if (a === undefined || b === undefined || b.isZero()) return undefined;
  return a
    .dividedBy(b)
    .toDecimalPlaces(places(decimals, 2, 'divide'))
    .toNumber();
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
  return a
    .minus(b)
    .dividedBy(a)
    .times(100)
    .toDecimalPlaces(places(decimals, 2, 'percentOff'))
    .toNumber();
}

/** `$exclVat(amount, ratePercent, decimals = 2)`: a VAT-inclusive amount without VAT. */
export function exclVat(amount: unknown, ratePercent: unknown, decimals?: unknown): number | undefined {
  const a = toDecimal(amount, 'exclVat');
  const r = toDecimal(ratePercent, 'exclVat');
  if (a === undefined || r === undefined) return undefined;
  return a
    .dividedBy(r.dividedBy(100).plus(1))
    .toDecimalPlaces(places(decimals, 2, 'exclVat'))
    .toNumber();
}

/** `$inclVat(amount, ratePercent, decimals = 2)`: a VAT-exclusive amount with VAT added. */
export function inclVat(amount: unknown, ratePercent: unknown, decimals?: unknown): number | undefined {
  const a = toDecimal(amount, 'inclVat');
  const r = toDecimal(ratePercent, 'inclVat');
  if (a === undefined || r === undefined) return undefined;
  return a
    .times(r.dividedBy(100).plus(1))
    .toDecimalPlaces(places(decimals, 2, 'inclVat'))
    .toNumber();
}
