/**
 * The sandbox's tax model against worked examples (test/woocommerce/fixtures/tax-examples.ts):
 * every example set up through the public API (settings, products, coupons), the order
 * placed through the checkout (admin) or POST /orders, and read back with GET /orders/<id>.
 */
import { describe, expect, it } from 'vitest';
import type { WooSandbox } from '../../sandbox/woocommerce/index.ts';
import { COUPON, EXAMPLES, PRODUCTS, type TaxExample } from './fixtures/tax-examples.ts';
import { adminApi, api, sandboxes } from './helpers.ts';

type Json = Record<string, unknown>;

const box = sandboxes();
const shop = () => box.start();

async function place(s: WooSandbox, example: TaxExample): Promise<Json> {
  for (const [id, value] of Object.entries(example.settings)) {
    expect((await api(s, 'PUT', `settings/tax/${id}`, { value })).status).toBe(200);
  }
  const ids = new Map<string, number>();
  for (const p of PRODUCTS) ids.set(p.sku, (await api(s, 'POST', 'products', p)).body.id as number);
  if (example.coupon) expect((await api(s, 'POST', 'coupons', COUPON)).status).toBe(201);
  const address = { first_name: 'Kari', country: example.country ?? 'NO', city: 'Oslo', postcode: '0150' };
  if (example.path === 'rest') {
    const created = await api(s, 'POST', 'orders', {
      billing: address,
      line_items: example.items.map((i) => ({ product_id: ids.get(i.sku), quantity: i.quantity })),
      ...(example.shipping ? { shipping_lines: [{ method_id: 'flat_rate', total: example.shipping }] } : {}),
      ...(example.coupon ? { coupon_lines: [{ code: COUPON.code }] } : {}),
    });
    expect(created.status).toBe(201);
    return (await api(s, 'GET', `orders/${created.body.id}`)).body;
  }
  const placed = await adminApi(s, 'checkout', {
    billing: address,
    items: example.items.map((i) => ({ product_id: ids.get(i.sku), quantity: i.quantity })),
    ...(example.coupon ? { coupons: [COUPON.code] } : {}),
    ...(example.shipping ? { shipping_line: { method_id: 'flat_rate', cost: example.shipping } } : {}),
    ...(example.vatExempt ? { vat_exempt: true } : {}),
  });
  expect(placed.status).toBe(200);
  return (await api(s, 'GET', `orders/${placed.body.id}`)).body;
}

describe('tax arithmetic: worked examples', () => {
  for (const example of EXAMPLES) {
    it(example.name, async () => {
      const s = await shop();
      const order = await place(s, example);
      expect(order).toMatchObject(example.order);
      expect(order.prices_include_tax).toBe(example.settings.woocommerce_prices_include_tax === 'yes');
      const lines = order.line_items as Json[];
      for (const want of example.lines) {
        const line = lines.find((l) => l.sku === want.sku)!;
        const { taxes, sku: _sku, ...scalars } = want;
        expect(line, want.sku).toMatchObject(scalars);
        if (taxes) expect((line.taxes as Json[])[0], `${want.sku} taxes`).toEqual(taxes);
      }
      if (example.taxLines) {
        expect(
          (order.tax_lines as Json[]).map((t) => ({
            rate_id: t.rate_id,
            tax_total: t.tax_total,
            shipping_tax_total: t.shipping_tax_total,
          })),
        ).toEqual(example.taxLines);
      }
      if (example.coupons) {
        expect(
          (order.coupon_lines as Json[]).map((c) => ({ discount: c.discount, discount_tax: c.discount_tax })),
        ).toEqual(example.coupons);
      }
      const exempt = (order.meta_data as Json[]).find((m) => m.key === 'is_vat_exempt');
      if (example.path === 'checkout') expect(exempt?.value).toBe(example.vatExempt ? 'yes' : 'no');
    });
  }

  it('REST orders in a net-price shop: round per line vs at subtotal differ by an øre', async () => {
    const totals: string[] = [];
    for (const mode of ['no', 'yes']) {
      const s = await shop();
      await api(s, 'PUT', 'settings/tax/woocommerce_tax_round_at_subtotal', { value: mode });
      const p = (await api(s, 'POST', 'products', { name: 'Kopp', regular_price: '99.90' })).body;
      const o = (
        await api(s, 'POST', 'orders', {
          line_items: [
            { product_id: p.id, quantity: 3 },
            { product_id: p.id, quantity: 1, subtotal: '10.02', total: '9.02' },
          ],
          shipping_lines: [{ method_id: 'flat_rate', total: '49.00' }],
          fee_lines: [
            { name: 'Gebyr', total: '0.10' },
            { name: 'Fritt', total: '5.00', tax_status: 'none' },
          ],
        })
      ).body;
      // Taxes 74.925 + 2.255 + 0.025 (fee): per line 74.93 + 2.26 + 0.03 = 77.22; at
      // subtotal 77.205 shown as 77.21 and total_tax round(77.205 + 12.25) = 89.46.
      expect((o.tax_lines as Json[])[0]!.tax_total).toBe(mode === 'no' ? '77.22' : '77.21');
      expect(o.total_tax).toBe(mode === 'no' ? '89.47' : '89.46');
      expect(o.discount_tax).toBe('0.25');
      totals.push(String(o.total));
    }
    expect(totals).toEqual(['452.29', '452.28']);
  });
});
