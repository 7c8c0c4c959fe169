/**
 * `WC_Product_Variable::sync`: what a variable product shows from its variations — the ids
 * of its (non-trashed) variations, its `price` (the lowest active variation price; its own
 * regular/sale prices are always blank), `on_sale`, `purchasable`, and, when it does not
 * manage stock itself, a `stock_status` of `instock` if any variation is in stock, else
 * `onbackorder` if any is, else `outofstock`; its variations' titles follow its name. A variation whose `manage_stock` is off while
 * its parent manages stock shows `manage_stock: "parent"` and the parent's quantity.
 */
import { dec } from './money.ts';
import { parentOf, variationName, variationsOf } from './product-lookup.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';

export function syncVariable(shop: Shop, parent: Rec): void {
  if (parent.type !== 'variable') return;
  // `sync_variation_names`: a renamed parent renames its variations with one SQL UPDATE of
  // their titles, which moves neither their `date_modified` nor fires a webhook.
  for (const v of variationsOf(shop, parent.id as number)) v.name = variationName(parent, v);
  const children = variationsOf(shop, parent.id as number).filter((v) => v.status !== 'trash');
  parent.variations = children.map((v) => v.id);
  const prices = children.map((v) => String(v.price ?? '')).filter((p) => p !== '');
  parent.price = prices.length > 0 ? prices.reduce((a, b) => (dec(b).lt(dec(a)) ? b : a)) : '';
  parent.on_sale = children.some((v) => v.on_sale === true);
  parent.purchasable = parent.price !== '' && parent.status !== 'trash';
  if (parent.manage_stock !== true && children.length > 0) {
    const statuses = children.map((v) => viewStock(shop, v).stock_status);
    parent.stock_status = statuses.includes('instock')
      ? 'instock'
      : statuses.includes('onbackorder')
        ? 'onbackorder'
        : 'outofstock';
  }
}

/** A variation's stock fields as the API shows them (`managing_stock()`). */
export function viewStock(shop: Shop, variation: Rec): Rec {
  if (variation.manage_stock === true) {
    return {
      manage_stock: true,
      stock_quantity: variation.stock_quantity,
      stock_status: variation.stock_status,
    };
  }
  const parent = parentOf(shop, variation);
  if (parent?.manage_stock === true) {
    return {
      manage_stock: 'parent',
      stock_quantity: parent.stock_quantity,
      stock_status: parent.stock_status,
    };
  }
  return { manage_stock: false, stock_quantity: null, stock_status: variation.stock_status };
}
