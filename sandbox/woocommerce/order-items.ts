/**
 * Writing an order's items from a REST body (`prepare_line_items`, `prepare_shipping_lines`,
 * `prepare_fee_lines`): `id` updates a line, `{id, quantity: 0}` or `product_id: null`
 * removes it, a line without `id` is added. A new product line needs `product_id`,
 * `variation_id` or `sku` (a SKU may name a variation); its product sets `name`,
 * `tax_class` (a variation's own or, when it says `parent`, its parent's), `product_id` (the
 * parent for variations) and `variation_id`, and its `subtotal`/`total` default to
 * `wc_get_price_excluding_tax(product, qty)` — the price, less the shop base's tax when
 * prices include tax, unrounded.
 */
import { assignScalars, upsertMeta } from './common-fields.ts';
import { dec, stored } from './money.ts';
import { effectiveTaxClass, findAnyProduct, parentOf } from './product-lookup.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { priceExcludingTax } from './tax/order-totals.ts';
import { WpError } from './wp-error.ts';

const invalidProduct = () => new WpError('woocommerce_rest_invalid_product_id', 'Invalid product ID.', 400);

/** The product or variation a line item refers to (variation first). */
export function lineProduct(shop: Shop, line: Rec): Rec | undefined {
  if (typeof line.variation_id === 'number' && line.variation_id > 0) {
    const variation = findAnyProduct(shop, line.variation_id);
    if (variation) return variation;
  }
  if (typeof line.product_id === 'number' && line.product_id > 0)
    return findAnyProduct(shop, line.product_id);
  return undefined;
}

function productForNewLine(shop: Shop, item: Rec): Rec | undefined {
  if (typeof item.variation_id === 'number' && item.variation_id > 0) {
    const v = findAnyProduct(shop, item.variation_id);
    return v?.type === 'variation' ? v : undefined;
  }
  if (typeof item.product_id === 'number' && item.product_id > 0)
    return findAnyProduct(shop, item.product_id);
  if (typeof item.sku === 'string' && item.sku !== '') {
    return shop.data.products.find((p) => p.sku === item.sku && p.status !== 'trash');
  }
  return undefined;
}

/** `WC_Order_Item_Product::set_product`: ids, name and tax class from the product. */
function setProduct(shop: Shop, line: Rec, product: Rec): void {
  const parent = product.type === 'variation' ? parentOf(shop, product) : undefined;
  line.product_id = parent ? parent.id : product.id;
  line.variation_id = parent ? product.id : 0;
  line.name = product.name;
  line.tax_class = effectiveTaxClass(shop, product);
}

export function applyLineItems(shop: Shop, order: Rec, items: unknown): void {
  if (!Array.isArray(items)) return;
  const ctx = shop.tax();
  const lines = order.line_items as Rec[];
  for (const item of items as Rec[]) {
    if (item.id !== undefined && item.id !== null) {
      const index = lines.findIndex((l) => l.id === item.id);
      if (index < 0) {
        throw new WpError(
          'woocommerce_rest_invalid_item_id',
          'Order item ID provided is not associated with order.',
          400,
        );
      }
      if (item.quantity === 0 || item.product_id === null) {
        lines.splice(index, 1);
        continue;
      }
      const line = lines[index]!;
      const names = item.product_id !== undefined || item.variation_id !== undefined || Boolean(item.sku);
      const wanted = names ? productForNewLine(shop, item) : undefined;
      if (names && !wanted) throw invalidProduct();
      if (wanted && wanted !== lineProduct(shop, line)) setProduct(shop, line, wanted);
      assignScalars(line, item, ['name', 'quantity', 'tax_class']);
      for (const key of ['subtotal', 'total'] as const)
        if (item[key] !== undefined) line[key] = money(item[key]);
      upsertMeta(shop, line.meta_data as Rec[], item.meta_data);
      continue;
    }
    const hasRef =
      (typeof item.product_id === 'number' && item.product_id > 0) ||
      (typeof item.variation_id === 'number' && item.variation_id > 0) ||
      (typeof item.sku === 'string' && item.sku !== '');
    if (!hasRef) {
      throw new WpError('woocommerce_rest_required_product_reference', 'Product ID or SKU is required.', 400);
    }
    const product = productForNewLine(shop, item);
    if (!product) throw invalidProduct();
    const quantity = typeof item.quantity === 'number' ? item.quantity : 1;
    const line: Rec = {
      id: shop.nextId('item'),
      name: '',
      product_id: 0,
      variation_id: 0,
      quantity,
      tax_class: '',
      subtotal: '0',
      subtotal_tax: '0',
      total: '0',
      total_tax: '0',
      taxes: [],
      meta_data: [] as Rec[],
      sku: null,
      price: 0,
      image: { id: '', src: '' },
      parent_name: null,
    };
    setProduct(shop, line, product);
    const net = stored(priceExcludingTax(ctx, product, quantity, String(line.tax_class)));
    line.subtotal = net;
    line.total = net;
    assignScalars(line, item, ['name', 'tax_class']);
    for (const key of ['subtotal', 'total'] as const)
      if (item[key] !== undefined) line[key] = money(item[key]);
    upsertMeta(shop, line.meta_data as Rec[], item.meta_data);
    for (const meta of attributeMeta(product))
      (line.meta_data as Rec[]).push({ id: shop.nextId('meta'), ...meta });
    lines.push(line);
  }
}

/** Variation attributes as line meta (`pa_color: "blue"`), as the checkout stores them. */
function attributeMeta(product: Rec): Array<{ key: string; value: string }> {
  if (product.type !== 'variation') return [];
  return ((product.attributes as Rec[]) ?? []).map((a) => ({
    key: a.id ? `pa_${String(a.name).toLowerCase()}` : String(a.name).toLowerCase(),
    value: String(a.option ?? ''),
  }));
}

/** An amount written by a client, kept as WooCommerce keeps it (`wc_format_decimal`). */
function money(value: unknown): string {
  return stored(dec(value));
}

export function applyItemList(
  shop: Shop,
  order: Rec,
  field: 'shipping_lines' | 'fee_lines',
  items: unknown,
  fields: readonly string[],
): void {
  if (!Array.isArray(items)) return;
  const lines = order[field] as Rec[];
  for (const item of items as Rec[]) {
    if (item.id !== undefined && item.id !== null) {
      const index = lines.findIndex((l) => l.id === item.id);
      if (index < 0) {
        const code =
          field === 'fee_lines'
            ? 'woocommerce_rest_invalid_fee_item'
            : 'woocommerce_rest_invalid_shipping_item';
        throw new WpError(code, 'Order item ID provided is not associated with order.', 400);
      }
      const removing = field === 'fee_lines' ? item.name === null : item.method_id === null;
      if (removing) {
        lines.splice(index, 1);
        continue;
      }
      assignScalars(lines[index]!, item, fields);
      if (item.total !== undefined) lines[index]!.total = money(item.total);
      upsertMeta(shop, lines[index]!.meta_data as Rec[], item.meta_data);
      continue;
    }
    if (field === 'shipping_lines' && (typeof item.method_id !== 'string' || item.method_id === '')) {
      throw new WpError('woocommerce_rest_invalid_shipping_item', 'Shipping method ID is required.', 400);
    }
    if (field === 'fee_lines' && (typeof item.name !== 'string' || item.name === '')) {
      throw new WpError('woocommerce_rest_invalid_fee_item', 'Fee name is required.', 400);
    }
    const line: Rec =
      field === 'shipping_lines'
        ? {
            id: shop.nextId('item'),
            method_title: '',
            method_id: '',
            instance_id: '',
            total: '0',
            total_tax: '0',
            taxes: [],
            meta_data: [],
          }
        : {
            id: shop.nextId('item'),
            name: '',
            tax_class: '',
            tax_status: 'taxable',
            total: '0',
            total_tax: '0',
            taxes: [],
            meta_data: [],
          };
    assignScalars(line, item, fields);
    if (item.total !== undefined) line.total = money(item.total);
    upsertMeta(shop, line.meta_data as Rec[], item.meta_data);
    lines.push(line);
  }
}
