/**
 * The seed's opt-in options: a shop with prices including tax, every tax class, coupons,
 * companies with org numbers, EUR orders with a currency plugin's rate, exports and
 * VAT-exempt buyers, variations, refunds and payment methods — and every order's amounts
 * reconciling the way WooCommerce's do.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { Decimal } from 'decimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { validOrganizationNumber } from '../../sandbox/common/org-number.ts';
import { stateView } from '../../sandbox/woocommerce/admin.ts';
import { startWooCommerceSandbox, type WooSandbox } from '../../sandbox/woocommerce/index.ts';
import type { SeedOptions } from '../../sandbox/woocommerce/seed.ts';
import orderSchema from '../../schemas/woocommerce/order.schema.json' with { type: 'json' };
import productSchema from '../../schemas/woocommerce/product.schema.json' with { type: 'json' };

type Json = Record<string, unknown>;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});
const anchor = new Date('2026-02-01T00:00:00Z');
const FULL: SeedOptions = {
  count: 160,
  seed: 4,
  anchor,
  pricesIncludeTax: true,
  taxClasses: true,
  coupons: true,
  companies: 0.3,
  invalidOrgNumbers: 0.1,
  foreignCurrency: 0.2,
  vatExempt: 0.1,
  variations: true,
  refunds: true,
  payments: true,
};

async function seeded(
  options: SeedOptions,
): Promise<{ s: WooSandbox; state: Record<string, Json[]>; raw: Record<string, Json[]> }> {
  const s = await startWooCommerceSandbox({ seed: options });
  closers.push(() => s.close());
  const raw = stateView(s.state) as Record<string, Json[]>;
  const state = JSON.parse(JSON.stringify(raw).replaceAll(s.url, 'URL')) as Record<string, Json[]>;
  return { s, state, raw };
}

const d = (v: unknown) => new Decimal(String(v ?? 0));
const meta = (o: Json, key: string) => (o.meta_data as Json[]).find((m) => m.key === key)?.value;

describe('seed options', () => {
  it('covers every option, deterministically', async () => {
    const { state, raw } = await seeded(FULL);
    expect((await seeded(FULL)).state).toEqual(state);
    const orders = state.orders!;
    expect(orders.every((o) => o.prices_include_tax === true && o.created_via === 'checkout')).toBe(true);
    const rates = new Set(orders.flatMap((o) => (o.tax_lines as Json[]).map((t) => t.rate_id)));
    expect([...rates].sort()).toEqual([1, 2, 3, 4]);
    expect(orders.some((o) => (o.coupon_lines as Json[]).length > 0 && d(o.discount_total).gt(0))).toBe(true);

    const companies = orders.filter((o) => (o.billing as Json).company && meta(o, '_billing_org_nr'));
    expect(companies.length).toBeGreaterThan(20);
    const valid = companies.filter((o) => validOrganizationNumber(String(meta(o, '_billing_org_nr'))));
    expect(valid.length).toBeGreaterThan(companies.length / 2);
    expect(valid.length).toBeLessThan(companies.length); // a few fail the mod-11 check

    const eur = orders.filter((o) => o.currency === 'EUR');
    expect(eur.length).toBeGreaterThan(10);
    expect(eur.every((o) => meta(o, '_base_currency_exchange_rate') === '11.5')).toBe(true);
    expect(orders.filter((o) => o.currency === 'NOK').length).toBeGreaterThan(100);

    const exempt = orders.filter((o) => meta(o, 'is_vat_exempt') === 'yes');
    const abroad = orders.filter((o) => (o.billing as Json).country !== 'NO');
    expect(exempt.length).toBeGreaterThan(0);
    expect(abroad.length).toBeGreaterThan(0);
    expect(
      [...exempt, ...abroad].every((o) => o.total_tax === '0.00' && (o.tax_lines as Json[]).length === 0),
    ).toBe(true);

    expect(state.products!.some((p) => p.type === 'variable' && (p.variations as number[]).length >= 2)).toBe(
      true,
    );
    expect(orders.some((o) => (o.line_items as Json[]).some((l) => (l.variation_id as number) > 0))).toBe(
      true,
    );

    const refunds = state.refunds!;
    expect(refunds.some((r) => (r.line_items as Json[]).length > 0)).toBe(true);
    const partial = refunds.filter((r) => {
      const order = orders.find((o) => o.id === r.parent_id)!;
      return order.status !== 'refunded';
    });
    expect(partial.length).toBeGreaterThan(0);
    for (const o of orders.filter((x) => x.status === 'refunded')) {
      expect((o.refunds as Json[]).map((r) => r.total)).toEqual([`-${o.total}`]);
    }

    // Orders and (non-variation) products still fit the engine's entity schemas.
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats.default(ajv);
    const validOrder = ajv.compile(orderSchema);
    const validProduct = ajv.compile(productSchema);
    for (const o of raw.orders!)
      if (!validOrder(o)) throw new Error(`order ${(o as Json).id}: ${ajv.errorsText(validOrder.errors)}`);
    for (const p of raw.products!.filter((x) => x.type !== 'variation'))
      if (!validProduct(p))
        throw new Error(`product ${(p as Json).id}: ${ajv.errorsText(validProduct.errors)}`);

    for (const o of orders) {
      if (o.status === 'on-hold') expect([o.payment_method, o.date_paid_gmt]).toEqual(['bacs', null]);
      if (o.status === 'processing' || o.status === 'completed') {
        expect(o.transaction_id).not.toBe('');
        expect(o.date_paid_gmt).not.toBeNull();
      }
    }
  });

  it('every order reconciles: Σ line totals + shipping + fees + total tax = total; tax_lines = Σ line taxes per rate', async () => {
    for (const roundAtSubtotal of [false, true]) {
      const { state } = await seeded({ ...FULL, count: 120, seed: 9, roundAtSubtotal });
      for (const o of state.orders!) {
        const lines = o.line_items as Json[];
        const fees = o.fee_lines as Json[];
        const ships = o.shipping_lines as Json[];
        const parts = [...lines, ...fees, ...ships].reduce((s, l) => s.add(d(l.total)), d(0));
        const sum = parts.add(d(o.total_tax));
        // Per line the rounded REST fields add up exactly; at subtotal they may be an øre off.
        if (roundAtSubtotal) expect(sum.sub(d(o.total)).abs().lte('0.02'), `order ${o.id}`).toBe(true);
        else expect(sum.toFixed(2), `order ${o.id}`).toBe(o.total);
        for (const t of o.tax_lines as Json[]) {
          const perRate = [...lines, ...fees].reduce(
            (s, l) => s.add(d((l.taxes as Json[]).find((x) => x.id === t.rate_id)?.total ?? 0)),
            d(0),
          );
          expect(perRate.sub(d(t.tax_total)).abs().lte('0.01'), `order ${o.id} rate ${t.rate_id}`).toBe(true);
        }
      }
    }
  });

  it('the admin endpoint seeds with options too; WOOCS stores its own rate meta', async () => {
    const s = await startWooCommerceSandbox();
    closers.push(() => s.close());
    const r = await fetch(`${s.adminUrl}/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        count: 40,
        seed: 3,
        foreignCurrency: 0.5,
        currencyPlugin: 'woocs',
        exchangeRate: '12.50',
      }),
    });
    expect(r.status).toBe(200);
    const eur = s.state.data.orders.filter((o) => o.currency === 'EUR');
    expect(eur.length).toBeGreaterThan(5);
    expect(
      eur.every(
        (o) => meta(o, '_woocs_order_rate') === '0.08' && meta(o, '_woocs_order_base_currency') === 'NOK',
      ),
    ).toBe(true);
  });
});
