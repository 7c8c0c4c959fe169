/**
 * Benchmark 11 — order to cash: requests per order through the whole lifecycle, and a
 * lifecycle backfill against the rate-limit bound (issue 12).
 *
 * A shop of paid, completed orders (Vipps, 1–5 lines, half with shipping), every fourth
 * refunded in part through the gateway, is backfilled into an empty PowerOffice client at
 * its real 10 requests per second: per order a sales order, its invoice (createAndSendInvoice,
 * then sentState polls with backoff until Go has posted it) and its payment voucher; per
 * refund a credit note (a create and its invoice call, polled the same way) and its refund
 * payment voucher. Counted exactly from the PowerOffice sandbox's request log:
 * - invoice calls per invoice and credit note (1), sentState polls per invoice call (a mean;
 *   the sandbox posts an invoice at the second poll, as Go takes a moment), payment vouchers
 *   per payment and refund (1), credit-note creates per refund (1);
 * - PowerOffice requests per order, all told, and what they were;
 * - per-record GETs the lifecycle makes beyond those (0 on this path: the payment and the
 *   credit note take the invoice's customer and currency from the invoice action's stored
 *   result — the payment, in the same pass as its invoice, knows it is not settled yet —
 *   and the customer's ledger account from the customer the run
 *   created; before issue 12 a payment read its invoice and customer, a credit note its
 *   original order), and 429s (0: the limiter holds a slot until its call is answered);
 * - the wall time against the bound: the least PowerOffice must receive — one write per
 *   customer, product and order, the list pages, one token, and per invoice its call and
 *   two polls, per payment its voucher, per refund its credit note's create, invoice call
 *   and two polls and its refund voucher — at 10 rps. Target 1.15 ×.
 */
import type { LoggedRequest } from '../sandbox/common/request-log.ts';
import type { BenchContext, Benchmark } from './lib/context.ts';
import { fillShop } from './lib/dataset.ts';
import { startEnv } from './lib/env.ts';
import { count, describeCounts, kindOf, pattern } from './lib/requests.ts';
import { minimumRequests } from './throughput.ts';

const B = '11. order to cash';
const RPS = 10;
const REFUND_EVERY = 4;
/** sentState polls the sandbox needs before an invoice is posted (`invoicing.pollsUntilDone`). */
const POLLS = 2;

type Rec = Record<string, unknown>;

function sizes(quick: boolean) {
  return quick ? { customers: 10, products: 8, orders: 24 } : { customers: 100, products: 30, orders: 300 };
}

/** A request the sandbox took (a 429 was refused unprocessed; its retry is counted). */
const is = (r: LoggedRequest, method: string, path: RegExp) =>
  r.method === method && path.test(r.path) && r.status !== 429;

async function run(ctx: BenchContext): Promise<void> {
  const size = sizes(ctx.quick);
  const env = await startEnv({
    fill: (woo) => fillShop(woo, { ...size, seed: 11, completedEvery: 1, paid: true }),
    poRateLimit: RPS,
    connectorRateLimit: RPS,
  });
  try {
    // Every fourth order refunded in part (one unit of its first line) through the gateway.
    const orders = (await (await fetch(`${env.woo.url}/__admin/state`)).json()) as { orders: Rec[] };
    let refunds = 0;
    for (const [i, order] of orders.orders.entries()) {
      if (i % REFUND_EVERY !== 0) continue;
      const line = (order.line_items as Rec[])[0]!;
      const q = Number(line.quantity);
      // A refund of everything would make the order `refunded`: never invoiced. Only part.
      if (q < 2 && (order.line_items as Rec[]).length === 1 && (order.shipping_lines as Rec[]).length === 0)
        continue;
      const part = (v: unknown) => (Math.round((Number(v) / q) * 100) / 100).toFixed(2);
      const res = await fetch(`${env.woo.url}/__admin/orders/${String(order.id)}/refunds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          reason: 'Retur',
          api_refund: true,
          line_items: [
            {
              id: line.id,
              quantity: 1,
              refund_total: part(line.total),
              refund_tax: (line.taxes as Rec[]).map((t) => ({ id: t.id, refund_total: part(t.total) })),
            },
          ],
        }),
      });
      if (res.status >= 300) throw new Error(`refund of order ${String(order.id)}: ${await res.text()}`);
      refunds++;
    }
    const minimum = minimumRequests(env, size);
    const lifecycleMinimum = size.orders * (1 + POLLS + 1) + refunds * (1 + 1 + POLLS + 1);
    const bound = ((minimum.total + lifecycleMinimum) / RPS) * 1000;

    const opened = await env.open();
    let ms: number;
    let ok: boolean;
    try {
      const started = Date.now();
      const summary = await opened.engine.run({});
      ms = Date.now() - started;
      ok = summary.ok;
    } finally {
      await opened.close();
    }
    const log = env.po.log.list();
    const po = count(log);
    const invoiceCalls = log.filter((r) => is(r, 'POST', /createandsendinvoice$/i)).length;
    const polls = log.filter((r) => is(r, 'GET', /sentstate$/i)).length;
    const vouchers = log.filter((r) => is(r, 'POST', /vouchers\/bankjournals$/i)).length;
    const completes = log.filter((r) => is(r, 'POST', /salesorders\/complete$/i)).length;
    const creditNotes = completes - size.orders;
    const gets: Record<string, number> = {};
    for (const r of log)
      if (kindOf(r) === 'get' || kindOf(r) === 'lookup') gets[pattern(r)] = (gets[pattern(r)] ?? 0) + 1;
    const recordGets = Object.values(gets).reduce((a, b) => a + b, 0) - polls;
    const perOrder =
      (po.total - po.token - po.listPages - po.settings - size.customers - size.products) / size.orders;
    ctx.log(
      `  ${size.customers}/${size.products}/${size.orders} orders, ${refunds} refunds: ok=${ok}, ${(ms / 1000).toFixed(1)} s (bound ${(bound / 1000).toFixed(1)} s); PowerOffice ${describeCounts(po)}`,
    );
    ctx.log(
      `  writes ${JSON.stringify(po.writePaths)}; reads of records and look-ups ${JSON.stringify(gets)}`,
    );

    ctx.figures.add(B, {
      name: 'invoice calls per invoice and credit note',
      measured: invoiceCalls / (size.orders + refunds),
      limit: 1,
      unit: '',
      kind: 'equal',
      note: `${invoiceCalls} createAndSendInvoice for ${size.orders} invoices and ${refunds} credit notes`,
    });
    ctx.figures.add(B, {
      name: 'sentState polls per invoice call (mean)',
      measured: invoiceCalls > 0 ? polls / invoiceCalls : 0,
      limit: POLLS,
      unit: '',
      note: `${polls} polls; the sandbox posts an invoice at its ${POLLS}nd poll (or after 2 s); first poll at once, then after 200 ms, doubling to 5 s`,
    });
    ctx.figures.add(B, {
      name: 'payment vouchers per payment and refund payment',
      measured: vouchers / (size.orders + refunds),
      limit: 1,
      unit: '',
      kind: 'equal',
      note: `${vouchers} bank vouchers for ${size.orders} payments and ${refunds} refund payments`,
    });
    ctx.figures.add(B, {
      name: 'credit-note creates per refund',
      measured: refunds > 0 ? creditNotes / refunds : 0,
      limit: 1,
      unit: '',
      kind: 'equal',
    });
    ctx.figures.add(B, {
      name: 'PowerOffice requests per order through the lifecycle',
      measured: perOrder,
      limit: lifecycleMinimum / size.orders + 1,
      unit: '',
      note:
        `all requests but the token, list pages, settings reads and the customer and product creates, per order; ` +
        `the least: 1 order create + 1 invoice call + ${POLLS} polls + 1 voucher, and per refund (1 in ${REFUND_EVERY}) 1 create + 1 invoice call + ${POLLS} polls + 1 voucher; ` +
        `record reads ${recordGets} (${JSON.stringify(gets)})`,
    });
    ctx.figures.add(B, {
      name: 'per-record GETs of the lifecycle (payments, credit notes)',
      measured: recordGets,
      limit: 0,
      unit: '',
      kind: 'info',
      note: JSON.stringify(gets),
    });
    ctx.figures.add(B, {
      name: '429 responses received',
      measured: po.status429,
      limit: 0,
      unit: '',
      kind: 'equal',
    });
    const wall = ctx.figures.add(B, {
      name: 'lifecycle backfill wall time vs bound',
      measured: ms / 1000,
      limit: bound / 1000,
      unit: 's',
      maxRatio: 1.15,
      note:
        `${size.orders} paid, completed orders (${refunds} refunded in part) at ${RPS} rps; bound = (${minimum.writes} creates + ${minimum.listPages} list pages + 1 token + ${lifecycleMinimum} lifecycle requests) / ${RPS} rps; ` +
        `PowerOffice received ${po.total}` +
        (ok ? '' : '; the run had failures'),
    });
    if (wall.verdict === 'FAIL' || !ok) {
      ctx.findings.push({
        benchmark: B,
        title: `the lifecycle backfill took ${(ms / bound).toFixed(2)} × its bound${ok ? '' : ' and had failures'}`,
        lines: [
          `${po.total} PowerOffice requests against a least of ${minimum.total + lifecycleMinimum}: ${recordGets} record reads (${JSON.stringify(gets)}), ${polls - POLLS * invoiceCalls} polls beyond ${POLLS} per invoice call, ${po.status429} × 429.`,
        ],
      });
    }
  } finally {
    await env.close();
  }
}

export const lifecycle: Benchmark = { name: 'lifecycle', title: '11. Order to cash', run };
