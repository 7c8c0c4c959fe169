/**
 * The shipped sales order mapping's CurrencyExchangeRate (docs/tax-model.md, "Orders in
 * other currencies"): an order in another currency than the shop's carries the currency
 * plugin's rate as the shop's currency per unit of the order's (Aelia as stored, WOOCS
 * inverted); without a rate it fails naming both currencies; an order in the shop's
 * currency carries none. (The passing cases are also mapping tests in salesorder.test.yaml.)
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { loadMappings } from '../../engine/mapping/load.ts';
import type { CompiledExpression } from '../../engine/mapping/model.ts';
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

const evaluate = (order: object, shopCurrency?: string) =>
  rate.evaluate(
    { id: 7, meta_data: [], ...order },
    {
      link: async () => undefined,
      bindings: shopCurrency ? { source_settings: { currency: shopCurrency } } : {},
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

it('an order in another currency without a rate fails, naming both currencies', async () => {
  await expect(evaluate({ currency: 'EUR' }, 'NOK')).rejects.toThrow(
    /the order is in EUR, the shop's currency is NOK, and the order carries no exchange rate/,
  );
});
