/**
 * The sandbox's tax model: VAT codes and accounts as the API lists them, products with
 * sales accounts, and per-line VAT computed from the line's account with PowerOffice's
 * rounding — checked against the worked examples in fixtures/vat-examples.json.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { accountIdOf } from '../../sandbox/poweroffice-go/client-setup.ts';
import { type Fixture, raw, start } from './helpers.ts';

interface ExampleLine extends Record<string, unknown> {
  expect: Record<string, unknown>;
}
interface Example {
  name: string;
  customer: { IsVatFree: boolean };
  lines: ExampleLine[];
  expect: Record<string, number>;
}
const examples = JSON.parse(
  readFileSync(new URL('./fixtures/vat-examples.json', import.meta.url), 'utf8'),
) as {
  products: Array<{ Code: string; Name: string; account: number | null }>;
  orders: Example[];
};

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function withExampleProducts(f: Fixture): Promise<void> {
  for (const p of examples.products) {
    const body = { Code: p.Code, Name: p.Name, ...(p.account ? { StandardSalesAccount: p.account } : {}) };
    expect((await raw(f.sb, 'POST', 'Products', body)).status).toBe(200);
  }
}

describe('PowerOffice Go sandbox: VAT codes and accounts', () => {
  it('lists the Norwegian VAT codes; expired ones only with includeExpired', async () => {
    fx = await start({ rateLimit: false });
    const codes = (await raw(fx.sb, 'GET', 'VatCodes')).json as EntityRecord[];
    const rate = (code: string) => codes.find((c) => c.Code === code)?.Rate;
    expect([rate('3'), rate('31'), rate('33'), rate('5'), rate('0')]).toEqual([0.25, 0.15, 0.12, 0, 0]);
    expect(codes.some((c) => c.Code === 'C33')).toBe(false);
    const all = (await raw(fx.sb, 'GET', 'VatCodes?includeExpired=true')).json as EntityRecord[];
    expect(all.find((c) => c.Code === 'C33')).toMatchObject({
      Rate: 0.06,
      ValidTo: '2021-09-30',
      IsCustom: true,
    });
    expect((await raw(fx.sb, 'GET', 'VatCodes?isActive=false')).status).toBe(204);
  });

  it('lists accounts with their VAT codes, filtered by number ranges; ids are not numbers', async () => {
    fx = await start({ rateLimit: false });
    const sales = (await raw(fx.sb, 'GET', 'GeneralLedgerAccounts?accountNos=3000-3100'))
      .json as EntityRecord[];
    expect(sales.map((a) => [a.AccountNo, a.VatCode, a.GeneralLedgerAccountType])).toEqual([
      [3000, '3', 'Income'],
      [3020, '33', 'Income'],
      [3030, '31', 'Income'],
      [3100, '5', 'Income'],
    ]);
    expect(sales[0]!.Id).toBe(accountIdOf(3000));
    expect(sales[0]!.Id).not.toBe(3000);
    const one = await raw(fx.sb, 'GET', `GeneralLedgerAccounts/${accountIdOf(1903)}`);
    expect(one.json).toMatchObject({ AccountNo: 1903, Name: 'Vipps', VatCode: '0' });
    expect((await raw(fx.sb, 'GET', 'GeneralLedgerAccounts/3000')).status).toBe(404);
    expect((await raw(fx.sb, 'GET', 'VatSettings')).json).toMatchObject({ IsVatRegistered: true });
  });

  it('takes sales accounts on products by number (POST) or id, renders both, refuses non-income accounts', async () => {
    fx = await start({ rateLimit: false });
    const byNumber = await raw(fx.sb, 'POST', 'Products', {
      Code: 'K',
      Name: 'Kaffe',
      StandardSalesAccount: 3030,
    });
    expect(byNumber.json).toMatchObject({
      StandardSalesAccountId: accountIdOf(3030),
      StandardSalesAccount: 3030,
      OptionalSalesAccountId: null,
    });
    const inherited = ((await raw(fx.sb, 'GET', 'Products?codes=FRAKT')).json as EntityRecord[])[0];
    expect(inherited).toMatchObject({ StandardSalesAccountId: null, StandardSalesAccount: null });
    const id = (byNumber.json as EntityRecord).Id;
    const patched = await raw(fx.sb, 'PATCH', `Products/${id}`, [
      { op: 'replace', path: '/OptionalSalesAccountId', value: accountIdOf(3150) },
    ]);
    expect(patched.json).toMatchObject({ OptionalSalesAccount: 3150 });
    const bank = await raw(fx.sb, 'POST', 'Products', { Code: 'X', Name: 'X', StandardSalesAccount: 1920 });
    expect(bank.status).toBe(400);
    expect((bank.json as { detail: string }).detail).toMatch(/1920 cannot be used as a sales account/);
    const missing = await raw(fx.sb, 'POST', 'Products', {
      Code: 'Y',
      Name: 'Y',
      StandardSalesAccountId: 42,
    });
    expect(missing.status).toBe(404);
  });
});

describe('PowerOffice Go sandbox: per-line VAT (worked examples)', () => {
  for (const example of examples.orders) {
    it(example.name, async () => {
      fx = await start({ rateLimit: false });
      await withExampleProducts(fx);
      const customer = await raw(fx.sb, 'POST', 'Customers', {
        Name: 'Kunde AS',
        EmailAddress: 'kunde@example.no',
        IsVatFree: example.customer.IsVatFree,
      });
      const lines = example.lines.map(({ expect: _, ...line }) => line);
      const order = await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
        CustomerId: (customer.json as EntityRecord).Id,
        SalesOrderLines: lines,
      });
      expect(order.status).toBe(201);
      const body = order.json as EntityRecord;
      const got = (body.SalesOrderLines as EntityRecord[]).map((l) => ({
        VatCode: l.VatCode,
        VatRate: l.VatRate,
        NetAmount: l.NetAmount,
        VatAmount: l.VatAmount,
        TotalAmount: l.TotalAmount,
      }));
      expect(got).toEqual(example.lines.map((l) => l.expect));
      expect({ NetAmount: body.NetAmount, TotalAmount: body.TotalAmount }).toEqual(example.expect);
      // The header read separately agrees with the lines.
      const header = await raw(fx.sb, 'GET', `SalesOrders/${body.Id}`);
      expect(header.json).toMatchObject(example.expect);
    });
  }

  it('follows the account a product has now while the order is a draft, and puts no VAT when not VAT-registered', async () => {
    fx = await start({ rateLimit: false });
    await withExampleProducts(fx);
    const customer = (await raw(fx.sb, 'POST', 'Customers', { Name: 'K AS', EmailAddress: 'k@k.no' }))
      .json as EntityRecord;
    const order = (
      await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
        CustomerId: customer.Id,
        SalesOrderLines: [{ ProductCode: 'KAFFE', Quantity: 1, ProductUnitPrice: 100 }],
      })
    ).json as EntityRecord;
    const kaffe = ((await raw(fx.sb, 'GET', 'Products?codes=KAFFE')).json as EntityRecord[])[0]!;
    await raw(fx.sb, 'PATCH', `Products/${kaffe.Id}`, [
      { op: 'replace', path: '/StandardSalesAccountId', value: accountIdOf(3000) },
    ]);
    expect((await raw(fx.sb, 'GET', `SalesOrders/${order.Id}`)).json).toMatchObject({ TotalAmount: 125 });
    await fetch(`${fx.sb.adminUrl}/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ isVatRegistered: false }),
    });
    const lines = (await raw(fx.sb, 'GET', `SalesOrders/${order.Id}/Lines`)).json as EntityRecord[];
    expect(lines[0]).toMatchObject({ VatCode: '3', VatRate: 0, VatAmount: 0, TotalAmount: 100 });
  });
});
