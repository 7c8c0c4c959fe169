/**
 * Products and variations share one store (WordPress posts of type `product` and
 * `product_variation`); these helpers find either, a variation's parent, and the tax class
 * a product really uses (`WC_Product_Variation::get_tax_class`: `parent` means the parent's).
 */
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';

export function findAnyProduct(shop: Shop, id: number): Rec | undefined {
  return shop.data.products.find((p) => p.id === id);
}

export function isVariation(record: Rec | undefined): boolean {
  return record?.type === 'variation';
}

export function parentOf(shop: Shop, variation: Rec): Rec | undefined {
  return shop.data.products.find((p) => p.id === variation.parent_id && p.type !== 'variation');
}

export function effectiveTaxClass(shop: Shop, product: Rec): string {
  const own = String(product.tax_class ?? '');
  if (product.type === 'variation' && own === 'parent')
    return String(parentOf(shop, product)?.tax_class ?? '');
  return own;
}

export function variationsOf(shop: Shop, parentId: number): Rec[] {
  return shop.data.products.filter((p) => p.type === 'variation' && p.parent_id === parentId);
}

/** A variation's title: the parent's name and the attribute values ("Genser - Blå, L"). */
export function variationName(parent: Rec, variation: Rec): string {
  const values = ((variation.attributes as Rec[]) ?? [])
    .map((a) => String(a.option ?? ''))
    .filter((o) => o !== '');
  return `${String(parent.name)}${values.length > 0 ? ` - ${values.join(', ')}` : ''}`;
}
