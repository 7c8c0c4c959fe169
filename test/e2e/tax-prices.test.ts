/**
 * Prices with and without VAT, end to end against both real sandboxes and the shipped
 * product mapping (issue 11, "Prices"): in a shop whose prices are entered including tax the
 * PowerOffice Go UnitPrice is the net price of the product's class (25/15/0 %), a UnitPrice
 * edited in PowerOffice Go reaches the shop as the right gross price, and the next runs write
 * nothing (no echo, no drift); the same in a shop without tax in its prices. The shop's
 * settings cost a handful of requests per run, none per product; a shop whose settings
 * cannot be read stops the mapping instead of guessing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedProject } from '../../engine/compose.ts';
import type { Connector } from '../../engine/connectors/types.ts';
import { editThrough, links, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

const PRODUCTS = [
  { id: 901, name: 'Jakke', sku: 'TAX-25', regular_price: '1250.00', tax_class: '' },
  { id: 902, name: 'Matpakke', sku: 'TAX-15', regular_price: '34.90', tax_class: 'reduced-rate' },
  { id: 903, name: 'Avis', sku: 'TAX-0', regular_price: '129.00', tax_class: 'zero-rate' },
];

async function shopPair(pricesIncludeTax: boolean): Promise<Pair> {
  const pair = await startPair({ shop: { count: 0, seed: 1 }, poweroffice: {} });
  const put = await fetch(`${pair.woo.url}/__admin/options`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ woocommerce_prices_include_tax: pricesIncludeTax ? 'yes' : 'no' }),
  });
  expect(put.status, await put.text()).toBe(200);
  for (const product of PRODUCTS) {
    const res = await fetch(`${pair.woo.url}/__admin/records/product`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'publish', type: 'simple', tax_status: 'taxable', ...product }),
    });
    expect(res.status, await res.text()).toBe(200);
  }
  return pair;
}

const syncProducts = (pair: Pair) => pair.sync({ mappings: ['product'] });

async function productsBySku(pair: Pair) {
  const state = await snapshot(pair);
  const po = new Map(state.po.products.map((p) => [String(p.Code), p]));
  const woo = new Map(state.woo.products.map((p) => [String(p.sku), p]));
  return { po, woo };
}

/** Requests for the shop's settings and the client's accounts (what a run reads once). */
const settingsReads = (pair: Pair, mark: ReturnType<Pair['mark']>) => {
  const { woo, po } = pair.requests(mark);
  return {
    woo: woo.filter((r) => /\/wc\/v3\/(settings|taxes)/.test(r.path)).length,
    po: po.filter((r) => /(GeneralLedgerAccounts|VatCodes)/i.test(r.path)).length,
  };
};

describe.each([
  {
    pricesIncludeTax: true,
    net: { 'TAX-25': 1000, 'TAX-15': 30.3478, 'TAX-0': 129 },
    edited: '1000.00',
    edited15: '46.00',
  },
  {
    pricesIncludeTax: false,
    net: { 'TAX-25': 1250, 'TAX-15': 34.9, 'TAX-0': 129 },
    edited: '800.00',
    edited15: '40.00',
  },
])('e2e: product prices in a shop with prices including tax: $pricesIncludeTax', (c) => {
  let pair: Pair;
  let opened: OpenedProject;
  let po: Connector;

  beforeAll(async () => {
    pair = await shopPair(c.pricesIncludeTax);
    opened = await pair.open();
    po = opened.connectors.get('poweroffice-go')!;
  });

  afterAll(async () => {
    await opened?.close();
    await pair?.close();
  });

  it('creates PowerOffice Go products with the net price and the sales account of their class', async () => {
    const mark = pair.mark();
    const summary = await syncProducts(pair);
    expect(summary.ok, JSON.stringify(summary.mappings.map((m) => m.errors))).toBe(true);
    const { po: products } = await productsBySku(pair);
    for (const [sku, unitPrice] of Object.entries(c.net)) {
      expect(products.get(sku)?.UnitPrice, sku).toBe(unitPrice);
    }
    expect(products.get('TAX-25')?.StandardSalesAccount).toBe(3000);
    expect(products.get('TAX-15')?.StandardSalesAccount).toBe(3030);
    expect(products.get('TAX-0')?.StandardSalesAccount).toBe(3100);
    // Settings: 4 shop requests and 2 PowerOffice listings for the run, none per product.
    expect(settingsReads(pair, mark)).toEqual({ woo: 4, po: 2 });
  });

  it('a UnitPrice edited in PowerOffice Go reaches the shop as the right price', async () => {
    const ids = new Map((await links(opened.store, 'product')).map((l) => [l.sourceId, l.targetId]));
    await editThrough(po, 'product', ids.get('901')!, [{ op: 'replace', path: '/UnitPrice', value: 800 }]);
    await editThrough(po, 'product', ids.get('902')!, [{ op: 'replace', path: '/UnitPrice', value: 40 }]);
    const mark = pair.mark();
    expect((await syncProducts(pair)).ok).toBe(true);
    const { woo: shop, po: products } = await productsBySku(pair);
    expect(shop.get('TAX-25')?.regular_price).toBe(c.edited);
    expect(shop.get('TAX-15')?.regular_price).toBe(c.edited15);
    expect(shop.get('TAX-0')?.regular_price).toBe('129.00');
    // PowerOffice keeps what the accountant typed: the shop's gross price is not sent back.
    expect(products.get('TAX-25')?.UnitPrice).toBe(800);
    expect(products.get('TAX-15')?.UnitPrice).toBe(40);
    expect(pair.writes(mark).po).toEqual([]);
  });

  it('the next runs write nothing: no echo, no drift', async () => {
    for (let run = 0; run < 2; run++) {
      const mark = pair.mark();
      expect((await syncProducts(pair)).ok).toBe(true);
      expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
    }
    expect((await pair.sync({ mappings: ['product'], mode: 'full' })).ok).toBe(true);
  });
});

describe('e2e: a shop whose settings cannot be read', () => {
  let pair: Pair;

  beforeAll(async () => {
    pair = await shopPair(true);
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('stops the mapping with SETTINGS_UNAVAILABLE and writes nothing (never a guessed "net")', async () => {
    pair.woo.faults.configure({ rate500: 1 });
    const mark = pair.mark();
    const summary = await syncProducts(pair);
    pair.woo.faults.configure({});
    expect(summary.ok).toBe(false);
    const product = summary.mappings.find((m) => m.mapping === 'product')!;
    expect(product.errors).toEqual([
      expect.objectContaining({
        code: 'SETTINGS_UNAVAILABLE',
        message: expect.stringMatching(
          /^woocommerce: its settings \(\$source_settings\) could not be read: .*500.*; mapping product stopped/,
        ),
      }),
    ]);
    expect(pair.writes(mark).po).toEqual([]);
    // Once the shop answers again the next run syncs with the real settings.
    expect((await syncProducts(pair)).ok).toBe(true);
    const { po: products } = await productsBySku(pair);
    expect(products.get('TAX-25')?.UnitPrice).toBe(1000);
  });
});
