/**
 * The table of sales accounts per tax class (mapsync.yaml, poweroffice-go `sales_accounts`)
 * checked against both real sandboxes at the start of a run (issue 11): a table that gives a
 * class an account of another VAT rate, or none, stops the product mapping with
 * CONFIG_MISMATCH naming class and account, at the check's line, before any product is
 * written; with the table corrected the same project syncs. A shop currency PowerOffice Go
 * does not have active stops the sales orders the same way (check shop-currency).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

const PRODUCTS = [
  { id: 901, name: 'Jakke', sku: 'CFG-25', regular_price: '1250.00', tax_class: '' },
  { id: 902, name: 'Matpakke', sku: 'CFG-15', regular_price: '34.90', tax_class: 'reduced-rate' },
];

const WRONG = 'sales_accounts: { "": 3000, reduced-rate: 3020, low-rate: 3020 }';
const RIGHT = 'sales_accounts: { "": 3000, reduced-rate: 3030, low-rate: 3020, zero-rate: 3100 }';

let pair: Pair;

beforeAll(async () => {
  pair = await startPair({
    shop: { count: 0, seed: 1 },
    poweroffice: {},
    systemOptions: { poweroffice: [WRONG] },
  });
  for (const product of PRODUCTS) {
    const res = await fetch(`${pair.woo.url}/__admin/records/product`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'publish', type: 'simple', tax_status: 'taxable', ...product }),
    });
    expect(res.status, await res.text()).toBe(200);
  }
}, 60_000);

afterAll(async () => {
  await pair?.close();
});

it('a misconfigured table stops the product mapping with CONFIG_MISMATCH naming class and account', async () => {
  const mark = pair.mark();
  const summary = await pair.sync({ mappings: ['product'] });
  expect(summary.ok).toBe(false);
  const product = summary.mappings.find((m) => m.mapping === 'product')!;
  expect(product.errors.map((e) => e.code)).toEqual(['CONFIG_MISMATCH', 'CONFIG_MISMATCH']);
  const messages = product.errors.map((e) => e.message);
  expect(messages[0]).toMatch(
    /product\.yaml:\d+:\d+: mapping "product", check "tax-class-accounts": tax class "zero-rate" \(.*, 0 % in the shop\) has no sales account in the option sales_accounts of mapsync\.yaml; mapping product stopped$/,
  );
  expect(messages[1]).toMatch(
    /product\.yaml:\d+:\d+: mapping "product", check "sales-account-rates": tax class "reduced-rate" is 15 % in the shop, but its sales account 3020 has VAT code \S+ at 12 % in PowerOffice Go; mapping product stopped$/,
  );
  // Nothing was written, and no product was even listed: the check ran before any record.
  expect(pair.writes(mark).po).toEqual([]);
  expect(pair.requests(mark).po.filter((r) => /\/Products/i.test(r.path))).toEqual([]);

  // `mapsync sync` prints it compiler-style and exits 1.
  const cli = await pair.cli(['sync', '--mapping', 'product']);
  expect(cli.code).toBe(1);
  expect(`${cli.out}${cli.err}`).toMatch(
    /CONFIG_MISMATCH: .*product\.yaml:\d+:\d+: mapping "product", check "sales-account-rates"/,
  );
});

it('the corrected table passes and the products get the accounts of their classes', async () => {
  writeFileSync(pair.configPath, readFileSync(pair.configPath, 'utf8').replace(WRONG, RIGHT));
  const summary = await pair.sync({ mappings: ['product'] });
  expect(summary.mappings.find((m) => m.mapping === 'product')?.errors).toEqual([]);
  expect(summary.ok).toBe(true);
  const products = new Map((await snapshot(pair)).po.products.map((p) => [String(p.Code), p]));
  expect(products.get('CFG-25')?.StandardSalesAccount).toBe(3000);
  expect(products.get('CFG-15')?.StandardSalesAccount).toBe(3030);
});

it('a shop currency PowerOffice Go does not have active stops the sales orders, naming both', async () => {
  const option = (currency: string) =>
    fetch(`${pair.woo.url}/__admin/options`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ woocommerce_currency: currency }),
    });
  expect((await option('GBP')).status).toBe(200);
  try {
    const mark = pair.mark();
    const summary = await pair.sync({ mappings: ['salesorder'] });
    const order = summary.mappings.find((m) => m.mapping === 'salesorder')!;
    expect(order.errors).toEqual([
      {
        code: 'CONFIG_MISMATCH',
        message: expect.stringMatching(
          /salesorder\.yaml:\d+:\d+: mapping "salesorder", check "shop-currency": the shop's currency GBP \(woocommerce_currency\) is not active on the PowerOffice Go client \(active: [A-Z, ]*NOK[A-Z, ]*\); activate it in PowerOffice Go; mapping salesorder stopped$/,
        ),
      },
    ]);
    expect(pair.writes(mark).po).toEqual([]);
  } finally {
    await option('NOK');
  }
  expect((await pair.sync({ mappings: ['salesorder'] })).ok).toBe(true);
});
