/**
 * `/taxes` (rates) and `/taxes/classes`, as WooCommerce's v3 tax controllers answer:
 *
 * - a rate is `{id, country, state, postcode, city, postcodes, cities, rate, name, priority,
 *   compound, shipping, order, class}`; `rate` is the stored string with 4 decimals;
 *   `class` is `standard` for the standard class; `postcode`/`city` are the deprecated
 *   single values (the lists joined with "; ");
 * - list: `page`, `per_page` ≤ 100, `offset`, `order` (asc), `orderby` (`order` default,
 *   `id`, `priority`), `class`; `X-WP-Total`/`X-WP-TotalPages`;
 * - create/update validate `class` against the existing classes (400 `rest_invalid_param`);
 *   `POST /taxes/batch` takes create/update/delete (≤ 100);
 * - delete needs `force=true` (501 otherwise); missing ids are 404 `woocommerce_rest_invalid_id`;
 * - classes: `[{slug, name}]` starting with `{standard, "Standard rate"}`; `GET
 *   /taxes/classes/<slug>` answers an ARRAY of one (404 `woocommerce_rest_tax_class_invalid_slug`);
 *   creating a taken name is 400 `woocommerce_rest_tax_class_exists`; deleting a class
 *   deletes its rates.
 */
import { bool, first, ParamErrors, pageHeaders, paginate, paging, type Query } from './collection.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { classSlug, formatRate, type TaxRateRec } from './tax/rates.ts';
import { invalidParams, missingParams, WpError } from './wp-error.ts';

const invalidId = () => new WpError('woocommerce_rest_invalid_id', 'Invalid resource ID.', 404);

export function rateView(rate: TaxRateRec): Rec {
  return {
    id: rate.id,
    country: rate.country,
    state: rate.state,
    postcode: rate.postcodes.join('; '),
    city: rate.cities.join('; '),
    postcodes: rate.postcodes,
    cities: rate.cities,
    rate: rate.rate,
    name: rate.name,
    priority: rate.priority,
    compound: rate.compound,
    shipping: rate.shipping,
    order: rate.order,
    class: rate.class === '' ? 'standard' : rate.class,
  };
}

function forceOf(query: Query, body: Rec): boolean {
  const errors = new ParamErrors();
  const force = bool(query, 'force', errors) ?? body.force === true;
  errors.throwIfAny();
  return force;
}

export function listRates(
  shop: Shop,
  query: Query,
  url: URL,
): { items: Rec[]; headers: Record<string, string> } {
  const errors = new ParamErrors();
  const p = paging(query, errors, ['id', 'order', 'priority'], { orderby: 'order', order: 'asc' });
  const cls = first(query, 'class');
  errors.throwIfAny();
  const wanted = cls === undefined ? undefined : cls === 'standard' ? '' : cls;
  const found = shop.data.taxRates.filter((r) => wanted === undefined || r.class === wanted);
  const key = (r: TaxRateRec) =>
    p.orderby === 'id' ? r.id : p.orderby === 'priority' ? r.priority : r.order;
  const dir = p.order === 'asc' ? 1 : -1;
  const sorted = [...found].sort((a, b) => (key(a) - key(b) || a.id - b.id) * dir);
  const result = paginate(sorted, p);
  return { items: result.items.map(rateView), headers: pageHeaders(result, p, url) };
}

export function getRate(shop: Shop, id: number): TaxRateRec {
  const rate = shop.data.taxRates.find((r) => r.id === id);
  if (!rate) throw invalidId();
  return rate;
}

function applyRateFields(shop: Shop, rate: TaxRateRec, body: Rec): void {
  const params: Record<string, string> = {};
  const classes = ['standard', ...shop.data.taxClasses.map((c) => c.slug)];
  if (body.class !== undefined && !classes.includes(String(body.class))) {
    params.class = `class is not one of ${classes.join(', ')}.`;
  }
  for (const key of ['priority', 'order'] as const) {
    if (body[key] !== undefined && !Number.isInteger(body[key]))
      params[key] = `${key} is not of type integer.`;
  }
  for (const key of ['compound', 'shipping'] as const) {
    if (body[key] !== undefined && typeof body[key] !== 'boolean')
      params[key] = `${key} is not of type boolean.`;
  }
  if (Object.keys(params).length > 0) throw invalidParams(params);
  if (body.country !== undefined) rate.country = String(body.country).toUpperCase();
  if (body.state !== undefined) rate.state = String(body.state).toUpperCase();
  if (body.rate !== undefined) rate.rate = formatRate(body.rate);
  if (body.name !== undefined) rate.name = String(body.name);
  if (body.priority !== undefined) rate.priority = body.priority as number;
  if (body.order !== undefined) rate.order = body.order as number;
  if (body.compound !== undefined) rate.compound = body.compound as boolean;
  if (body.shipping !== undefined) rate.shipping = body.shipping as boolean;
  if (body.class !== undefined) rate.class = body.class === 'standard' ? '' : String(body.class);
  const list = (value: unknown, single: unknown): string[] | undefined =>
    Array.isArray(value)
      ? value.map(String)
      : typeof single === 'string'
        ? single
            .split(';')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : undefined;
  rate.postcodes = list(body.postcodes, body.postcode) ?? rate.postcodes;
  rate.cities = (list(body.cities, body.city) ?? rate.cities).map((c) => c.toUpperCase());
}

export function createRate(shop: Shop, body: Rec): Rec {
  const rate: TaxRateRec = {
    id: 0,
    country: '',
    state: '',
    postcodes: [],
    cities: [],
    rate: formatRate(0),
    name: '',
    priority: 1,
    compound: false,
    shipping: true,
    order: 0,
    class: '',
  };
  applyRateFields(shop, rate, body);
  rate.id = shop.nextId('taxRate');
  shop.data.taxRates.push(rate);
  shop.onMutate();
  return rateView(rate);
}

export function updateRate(shop: Shop, id: number, body: Rec): Rec {
  const rate = getRate(shop, id);
  const working = { ...rate };
  applyRateFields(shop, working, body);
  Object.assign(rate, working);
  shop.onMutate();
  return rateView(rate);
}

export function deleteRate(shop: Shop, id: number, query: Query, body: Rec): Rec {
  if (!forceOf(query, body)) {
    throw new WpError('woocommerce_rest_trash_not_supported', 'Taxes do not support trashing.', 501);
  }
  const rate = getRate(shop, id);
  shop.data.taxRates = shop.data.taxRates.filter((r) => r !== rate);
  shop.onMutate();
  return rateView(rate);
}

export function listClasses(shop: Shop): Rec[] {
  return [{ slug: 'standard', name: 'Standard rate' }, ...shop.data.taxClasses.map((c) => ({ ...c }))];
}

export function getClass(shop: Shop, slug: string): Rec[] {
  const found = listClasses(shop).find((c) => c.slug === slug);
  if (!found) throw new WpError('woocommerce_rest_tax_class_invalid_slug', 'Invalid slug.', 404);
  return [found];
}

export function createClass(shop: Shop, body: Rec): Rec {
  if (typeof body.name !== 'string' || body.name.trim() === '') throw missingParams(['name']);
  const name = body.name.trim();
  const slug = classSlug(name);
  if (slug === 'standard' || shop.data.taxClasses.some((c) => c.slug === slug || c.name === name)) {
    throw new WpError('woocommerce_rest_tax_class_exists', 'Tax class already exists', 400);
  }
  const created = { slug, name };
  shop.data.taxClasses.push(created);
  shop.onMutate();
  return { ...created };
}

export function deleteClass(shop: Shop, slug: string, query: Query, body: Rec): Rec {
  if (!forceOf(query, body)) {
    throw new WpError('woocommerce_rest_trash_not_supported', 'Tax classes do not support trashing.', 501);
  }
  const found = shop.data.taxClasses.find((c) => c.slug === slug);
  if (!found) throw invalidId();
  shop.data.taxClasses = shop.data.taxClasses.filter((c) => c !== found);
  shop.data.taxRates = shop.data.taxRates.filter((r) => r.class !== slug);
  shop.onMutate();
  return { ...found };
}
