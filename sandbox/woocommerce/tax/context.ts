/**
 * The tax settings one calculation works with, read once from the shop's options, and the
 * helpers every calculation shares: `wc_round_tax_total`, the per-line/at-subtotal
 * rounding switches (`WC_Item_Totals`), and the tax location of an address.
 */
import { type Decimal, type RoundingMode, roundPhp } from '../money.ts';
import type { ShopData } from '../state.ts';
import { findRates, type Location, type MatchedRate, type TaxRateRec } from './rates.ts';

export interface TaxContext {
  /** `woocommerce_calc_taxes`. */
  enabled: boolean;
  /** `woocommerce_prices_include_tax`. */
  inclusive: boolean;
  /** `woocommerce_tax_round_at_subtotal`. */
  roundAtSubtotal: boolean;
  /** `wc_get_tax_rounding_mode()`: half-down when prices include tax, else half-up. */
  taxMode: RoundingMode;
  /** `wc_get_price_decimals()`. */
  dp: number;
  /** `wc_get_rounding_precision()`: max(dp + 2, 6). */
  precision: number;
  basedOn: 'shipping' | 'billing' | 'base';
  /** `woocommerce_shipping_tax_class`: `inherit`, `""` (standard) or a class slug. */
  shippingTaxClass: string;
  base: Location;
  classSlugs: string[];
  rates: readonly TaxRateRec[];
  sequentialDiscounts: boolean;
}

/** `absint()` of an option. */
function absint(value: string | undefined): number {
  const n = Number.parseInt(String(value ?? '0'), 10);
  return Number.isFinite(n) ? Math.abs(n) : 0;
}

export function taxContext(data: ShopData): TaxContext {
  const o = data.options;
  const inclusive = o.woocommerce_prices_include_tax === 'yes';
  const dp = absint(o.woocommerce_price_num_decimals);
  const [country = '', state = ''] = String(o.woocommerce_default_country ?? '').split(':');
  const basedOn = o.woocommerce_tax_based_on;
  return {
    enabled: o.woocommerce_calc_taxes === 'yes',
    inclusive,
    roundAtSubtotal: o.woocommerce_tax_round_at_subtotal === 'yes',
    taxMode: inclusive ? 'half-down' : 'half-up',
    dp,
    precision: Math.max(dp + 2, 6),
    basedOn: basedOn === 'billing' || basedOn === 'base' ? basedOn : 'shipping',
    shippingTaxClass: o.woocommerce_shipping_tax_class ?? 'inherit',
    base: {
      country,
      state,
      postcode: o.woocommerce_store_postcode ?? '',
      city: o.woocommerce_store_city ?? '',
    },
    classSlugs: data.taxClasses.map((c) => c.slug),
    rates: data.taxRates,
    sequentialDiscounts: o.woocommerce_calc_discounts_sequentially === 'yes',
  };
}

/** `wc_round_tax_total($value, $places)`: price decimals unless given, tax rounding mode. */
export function roundTaxTotal(ctx: TaxContext, value: Decimal, places = ctx.dp): Decimal {
  return roundPhp(value, places, ctx.taxMode);
}

/** `round_line_tax`: round each line's tax per rate unless rounding at subtotal. */
export function roundLineTax(ctx: TaxContext, value: Decimal, inMinorUnits: boolean): Decimal {
  if (ctx.roundAtSubtotal) return value;
  return roundTaxTotal(ctx, value, inMinorUnits ? 0 : ctx.dp);
}

/** `round_item_subtotal`: round each line's amount (minor units) unless rounding at subtotal. */
export function roundItemSubtotal(ctx: TaxContext, minorUnits: Decimal): Decimal {
  return ctx.roundAtSubtotal ? minorUnits : roundPhp(minorUnits, 0);
}

const LOCAL_PICKUP = ['legacy_local_pickup', 'local_pickup'];

/**
 * `WC_Abstract_Order::get_tax_location`: the address `woocommerce_tax_based_on` names (the
 * billing address when shipping is chosen but the order has no shipping country), the shop
 * base for local pickup or when the address has no country.
 */
export function orderTaxLocation(
  ctx: TaxContext,
  billing: Record<string, unknown>,
  shipping: Record<string, unknown>,
  shippingMethodIds: readonly string[] = [],
): Location {
  let basedOn = ctx.basedOn;
  if (basedOn === 'shipping' && !shipping.country) basedOn = 'billing';
  if (shippingMethodIds.some((m) => LOCAL_PICKUP.includes(m))) basedOn = 'base';
  const address = basedOn === 'billing' ? billing : shipping;
  const location: Location = {
    country: String(address.country ?? ''),
    state: String(address.state ?? ''),
    postcode: String(address.postcode ?? ''),
    city: String(address.city ?? ''),
  };
  return basedOn === 'base' || location.country === '' ? { ...ctx.base } : location;
}

/** Matched rates of a class at a location; none when taxes are off. */
export function ratesFor(ctx: TaxContext, location: Location, taxClass: string): MatchedRate[] {
  return ctx.enabled ? findRates(ctx.rates, location, taxClass) : [];
}

/** `WC_Tax::get_base_tax_rates`: the rates of a class at the shop's base address. */
export function baseRates(ctx: TaxContext, taxClass: string): MatchedRate[] {
  return ratesFor(ctx, ctx.base, taxClass);
}
