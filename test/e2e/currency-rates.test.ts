/**
 * Orders in another currency without a currency plugin's rate (issue 11, "Currencies"),
 * end to end against both real sandboxes and the shipped mappings: the sales order carries
 * PowerOffice Go's own rate for the order's date (GET /CurrencyRates, base 1), asked once
 * per currency and date in a run however many orders share them ($fetch, engine/sync/
 * lookups.ts); an order in a currency the client has not activated fails saying so and is
 * never sent (no rate is asked for it either); a second run writes nothing.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunSummary } from '../../engine/sync/events.ts';
import { currencyRate } from '../../sandbox/poweroffice-go/currencies.ts';
import { links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

const ORDERS = 60;
let pair: Pair;
let first: RunSummary;
let rateRequests: Array<Record<string, string>>;
let gbpOrder: string;

/** The order's date in Oslo (what the mapping sends as SalesOrderDate). */
const osloDate = (gmt: unknown) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo' }).format(new Date(`${String(gmt)}Z`));

beforeAll(async () => {
  pair = await startPair({
    shop: {
      count: ORDERS,
      seed: 811,
      anchor: new Date('2026-01-15T00:00:00Z'),
      taxClasses: true,
      foreignCurrency: 0.4,
      currencyPlugin: 'none',
    },
    actions: false,
  });
  const orders = pair.woo.state.data.orders as Rec[];
  for (const order of orders) order.status = 'processing';
  // One order in pounds, which the PowerOffice Go sandbox knows but has not activated.
  const gbp = orders.find((o) => o.currency === 'NOK')!;
  gbp.currency = 'GBP';
  gbpOrder = String(gbp.id);
  const mark = pair.mark();
  first = await pair.sync({ mappings: ['product', 'customer-person', 'customer-company', 'salesorder'] });
  rateRequests = pair
    .requests(mark)
    .po.filter((r) => r.method === 'GET' && /\/CurrencyRates$/i.test(r.path))
    .map((r) => r.query);
}, 300_000);

afterAll(async () => {
  await pair?.close();
});

it("an EUR order without a plugin's rate carries PowerOffice Go's rate for its date, asked once per date", async () => {
  const state = await snapshot(pair);
  const opened = await pair.open();
  try {
    const orderLinks = await links(opened.store, 'salesorder');
    const po = new Map(state.po.salesorders.map((o) => [String(o.Id), o]));
    const woo = new Map(state.woo.orders.map((o) => [String(o.id), o]));
    const eurDates = new Set<string>();
    let eur = 0;
    for (const link of orderLinks) {
      const order = woo.get(link.sourceId)!;
      const sent = po.get(link.targetId)!;
      if (order.currency !== 'EUR') continue;
      eur++;
      const date = osloDate(order.date_created_gmt);
      eurDates.add(date);
      expect((order.meta_data as Rec[]).map((m) => m.key)).not.toContain('_base_currency_exchange_rate');
      const dto = currencyRate(pair.po.state, 'EUR', 'NOK', date);
      const want = new Decimal(String(dto.ExchangeRate)).div(String(dto.ExchangeBase)).toDecimalPlaces(6);
      expect({ order: link.sourceId, code: sent.CurrencyCode, rate: sent.CurrencyExchangeRate }).toEqual({
        order: link.sourceId,
        code: 'EUR',
        rate: want.toNumber(),
      });
    }
    console.info(
      `currency rates: ${eur} EUR orders over ${eurDates.size} dates, ${rateRequests.length} GET /CurrencyRates`,
    );
    expect(eur).toBeGreaterThan(10);
    // Fewer dates than orders: several orders share a date, and each date is asked once.
    expect(eurDates.size).toBeLessThan(eur);
    expect(rateRequests).toHaveLength(eurDates.size);
    expect(new Set(rateRequests.map((q) => q.asOnDate))).toEqual(eurDates);
    for (const q of rateRequests) expect(q).toMatchObject({ fromCurrency: 'EUR', toCurrency: 'NOK' });
  } finally {
    await opened.close();
  }
});

it('an order in a currency the client has not activated fails saying so, and is not sent', async () => {
  const order = first.mappings.find((m) => m.mapping === 'salesorder')!;
  expect(order.counts.failed).toBe(1);
  const failed = (JSON.parse((await pair.cli(['failed', '--json'])).out) as Rec[]).filter(
    (f) => f.mapping === 'salesorder',
  );
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ id: gbpOrder });
  expect(String(failed[0]!.reason)).toMatch(
    /currency GBP is not active on the PowerOffice Go client \(active: [A-Z, ]*EUR[A-Z, ]*\); activate it in PowerOffice Go/,
  );
  const state = await snapshot(pair);
  expect(state.po.salesorders.filter((o) => o.ExternalImportReference === gbpOrder)).toEqual([]);
  expect(state.po.salesorders.filter((o) => o.CurrencyCode === 'GBP')).toEqual([]);
  expect(rateRequests.filter((q) => q.fromCurrency === 'GBP')).toEqual([]);
});

it('a second run writes nothing', async () => {
  const mark = pair.mark();
  const again = await pair.sync({
    mappings: ['product', 'customer-person', 'customer-company', 'salesorder'],
  });
  expect(pair.writes(mark).po).toEqual([]);
  expect(again.mappings.find((m) => m.mapping === 'salesorder')?.counts.created).toBe(0);
});
