/**
 * The lookup `currency-rate` (`$fetch('target', 'currency-rate', {from, to, date})` in a
 * mapping): PowerOffice Go's exchange rate on a date, `GET /CurrencyRates?fromCurrency&
 * toCurrency&asOnDate` (one `CurrencyRateDto`: ECB rates, updated around 16:00 CET; a date
 * without a rate, a weekend, answers the business day before; a future date answers the
 * newest rate). `ExchangeRate` is quoted per `ExchangeBase` units of `from` (1, or 100 for
 * currencies such as SEK), so the answer's `rate` is ExchangeRate ÷ ExchangeBase, 6 decimals
 * half-up: units of `to` for one unit of `from`, base 1, which is what a sales order's
 * `CurrencyExchangeRate` takes ("normalized, always base 1").
 *
 * A currency the client may not use (not active, under the option `currencies: active`;
 * unknown to Go) is refused before any request, as a `validation` error that names it: the
 * order that asked fails saying so and is never sent in NOK. The engine asks once per run
 * for the same arguments (engine/sync/lookups.ts).
 */
import { Decimal } from 'decimal.js';
import { ConnectorError } from '../errors.ts';
import type { LookupDeclaration } from '../spec.ts';
import type { WriteOptions } from '../types.ts';
import type { PowerOfficeApi } from './api.ts';
import type { CurrencyCheck } from './currencies.ts';
import { SYSTEM } from './errors.ts';

export const currencyRateLookup: LookupDeclaration = {
  description:
    "PowerOffice Go's exchange rate (ECB, GET /CurrencyRates) on a date: units of `to` for one unit of `from`",
  args: {
    from: 'ISO 4217 code of the amounts (the order’s currency); must be active on the client',
    to: 'ISO 4217 code to convert to (the client’s currency, NOK)',
    date: 'YYYY-MM-DD (a weekend or holiday gives the business day before, a future date the newest rate)',
  },
  result: {
    rate: 'units of `to` per one unit of `from`, base 1, 6 decimals half-up: what CurrencyExchangeRate takes',
    rate_date: 'the business day the rate is of (RateDate)',
    exchange_rate: 'ExchangeRate as PowerOffice Go gives it, per exchange_base units',
    exchange_base: 'ExchangeBase: 1 or 100',
  },
};

const CODE = /^[A-Z]{3}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function invalid(message: string): ConnectorError {
  return new ConnectorError(`${SYSTEM}: currency-rate: ${message}`, { system: SYSTEM, kind: 'validation' });
}

export async function currencyRate(
  api: PowerOfficeApi,
  currencies: CurrencyCheck,
  args: Readonly<Record<string, unknown>>,
  options: WriteOptions = {},
): Promise<Record<string, unknown>> {
  const code = (v: unknown) => (typeof v === 'string' ? v.trim().toUpperCase() : '');
  const [from, to] = [code(args.from), code(args.to)];
  const date = typeof args.date === 'string' ? args.date.trim() : '';
  if (!CODE.test(from) || !CODE.test(to))
    throw invalid('from and to must be ISO 4217 currency codes (three letters)');
  if (!DATE.test(date)) throw invalid('date must be a date, YYYY-MM-DD');
  for (const c of [from, to]) {
    const refused = await currencies.refusal(c, options.signal);
    if (refused)
      throw new ConnectorError(`${SYSTEM}: currency ${refused}`, { system: SYSTEM, kind: 'validation' });
  }
  const { body } = await api.call('GET', 'CurrencyRates', {
    searchParams: { fromCurrency: from, toCurrency: to, asOnDate: date },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const dto = (body ?? {}) as Record<string, unknown>;
  const exchange = Number(dto.ExchangeRate);
  // The spec's own example says ExchangeBase 0: read a missing or non-positive base as 1.
  const base = Number(dto.ExchangeBase) > 0 ? Number(dto.ExchangeBase) : 1;
  if (!Number.isFinite(exchange) || exchange <= 0)
    throw new ConnectorError(`${SYSTEM}: GET /CurrencyRates gave no rate for ${from} → ${to} on ${date}`, {
      system: SYSTEM,
      kind: 'validation',
      method: 'GET',
      path: '/CurrencyRates',
    });
  return {
    rate: new Decimal(String(exchange)).dividedBy(base).toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toNumber(),
    rate_date: typeof dto.RateDate === 'string' ? dto.RateDate.slice(0, 10) : date,
    exchange_rate: exchange,
    exchange_base: base,
  };
}
