/**
 * The PowerOffice Go connector's run settings (`$target_settings`): the client's income
 * accounts with their VAT codes and rates, from `GET /GeneralLedgerAccounts` and
 * `GET /VatCodes` (two listings per run), the configured account of each tax class, and the
 * currencies a record may have (`GET /Currencies`), cached across runs for five minutes.
 */
import { afterEach, expect, it } from 'vitest';
import { createRuntime } from '../../engine/runtime.ts';
import { type Fixture, start } from './helpers.ts';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const reads = (f: Fixture) =>
  f.sb.log.list().filter((r) => /(GeneralLedgerAccounts|VatCodes)$/i.test(r.path)).length;
const currencyReads = (f: Fixture) => f.sb.log.list().filter((r) => /Currencies$/i.test(r.path)).length;

it('gives every income account its id, VAT code and rate in percent, with two listings', async () => {
  fixture = await start({ rateLimit: false });
  const clock = { now: Date.now() };
  const connector = fixture.connect({}, createRuntime({ now: () => new Date(clock.now) }));
  const settings = (await connector.runSettings.read()) as {
    sales_accounts: Record<string, { id: number; vat_code: string | null; vat_rate: number | null }>;
    sales_account_vat_rates: Record<string, number | null>;
    sales_account_of_tax_class: Record<string, number>;
    currencies: string[];
  };
  expect(settings.sales_accounts['3000']).toMatchObject({ vat_code: '3', vat_rate: 25 });
  expect(settings.sales_accounts['3030']).toMatchObject({ vat_code: '31', vat_rate: 15 });
  expect(settings.sales_accounts['3020']).toMatchObject({ vat_code: '33', vat_rate: 12 });
  expect(settings.sales_accounts['3100']).toMatchObject({ vat_code: '5', vat_rate: 0 });
  const id = settings.sales_accounts['3030']!.id;
  expect(id).not.toBe(3030); // ids are not account numbers
  expect(settings.sales_account_vat_rates[String(id)]).toBe(15);
  expect(Object.keys(settings.sales_accounts).every((no) => Number(no) >= 3000 && Number(no) <= 3999)).toBe(
    true,
  );
  expect(reads(fixture)).toBe(2);
  // The configured table (default: the shipped chart) and the client's active currencies.
  expect(settings.sales_account_of_tax_class).toEqual({
    '': 3000,
    'reduced-rate': 3030,
    'low-rate': 3020,
    'zero-rate': 3100,
  });
  expect(settings.currencies).toContain('NOK');
  expect(settings.currencies).toEqual([...settings.currencies].sort());
  expect(currencyReads(fixture)).toBe(1);

  await connector.runSettings.read();
  expect(reads(fixture)).toBe(2); // cached
  expect(currencyReads(fixture)).toBe(1);
  await connector.runSettings.read({ refresh: true });
  expect(reads(fixture)).toBe(4);
  clock.now += 5 * 60_000;
  await connector.runSettings.read();
  expect(reads(fixture)).toBe(6);
});
