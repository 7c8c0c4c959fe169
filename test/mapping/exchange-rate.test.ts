/**
 * The shipped sales order mapping's CurrencyExchangeRate (docs/tax-model.md, "Orders in
 * other currencies"): an order in another currency than the shop's carries the currency
 * plugin's rate as the shop's currency per unit of the order's (Aelia as stored, WOOCS
 * inverted); without a rate PowerOffice Go's rate for the order's date ($fetch
 * 'currency-rate'), or, with exchange_rate_fallback false, a failure naming both currencies;
 * an order in the shop's currency carries none. (The passing cases are also mapping tests
 * in salesorder.test.yaml.)
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { loadMappings } from '../../engine/mapping/load.ts';
import type { CompiledExpression, EvaluationContext } from '../../engine/mapping/model.ts';
import { DEFAULT_SCHEMAS_DIR } from '../../engine/mapping/project.ts';

let rate: CompiledExpression;

beforeAll(async () => {
  const { mappings } = await loadMappings(
    ['salesorder.yaml', 'customer-person.yaml', 'customer-company.yaml', 'product.yaml'],
    {
      registry: connectors,
      schemasDir: DEFAULT_SCHEMAS_DIR,
      cwd: fileURLToPath(new URL('../../mappings/', import.meta.url)),
    },
  );
  const order = mappings.find((m) => m.name === 'salesorder')!;
  rate = order.properties.find((p) => p.target === 'CurrencyExchangeRate')!.toTarget!;
});

type Fetch = NonNullable<EvaluationContext['fetch']>;
const asked: Array<Parameters<Fetch>> = [];
const poRate: Fetch = async (...call) => {
  asked.push(call);
  return { rate: 11.523456, rate_date: '2024-05-01', exchange_rate: 11.523456, exchange_base: 1 };
};

const evaluate = (order: object, shopCurrency?: string, extra: Record<string, unknown> = {}) =>
  rate.evaluate(
    { id: 7, meta_data: [], date_created_gmt: '2024-05-01T22:30:00', ...order },
    {
      link: async () => undefined,
      fetch: poRate,
      bindings: { ...(shopCurrency ? { source_settings: { currency: shopCurrency } } : {}), ...extra },
    },
  );

it('Aelia: as stored; WOOCS: the inverse, 6 decimals half-up', async () => {
  expect(
    String(
      await evaluate(
        { currency: 'EUR', meta_data: [{ key: '_base_currency_exchange_rate', value: '11.4567' }] },
        'NOK',
      ),
    ),
  ).toBe('11.4567');
  expect(
    String(
      await evaluate(
        { currency: 'EUR', meta_data: [{ key: '_woocs_order_rate', value: '0.086957' }] },
        'NOK',
      ),
    ),
  ).toBe('11.499937');
});

it('an order in the shop currency, or without known shop settings, carries none (the client keeps its own: 1 for NOK)', async () => {
  expect(await evaluate({ currency: 'NOK' }, 'NOK')).toBeUndefined();
  expect(await evaluate({ currency: 'EUR' })).toBeUndefined();
});

it("an order in another currency without a rate takes PowerOffice Go's rate for the order's date (Oslo)", async () => {
  asked.length = 0;
  expect(await evaluate({ currency: 'EUR' }, 'NOK')).toBe(11.523456);
  // 22:30 UTC on 1 May is 2 May in Oslo: the order's date, as SalesOrderDate has it.
  expect(asked).toEqual([['target', 'currency-rate', { from: 'EUR', to: 'NOK', date: '2024-05-02' }]]);
  // A plugin's rate wins: no lookup.
  asked.length = 0;
  await evaluate(
    { currency: 'EUR', meta_data: [{ key: '_base_currency_exchange_rate', value: '11.5' }] },
    'NOK',
  );
  expect(asked).toEqual([]);
});

it('with exchange_rate_fallback false an order in another currency without a rate fails, naming both currencies', async () => {
  asked.length = 0;
  await expect(evaluate({ currency: 'EUR' }, 'NOK', { exchange_rate_fallback: false })).rejects.toThrow(
    /the order is in EUR, the shop's currency is NOK, and the order carries no exchange rate .* exchange_rate_fallback is false/,
  );
  expect(asked).toEqual([]);
});
