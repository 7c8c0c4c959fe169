/**
 * Totals reconcile to the cent (issue 11, "VAT rates per line", "Totals reconcile to the
 * cent"), end to end against both real sandboxes and the shipped mappings: generated orders
 * placed through the shop's checkout in each of four shop settings (prices with and without
 * tax × tax rounded per line or at subtotal), over products of the 25/15/12/0 % classes, with
 * coupons, shipping, fees, exports and VAT-exempt buyers, company buyers and guests, and
 * orders in EUR priced by a currency plugin (Aelia in two settings, WOOCS, which stores the
 * inverse rate, in the others). For every order the
 * PowerOffice Go order's TotalAmount equals the shop's total and its VAT per rate equals the
 * order's tax_lines per rate (in the order's currency); an EUR order carries the plugin's
 * rate as NOK per EUR; a zero-rated order is booked VAT-free; a second run writes
 * nothing. Where PowerOffice Go's per-line VAT cannot reproduce the shop's, rounding lines
 * carry the difference (counted and printed per setting).
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../engine/sync/events.ts';
import { links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

/**
 * Orders over all four settings (an equal share each): 800 by default (200 per setting);
 * `MAPSYNC_TAX_ORDERS=1000` (`npm run test:tax-1000`, and CI's test step: .ci/run) is the issue's 1,000-order run.
 */
const SETTINGS = 4;
const TOTAL_ORDERS = ordersFromEnv(process.env.MAPSYNC_TAX_ORDERS);
const ORDERS = Math.ceil(TOTAL_ORDERS / SETTINGS);

function ordersFromEnv(text: string | undefined): number {
  if (text === undefined || text === '') return 800;
  const n = Number(text);
  if (!Number.isInteger(n) || n < SETTINGS * 20)
    throw new Error(`MAPSYNC_TAX_ORDERS must be a whole number of at least 80 orders, got "${text}"`);
  return n;
}
const dec = (v: unknown) => new Decimal(v === undefined || v === null || v === '' ? 0 : String(v));

/** Rate percent → amount, zero entries left out. */
function byRate(entries: Array<[number, Decimal]>): Record<string, string> {
  const sums = new Map<string, Decimal>();
  for (const [rate, amount] of entries) {
    const key = String(rate);
    sums.set(key, (sums.get(key) ?? new Decimal(0)).plus(amount));
  }
  return Object.fromEntries(
    [...sums]
      .filter(([, v]) => !v.isZero())
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([k, v]) => [k, v.toFixed(2)]),
  );
}

const shopVat = (order: Rec) =>
  byRate(
    (order.tax_lines as Rec[]).map((t) => [
      Number(t.rate_percent),
      dec(t.tax_total).plus(dec(t.shipping_tax_total)),
    ]),
  );

const poVat = (order: Rec) =>
  byRate(
    (order.SalesOrderLines as Rec[]).map((l) => [
      new Decimal(String(l.VatRate ?? 0)).times(100).toNumber(),
      dec(l.VatAmount),
    ]),
  );

const isRounding = (line: Rec) => String(line.ExternalImportReference).startsWith('rounding');

describe.each([
  { pricesIncludeTax: false, roundAtSubtotal: false, seed: 111, plugin: 'aelia' as const },
  { pricesIncludeTax: false, roundAtSubtotal: true, seed: 112, plugin: 'woocs' as const },
  { pricesIncludeTax: true, roundAtSubtotal: false, seed: 113, plugin: 'woocs' as const },
  { pricesIncludeTax: true, roundAtSubtotal: true, seed: 114, plugin: 'aelia' as const },
])(
  'e2e: totals to the cent, prices include tax: $pricesIncludeTax, round at subtotal: $roundAtSubtotal',
  (c) => {
    let pair: Pair;
    let first: RunSummary;

    beforeAll(async () => {
      pair = await startPair({
        shop: {
          count: ORDERS,
          seed: c.seed,
          anchor: new Date('2026-01-15T00:00:00Z'),
          pricesIncludeTax: c.pricesIncludeTax,
          roundAtSubtotal: c.roundAtSubtotal,
          taxClasses: true,
          coupons: true,
          vatExempt: 0.1,
          // Company buyers (billing company + org. no.), guests (a quarter of the orders), and
          // orders in EUR priced by a currency plugin (Aelia or WOOCS meta) at 11.50 NOK/EUR.
          companies: 0.15,
          foreignCurrency: 0.15,
          currencyPlugin: c.plugin,
        },
        actions: false,
        concurrency: 8,
      });
      // Every order takes part (the mapping's `when` keeps processing and completed ones).
      for (const order of pair.woo.state.data.orders as Rec[]) order.status = 'processing';
      first = await pair.sync();
    }, 600_000);

    afterAll(async () => {
      await pair?.close();
    });

    it(`every one of ${ORDERS} orders: TotalAmount = the shop's total, VAT per rate = its tax_lines`, async () => {
      expect(first.mappings.flatMap((m) => m.errors)).toEqual([]);
      if (!first.ok) console.info((await pair.cli(['failed'])).out.slice(0, 3000));
      expect(first.ok).toBe(true);
      const state = await snapshot(pair);
      const opened = await pair.open();
      try {
        const orderLinks = await links(opened.store, 'salesorder');
        expect(orderLinks).toHaveLength(ORDERS);
        const poOrders = new Map(state.po.salesorders.map((o) => [String(o.Id), o]));
        const wooOrders = new Map(state.woo.orders.map((o) => [String(o.id), o]));
        const off: string[] = [];
        const rounded: string[] = [];
        let roundingLines = 0;
        const seen = {
          rates: new Set<string>(),
          zeroRated: 0,
          coupons: 0,
          shipping: 0,
          fees: 0,
          eur: 0,
          companies: 0,
          guests: 0,
        };
        for (const link of orderLinks) {
          const woo = wooOrders.get(link.sourceId)!;
          const po = poOrders.get(link.targetId)!;
          const lines = po.SalesOrderLines as Rec[];
          if (!dec(po.TotalAmount).equals(dec(woo.total)))
            off.push(`order ${link.sourceId}: TotalAmount ${po.TotalAmount} vs total ${woo.total}`);
          const [want, got] = [shopVat(woo), poVat(po)];
          if (JSON.stringify(want) !== JSON.stringify(got))
            off.push(
              `order ${link.sourceId}: VAT ${JSON.stringify(got)} vs tax_lines ${JSON.stringify(want)}`,
            );
          for (const rate of Object.keys(want)) seen.rates.add(rate);
          // A zero-rated order (no tax with taxes on) is booked on the VAT-free accounts.
          if (dec(woo.total_tax).isZero()) {
            seen.zeroRated++;
            if (lines.some((l) => l.UseStandardSalesAccount !== false || dec(l.VatAmount).gt(0)))
              off.push(`order ${link.sourceId}: zero-rated, but not every line is VAT-free`);
          }
          const rounding = lines.filter(isRounding);
          roundingLines += rounding.length;
          if (rounding.length > 0)
            rounded.push(
              `${link.sourceId}: ${rounding.map((l) => `${l.ExternalImportReference} ${dec(l.TotalAmount).toFixed(2)}`).join(', ')}`,
            );
          // An order in EUR is sent in EUR with the plugin's rate as NOK per EUR (WOOCS
          // stores the inverse); an order in NOK carries none (PowerOffice Go sets 1).
          if (woo.currency === 'EUR') {
            seen.eur++;
            const meta = (key: string) => (woo.meta_data as Rec[]).find((m) => m.key === key)?.value;
            // Aelia stores NOK per EUR (11.5); WOOCS EUR per NOK as its settings hold it
            // (0.086957): the order carries the inverse, 6 decimals half-up (11.499937).
            const rate =
              c.plugin === 'aelia'
                ? dec(meta('_base_currency_exchange_rate'))
                : new Decimal(1)
                    .div(dec(meta('_woocs_order_rate')))
                    .toDecimalPlaces(6, Decimal.ROUND_HALF_UP);
            if (po.CurrencyCode !== 'EUR' || !dec(po.CurrencyExchangeRate).equals(rate) || rate.isZero())
              off.push(
                `order ${link.sourceId}: EUR order sent as ${String(po.CurrencyCode)} at ${String(po.CurrencyExchangeRate)}`,
              );
          } else if (po.CurrencyCode !== 'NOK')
            off.push(`order ${link.sourceId}: NOK order sent as ${String(po.CurrencyCode)}`);
          // A company buyer: billing company and an org. no. in the order's meta.
          if (
            String((woo.billing as Rec).company ?? '').trim() !== '' &&
            (woo.meta_data as Rec[]).some((m) => m.key === '_billing_org_nr')
          )
            seen.companies++;
          if (woo.customer_id === 0) seen.guests++;
          if ((woo.coupon_lines as Rec[]).length > 0) seen.coupons++;
          if ((woo.shipping_lines as Rec[]).length > 0) seen.shipping++;
          if ((woo.fee_lines as Rec[]).length > 0) seen.fees++;
        }
        console.info(
          `tax totals (prices include tax ${c.pricesIncludeTax}, round at subtotal ${c.roundAtSubtotal}): ${orderLinks.length} orders, rates ${[...seen.rates].join('/')} %, ${seen.zeroRated} zero-rated, ${seen.coupons} with coupons, ${seen.shipping} with shipping, ${seen.fees} with fees, ${seen.eur} in EUR (${c.plugin}), ${seen.companies} company buyers, ${seen.guests} guests; ${rounded.length} needed rounding lines${rounded.length ? `: ${rounded.slice(0, 5).join('; ')}${rounded.length > 5 ? '; …' : ''}` : ''}; ${off.length} off`,
        );
        expect(off).toEqual([]);
        expect([...seen.rates].sort()).toEqual(['12', '15', '25']);
        expect(seen.zeroRated).toBeGreaterThan(5);
        expect(seen.coupons).toBeGreaterThan(10);
        expect(seen.shipping).toBeGreaterThan(50);
        expect(seen.fees).toBeGreaterThan(5);
        expect(seen.eur).toBeGreaterThan(10);
        expect(seen.companies).toBeGreaterThan(10);
        expect(seen.guests).toBeGreaterThan(10);
        // A net-price shop rounding per line computes VAT exactly as PowerOffice Go does
        // (amounts in whole øre, half-up): no rounding line. The other settings need some.
        if (!c.pricesIncludeTax && !c.roundAtSubtotal) expect(rounded).toEqual([]);
        else expect(rounded.length).toBeGreaterThan(0);
        // The run summary lists every rounding line written, with its order and amount.
        const reports = first.mappings.find((m) => m.mapping === 'salesorderline')?.reports ?? [];
        expect(reports).toHaveLength(roundingLines);
        for (const line of reports)
          expect(line).toMatch(/^order \d+: rounding line rounding(-\d+)? -?\d+\.\d\d/);
      } finally {
        await opened.close();
      }
    });

    it('a second run writes nothing', async () => {
      const mark = pair.mark();
      const again = await pair.sync();
      expect(again.ok).toBe(true);
      expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
      // Nothing written, nothing to note.
      expect(again.mappings.flatMap((m) => m.reports ?? [])).toEqual([]);
    });
  },
);
