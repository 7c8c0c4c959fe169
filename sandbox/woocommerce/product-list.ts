/**
 * `GET /products`: WooCommerce's product listing (`WC_REST_Products_Controller` query
 * args). Variations are not products of the listing, except that `sku` (exact, comma
 * list) and `search_sku` (partial) search products and variations together
 * (`post_type = product, product_variation`), which is how an article number resolves to
 * a variation id.
 */
import { first, list, oneOf, type ParamErrors, type Query } from './collection.ts';
import { crudList } from './crud-list.ts';
import { renderProduct } from './products.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { renderVariation } from './variations.ts';

const STATUSES = ['any', 'future', 'trash', 'draft', 'pending', 'private', 'publish'] as const;

/** A product or a variation as `GET /products/<id>` shows it. */
export function renderAny(shop: Shop, record: Rec): Rec {
  return record.type === 'variation' ? renderVariation(shop, record) : renderProduct(record);
}

export function listProducts(
  shop: Shop,
  query: Query,
  url: URL,
): { items: Rec[]; headers: Record<string, string> } {
  // Variations are posts of another type: listed only when a SKU filter asks for them.
  const bySku = first(query, 'sku') !== undefined || first(query, 'search_sku') !== undefined;
  const records = bySku ? shop.data.products : shop.data.products.filter((p) => p.type !== 'variation');
  return crudList(records, query, url, {
    orderbys: [
      'date',
      'id',
      'include',
      'title',
      'slug',
      'modified',
      'menu_order',
      'price',
      'popularity',
      'rating',
    ],
    render: (p) => renderAny(shop, p),
    sortKey: (orderby) =>
      orderby === 'title'
        ? (p) => String(p.name).toLowerCase()
        : orderby === 'slug'
          ? (p) => String(p.slug)
          : orderby === 'menu_order'
            ? (p) => p.menu_order as number
            : orderby === 'price'
              ? (p) => Number(p.price || 0)
              : orderby === 'popularity'
                ? (p) => p.total_sales as number
                : undefined,
    filter: (q: Query, errors: ParamErrors) => {
      const status = oneOf(q, 'status', STATUSES, 'any', errors);
      const type = oneOf(q, 'type', ['', 'simple', 'grouped', 'external', 'variable'] as const, '', errors);
      const stock = oneOf(
        q,
        'stock_status',
        ['', 'instock', 'outofstock', 'onbackorder'] as const,
        '',
        errors,
      );
      const skus = list(q, 'sku');
      const skuPart = (first(q, 'search_sku') ?? '').toLowerCase();
      const taxClass = first(q, 'tax_class');
      const slug = first(q, 'slug');
      const search = (first(q, 'search') ?? '').toLowerCase();
      const featured = first(q, 'featured');
      const onSale = first(q, 'on_sale');
      return (p) => {
        if (status === 'any' ? p.status === 'trash' || p.status === 'auto-draft' : p.status !== status)
          return false;
        if (type && p.type !== type) return false;
        if (stock && p.stock_status !== stock) return false;
        if (skus && !skus.includes(String(p.sku))) return false;
        if (skuPart && !String(p.sku).toLowerCase().includes(skuPart)) return false;
        if (taxClass !== undefined && String(p.tax_class || 'standard') !== taxClass) return false;
        if (slug && p.slug !== slug) return false;
        if (featured !== undefined && String(p.featured) !== featured && !(featured === '1' && p.featured))
          return false;
        if (onSale !== undefined && String(p.on_sale) !== onSale && !(onSale === '1' && p.on_sale))
          return false;
        if (search) {
          const hay = `${p.name} ${p.description} ${p.short_description}`.toLowerCase();
          if (!hay.includes(search)) return false;
        }
        return true;
      };
    },
  });
}
