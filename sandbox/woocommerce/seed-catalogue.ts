/**
 * What the seed options add to the catalogue, drawn from the options' random stream:
 * products spread over the tax classes, variable products with size variations (some
 * managing stock per variation, some through the parent), and two coupons.
 */
import type { Random } from '../common/random.ts';
import { buildCoupon } from './coupons.ts';
import { datePair } from './dates.ts';
import { dec, formatDp } from './money.ts';
import { deriveProduct } from './products.ts';
import type { SeedContext } from './seed-orders.ts';
import { syncVariable } from './variable-sync.ts';
import { buildVariation } from './variations.ts';

const CLASSES = [
  ['', 0.6],
  ['reduced-rate', 0.2],
  ['low-rate', 0.1],
  ['zero-rate', 0.1],
] as const;

function pickClass(r: Random): string {
  let x = r.next();
  for (const [cls, share] of CLASSES) {
    if (x < share) return cls;
    x -= share;
  }
  return '';
}

/** Tax classes, variations and coupons the options ask for (drawn from the second stream). */
export function seedCatalogueExtras(ctx: SeedContext): void {
  const { shop, options, extra, products } = ctx;
  for (const [i, p] of products.entries()) {
    // Every class appears once there are a few products; the rest is chance.
    if (options.taxClasses) p.tax_class = i < CLASSES.length ? CLASSES[i]![0] : pickClass(extra);
    deriveProduct(shop, p);
  }
  if (options.variations) {
    for (const [i, parent] of products.entries()) {
      if (i % 5 !== 3 || parent.virtual === true) continue;
      parent.type = 'variable';
      parent.attributes = [
        { id: 0, name: 'Størrelse', position: 0, visible: true, variation: true, options: ['S', 'M', 'L'] },
      ];
      const base = dec(parent.regular_price || '199');
      const byParent = i % 2 === 0 && parent.manage_stock === true;
      const sizes = ['S', 'M', 'L'].slice(0, extra.int(2, 3));
      for (const [k, size] of sizes.entries()) {
        const v = buildVariation(shop, parent, {
          sku: parent.sku ? `${parent.sku}-${size}` : '',
          regular_price: formatDp(base.add(k * 20), 2),
          attributes: [{ id: 0, name: 'Størrelse', option: size }],
          manage_stock: !byParent,
          stock_quantity: byParent ? null : extra.int(0, 30),
          date_created_gmt: parent.date_created_gmt,
          date_created: parent.date_created,
          date_modified_gmt: parent.date_modified_gmt,
          date_modified: parent.date_modified,
        });
        shop.data.products.push(v);
      }
      deriveProduct(shop, parent);
      syncVariable(shop, parent);
    }
  }
  if (options.coupons) {
    const created = datePair('date_created', ctx.daysAgo(400), shop.offset);
    for (const input of [
      { code: '10off', discount_type: 'percent', amount: '10' },
      { code: 'fast100', discount_type: 'fixed_cart', amount: '100' },
    ]) {
      const coupon = buildCoupon(shop, input);
      Object.assign(coupon, created, {
        date_modified: created.date_created,
        date_modified_gmt: created.date_created_gmt,
      });
      shop.data.coupons.push(coupon);
    }
  }
}
