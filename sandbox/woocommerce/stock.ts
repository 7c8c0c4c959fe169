/**
 * Stock that moves with orders (`wc-stock-functions.php`): `wc_maybe_reduce_stock_levels`
 * when an order is paid or becomes processing/completed/on-hold, and
 * `wc_maybe_increase_stock_levels` when it is cancelled or goes back to pending — once per
 * line (`_reduced_stock` item meta), only for products that manage stock (a variation whose
 * stock is managed by its parent (`manage_stock: "parent"`) moves its parent's stock), with an order note listing the
 * changes ("Stock levels reduced: …").
 *
 * Strict reading of an uncertain point (WooCommerce issue #40060): an order-driven stock
 * change does NOT move the product's `date_modified` and fires no `product.updated`
 * webhook, so only a stock scan finds it. Stock edited through the API or admin is a normal
 * product save (products.ts) and does.
 */
import { addOrderNote } from './notes.ts';
import { parentOf } from './product-lookup.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';

/** The record whose stock a product's sales move, or undefined when nothing manages stock. */
export function stockHolder(shop: Shop, product: Rec | undefined): Rec | undefined {
  if (!product || shop.data.options.woocommerce_manage_stock !== 'yes') return undefined;
  if (product.manage_stock === true) return product;
  if (product.type === 'variation') {
    const parent = parentOf(shop, product);
    return parent?.manage_stock === true ? parent : undefined;
  }
  return undefined;
}

/** Recompute `stock_status` (and backorder flags) of a record whose quantity changed. */
export function deriveStockStatus(p: Rec): void {
  const qty = typeof p.stock_quantity === 'number' ? p.stock_quantity : 0;
  const low = p.backorders !== 'no';
  p.stock_status = qty > 0 ? 'instock' : low ? 'onbackorder' : 'outofstock';
  p.backorders_allowed = low;
  p.backordered = qty <= 0 && low;
}

function change(shop: Shop, order: Rec, direction: 'reduce' | 'increase'): void {
  const changes: string[] = [];
  for (const line of order.line_items as Rec[]) {
    const reduced = Number(line._reduced_stock ?? 0);
    if (direction === 'reduce' ? reduced > 0 : reduced <= 0) continue;
    const product = shop.data.products.find((p) => p.id === (line.variation_id || line.product_id));
    const holder = stockHolder(shop, product);
    if (!holder || !product) continue;
    const qty = direction === 'reduce' ? Number(line.quantity) || 0 : reduced;
    const before = Number(holder.stock_quantity ?? 0);
    const after = direction === 'reduce' ? before - qty : before + qty;
    holder.stock_quantity = after;
    deriveStockStatus(holder);
    if (direction === 'reduce') line._reduced_stock = qty;
    else delete line._reduced_stock;
    const sku = product.sku ? ` (${product.sku})` : '';
    changes.push(`${product.name}${sku} ${before}&rarr;${after}`);
  }
  if (changes.length === 0) return;
  const label = direction === 'reduce' ? 'Stock levels reduced' : 'Stock levels increased';
  addOrderNote(shop, order, `${label}: ${changes.join(', ')}`, { system: true });
  shop.onMutate();
}

/** `wc_maybe_reduce_stock_levels`: once per order. */
export function maybeReduceStock(shop: Shop, order: Rec): void {
  if (order._stock_reduced === true) return;
  change(shop, order, 'reduce');
  order._stock_reduced = true;
}

/** `wc_maybe_increase_stock_levels`: only after a reduction. */
export function maybeIncreaseStock(shop: Shop, order: Rec): void {
  if (order._stock_reduced !== true) return;
  change(shop, order, 'increase');
  order._stock_reduced = false;
}

/**
 * `wc_restock_refunded_items`: refunded quantities go back to stock, at most what the line
 * took (`_reduced_stock`), with a note per line.
 */
export function restockRefundedItems(
  shop: Shop,
  order: Rec,
  refunded: ReadonlyArray<{ id: number; qty: number }>,
): void {
  for (const line of order.line_items as Rec[]) {
    const qty = refunded.find((r) => r.id === line.id)?.qty ?? 0;
    const reduced = Number(line._reduced_stock ?? 0);
    if (!reduced || !qty) continue;
    const product = shop.data.products.find((p) => p.id === (line.variation_id || line.product_id));
    const holder = stockHolder(shop, product);
    if (!holder) continue;
    const before = Number(holder.stock_quantity ?? 0);
    holder.stock_quantity = before + qty;
    deriveStockStatus(holder);
    line._reduced_stock = reduced - qty;
    addOrderNote(shop, order, `Item #${String(line.id)} stock increased from ${before} to ${before + qty}.`);
  }
}
