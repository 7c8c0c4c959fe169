/**
 * Currencies and exchange rates in the sandbox, and the currency of sales orders: known
 * codes only (inactive ones too, as the vendor documents, unless the strict rule is on),
 * CurrencyExchangeRate 1 for NOK and as sent otherwise.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/connectors/errors.ts';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { addDays, osloToday } from '../../sandbox/poweroffice-go/dates.ts';
import { type Fixture, raw, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const admin = (f: Fixture, method: string, path: string, body: unknown) =>
  fetch(`${f.sb.adminUrl}/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('PowerOffice Go sandbox: currencies', () => {
  it('lists currencies with IsActive and filters by code and activity', async () => {
    fx = await start({ rateLimit: false });
    const active = (await raw(fx.sb, 'GET', 'Currencies?isActive=true')).json as EntityRecord[];
    expect(active.map((c) => c.Code)).toEqual(['NOK', 'EUR', 'USD', 'SEK', 'DKK']);
    const gbp = (await raw(fx.sb, 'GET', 'Currencies?currencyCode=gbp')).json as EntityRecord[];
    expect(gbp).toEqual([{ Code: 'GBP', Notation: 'Pound sterling', IsActive: false }]);
  });

  it('answers rates for business days: a weekend gives Friday, a future date the newest, base 100 for SEK', async () => {
    fx = await start({ rateLimit: false });
    await admin(fx, 'PUT', 'currency-rates', [
      { CurrencyCode: 'EUR', RateDate: '2024-03-01', ExchangeRate: 11.5 },
      { CurrencyCode: 'SEK', RateDate: '2024-03-01', ExchangeRate: 101.25, ExchangeBase: 100 },
    ]);
    // 2024-03-02 is a Saturday.
    const eur = await raw(fx.sb, 'GET', 'CurrencyRates?fromCurrency=EUR&toCurrency=NOK&asOnDate=2024-03-02');
    expect(eur.json).toEqual({
      CurrencyCode: 'EUR',
      ExchangeBase: 1,
      ExchangeRate: 11.5,
      ReverseExchangeRate: 0.086957,
      RateDate: '2024-03-01',
    });
    const sek = await raw(fx.sb, 'GET', 'CurrencyRates?fromCurrency=SEK&toCurrency=NOK&asOnDate=2024-03-01');
    expect(sek.json).toMatchObject({
      ExchangeBase: 100,
      ExchangeRate: 101.25,
      ReverseExchangeRate: 98.765432,
    });
    const cross = await raw(
      fx.sb,
      'GET',
      'CurrencyRates?fromCurrency=EUR&toCurrency=SEK&asOnDate=2024-03-01',
    );
    expect(cross.json).toMatchObject({ ExchangeRate: 11.358025 });
    const future = await raw(
      fx.sb,
      'GET',
      `CurrencyRates?fromCurrency=USD&toCurrency=NOK&asOnDate=${addDays(osloToday(), 30)}`,
    );
    expect(String((future.json as EntityRecord).RateDate) <= osloToday()).toBe(true);
    expect((await raw(fx.sb, 'GET', 'CurrencyRates?fromCurrency=EUR&toCurrency=NOK')).status).toBe(400);
    expect(
      (await raw(fx.sb, 'GET', 'CurrencyRates?fromCurrency=XXX&toCurrency=NOK&asOnDate=2024-03-01')).status,
    ).toBe(404);
  });

  it('keeps the currency and rate of an order, forces rate 1 for NOK and refuses unknown currencies', async () => {
    fx = await start({ rateLimit: false });
    const customer = (await raw(fx.sb, 'POST', 'Customers', { Name: 'K AS', EmailAddress: 'k@k.no' }))
      .json as EntityRecord;
    const line = { ProductCode: 'FRAKT', Quantity: 1, ProductUnitPrice: 100 };
    const eur = await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: customer.Id,
      CurrencyCode: 'eur',
      CurrencyExchangeRate: 11.4832,
      SalesOrderLines: [line],
    });
    expect(eur.json).toMatchObject({ CurrencyCode: 'EUR', CurrencyExchangeRate: 11.4832, TotalAmount: 125 });
    const noRate = await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: customer.Id,
      CurrencyCode: 'USD',
    });
    expect(noRate.json).toMatchObject({ CurrencyCode: 'USD', CurrencyExchangeRate: null });
    const nok = await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: customer.Id,
      CurrencyExchangeRate: 3,
    });
    expect(nok.json).toMatchObject({ CurrencyCode: 'NOK', CurrencyExchangeRate: 1 });
    const unknown = await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: customer.Id,
      CurrencyCode: 'XYZ',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({
      title: 'Sales order validation error(s)',
      detail: "Currency code 'XYZ' is not a known currency.",
    });
    // Switching to NOK by PATCH resets the rate to 1.
    const id = (eur.json as EntityRecord).Id;
    const patched = await raw(fx.sb, 'PATCH', `SalesOrders/${id}`, [
      { op: 'replace', path: '/CurrencyCode', value: 'NOK' },
    ]);
    expect(patched.json).toMatchObject({ CurrencyCode: 'NOK', CurrencyExchangeRate: 1 });
  });

  it('accepts an inactive currency (the API is not limited to active ones) unless activeCurrenciesOnly is on', async () => {
    fx = await start({ rateLimit: false });
    const customer = (await raw(fx.sb, 'POST', 'Customers', { Name: 'K AS', EmailAddress: 'k@k.no' }))
      .json as EntityRecord;
    const order = { CustomerId: customer.Id, CurrencyCode: 'GBP', CurrencyExchangeRate: 13.5 };
    expect((await raw(fx.sb, 'POST', 'SalesOrders/Complete', order)).status).toBe(201);
    await admin(fx, 'PUT', 'settings', { rules: { activeCurrenciesOnly: true } });
    const refused = await raw(fx.sb, 'POST', 'SalesOrders/Complete', order);
    expect(refused.status).toBe(400);
    expect((refused.json as { detail: string }).detail).toBe(
      "Currency code 'GBP' is not active on the client.",
    );
    await admin(fx, 'POST', 'records/currency', { Code: 'GBP', IsActive: true });
    expect((await raw(fx.sb, 'POST', 'SalesOrders/Complete', order)).status).toBe(201);
  });
});

describe('PowerOffice Go connector: the currency of what it writes (issue 9, item 3)', () => {
  const posted = (f: Fixture) =>
    f.sb.log
      .list()
      .filter((r) => (r.method === 'POST' || r.method === 'PATCH') && r.path.includes('SalesOrders'));

  it('never sends a sales order in a currency the client has not active: a validation failure naming it and the active ones', async () => {
    fx = await start({ rateLimit: false });
    const c = fx.connect();
    const customer = await c.create('customer', { Name: 'K AS', EmailAddress: 'k@k.no' });
    const order = (CurrencyCode: unknown) =>
      c.withChildren!.createWithChildren(
        'salesorder',
        { CustomerId: customer.Id, CurrencyCode },
        'salesorderline',
        [{ ProductCode: 'FRAKT', Quantity: 1, ProductUnitPrice: 99 }],
      );
    const refused = (await order('GBP').catch((e: unknown) => e)) as ConnectorError;
    expect(refused).toBeInstanceOf(ConnectorError);
    expect(refused).toMatchObject({ kind: 'validation', code: 'CONNECTOR_VALIDATION' });
    expect(refused.message).toBe(
      'poweroffice-go: salesorder currency "GBP" is not active on the PowerOffice Go client (active: DKK, EUR, NOK, SEK, USD); activate it in PowerOffice Go, then retry the record',
    );
    const unknown = (await order(`X${'Y'.repeat(5000)}`).catch((e: unknown) => e)) as ConnectorError;
    expect(unknown.message).toBe(
      'poweroffice-go: salesorder currency "XYYYYYYYYYYY…" is not a currency PowerOffice Go knows (active: DKK, EUR, NOK, SEK, USD)',
    );
    expect(posted(fx)).toEqual([]);
    // Active ones (any case, as Go reads them) and none at all (the customer's) are sent.
    expect((await order('eur')).record).toMatchObject({ CurrencyCode: 'EUR' });
    const nok = await order(undefined);
    expect(nok.record).toMatchObject({ CurrencyCode: 'NOK' });
    // An update to an inactive currency is refused the same way, before any PATCH.
    const before = posted(fx).length;
    const patch = await c
      .update('salesorder', String(nok.record.Id), [{ op: 'replace', path: '/CurrencyCode', value: 'CHF' }])
      .catch((e: unknown) => e);
    expect((patch as Error).message).toContain('currency "CHF" is not active');
    expect(posted(fx)).toHaveLength(before);
    // The client's list is read once, not per write.
    expect(fx.sb.log.list().filter((r) => r.path === '/v2/Currencies')).toHaveLength(1);
  });

  it('with `currencies: known`, sends any currency Go knows and still refuses unknown ones before sending', async () => {
    fx = await start({ rateLimit: false });
    const c = fx.connect({ currencies: 'known' });
    const customer = await c.create('customer', { Name: 'K AS', EmailAddress: 'k@k.no' });
    const create = (CurrencyCode: string) =>
      c.create('salesorder', { CustomerId: customer.Id, CurrencyCode, CurrencyExchangeRate: 13.5 });
    expect(await create('GBP')).toMatchObject({ CurrencyCode: 'GBP' });
    await expect(create('XYZ')).rejects.toThrow('currency "XYZ" is not a currency PowerOffice Go knows');
  });
});
