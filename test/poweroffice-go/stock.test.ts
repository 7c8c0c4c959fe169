/**
 * Stock fields as a stock scan reads them: `Fields=` trims products to the stock fields,
 * `stockOnHandLastChangedDatetimeOffsetGreaterThan` finds stock changes, which do not move
 * LastChangedDateTimeOffset; Confirmed orders reserve stock until they are invoiced, when
 * the quantity leaves StockOnHand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { accountIdOf } from '../../sandbox/poweroffice-go/client-setup.ts';
import { type Fixture, raw, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

type Json = EntityRecord;
const get = async (f: Fixture, path: string) => (await raw(f.sb, 'GET', path)).json as Json;

describe('PowerOffice Go sandbox: stock', () => {
  it('answers a stock scan with only the fields asked for and only the stock changed since', async () => {
    fx = await start({ rateLimit: false, seed: { services: false, products: 3 } });
    const all = (await raw(fx.sb, 'GET', 'Products?Fields=Id,Code,StockOnHand,StockAvailable'))
      .json as Json[];
    expect(Object.keys(all[0]!).sort()).toEqual(['Code', 'Id', 'StockAvailable', 'StockOnHand']);
    const mark = String(
      (await get(fx, `Products/${String(all[2]!.Id)}`)).StockOnHandLastChangedDatetimeOffset,
    );
    const target = all[1]!;
    const before = await get(fx, `Products/${String(target.Id)}`);
    await raw(fx.sb, 'PATCH', `Products/${String(target.Id)}`, [
      { op: 'replace', path: '/StockOnHand', value: 42 },
    ]);
    const changed = (
      await raw(
        fx.sb,
        'GET',
        `Products?fields=id,stockonhand&stockOnHandLastChangedDatetimeOffsetGreaterThan=${encodeURIComponent(mark)}`,
      )
    ).json as Json[];
    expect(changed).toEqual([{ Id: target.Id, StockOnHand: 42 }]);
    // Not a change of the product: LastChangedDateTimeOffset listings do not see it.
    const after = await get(fx, `Products/${String(target.Id)}`);
    expect(after.LastChangedDateTimeOffset).toBe(before.LastChangedDateTimeOffset);
    const byLastChanged = await raw(
      fx.sb,
      'GET',
      `Products?lastChangedDateTimeOffsetGreaterThan=${encodeURIComponent(String(before.LastChangedDateTimeOffset))}`,
    );
    expect(((byLastChanged.json as Json[] | undefined) ?? []).map((p) => p.Id)).not.toContain(target.Id);
  });

  it('moves LastChangedDateTimeOffset for everything but stock: a new sales account is a change', async () => {
    fx = await start({ rateLimit: false, seed: { services: false, products: 1 } });
    const product = ((await raw(fx.sb, 'GET', 'Products')).json as Json[])[0]!;
    const patched = (
      await raw(fx.sb, 'PATCH', `Products/${String(product.Id)}`, [
        { op: 'replace', path: '/StandardSalesAccountId', value: accountIdOf(3030) },
      ])
    ).json as Json;
    expect(patched.LastChangedDateTimeOffset).not.toBe(product.LastChangedDateTimeOffset);
    expect(patched.StockOnHandLastChangedDatetimeOffset).toBe(product.StockOnHandLastChangedDatetimeOffset);
  });

  it('reserves stock for Confirmed orders until they are invoiced; then the stock itself goes down', async () => {
    fx = await start({ rateLimit: false, seed: false, invoicing: { pollsUntilDone: 0 } });
    const p = (
      await raw(fx.sb, 'POST', 'Products', {
        Code: 'L',
        Name: 'Lager',
        UnitPrice: 10,
        IsStockItem: true,
        StockOnHand: 10,
      })
    ).json as Json;
    const customer = (await raw(fx.sb, 'POST', 'Customers', { Name: 'S AS', EmailAddress: 's@s.no' }))
      .json as Json;
    const order = (
      await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
        CustomerId: customer.Id,
        SalesOrderStatus: 'Confirmed',
        SalesOrderLines: [{ ProductId: p.Id, Quantity: 3 }],
      })
    ).json as Json;
    expect(await get(fx, `Products/${String(p.Id)}`)).toMatchObject({ StockOnHand: 10, StockAvailable: 7 });
    await raw(fx.sb, 'POST', `SalesOrders/${String(order.Id)}/createAndSendInvoice`, {
      DeliveryType: 'PdfPrintForDownload',
    });
    await fetch(`${fx.sb.adminUrl}/invoicing/settle`, { method: 'POST' });
    const after = await get(fx, `Products/${String(p.Id)}`);
    expect(after).toMatchObject({ StockOnHand: 7, StockAvailable: 7 });
    expect(after.LastChangedDateTimeOffset).toBe(p.LastChangedDateTimeOffset);
  });
});
