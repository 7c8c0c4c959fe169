/**
 * The shop's tax settings as run settings (`$source_settings.<name>` in a mapping whose
 * source is this shop), read with a handful of requests per run:
 *
 * - `GET /settings/general`: `woocommerce_calc_taxes`, `woocommerce_price_num_decimals`,
 *   `woocommerce_currency`, the shop's base address (`woocommerce_default_country`, store
 *   postcode and city);
 * - `GET /settings/tax` (only while taxes are on: WooCommerce registers the group only then):
 *   `woocommerce_prices_include_tax`, `woocommerce_tax_round_at_subtotal`;
 * - `GET /taxes/classes` and `GET /taxes` (every page).
 *
 * `tax_rates` is the rate, in percent, that WooCommerce takes out of a price entered with tax
 * for a product of each class: the rates matching the shop's base address
 * (`WC_Tax::get_base_tax_rates`, as `wc_get_price_excluding_tax` uses them), one per priority,
 * compound rates applied on top of the others. A class without a matching rate has 0 (no tax).
 * Keys are the products' spelling of classes: `""` for the standard class.
 */
import { Decimal } from 'decimal.js';
import { WooApi } from './api.ts';

type Option = { id?: unknown; value?: unknown };
type Rate = Record<string, unknown>;

const PAGE = 100;

function optionValues(body: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const option of Array.isArray(body) ? (body as Option[]) : []) {
    if (typeof option.id === 'string') out.set(option.id, String(option.value ?? ''));
  }
  return out;
}

async function allRates(api: WooApi, signal?: AbortSignal): Promise<Rate[]> {
  const rates: Rate[] = [];
  for (let page = 1; page <= 100; page++) {
    const response = await api.request<Rate[]>('GET', 'taxes', {
      query: { per_page: PAGE, page },
      ...(signal ? { signal } : {}),
    });
    const body = Array.isArray(response.body) ? response.body : [];
    rates.push(...body);
    const { pages } = WooApi.totals(response.headers);
    if (pages !== undefined ? page >= pages : body.length < PAGE) break;
  }
  return rates;
}

interface BaseAddress {
  country: string;
  state: string;
  postcode: string;
  city: string;
}

const list = (value: unknown, single: unknown): string[] =>
  (Array.isArray(value) ? value.map(String) : single ? [String(single)] : []).filter((v) => v !== '');

/** A rate's postcode pattern: exact, `*` wildcard at the end, or a numeric range `a...b`. */
function postcodeMatches(pattern: string, postcode: string): boolean {
  const p = pattern.toUpperCase().replace(/\s/g, '');
  const code = postcode.toUpperCase().replace(/\s/g, '');
  if (p.endsWith('*')) return code.startsWith(p.slice(0, -1));
  const range = /^(\d+)\.\.\.(\d+)$/.exec(p);
  if (range && /^\d+$/.test(code))
    return Number(code) >= Number(range[1]) && Number(code) <= Number(range[2]);
  return code === p;
}

function matches(rate: Rate, base: BaseAddress): boolean {
  const country = String(rate.country ?? '').toUpperCase();
  const state = String(rate.state ?? '').toUpperCase();
  if (country !== '' && country !== base.country) return false;
  if (state !== '' && state !== base.state) return false;
  const postcodes = list(rate.postcodes, rate.postcode);
  if (postcodes.length > 0 && !postcodes.some((p) => postcodeMatches(p, base.postcode))) return false;
  const cities = list(rate.cities, rate.city).map((c) => c.toUpperCase());
  if (cities.length > 0 && !cities.includes(base.city.toUpperCase())) return false;
  return true;
}

/** The effective percent of the rates one class applies at the base address. */
export function baseRatePercent(rates: readonly Rate[], taxClass: string, base: BaseAddress): number {
  const wanted = taxClass === '' ? 'standard' : taxClass;
  const candidates = rates
    .filter((r) => String(r.class ?? 'standard') === wanted && matches(r, base))
    .sort(
      (a, b) =>
        Number(a.priority ?? 1) - Number(b.priority ?? 1) ||
        Number(a.order ?? 0) - Number(b.order ?? 0) ||
        Number(a.id ?? 0) - Number(b.id ?? 0),
    );
  // One rate per priority: the first that matches.
  const chosen = new Map<number, Rate>();
  for (const r of candidates)
    if (!chosen.has(Number(r.priority ?? 1))) chosen.set(Number(r.priority ?? 1), r);
  let simple = new Decimal(0);
  let compound = new Decimal(1);
  for (const r of chosen.values()) {
    const percent = new Decimal(String(r.rate ?? '0').trim() || '0');
    if (r.compound === true) compound = compound.times(percent.dividedBy(100).plus(1));
    else simple = simple.plus(percent);
  }
  return simple.dividedBy(100).plus(1).times(compound).minus(1).times(100).toDecimalPlaces(4).toNumber();
}

export async function readTaxSettings(api: WooApi, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const get = async (route: string) =>
    (await api.request<unknown>('GET', route, signal ? { signal } : {})).body;
  const general = optionValues(await get('settings/general'));
  const calcTaxes = general.get('woocommerce_calc_taxes') === 'yes';
  const tax = calcTaxes ? optionValues(await get('settings/tax')) : new Map<string, string>();
  const classesBody = await get('taxes/classes');
  const classes = (Array.isArray(classesBody) ? (classesBody as Rate[]) : []).map((c) => ({
    slug: c.slug === 'standard' ? '' : String(c.slug ?? ''),
    name: String(c.name ?? ''),
  }));
  const rates = await allRates(api, signal);
  const [country = '', state = ''] = (general.get('woocommerce_default_country') ?? '')
    .toUpperCase()
    .split(':');
  const base: BaseAddress = {
    country,
    state,
    postcode: general.get('woocommerce_store_postcode') ?? '',
    city: general.get('woocommerce_store_city') ?? '',
  };
  const decimals = Number(general.get('woocommerce_price_num_decimals') ?? '2');
  return {
    calc_taxes: calcTaxes,
    prices_include_tax: calcTaxes && tax.get('woocommerce_prices_include_tax') === 'yes',
    tax_round_at_subtotal: tax.get('woocommerce_tax_round_at_subtotal') === 'yes',
    price_decimals: Number.isInteger(decimals) && decimals >= 0 ? decimals : 2,
    currency: general.get('woocommerce_currency') ?? '',
    tax_classes: classes,
    tax_rates: Object.fromEntries(classes.map((c) => [c.slug, baseRatePercent(rates, c.slug, base)])),
  };
}
