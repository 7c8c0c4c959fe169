/**
 * Tax classes and tax rates as WooCommerce stores and matches them (`WC_Tax`):
 *
 * - classes: "Standard" (slug `standard` in `/taxes`, `""` on products, lines and fees) plus
 *   the shop's additional classes, in their configured order;
 * - a rate matches a location when its country and state are the location's or empty, and
 *   its postcodes/cities (if any) include the location's (`*` suffix wildcards and `a...b`
 *   numeric ranges as `wc_postcode_location_matcher`); matches are sorted by priority, then
 *   `order`, and only the first rate of each priority is used (`get_matched_tax_rates`);
 * - shipping uses only rates flagged `shipping` (`find_shipping_rates`);
 * - a class without a matching rate gives no taxes at all (not a 0 % entry).
 */
import { Decimal } from '../money.ts';
import { sanitizeTitle } from '../slug.ts';
import type { CalcRate } from './calc.ts';

export interface TaxRateRec {
  id: number;
  country: string;
  state: string;
  postcodes: string[];
  cities: string[];
  /** As stored: 4 decimals, e.g. "25.0000". */
  rate: string;
  name: string;
  priority: number;
  compound: boolean;
  shipping: boolean;
  order: number;
  /** `""` = standard. */
  class: string;
}

export interface TaxClassRec {
  slug: string;
  name: string;
}

export interface Location {
  country: string;
  state: string;
  postcode: string;
  city: string;
}

/** A matched rate: what the calculation needs plus its id's labels. */
export interface MatchedRate extends CalcRate {
  rec: TaxRateRec;
}

/** The Norwegian VAT table the sandbox starts with: 25 % (standard), 15 %, 12 %, 0 %. */
export function norwegianTaxes(): { classes: TaxClassRec[]; rates: TaxRateRec[] } {
  const rate = (id: number, percent: number, name: string, cls: string): TaxRateRec => ({
    id,
    country: 'NO',
    state: '',
    postcodes: [],
    cities: [],
    rate: formatRate(percent),
    name,
    priority: 1,
    compound: false,
    shipping: true,
    order: id - 1,
    class: cls,
  });
  return {
    classes: [
      { slug: 'reduced-rate', name: 'Reduced rate' },
      { slug: 'low-rate', name: 'Low rate' },
      { slug: 'zero-rate', name: 'Zero rate' },
    ],
    rates: [
      rate(1, 25, 'MVA', ''),
      rate(2, 15, 'MVA 15%', 'reduced-rate'),
      rate(3, 12, 'MVA 12%', 'low-rate'),
      rate(4, 0, 'MVA 0%', 'zero-rate'),
    ],
  };
}

/** `WC_Tax::format_tax_rate`: four decimals. */
export function formatRate(value: unknown): string {
  try {
    return new Decimal(String(value ?? '0').trim() || '0').toFixed(4);
  } catch {
    return '0.0000';
  }
}

/** `wc_normalize_postcode`: upper case, letters and digits only. */
export function normalizePostcode(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function postcodeMatches(rule: string, postcode: string): boolean {
  const code = normalizePostcode(postcode);
  const trimmed = rule.trim().toUpperCase();
  if (trimmed.includes('...')) {
    const [from, to] = trimmed.split('...').map((s) => s.trim());
    if (/^\d+$/.test(code) && /^\d+$/.test(from ?? '') && /^\d+$/.test(to ?? '')) {
      const n = Number(code);
      return n >= Number(from) && n <= Number(to);
    }
    return false;
  }
  if (trimmed.endsWith('*')) return code.startsWith(normalizePostcode(trimmed.slice(0, -1)));
  return normalizePostcode(trimmed) === code;
}

export function rateMatches(rate: TaxRateRec, location: Location): boolean {
  const country = location.country.toUpperCase();
  const state = location.state.toUpperCase();
  if (rate.country !== '' && rate.country.toUpperCase() !== country) return false;
  if (rate.state !== '' && rate.state.toUpperCase() !== state) return false;
  if (rate.postcodes.length > 0 && !rate.postcodes.some((p) => postcodeMatches(p, location.postcode)))
    return false;
  if (
    rate.cities.length > 0 &&
    !rate.cities.some((c) => c.trim().toUpperCase() === location.city.trim().toUpperCase())
  )
    return false;
  return true;
}

/** `WC_Tax::find_rates` (or `find_shipping_rates` with `shippingOnly`). */
export function findRates(
  rates: readonly TaxRateRec[],
  location: Location,
  taxClass: string,
  shippingOnly = false,
): MatchedRate[] {
  const cls = taxClass === 'standard' ? '' : taxClass;
  const found = rates
    .filter((r) => r.class === cls && (!shippingOnly || r.shipping) && rateMatches(r, location))
    .sort((a, b) => a.priority - b.priority || a.order - b.order || a.id - b.id);
  const priorities = new Set<number>();
  const out: MatchedRate[] = [];
  for (const rec of found) {
    if (priorities.has(rec.priority)) continue;
    priorities.add(rec.priority);
    out.push({ id: rec.id, percent: new Decimal(rec.rate), compound: rec.compound, rec });
  }
  return out;
}

/** `WC_Tax::get_rate_code`: COUNTRY-STATE-NAME-PRIORITY, empty parts left out, upper case. */
export function rateCode(rate: TaxRateRec): string {
  return [rate.country, rate.state, rate.name || 'TAX', String(rate.priority)]
    .filter((p) => p !== '')
    .join('-')
    .toUpperCase();
}

/** `WC_Tax::get_rate_label`. */
export function rateLabel(rate: TaxRateRec | undefined): string {
  return rate?.name ? rate.name : 'Tax';
}

/** `sanitize_title` for a class name. */
export function classSlug(name: string): string {
  return sanitizeTitle(name, 'class');
}
