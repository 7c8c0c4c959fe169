/**
 * What happens to an order over its life in the sandbox, as in WooCommerce: payment fields
 * and when they are set, stock moving with statuses (without moving the product's
 * `date_modified`), order notes, meta writes.
 */
import { describe, expect, it } from 'vitest';
import { api, sandboxes } from './helpers.ts';

type Json = Record<string, unknown>;
let clock = Date.parse('2026-05-01T08:00:00Z');
const tick = () => {
  clock += 60_000;
};
/** The sandbox clock as a `_gmt` date. */
const gmt = () => new Date(clock).toISOString().slice(0, 19);
const box = sandboxes({ webhookDelayMs: 600_000, now: () => new Date(clock) });
const shop = () => box.start();

describe('payment fields', () => {
  it('date_paid: set on processing (or completed for orders needing no processing), not on on-hold', async () => {
    const s = await shop();
    const shirt = (await api(s, 'POST', 'products', { name: 'Skjorte', regular_price: '300.00' })).body;
    const ebook = (
      await api(s, 'POST', 'products', {
        name: 'E-bok',
        regular_price: '99.00',
        virtual: true,
        downloadable: true,
      })
    ).body;
    const bank = (
      await api(s, 'POST', 'orders', {
        payment_method: 'bacs',
        payment_method_title: 'Direct bank transfer',
        status: 'on-hold',
        line_items: [{ product_id: shirt.id }],
      })
    ).body;
    expect([bank.status, bank.date_paid_gmt, bank.payment_method, bank.transaction_id]).toEqual([
      'on-hold',
      null,
      'bacs',
      '',
    ]);
    tick();
    const paid = (await api(s, 'PUT', `orders/${bank.id}`, { status: 'processing' })).body;
    expect(paid.date_paid_gmt).toBe(gmt());

    const digital = (await api(s, 'POST', 'orders', { line_items: [{ product_id: ebook.id }] })).body;
    expect(digital.needs_processing).toBe(false);
    expect(
      (await api(s, 'PUT', `orders/${digital.id}`, { status: 'processing' })).body.date_paid_gmt,
    ).toBeNull();
    expect(
      (await api(s, 'PUT', `orders/${digital.id}`, { status: 'completed' })).body.date_paid_gmt,
    ).not.toBeNull();

    // set_paid runs payment_complete(): transaction id, date paid, processing (or completed).
    const card = (
      await api(s, 'POST', 'orders', {
        payment_method: 'stripe',
        payment_method_title: 'Credit Card (Stripe)',
        set_paid: true,
        transaction_id: 'ch_123',
        line_items: [{ product_id: shirt.id }],
      })
    ).body;
    expect([card.status, card.transaction_id, card.needs_payment]).toEqual(['processing', 'ch_123', false]);
    expect(card.date_paid_gmt).toBe(gmt());
    const ebookPaid = (
      await api(s, 'POST', 'orders', { set_paid: true, line_items: [{ product_id: ebook.id }] })
    ).body;
    expect(ebookPaid.status).toBe('completed');
    // A pending order with a total needs payment; set_paid on update pays it.
    const pending = (await api(s, 'POST', 'orders', { line_items: [{ product_id: shirt.id }] })).body;
    expect(pending.needs_payment).toBe(true);
    const later = (await api(s, 'PUT', `orders/${pending.id}`, { set_paid: true, transaction_id: 'vipps-9' }))
      .body;
    expect([later.status, later.transaction_id]).toEqual(['processing', 'vipps-9']);
  });
});

describe('stock', () => {
  it('moves once with processing/completed/on-hold and back on cancelled, without moving date_modified', async () => {
    const s = await shop();
    const p = (
      await api(s, 'POST', 'products', {
        name: 'Kopp',
        sku: 'KOPP',
        regular_price: '50.00',
        manage_stock: true,
        stock_quantity: 3,
      })
    ).body;
    tick();
    const o = (
      await api(s, 'POST', 'orders', {
        status: 'processing',
        line_items: [{ product_id: p.id, quantity: 2 }],
      })
    ).body;
    let product = (await api(s, 'GET', `products/${p.id}`)).body;
    expect([product.stock_quantity, product.stock_status]).toEqual([1, 'instock']);
    expect(product.date_modified_gmt).toBe(p.date_modified_gmt); // order-driven: not a product save
    await api(s, 'PUT', `orders/${o.id}`, { status: 'completed' });
    expect((await api(s, 'GET', `products/${p.id}`)).body.stock_quantity).toBe(1); // only once
    await api(s, 'PUT', `orders/${o.id}`, { status: 'cancelled' });
    product = (await api(s, 'GET', `products/${p.id}`)).body;
    expect(product.stock_quantity).toBe(3);
    const notes = (await api(s, 'GET', `orders/${o.id}/notes`)).body.map((n) => n.note);
    expect(notes).toContain('Stock levels reduced: Kopp (KOPP) 3&rarr;1');
    expect(notes).toContain('Stock levels increased: Kopp (KOPP) 1&rarr;3');
    // Stock written through the API is a product save: date_modified moves.
    tick();
    const edited = (await api(s, 'PUT', `products/${p.id}`, { stock_quantity: 0 })).body;
    expect([edited.stock_status, edited.date_modified_gmt]).toEqual(['outofstock', gmt()]);
  });
});

describe('order notes and meta', () => {
  it('notes: system notes from transitions, customer notes, filters, delete needs force; no date change', async () => {
    const s = await shop();
    const o = (await api(s, 'POST', 'orders', { status: 'on-hold' })).body;
    tick();
    const note = await api(s, 'POST', `orders/${o.id}/notes`, {
      note: 'Pakken er sendt',
      customer_note: true,
    });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ note: 'Pakken er sendt', customer_note: true, author: 'system' });
    const mine = await api(s, 'POST', `orders/${o.id}/notes`, {
      note: 'Ringte kunden',
      added_by_user: true,
    });
    expect(mine.body.author).not.toBe('system');
    const all = (await api(s, 'GET', `orders/${o.id}/notes`)).body;
    expect(all.map((n) => n.note)).toEqual([
      'Ringte kunden',
      'Pakken er sendt',
      'Order status changed from Pending payment to On hold.',
    ]);
    expect((await api(s, 'GET', `orders/${o.id}/notes?type=customer`)).body).toHaveLength(1);
    expect((await api(s, 'GET', `orders/${o.id}`)).body.date_modified_gmt).toBe(o.date_modified_gmt);
    expect((await api(s, 'POST', `orders/${o.id}/notes`, {})).body.code).toBe('rest_missing_callback_param');
    expect((await api(s, 'DELETE', `orders/${o.id}/notes/${note.body.id}`)).status).toBe(501);
    expect((await api(s, 'DELETE', `orders/${o.id}/notes/${note.body.id}?force=true`)).status).toBe(200);
    expect((await api(s, 'GET', `orders/${o.id}/notes/${note.body.id}`)).body.code).toBe(
      'woocommerce_rest_invalid_id',
    );
  });

  it('meta writes upsert by key and move date_modified', async () => {
    const s = await shop();
    const o = (await api(s, 'POST', 'orders', { meta_data: [{ key: '_invoice_no', value: '' }] })).body;
    tick();
    const updated = (
      await api(s, 'PUT', `orders/${o.id}`, { meta_data: [{ key: '_invoice_no', value: '10042' }] })
    ).body;
    expect((updated.meta_data as Json[]).filter((m) => m.key === '_invoice_no')).toMatchObject([
      { value: '10042' },
    ]);
    expect(updated.date_modified_gmt).toBe(gmt());
  });
});
