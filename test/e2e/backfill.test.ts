/**
 * E2E 1 — Backfill: a shop of 200 customers, 50 products and 200 orders (1–5 lines, guests,
 * discounts, shipping, fees) against a PowerOffice Go client that already has 20 of the
 * customers (same e-mails) and 10 of the products (same SKUs). Everything gets linked,
 * every property holds what the mapping says, nothing is duplicated, and a second sync
 * sends no write to either system.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../engine/sync/events.ts';
import { byId, childMismatches, duplicates, links, mismatches, snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

describe('e2e 1: backfill', () => {
  let pair: Pair;
  let first: RunSummary;
  let firstMs = 0;

  beforeAll(async () => {
    pair = await startPair({
      shop: { count: 200, seed: 11, anchor: new Date('2026-01-15T00:00:00Z') },
      poweroffice: (woo) => ({
        customers: woo.state.data.customers.slice(0, 20).map((c: Rec, i: number) => ({
          IsPerson: true,
          FirstName: i % 2 === 0 ? c.first_name : 'Someone Else',
          LastName: c.last_name,
          // Same address, different case and spacing: still the same customer.
          EmailAddress: i % 3 === 0 ? ` ${String(c.email).toUpperCase()}` : c.email,
        })),
        products: woo.state.data.products
          .filter((p: Rec) => p.sku)
          .slice(0, 10)
          .map((p: Rec) => ({ Code: p.sku, Name: `${p.name} (old name)`, UnitPrice: 1 })),
      }),
    });
    const started = Date.now();
    first = await pair.sync();
    firstMs = Date.now() - started;
  }, 120_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('links every record, creates the rest once, and every property is as the mapping says', async () => {
    expect(first.mappings.flatMap((m) => m.errors)).toEqual([]);
    expect(first.ok).toBe(true);
    const state = await snapshot(pair);
    const opened = await pair.open();
    try {
      const byName = new Map(opened.project.mappings.map((m) => [m.name, m]));
      const wooCustomers = byId(state.woo.customers, 'id');
      const wooProducts = byId(state.woo.products, 'id');
      const wooOrders = byId(state.woo.orders, 'id');
      const poCustomers = byId(state.po.customers, 'Id');
      const poProducts = byId(state.po.products, 'Id');
      const poOrders = byId(state.po.salesorders, 'Id');

      // Every WooCommerce customer and product is linked; every order that takes part too.
      const customerLinks = await links(opened.store, 'customer-person');
      const real = customerLinks.filter((l) => !l.virtual);
      expect(new Set(real.map((l) => l.sourceId))).toEqual(new Set(wooCustomers.keys()));
      const productLinks = await links(opened.store, 'product');
      // 50 shop products, all linked; PowerOffice's service products (FRAKT, GEBYR, their
      // per-rate twins, AVRUNDING…) stay in PowerOffice (the product mapping does not create
      // in the shop).
      expect(state.woo.products).toHaveLength(50);
      expect(new Set(productLinks.map((l) => l.sourceId))).toEqual(new Set(wooProducts.keys()));
      const services = state.po.products.filter((p) =>
        /^(FRAKT|GEBYR|AVRUNDING)[0-9]*$/.test(String(p.Code)),
      );
      expect(services.map((p) => p.Code)).toEqual(expect.arrayContaining(['FRAKT', 'GEBYR', 'AVRUNDING0']));
      expect(productLinks.length).toBe(state.po.products.length - services.length);
      const taking = state.woo.orders.filter((o) => ['processing', 'completed'].includes(String(o.status)));
      expect(taking.length).toBeGreaterThan(40);
      const orderLinks = await links(opened.store, 'salesorder');
      expect(new Set(orderLinks.map((l) => l.sourceId))).toEqual(new Set(taking.map((o) => String(o.id))));

      // The 20 existing customers and 10 existing products were linked, not duplicated.
      expect(real.filter((l) => l.origin === 'matched')).toHaveLength(20);
      expect(productLinks.filter((l) => l.origin === 'matched')).toHaveLength(10);
      expect(duplicates(state.po.customers, (c) => c.ExternalImportReference)).toEqual([]);
      expect(
        duplicates(state.po.customers, (c) =>
          String(c.EmailAddress ?? '')
            .trim()
            .toLowerCase(),
        ),
      ).toEqual([]);
      expect(duplicates(state.po.products, (p) => p.Code)).toEqual([]);
      expect(duplicates(state.po.salesorders, (o) => o.ExternalImportReference)).toEqual([]);
      expect(duplicates(state.woo.products, (p) => p.sku)).toEqual([]);
      expect(state.po.salesorders).toHaveLength(taking.length);

      // Every property as the mapping says, on every linked pair and every line.
      expect(
        await mismatches(byName.get('customer-person')!, opened.store, wooCustomers, poCustomers),
      ).toEqual([]);
      expect(
        await mismatches(byName.get('product')!, opened.store, wooProducts, poProducts, opened.connectors),
      ).toEqual([]);
      // The sales order mapping reads run settings too (the shop's currency, for the rate).
      expect(
        await mismatches(byName.get('salesorder')!, opened.store, wooOrders, poOrders, opened.connectors),
      ).toEqual([]);
      const lines = await childMismatches(
        byName.get('salesorderline')!,
        opened.store,
        wooOrders,
        (id) => (poOrders.get(id)?.SalesOrderLines as Rec[]) ?? [],
        opened.connectors,
      );
      expect(lines.mismatches).toEqual([]);
      expect(lines.lines).toBeGreaterThan(taking.length);

      // Guests: matched or created customers, linked virtually.
      const guests = customerLinks.filter((l) => l.virtual);
      expect(guests.length).toBeGreaterThan(0);
      console.info(
        `backfill: ${firstMs} ms; ${real.length} customers (+${guests.length} guest links), ${productLinks.length} products, ` +
          `${orderLinks.length} orders with ${lines.lines} lines; writes: woo ${pair.writes().woo.length}, po ${pair.writes().po.length}`,
      );
    } finally {
      await opened.close();
    }
  });

  it('writes once per new record: one POST per customer/product, one SalesOrders/Complete per order', () => {
    const po = pair.writes().po;
    // Invoicing (on as shipped): one createAndSendInvoice per completed order, apart.
    const invoicing = po.filter((r) => /createandsendinvoice/i.test(r.path));
    const completed = pair.woo.state.data.orders.filter((o) => o.status === 'completed').length;
    expect(invoicing.length).toBe(completed);
    // Payments (on as shipped): one bank voucher per completed order the shop has a payment date for.
    const payments = po.filter((r) => /Vouchers\/BankJournals/i.test(r.path));
    const paid = pair.woo.state.data.orders.filter(
      (o) => o.status === 'completed' && typeof o.date_paid_gmt === 'string' && o.date_paid_gmt !== '',
    ).length;
    expect(payments.length).toBe(paid);
    const posts = po.filter((r) => r.method === 'POST' && !invoicing.includes(r) && !payments.includes(r));
    const creates = first.mappings.reduce(
      (n, m) => n + (m.mapping === 'salesorderline' ? 0 : m.counts.created),
      0,
    );
    // Products created in the shop were POSTed to WooCommerce, not PowerOffice.
    const wooCreates = pair
      .writes()
      .woo.filter(
        (r) => r.method === 'POST' && !r.path.endsWith('/batch') && !r.path.endsWith('/notes'),
      ).length;
    expect(posts.length).toBe(creates - wooCreates);
    expect(po.filter((r) => /SalesOrders\/Complete$/i.test(r.path)).length).toBe(
      first.mappings.find((m) => m.mapping === 'salesorder')!.counts.created,
    );
    expect(po.filter((r) => /Lines/i.test(r.path))).toEqual([]);
    // Matched records got one PATCH each at most, with only the differing properties.
    expect(po.filter((r) => r.method === 'PATCH').length).toBeLessThanOrEqual(30);
    // No per-record GET during the backfill: reads are list pages (and guard look-ups: none
    // needed); a payment takes its customer's sub-ledger account from the customer the
    // connector created or listed in this run (poweroffice-go/facts.ts), not from a read.
    const gets = pair.requests().po.filter(
      (r) =>
        r.method === 'GET' &&
        /\/(Customers|Products|SalesOrders)\/[^/]+$/i.test(r.path) &&
        !/\/sentState$/i.test(r.path), // invoicing polls its requests (not a record read)
    );
    expect(gets).toEqual([]);
  });

  it('a second sync sends zero writes to either system', async () => {
    const mark = pair.mark();
    const second = await pair.sync();
    expect(second.ok).toBe(true);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
    expect(second.mappings.every((m) => m.counts.created + m.counts.updated === 0)).toBe(true);
  });
});
