/**
 * `/products/<pid>/variations[/<id>]` and `…/variations/batch`: variations of a variable
 * product (WordPress posts of type `product_variation`, in the product store with
 * `type: "variation"`, sharing the product id sequence).
 *
 * - A variation has its own `sku` (unique across products and variations), prices, stock,
 *   `tax_status`, `tax_class` (`parent` = the parent's class, the default), `attributes`
 *   `[{id, name, option}]`, a single `image`; `name` is the parent's name and the attribute
 *   values ("Genser - Blå, L"), `permalink` the parent's with `?attribute_…` arguments.
 * - Writes re-sync the parent (variable-sync.ts); the parent's `date_modified` moves only
 *   when what it shows changed.
 * - The parent must exist (404 `woocommerce_rest_product_variation_invalid_parent`
 *   "Invalid parent product."); a variation of another parent is 404
 *   `woocommerce_rest_product_variation_invalid_id`.
 * - Webhooks fire under the `product` resource with the variation's id; their payload is
 *   `GET /products/<variation id>`, which answers the variation.
 */

import { first, type ParamErrors, type Query } from './collection.ts';
import { assignScalars, upsertMeta } from './common-fields.ts';
import { crudList } from './crud-list.ts';
import { effectiveTaxClass, parentOf, variationName, variationsOf } from './product-lookup.ts';
import { checkSku, deriveProduct, SHARED_SCALARS, sanitizeTitle } from './products.ts';
import type { Shop } from './shop.ts';
import { clone, publicView, type Rec } from './state.ts';
import { syncVariable, viewStock } from './variable-sync.ts';
import { WpError } from './wp-error.ts';

const SCALARS = [...SHARED_SCALARS, 'image'] as const;

const STATUSES = ['draft', 'pending', 'private', 'publish'];

export function parentProduct(shop: Shop, pid: number): Rec {
  const parent = shop.data.products.find((p) => p.id === pid && p.type !== 'variation');
  if (!parent) {
    throw new WpError('woocommerce_rest_product_variation_invalid_parent', 'Invalid parent product.', 404);
  }
  return parent;
}

export function getVariation(shop: Shop, pid: number, id: number): Rec {
  parentProduct(shop, pid);
  const variation = variationsOf(shop, pid).find((v) => v.id === id);
  if (!variation) throw new WpError('woocommerce_rest_product_variation_invalid_id', 'Invalid ID.', 404);
  return variation;
}

function deriveVariation(shop: Shop, v: Rec): void {
  const parent = parentOf(shop, v);
  const attributes = ((v.attributes as Rec[]) ?? []).map((a) => ({
    id: typeof a.id === 'number' ? a.id : 0,
    name: String(a.name ?? ''),
    option: String(a.option ?? ''),
  }));
  v.attributes = attributes;
  v.name = parent ? variationName(parent, v) : String(v.name ?? '');
  v.slug = sanitizeTitle(String(v.name));
  deriveProduct(shop, v);
  const query = attributes
    .map(
      (a) =>
        `attribute_${a.id ? `pa_${sanitizeTitle(a.name)}` : sanitizeTitle(a.name)}=${encodeURIComponent(a.option)}`,
    )
    .join('&');
  v.permalink = `${String(parent?.permalink ?? `${shop.settings.siteUrl}/`)}${query ? `?${query}` : ''}`;
}

/** A complete variation record from raw input (API create, seed, admin inserts). */
export function buildVariation(shop: Shop, parent: Rec, input: Rec, created: Date = shop.now()): Rec {
  const id = typeof input.id === 'number' ? input.id : shop.nextId('product');
  if (id > shop.data.seq.product) shop.data.seq.product = id;
  const v: Rec = {
    id,
    type: 'variation',
    parent_id: parent.id,
    name: '',
    slug: '',
    ...shop.dates('date_created', created),
    ...shop.dates('date_modified', created),
    description: '',
    permalink: '',
    sku: '',
    global_unique_id: '',
    price: '',
    regular_price: '',
    sale_price: '',
    ...shop.dates('date_on_sale_from', null),
    ...shop.dates('date_on_sale_to', null),
    on_sale: false,
    status: 'publish',
    purchasable: false,
    virtual: false,
    downloadable: false,
    downloads: [],
    download_limit: -1,
    download_expiry: -1,
    tax_status: 'taxable',
    tax_class: 'parent',
    manage_stock: false,
    stock_quantity: null,
    stock_status: 'instock',
    backorders: 'no',
    backorders_allowed: false,
    backordered: false,
    low_stock_amount: null,
    weight: '',
    dimensions: { length: '', width: '', height: '' },
    shipping_class: '',
    shipping_class_id: 0,
    image: null,
    attributes: [],
    menu_order: 0,
    meta_data: [] as Rec[],
  };
  applyFields(shop, v, input);
  for (const key of ['date_created', 'date_created_gmt', 'date_modified', 'date_modified_gmt'] as const)
    if (input[key] !== undefined) v[key] = input[key];
  deriveVariation(shop, v);
  return v;
}

function applyFields(shop: Shop, v: Rec, body: Rec): void {
  if (body.status !== undefined && !STATUSES.includes(String(body.status))) {
    throw new WpError('rest_invalid_param', 'Invalid parameter(s): status', 400, {
      params: { status: `status is not one of ${STATUSES.join(', ')}.` },
    });
  }
  assignScalars(v, body, SCALARS);
  if (typeof body.sku === 'string') v.sku = body.sku.trim();
  if (body.dimensions && typeof body.dimensions === 'object')
    Object.assign(v.dimensions as Rec, body.dimensions);
  upsertMeta(shop, v.meta_data as Rec[], body.meta_data);
}

/**
 * The variation as the API shows it (view context): stock fields as `managing_stock()`
 * reports them, and a `tax_class` stored as `parent` reported as the parent's class
 * (`WC_Product_Variation::get_tax_class`); writes still take `parent`.
 */
export function renderVariation(shop: Shop, v: Rec): Rec {
  const { slug: _slug, ...rest } = publicView(v);
  return { ...rest, tax_class: effectiveTaxClass(shop, v), ...viewStock(shop, v) };
}

/** Re-sync the parent; stamp and announce it only when what it shows changed. */
function touchParent(shop: Shop, parent: Rec): void {
  const before = JSON.stringify(parent);
  syncVariable(shop, parent);
  if (shop.touchIfChanged(before, parent)) shop.changed('product', 'updated', parent);
}

export function createVariation(shop: Shop, pid: number, body: Rec): Rec {
  const parent = parentProduct(shop, pid);
  if (body.id !== undefined)
    throw new WpError(
      'woocommerce_rest_product_variation_exists',
      'Cannot create existing product_variation.',
      400,
    );
  shop.validator.check('product', body);
  checkSku(shop, body.sku, 0);
  const v = buildVariation(shop, parent, body);
  shop.data.products.push(v);
  shop.changed('product', 'created', v);
  touchParent(shop, parent);
  return renderVariation(shop, v);
}

export function updateVariation(shop: Shop, pid: number, id: number, body: Rec): Rec {
  const v = getVariation(shop, pid, id);
  shop.validator.check('product', body);
  checkSku(shop, body.sku, id);
  const before = JSON.stringify(v);
  applyFields(shop, v, body);
  deriveVariation(shop, v);
  if (shop.touchIfChanged(before, v)) shop.changed('product', 'updated', v);
  touchParent(shop, parentProduct(shop, pid));
  return renderVariation(shop, v);
}

export function deleteVariation(shop: Shop, pid: number, id: number, force: boolean): Rec {
  const v = getVariation(shop, pid, id);
  const previous = renderVariation(shop, clone(v));
  if (force) {
    shop.data.products = shop.data.products.filter((p) => p !== v);
  } else {
    if (v.status === 'trash') {
      throw new WpError(
        'woocommerce_rest_already_trashed',
        'The product_variation has already been deleted.',
        410,
      );
    }
    v.status = 'trash';
    Object.assign(v, shop.dates('date_modified', shop.now()));
  }
  shop.changed('product', 'deleted', v);
  touchParent(shop, parentProduct(shop, pid));
  return previous;
}

export function listVariations(shop: Shop, pid: number, query: Query, url: URL) {
  parentProduct(shop, pid);
  return crudList(variationsOf(shop, pid), query, url, {
    orderbys: ['date', 'id', 'include', 'title', 'slug', 'modified', 'menu_order'],
    render: (v) => renderVariation(shop, v),
    sortKey: (orderby) => (orderby === 'menu_order' ? (v) => v.menu_order as number : undefined),
    filter: (q: Query, _errors: ParamErrors) => {
      const sku = first(q, 'sku');
      const status = first(q, 'status') ?? 'any';
      return (v) =>
        (status === 'any' ? v.status !== 'trash' : v.status === status) &&
        (sku === undefined || v.sku === sku);
    },
  });
}
