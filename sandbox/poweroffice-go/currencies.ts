/**
 * Currencies and exchange rates. `GET /Currencies` lists what Go knows (IsActive = used by
 * the client in the GUI); `GET /CurrencyRates?fromCurrency&toCurrency&asOnDate` answers one
 * rate. Rates are the sandbox's stand-in for ECB's: published for business days only
 * (a weekend asks for Friday's), the newest one after 16:00 Oslo time, and a future date
 * answers the newest rate. They are deterministic (a base rate per currency with a small
 * daily movement), or exactly what an admin set for a day (`PUT /__admin/currency-rates`).
 *
 * Orders and vouchers may use any currency Go knows; an unknown code is refused (and an
 * inactive one too when `rules.activeCurrenciesOnly` is on).
 */
import { Decimal } from 'decimal.js';
import { CLIENT_CURRENCY, CURRENCIES } from './client-setup.ts';
import { addDays, businessDayOnOrBefore, osloHourOf, osloToday, parseDate } from './dates.ts';
import { notFound, Problem } from './problem.ts';
import type { Query } from './query.ts';
import type { PowerOfficeState, Rec } from './state.ts';

export function listCurrencies(state: PowerOfficeState, q: Query): Rec[] {
  const code = q.get('currencyCode');
  const active = q.bool('isActive');
  return [...state.currencies.values()].filter(
    (c) =>
      (code === undefined || String(c.Code).toLowerCase() === code.trim().toLowerCase()) &&
      (active === undefined || c.IsActive === active),
  );
}

/**
 * The canonical code of a currency an order or voucher names, or a 400 naming it. `title`
 * is the entity's validation title ("Sales order validation error(s)").
 */
export function checkCurrency(state: PowerOfficeState, code: unknown, title: string): string {
  const upper = typeof code === 'string' ? code.trim().toUpperCase() : '';
  const currency = state.currencies.get(upper);
  if (!currency) throw new Problem(400, title, `Currency code '${String(code)}' is not a known currency.`);
  if (state.rules.activeCurrenciesOnly && currency.IsActive !== true) {
    throw new Problem(400, title, `Currency code '${upper}' is not active on the client.`);
  }
  return upper;
}

/** The newest business day with a published rate. */
function newestRateDate(now = new Date()): string {
  const today = osloToday(now);
  return businessDayOnOrBefore(osloHourOf(now) >= 16 ? today : addDays(today, -1));
}

/** Days since 2000-01-01, for the deterministic daily movement. */
const dayNumber = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000) - 10_957;

/** NOK per ExchangeBase units of `code` on a business day. */
function nokRate(state: PowerOfficeState, code: string, date: string): { rate: Decimal; base: number } {
  const setup = CURRENCIES.find(([c]) => c === code);
  const override = state.rateOverrides.get(`${code}:${date}`);
  if (override) return { rate: new Decimal(override.ExchangeRate), base: override.ExchangeBase };
  const base = setup?.[4] ?? 1;
  if (code === CLIENT_CURRENCY) return { rate: new Decimal(1), base: 1 };
  const level = setup?.[3] ?? 1;
  const movement = 1 + 0.03 * Math.sin(dayNumber(date) / 23);
  return { rate: new Decimal(level).times(movement).toDecimalPlaces(4), base };
}

/** Rate as `GET /CurrencyRates` answers it (throws for unknown codes / bad dates). */
export function currencyRate(state: PowerOfficeState, from: string, to: string, asOnDate: string): Rec {
  const date = parseDate(asOnDate);
  if (!date)
    throw new Problem(400, 'Unable to cast object(s)', `The value '${asOnDate}' is not valid for asOnDate.`);
  for (const code of [from, to]) {
    if (!state.currencies.has(code)) throw notFound('Currency', 'code', code);
  }
  const newest = newestRateDate();
  // A future date answers the newest rate there is.
  const rateDate = businessDayOnOrBefore([date, newest].sort()[0]!);
  const f = nokRate(state, from, rateDate);
  const t = nokRate(state, to, rateDate);
  // Through NOK: `to` units for one unit of `from`, quoted per ExchangeBase units.
  const perUnit = f.rate.dividedBy(f.base).dividedBy(t.rate.dividedBy(t.base));
  const exchange = perUnit.times(f.base).toDecimalPlaces(6);
  const reverse = new Decimal(f.base).dividedBy(perUnit).toDecimalPlaces(6);
  return {
    CurrencyCode: from,
    ExchangeBase: f.base,
    ExchangeRate: exchange.toNumber(),
    ReverseExchangeRate: reverse.toNumber(),
    RateDate: rateDate,
  };
}

/** Base-1 rate to the client currency on a date (what Go uses when none is given). */
export function rateToClientCurrency(state: PowerOfficeState, code: string, date: string): number {
  if (code === CLIENT_CURRENCY) return 1;
  const r = currencyRate(state, code, CLIENT_CURRENCY, date);
  return new Decimal(r.ExchangeRate as number)
    .dividedBy(r.ExchangeBase as number)
    .toDecimalPlaces(6)
    .toNumber();
}
