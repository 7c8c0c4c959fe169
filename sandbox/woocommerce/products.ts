/**
 * `/products`. Computed on every write: `slug` (from the name, unique), `permalink`,
 * `price` (the sale price while on sale), `on_sale`, `price_html`, stock (`manage_stock`
 * derives `stock_status` from the quantity; without it `stock_quantity` is null; grouped
 * and external products never manage stock), `backorders_allowed`, `backordered`,
 * `shipping_required`. A non-empty `sku` is unique among non-trashed products (400
 * `product_invalid_sku`). `delete` without force moves to the trash (410 when already
 * there); missing products are 404 `woocommerce_rest_product_invalid_id`.
 */
import { assignScalars, upsertMeta } from './common-fields.ts';
import { dec, formatDp } from './money.ts';
import type { Shop } from './shop.ts';
import { sanitizeTitle } from './slug.ts';
import { clone, publicView, type Rec } from './state.ts';
import { syncVariable } from './variable-sync.ts';

export { sanitizeTitle };

import { WpError } from './wp-error.ts';

/** Writable fields products and variations share (set as given when present). */
export const SHARED_SCALARS = [
  'status',
  'description',
  'global_unique_id',
  'regular_price',
  'sale_price',
  'date_on_sale_from',
  'date_on_sale_from_gmt',
  'date_on_sale_to',
  'date_on_sale_to_gmt',
  'virtual',
  'downloadable',
  'downloads',
  'download_limit',
  'download_expiry',
  'tax_status',
  'tax_class',
  'manage_stock',
  'stock_quantity',
  'stock_status',
  'backorders',
  'low_stock_amount',
  'weight',
  'shipping_class',
  'attributes',
  'menu_order',
] as const;

const SCALARS = [
  ...SHARED_SCALARS,
  'name',
  'type',
  'featured',
  'catalog_visibility',
  'short_description',
  'external_url',
  'button_text',
  'sold_individually',
  'reviews_allowed',
  'post_password',
  'upsell_ids',
  'cross_sell_ids',
  'parent_id',
  'purchase_note',
  'images',
  'default_attributes',
  'grouped_products',
] as const;

const UNCATEGORIZED = { id: 15, name: 'Uncategorized', slug: 'uncategorized' };

const missing = () => new WpError('woocommerce_rest_product_invalid_id', 'Invalid ID.', 404);

/** A product or a variation (`GET /products/<variation id>` answers the variation). */
export function getProduct(shop: Shop, id: number): Rec {
  const record = shop.find('product', id);
  if (!record) throw missing();
  return record;
}

/**
 * `/products/<id>` may read a variation but not write or delete one: WooCommerce answers
 * `woocommerce_rest_invalid_{post_type}_id` (note the word order, unlike a missing id's
 * `woocommerce_rest_product_invalid_id`).
 */
function notAVariation(record: Rec): void {
  if (record.type === 'variation') {
    throw new WpError(
      'woocommerce_rest_invalid_product_id',
      'To manipulate product variations you should use the /products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.',
      404,
    );
  }
}

function uniqueSlug(shop: Shop, base: string, id: number): string {
  let slug = base;
  for (let i = 2; shop.data.products.some((p) => p.id !== id && p.slug === slug); i++) slug = `${base}-${i}`;
  return slug;
}

export function checkSku(shop: Shop, sku: unknown, id: number): void {
  if (typeof sku !== 'string' || sku.trim() === '') return;
  const clash = shop.data.products.find((p) => p.id !== id && p.status !== 'trash' && p.sku === sku.trim());
  // WooCommerce names the product that holds the SKU in `data.resource_id`.
  if (clash) {
    throw new WpError('product_invalid_sku', 'Invalid or duplicated SKU.', 400, {
      resource_id: clash.id,
      unique_sku: `${sku.trim()}-1`,
    });
  }
}

/** Recompute every derived field. */
export function deriveProduct(shop: Shop, p: Rec): void {
  if (p.type === 'grouped' || p.type === 'variable') {
    p.regular_price = '';
    p.sale_price = '';
  }
  if (p.type === 'grouped' || p.type === 'external') p.manage_stock = false;
  if (p.manage_stock === true) {
    const qty = typeof p.stock_quantity === 'number' ? p.stock_quantity : 0;
    p.stock_quantity = qty;
    p.stock_status = qty > 0 ? 'instock' : p.backorders !== 'no' ? 'onbackorder' : 'outofstock';
  } else {
    p.stock_quantity = null;
  }
  p.backorders_allowed = p.backorders !== 'no';
  p.backordered =
    p.manage_stock === true && (p.stock_quantity as number) <= 0 && p.backorders_allowed === true;
  const now = shop.dates('x', shop.now()).x_gmt as string;
  const from = p.date_on_sale_from_gmt as string | null;
  const to = p.date_on_sale_to_gmt as string | null;
  const inWindow = (!from || from <= now) && (!to || to >= now);
  const regular = String(p.regular_price ?? '');
  const sale = String(p.sale_price ?? '');
  p.on_sale = sale !== '' && inWindow && (regular === '' || dec(sale).lt(dec(regular)));
  p.price = p.on_sale ? sale : regular;
  const amount = (v: string) =>
    `<span class="woocommerce-Price-amount amount"><bdi>${formatDp(dec(v), 2)}&nbsp;<span class="woocommerce-Price-currencySymbol">kr</span></bdi></span>`;
  p.price_html =
    p.price === ''
      ? ''
      : p.on_sale && regular !== ''
        ? `<del>${amount(regular)}</del> <ins>${amount(sale)}</ins>`
        : amount(String(p.price));
  p.purchasable = p.price !== '' && p.status !== 'trash';
  p.shipping_required = p.virtual !== true;
  p.shipping_taxable = p.tax_status === 'taxable' || p.tax_status === 'shipping';
  p.permalink = `${shop.settings.siteUrl}/product/${p.slug}/`;
  syncVariable(shop, p);
}

/** A complete product record from raw input (API create, seed and admin inserts). */
export function buildProduct(shop: Shop, input: Rec, created: Date = shop.now()): Rec {
  const id = typeof input.id === 'number' ? input.id : shop.nextId('product');
  if (id > shop.data.seq.product) shop.data.seq.product = id;
  const p: Rec = {
    id,
    name: '',
    slug: '',
    permalink: '',
    ...shop.dates('date_created', created),
    ...shop.dates('date_modified', created),
    type: 'simple',
    status: 'publish',
    featured: false,
    catalog_visibility: 'visible',
    description: '',
    short_description: '',
    sku: '',
    global_unique_id: '',
    price: '',
    regular_price: '',
    sale_price: '',
    ...shop.dates('date_on_sale_from', null),
    ...shop.dates('date_on_sale_to', null),
    price_html: '',
    on_sale: false,
    purchasable: false,
    total_sales: 0,
    virtual: false,
    downloadable: false,
    downloads: [],
    download_limit: -1,
    download_expiry: -1,
    external_url: '',
    button_text: '',
    tax_status: 'taxable',
    tax_class: '',
    manage_stock: false,
    stock_quantity: null,
    stock_status: 'instock',
    backorders: 'no',
    backorders_allowed: false,
    backordered: false,
    low_stock_amount: null,
    sold_individually: false,
    weight: '',
    dimensions: { length: '', width: '', height: '' },
    shipping_required: true,
    shipping_taxable: true,
    shipping_class: '',
    shipping_class_id: 0,
    reviews_allowed: true,
    post_password: '',
    average_rating: '0',
    rating_count: 0,
    related_ids: [],
    upsell_ids: [],
    cross_sell_ids: [],
    parent_id: 0,
    purchase_note: '',
    categories: [{ ...UNCATEGORIZED }],
    tags: [],
    images: [],
    has_options: false,
    attributes: [],
    default_attributes: [],
    variations: [],
    grouped_products: [],
    menu_order: 0,
    meta_data: [] as Rec[],
  };
  applyProductFields(shop, p, input);
  for (const key of [
    'date_created',
    'date_created_gmt',
    'date_modified',
    'date_modified_gmt',
    'total_sales',
  ] as const) {
    if (input[key] !== undefined) p[key] = input[key];
  }
  deriveProduct(shop, p);
  return p;
}

function applyProductFields(shop: Shop, p: Rec, body: Rec): void {
  assignScalars(p, body, SCALARS);
  if (typeof body.sku === 'string') p.sku = body.sku.trim();
  if (typeof body.name === 'string' && (p.slug === '' || body.slug === undefined)) {
    if (p.slug === '') p.slug = uniqueSlug(shop, sanitizeTitle(body.name), p.id as number);
  }
  if (typeof body.slug === 'string' && body.slug !== '')
    p.slug = uniqueSlug(shop, sanitizeTitle(body.slug), p.id as number);
  if (p.slug === '') p.slug = uniqueSlug(shop, 'product', p.id as number);
  if (body.dimensions && typeof body.dimensions === 'object')
    Object.assign(p.dimensions as Rec, body.dimensions);
  for (const taxonomy of ['categories', 'tags'] as const) {
    const terms = body[taxonomy];
    if (!Array.isArray(terms)) continue;
    p[taxonomy] = (terms as Rec[]).map((t) =>
      t.id === UNCATEGORIZED.id
        ? { ...UNCATEGORIZED }
        : { id: t.id ?? 0, name: t.name ?? '', slug: sanitizeTitle(String(t.name ?? t.id ?? '')) },
    );
  }
  upsertMeta(shop, p.meta_data as Rec[], body.meta_data);
  if (p.manage_stock === false && body.stock_quantity !== undefined && body.manage_stock === undefined) {
    p.stock_quantity = null;
  }
}

/**
 * Our schema's `type` also names `variation` (what `/products/<variation id>` reads); a
 * product is never written as one (WordPress: not one of the product types).
 */
function checkType(body: Rec): void {
  if (body.type === 'variation') {
    throw new WpError('rest_invalid_param', 'Invalid parameter(s): type', 400, {
      params: { type: 'type is not one of simple, grouped, external, and variable.' },
    });
  }
}

export function createProduct(shop: Shop, body: Rec): Rec {
  if (body.id !== undefined)
    throw new WpError('woocommerce_rest_product_exists', 'Cannot create existing product.', 400);
  checkType(body);
  shop.validator.check('product', body);
  checkSku(shop, body.sku, 0);
  const record = buildProduct(shop, body);
  shop.data.products.push(record);
  shop.changed('product', 'created', record);
  return publicView(record);
}

export function updateProduct(shop: Shop, id: number, body: Rec): Rec {
  const record = shop.find('product', id);
  if (!record) throw new WpError('woocommerce_rest_product_invalid_id', 'Invalid ID.', 400);
  notAVariation(record);
  checkType(body);
  shop.validator.check('product', body);
  checkSku(shop, body.sku, id);
  const before = JSON.stringify(record);
  applyProductFields(shop, record, body);
  if (body.date_created !== undefined) record.date_created = body.date_created;
  if (body.date_created_gmt !== undefined) record.date_created_gmt = body.date_created_gmt;
  deriveProduct(shop, record);
  if (shop.touchIfChanged(before, record)) shop.changed('product', 'updated', record);
  return publicView(record);
}

export function deleteProduct(shop: Shop, id: number, force: boolean): Rec {
  const record = getProduct(shop, id);
  notAVariation(record);
  const previous = publicView(clone(record));
  if (force) {
    shop.remove('product', id);
    // Deleting a variable product for good deletes its variations too.
    shop.data.products = shop.data.products.filter((p) => !(p.type === 'variation' && p.parent_id === id));
  } else {
    if (record.status === 'trash') {
      throw new WpError('woocommerce_rest_already_trashed', 'The product has already been deleted.', 410);
    }
    record._trash_meta_status = record.status;
    record.status = 'trash';
    Object.assign(record, shop.dates('date_modified', shop.now()));
  }
  // Deliberate choice: `product.deleted` also fires for permanent deletes (see docs).
  shop.changed('product', 'deleted', record);
  return previous;
}

export function renderProduct(record: Rec): Rec {
  return publicView(record);
}
