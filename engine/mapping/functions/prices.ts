/**
 * `$net` / `$gross`: the pair of helpers that carries a price between a system that holds it
 * including VAT (a shop with "prices entered with tax") and one that holds it excluding VAT
 * (an accounting system's unit price) without drift. docs/tax-model.md has the worked example
 * and the proof; the short form:
 *
 * - the gross price lives on the shop's grid of `d` decimals (`shopDecimals`, default 2);
 * - `$net` keeps **d + 2** decimals (rounded half-up, away from zero), `$gross` rounds back to
 *   **d** decimals (half-up);
 * - the net's rounding error is at most ½·10^-(d+2); multiplied by (1 + r) it stays below
 *   ½·10^-d for every rate r < 9900 %, so rounding the product to d decimals lands on the
 *   gross price it came from: gross → net → gross is the identity (test/mapping/prices.property.test.ts).
 *
 * With rate 0 (a shop whose prices exclude VAT, or an untaxed product) `$net` is the price
 * itself and `$gross` rounds it to the shop's decimals, so one expression serves both shop
 * settings. Decimal arithmetic throughout (decimal.js), never binary floating point.
 */
import { Decimal } from 'decimal.js';

/** A private Decimal class: no global configuration is changed. */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
type Dec = InstanceType<typeof D>;

/** VAT rates above this (percent) are refused: no tax system has one, and a typo should fail loudly. */
export const MAX_RATE_PERCENT = 100;
/** Shop decimals accepted (the net then keeps two more). */
export const MAX_SHOP_DECIMALS = 8;
/** Decimals the net keeps beyond the shop's: enough for an exact round trip (see above). */
export const NET_EXTRA_DECIMALS = 2;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `"${value}"`;
  return typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : String(value);
}

/** The price; empty input (nothing, null, "") is no price. */
function price(fn: string, value: unknown): Dec | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    if (NUMBER.test(text)) return new D(text);
  } else if (typeof value === 'number' && Number.isFinite(value)) {
    return new D(value);
  }
  throw new Error(`$${fn}: the price must be a number or a numeric string, got ${describeValue(value)}`);
}

/** The VAT rate in percent (25 for 25 %): required, 0 to 100. */
function rate(fn: string, value: unknown): Dec {
  let r: Dec | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) r = new D(value);
  else if (typeof value === 'string' && NUMBER.test(value.trim())) r = new D(value.trim());
  if (r === undefined) {
    throw new Error(
      `$${fn}: the VAT rate must be a percentage such as 25, got ${describeValue(value)}` +
        (value === undefined ? ' (is there a rate for this tax class?)' : ''),
    );
  }
  if (r.isNegative() || r.greaterThan(MAX_RATE_PERCENT)) {
    throw new Error(
      `$${fn}: the VAT rate must be from 0 to ${MAX_RATE_PERCENT} percent, got ${r.toString()}`,
    );
  }
  return r;
}

function shopDecimals(fn: string, value: unknown): number {
  if (value === undefined) return 2;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_SHOP_DECIMALS) {
    throw new Error(
      `$${fn}: the shop's decimals must be an integer from 0 to ${MAX_SHOP_DECIMALS}, got ${describeValue(value)}`,
    );
  }
  return n;
}

const factor = (r: Dec): Dec => r.dividedBy(100).plus(1);

/**
 * `$net(grossPrice, ratePercent, shopDecimals = 2)`: the price without VAT, rounded half-up
 * to shopDecimals + 2 decimals. Nothing for an empty price (a variable product has none).
 */
export function net(gross: unknown, ratePercent: unknown, decimals?: unknown): number | undefined {
  const d = shopDecimals('net', decimals);
  const g = price('net', gross);
  if (g === undefined) return undefined; // no price: no rate needed (a variable product)
  const r = rate('net', ratePercent);
  return g
    .dividedBy(factor(r))
    .toDecimalPlaces(d + NET_EXTRA_DECIMALS)
    .toNumber();
}

/**
 * `$gross(netPrice, ratePercent, shopDecimals = 2)`: the price with VAT, rounded half-up to
 * the shop's decimals. Nothing for an empty price.
 */
export function gross(netPrice: unknown, ratePercent: unknown, decimals?: unknown): number | undefined {
  const d = shopDecimals('gross', decimals);
  const n = price('gross', netPrice);
  if (n === undefined) return undefined;
  const r = rate('gross', ratePercent);
  return n.times(factor(r)).toDecimalPlaces(d).toNumber();
}
