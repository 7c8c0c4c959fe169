/**
 * The DTOs beyond contacts and orders — contact persons, VAT codes, accounts, VAT settings,
 * currencies and rates, send states, outgoing invoices and their lines, ledger entries,
 * bank vouchers — validate against mapsync's schemas and carry every property they list
 * (nulls rather than omissions), nothing else.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { accountIdOf } from '../../sandbox/poweroffice-go/client-setup.ts';
import { type Fixture, raw, start } from './helpers.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);
// mapsync's own keyword in the entity schemas (checked by engine/sync/payload-validator.ts).
ajv.addKeyword('x-decimals');
const schemas = new Map<
  string,
  { schema: { properties: Record<string, unknown> }; validate: ValidateFunction }
>();

function check(name: string, record: unknown): void {
  let entry = schemas.get(name);
  if (!entry) {
    const schema = JSON.parse(
      readFileSync(new URL(`../../schemas/poweroffice-go/${name}.schema.json`, import.meta.url), 'utf8'),
    ) as { properties: Record<string, unknown> };
    entry = { schema, validate: ajv.compile(schema) };
    schemas.set(name, entry);
  }
  expect(entry.validate(record), `${name}: ${ajv.errorsText(entry.validate.errors)}`).toBe(true);
  expect(Object.keys(record as object).sort(), `${name} properties`).toEqual(
    Object.keys(entry.schema.properties).sort(),
  );
}

let fx: Fixture;
type Json = EntityRecord;
const get = async (path: string) => (await raw(fx.sb, 'GET', path)).json;

beforeAll(async () => {
  fx = await start({ rateLimit: false, invoicing: { pollsUntilDone: 0 }, seed: { companies: 1 } });
});
afterAll(async () => fx.close());

it('every new DTO matches its schema', async () => {
  for (const p of (await get('ContactPersons')) as Json[]) check('contactperson', p);
  for (const v of (await get('VatCodes?includeExpired=true')) as Json[]) check('vatcode', v);
  for (const a of (await get('GeneralLedgerAccounts')) as Json[]) check('generalledgeraccount', a);
  check('vatsettings', await get('VatSettings'));
  for (const c of (await get('Currencies')) as Json[]) check('currency', c);
  check('currencyrate', await get('CurrencyRates?fromCurrency=EUR&toCurrency=NOK&asOnDate=2024-03-01'));

  const customer = ((await get('Customers')) as Json[])[0]!;
  const order = (
    await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: customer.Id,
      SalesOrderLines: [{ ProductCode: 'FRAKT', Quantity: 1, ProductUnitPrice: 100 }],
    })
  ).json as Json;
  const sent = await raw(fx.sb, 'POST', `SalesOrders/${String(order.Id)}/createAndSendInvoice`, {});
  check('sendinvoicerequest', sent.json);
  for (const s of (await get(`SalesOrders/sentState?id=${String(order.Id)}`)) as Json[])
    check('invoicesentstate', s);
  for (const i of (await get('OutgoingInvoices')) as Json[]) check('outgoinginvoice', i);
  for (const l of (await get(`OutgoingInvoices/${String(order.Id)}/Lines`)) as Json[])
    check('outgoinginvoiceline', l);
  const voucher = await raw(fx.sb, 'POST', 'Vouchers/BankJournals', {
    CurrencyCode: 'NOK',
    VoucherDate: '2026-12-04',
    VoucherLines: [
      { AccountId: accountIdOf(1903), PostingDate: '2026-12-04', VatId: 10, CurrencyAmount: 125 },
      {
        AccountId: customer.SubledgerAccountId,
        PostingDate: '2026-12-04',
        VatId: 10,
        CurrencyAmount: -125,
        InvoiceNo: '10001',
      },
    ],
  });
  expect(voucher.status).toBe(201);
  const body = voucher.json as Json;
  check('bankvoucher', body);
  const invoice = ((await get('OutgoingInvoices')) as Json[])[0]!;
  expect(invoice.Balance).toBe(0);
  for (const e of (await get(`Customerledger/EntriesByMatchId?matchId=${String(invoice.MatchId)}`)) as Json[])
    check('customerledgerentry', e);
});
