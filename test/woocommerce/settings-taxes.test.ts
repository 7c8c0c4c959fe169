/**
 * The settings API and the tax rate/class routes, as WooCommerce answers them; and that the
 * totals follow what they say (a settings change applies to the next order).
 */
import { describe, expect, it } from 'vitest';
import { api, sandboxes } from './helpers.ts';

type Json = Record<string, unknown>;
const box = sandboxes();
const shop = () => box.start();

describe('settings API', () => {
  it('groups, options with their values, validation and errors', async () => {
    const s = await shop();
    expect((await api(s, 'GET', 'settings')).body.map((g) => g.id)).toEqual(['general', 'products', 'tax']);
    const tax = (await api(s, 'GET', 'settings/tax')).body;
    const byId = Object.fromEntries(tax.map((o) => [o.id, o]));
    expect(byId.woocommerce_prices_include_tax).toMatchObject({
      type: 'radio',
      default: 'no',
      value: 'no',
      group_id: 'tax',
    });
    expect(byId.woocommerce_tax_round_at_subtotal).toMatchObject({ type: 'checkbox', value: 'no' });
    expect(byId.woocommerce_tax_classes!.value).toBe('Reduced rate\nLow rate\nZero rate');
    expect(Object.keys(byId.woocommerce_shipping_tax_class!.options as Json)).toEqual([
      'inherit',
      '',
      'reduced-rate',
      'low-rate',
      'zero-rate',
    ]);
    const general = Object.fromEntries(
      (await api(s, 'GET', 'settings/general')).body.map((o) => [o.id, o.value]),
    );
    expect(general).toMatchObject({
      woocommerce_calc_taxes: 'yes',
      woocommerce_currency: 'NOK',
      woocommerce_price_num_decimals: '2',
      woocommerce_default_country: 'NO',
    });

    const put = await api(s, 'PUT', 'settings/tax/woocommerce_prices_include_tax', { value: 'yes' });
    expect([put.status, put.body.value]).toEqual([200, 'yes']);
    const bad = await api(s, 'PUT', 'settings/tax/woocommerce_tax_round_at_subtotal', { value: 'maybe' });
    expect([bad.status, bad.body.code, bad.body.message]).toEqual([
      400,
      'rest_setting_value_invalid',
      'An invalid setting value was passed.',
    ]);
    expect((await api(s, 'PUT', 'settings/general/woocommerce_currency', { value: 'XYZ' })).status).toBe(400);
    expect((await api(s, 'GET', 'settings/tax/nope')).body.code).toBe('rest_setting_setting_invalid');
    expect((await api(s, 'GET', 'settings/nope')).body.code).toBe('rest_setting_setting_group_invalid');
    expect((await api(s, 'GET', 'settings/tax', undefined, false)).status).toBe(401);

    const batch = await api(s, 'POST', 'settings/general/batch', {
      update: [
        { id: 'woocommerce_currency', value: 'EUR' },
        { id: 'woocommerce_calc_taxes', value: 'perhaps' },
      ],
    });
    expect(batch.status).toBe(200);
    expect((batch.body.update as Json[])[0]!.value).toBe('EUR');
    expect(((batch.body.update as Json[])[1]!.error as Json).code).toBe('rest_setting_value_invalid');
    expect((await api(s, 'GET', 'data/currencies/current')).body).toMatchObject({
      code: 'EUR',
      symbol: '€',
    });
    // A new order takes the shop currency.
    expect((await api(s, 'POST', 'orders', {})).body.currency).toBe('EUR');

    // With taxes off the tax settings page does not exist (strict reading).
    await api(s, 'PUT', 'settings/general/woocommerce_calc_taxes', { value: 'no' });
    expect((await api(s, 'GET', 'settings/tax')).status).toBe(404);
    expect((await api(s, 'GET', 'settings')).body.map((g) => g.id)).not.toContain('tax');
  });

  it('a settings change applies to the next order; taxes off means no taxes at all', async () => {
    const s = await shop();
    const p = (await api(s, 'POST', 'products', { name: 'Kopp', regular_price: '125.00' })).body;
    const net = (await api(s, 'POST', 'orders', { line_items: [{ product_id: p.id }] })).body;
    expect([net.total, net.total_tax, net.prices_include_tax]).toEqual(['156.25', '31.25', false]);
    await api(s, 'PUT', 'settings/tax/woocommerce_prices_include_tax', { value: 'yes' });
    const gross = (await api(s, 'POST', 'orders', { line_items: [{ product_id: p.id }] })).body;
    expect([gross.total, gross.total_tax, gross.prices_include_tax]).toEqual(['125.00', '25.00', true]);
    expect((gross.line_items as Json[])[0]).toMatchObject({ subtotal: '100.00', total: '100.00' });
    await api(s, 'PUT', 'settings/general/woocommerce_calc_taxes', { value: 'no' });
    const none = (await api(s, 'POST', 'orders', { line_items: [{ product_id: p.id }] })).body;
    expect([none.total, none.total_tax, none.tax_lines]).toEqual(['125.00', '0.00', []]);
  });
});

describe('tax rates and classes', () => {
  it('lists the Norwegian rates and classes; creates, updates, deletes; errors', async () => {
    const s = await shop();
    const rates = await api(s, 'GET', 'taxes?per_page=100');
    expect(rates.headers.get('x-wp-total')).toBe('4');
    expect(rates.body.map((r) => [r.id, r.rate, r.class, r.shipping])).toEqual([
      [1, '25.0000', 'standard', true],
      [2, '15.0000', 'reduced-rate', true],
      [3, '12.0000', 'low-rate', true],
      [4, '0.0000', 'zero-rate', true],
    ]);
    expect((await api(s, 'GET', 'taxes?class=reduced-rate')).body.map((r) => r.id)).toEqual([2]);
    expect((await api(s, 'GET', 'taxes/classes')).body).toEqual([
      { slug: 'standard', name: 'Standard rate' },
      { slug: 'reduced-rate', name: 'Reduced rate' },
      { slug: 'low-rate', name: 'Low rate' },
      { slug: 'zero-rate', name: 'Zero rate' },
    ]);
    // One class is answered as an ARRAY with one element.
    expect((await api(s, 'GET', 'taxes/classes/zero-rate')).body).toEqual([
      { slug: 'zero-rate', name: 'Zero rate' },
    ]);
    expect((await api(s, 'GET', 'taxes/classes/nope')).body.code).toBe(
      'woocommerce_rest_tax_class_invalid_slug',
    );
    expect((await api(s, 'POST', 'taxes/classes', { name: 'Zero rate' })).body.code).toBe(
      'woocommerce_rest_tax_class_exists',
    );
    const created = await api(s, 'POST', 'taxes/classes', { name: 'Bøker' });
    expect([created.status, created.body]).toEqual([201, { slug: 'boker', name: 'Bøker' }]);
    const rate = await api(s, 'POST', 'taxes', { country: 'no', rate: '6', name: 'MVA 6%', class: 'boker' });
    expect([rate.status, rate.body.rate, rate.body.country, rate.body.class]).toEqual([
      201,
      '6.0000',
      'NO',
      'boker',
    ]);
    expect((await api(s, 'POST', 'taxes', { rate: '5', class: 'nope' })).body.code).toBe(
      'rest_invalid_param',
    );
    expect((await api(s, 'PUT', `taxes/${rate.body.id}`, { rate: '6.5' })).body.rate).toBe('6.5000');
    expect((await api(s, 'DELETE', `taxes/${rate.body.id}`)).status).toBe(501);
    expect((await api(s, 'DELETE', `taxes/${rate.body.id}?force=true`)).status).toBe(200);
    expect((await api(s, 'GET', `taxes/${rate.body.id}`)).body.code).toBe('woocommerce_rest_invalid_id');
    // Deleting a class deletes its rates.
    expect((await api(s, 'DELETE', 'taxes/classes/reduced-rate?force=true')).status).toBe(200);
    expect((await api(s, 'GET', 'taxes')).body.map((r) => r.id)).toEqual([1, 3, 4]);
  });

  it('a class without a matching rate gives no taxes at all; rates match by country', async () => {
    const s = await shop();
    await api(s, 'POST', 'taxes/classes', { name: 'Uten sats' });
    const free = (
      await api(s, 'POST', 'products', { name: 'Fri', regular_price: '10.00', tax_class: 'uten-sats' })
    ).body;
    const zero = (
      await api(s, 'POST', 'products', { name: 'Null', regular_price: '10.00', tax_class: 'zero-rate' })
    ).body;
    const o = (
      await api(s, 'POST', 'orders', { line_items: [{ product_id: free.id }, { product_id: zero.id }] })
    ).body;
    const [a, b] = o.line_items as Json[];
    expect(a!.taxes).toEqual([]);
    // A matched 0 % rate still gives an entry of "0" and a tax line of 0.00.
    expect(b!.taxes).toEqual([{ id: 4, total: '0', subtotal: '0' }]);
    expect(o.tax_lines as Json[]).toMatchObject([{ rate_id: 4, tax_total: '0.00', rate_percent: 0 }]);
    const abroad = (
      await api(s, 'POST', 'orders', {
        billing: { country: 'DE' },
        line_items: [{ product_id: zero.id }],
      })
    ).body;
    expect(abroad.tax_lines).toEqual([]);
  });
});

describe('route index', () => {
  it('GET /wc/v3 lists the new routes, and each answers (no rest_no_route)', async () => {
    const s = await shop();
    const routes = Object.keys((await api(s, 'GET', '')).body.routes as Json);
    for (const r of [
      '/wc/v3/taxes',
      '/wc/v3/settings',
      '/wc/v3/refunds',
      '/wc/v3/coupons',
      '/wc/v3/payment_gateways',
    ])
      expect(routes).toContain(r);
    const concrete = routes
      .filter((r) => !r.includes('(?P<'))
      .map((r) => r.replace('/wc/v3/', ''))
      .filter((r) => !r.endsWith('batch'));
    for (const path of concrete) {
      const r = await api(s, 'GET', path);
      expect([path, r.body.code]).not.toEqual([path, 'rest_no_route']);
    }
  });
});
