/**
 * Chaos 8 — SIGKILL through the order-to-cash lifecycle (issue 12).
 *
 * Each trial takes one new shop order through its whole life, one sync per step:
 *   order placed and paid (card or Vipps) → (sync: sales order) → completed → (sync:
 *   invoice and its payment voucher) → refunded in part through the gateway → (sync: credit
 *   note and its refund payment).
 * In each trial one of those syncs is a real `node bin/mapsync.js sync` process killed with
 * SIGKILL at a random moment of the step's own work: once its first PowerOffice write (or
 * invoice poll) is answered, after 0–3 further requests (fewer when the step took fewer
 * beyond a run with nothing to do, in the trials before), plus 0–60 ms, while PowerOffice answers in
 * 20–120 ms (quick: 10–60 ms) — so kills land before, during and after a createAndSendInvoice, a sentState
 * poll, a payment voucher or a credit note's create. The next sync finishes the step. The other steps run
 * in-process. Afterwards, per trial order: exactly one invoice, one payment voucher, one
 * credit note and one refund payment per refund; the invoice and the payment equal to the
 * order, the credit note and the refund payment equal to the refund, and every balance 0
 * (the invoice settled by its payment, the credit note by its refund payment), all to the
 * cent; no intent or failed record left.
 */
import { Decimal } from 'decimal.js';
import type { OpenedProject } from '../../engine/compose.ts';
import { Random } from '../../sandbox/common/random.ts';
import { spawnSync } from '../lib/child.ts';
import type { BenchContext } from '../lib/context.ts';
import { fillShop } from '../lib/dataset.ts';
import { type BenchEnv, startEnv } from '../lib/env.ts';
import { type ChaosResult, duplicatesIn, missingIn, stateOf } from './lib.ts';

type Rec = Record<string, unknown>;

const STEPS = ['order', 'invoice', 'refund'] as const;
type Step = (typeof STEPS)[number];

export async function lifecycleChaos(ctx: BenchContext): Promise<ChaosResult> {
  const trials = ctx.quick ? 6 : 30;
  const random = new Random(1212);
  const env = await startEnv({
    fill: (woo) => fillShop(woo, { customers: 4, products: 6, orders: 0, seed: 12 }),
    poRateLimit: 50,
    connectorRateLimit: 50,
    // Quick: shorter answers (10–60 ms), so that the CI variant stays within 40 s.
    poFaults: { latencyMs: ctx.quick ? [10, 60] : [20, 120], seed: 12 },
  });
  try {
    const problems: string[] = [];
    const killedAt: Record<Step, number> = { order: 0, invoice: 0, refund: 0 };
    /** The last PowerOffice request before each kill. */
    const moments: Record<string, number> = {};
    /** PowerOffice requests a step took when it ran to the end (the range kills are drawn from). */
    const stepRequests: Record<Step, number> = { order: 12, invoice: 6, refund: 8 };
    // The steps that are not killed run in one open project (as `mapsync serve` runs),
    // closed while a killed process has the store: opening costs more than a run here.
    let opened: OpenedProject | undefined;
    const run = async () => {
      opened ??= await env.open();
      return opened.engine.run({});
    };
    const first = await run();
    // What a run with nothing to do asks PowerOffice (its listings): kills are drawn after
    // those, among the step's own requests (creates, the invoice, its polls, the credit note).
    const idleMark = env.po.log.mark();
    await run();
    const idle = env.po.log.mark() - idleMark;
    if (!first.ok) problems.push(`backfill failed: ${JSON.stringify(first.mappings.map((m) => m.errors))}`);
    const products = ((await stateOf(env)).woo.products as Rec[]).filter(
      (p) => p.type === 'simple' && Number(p.price) > 0 && p.stock_status !== 'outofstock',
    );
    const orders: string[] = [];
    let landed = 0;
    for (let t = 0; t < trials; t++) {
      const killStep = STEPS[t % STEPS.length]!;
      let order: Rec | undefined;
      for (const step of STEPS) {
        if (step === 'order') {
          order = await checkout(env, products, random, t);
          orders.push(String(order.id));
        } else if (step === 'invoice') {
          await shopApi(env, 'PUT', `orders/${String(order!.id)}`, { status: 'completed' });
        } else {
          await refundOneUnit(env, await shopApi(env, 'GET', `orders/${String(order!.id)}`));
        }
        if (step === killStep) {
          await opened?.close();
          opened = undefined;
          const kill = await killedRun(
            env,
            random.int(0, Math.min(3, Math.max(1, stepRequests[step] - idle - 1))),
            random.int(0, 60),
          );
          if (kill.problem) problems.push(`trial ${t + 1} (${step}): ${kill.problem}`);
          if (kill.landed) {
            landed++;
            killedAt[step]++;
            moments[kill.after] = (moments[kill.after] ?? 0) + 1;
          }
        }
        const mark = env.po.log.mark();
        const summary = await run();
        if (!summary.ok)
          problems.push(
            `trial ${t + 1} (${step}): the run after ${step === killStep ? 'the kill' : 'the step'} failed: ${JSON.stringify(summary.mappings.flatMap((m) => m.errors)).slice(0, 400)}`,
          );
        if (step !== killStep) stepRequests[step] = Math.max(stepRequests[step], env.po.log.mark() - mark);
      }
    }
    // One more run settles anything a kill left for later.
    const settle = await run();
    if (!settle.ok) problems.push('the settling run failed');
    await opened?.close();
    opened = undefined;

    const state = await stateOf(env);
    const outgoing = (await (await fetch(`${env.po.adminUrl}/state`)).json()) as {
      outgoinginvoices: Rec[];
      bankvouchers?: Rec[];
    };
    const vouchers = outgoing.bankvouchers ?? [];
    const vouchersOf = (ref: string) => vouchers.filter((v) => v.ExternalImportReference === ref);
    /** A voucher's amount on the payment method's account (+ in, − out). */
    const onAccount = (v: Rec) => (v.VoucherLines as Rec[])[0]?.CurrencyAmount;
    const store = await env.open();
    try {
      const duplicates = duplicatesIn(state);
      const { pending } = await missingIn(state, store.store);
      const wrong: string[] = [];
      const invoices = outgoing.outgoinginvoices.filter((i) => i.VoucherType === 'OutgoingInvoice');
      const credits = outgoing.outgoinginvoices.filter((i) => i.VoucherType === 'OutgoingCreditNote');
      let doubleInvoices = 0;
      let doubleCredits = 0;
      let doublePayments = 0;
      for (const id of orders) {
        const order = await shopApi(env, 'GET', `orders/${id}`);
        const refunds = (await shopApi(env, 'GET', `orders/${id}/refunds`)) as unknown as Rec[];
        const mine = invoices.filter((i) => String(i.ExternalImportReference) === id);
        if (mine.length > 1) {
          doubleInvoices += mine.length - 1;
          duplicates.push(`order ${id}: ${mine.length} invoices`);
        }
        const invoice = mine[0];
        if (!invoice) {
          wrong.push(`order ${id}: no invoice`);
          continue;
        }
        if (!same(invoice.TotalAmount, order.total))
          wrong.push(`order ${id}: invoice ${String(invoice.TotalAmount)} ≠ order ${String(order.total)}`);
        const payments = vouchersOf(`woo-pay-${id}`);
        if (payments.length > 1) {
          doublePayments += payments.length - 1;
          duplicates.push(`order ${id}: ${payments.length} payments`);
        }
        if (payments.length === 0) wrong.push(`order ${id}: no payment`);
        else if (!same(onAccount(payments[0]!), order.total))
          wrong.push(`order ${id}: payment ${String(onAccount(payments[0]!))} ≠ ${String(order.total)}`);
        for (const r of refunds) {
          const notes = credits.filter((c) => c.ExternalImportReference === `refund-${String(r.id)}`);
          if (notes.length > 1) {
            doubleCredits += notes.length - 1;
            duplicates.push(`refund ${String(r.id)} of order ${id}: ${notes.length} credit notes`);
          }
          if (notes.length === 0) wrong.push(`refund ${String(r.id)} of order ${id}: no credit note`);
          else if (!same(notes[0]!.TotalAmount, new Decimal(String(r.amount)).neg()))
            wrong.push(
              `refund ${String(r.id)}: credit note ${String(notes[0]!.TotalAmount)} ≠ −${String(r.amount)}`,
            );
          const back = vouchersOf(`woo-refpay-${String(r.id)}`);
          if (back.length > 1) {
            doublePayments += back.length - 1;
            duplicates.push(`refund ${String(r.id)} of order ${id}: ${back.length} refund payments`);
          }
          if (back.length === 0) wrong.push(`refund ${String(r.id)} of order ${id}: no refund payment`);
          else if (!same(onAccount(back[0]!), new Decimal(String(r.amount)).neg()))
            wrong.push(
              `refund ${String(r.id)}: refund payment ${String(onAccount(back[0]!))} ≠ −${String(r.amount)}`,
            );
          // Settled by its refund payment.
          for (const n of notes)
            if (!same(n.Balance, 0))
              wrong.push(`credit note of refund ${String(r.id)}: balance ${String(n.Balance)} ≠ 0`);
        }
        // Paid: the invoice is settled by its payment (its credit notes by their refund payments).
        if (!same(invoice.Balance, 0))
          wrong.push(`order ${id}: invoice balance ${String(invoice.Balance)} ≠ 0`);
      }
      ctx.log(
        `  ${trials} trials: ${landed} kills landed mid-run ${JSON.stringify(killedAt)}, after ${JSON.stringify(moments)}; ` +
          `${invoices.length} invoices, ${credits.length} credit notes, ${vouchers.length} payment and refund payment vouchers; PowerOffice requests ${env.po.log.mark()}`,
      );
      for (const p of problems) ctx.log(`  problem: ${p}`);
      return {
        run: 'SIGKILL through order → invoice → payment → credit note → refund payment',
        trials,
        faults: landed,
        faultKinds: { SIGKILL: landed },
        duplicates,
        missing: problems,
        pending,
        equalToClean: wrong.length === 0,
        differences: wrong,
        extra: `kills after ${JSON.stringify(moments)}; every invoice, credit note and balance right to the cent: ${wrong.length === 0 ? 'yes' : `no (${wrong.length})`}`,
        figures: [
          { name: 'double invoices', measured: doubleInvoices, limit: 0, unit: '', kind: 'equal' },
          { name: 'double credit notes', measured: doubleCredits, limit: 0, unit: '', kind: 'equal' },
          {
            name: 'double payments or refund payments',
            measured: doublePayments,
            limit: 0,
            unit: '',
            kind: 'equal',
          },
          {
            name: 'wrong amounts or balances',
            measured: wrong.length,
            limit: 0,
            unit: '',
            kind: 'equal',
            ...(wrong.length ? { note: wrong.slice(0, 5).join('; ') } : {}),
          },
        ],
      };
    } finally {
      await store.close();
    }
  } finally {
    await env.close();
  }
}

const same = (a: unknown, b: unknown) =>
  new Decimal(String(a ?? 0)).toFixed(2) === new Decimal(String(b ?? 0)).toFixed(2);

/**
 * A `mapsync sync` process killed `requests` PowerOffice requests after its first write (or
 * invoice poll) was answered, plus `jitterMs`.
 */
async function killedRun(
  env: BenchEnv,
  requests: number,
  jitterMs: number,
): Promise<{ landed: boolean; after: string; problem?: string }> {
  const before = env.po.log.mark();
  const { child, done } = spawnSync(env.env, env.dir);
  let exited = false;
  void done.then(() => {
    exited = true;
  });
  // The step's own work starts with its first write (or invoice poll): count from there.
  const work = (r: { method: string; path: string }) =>
    (r.method !== 'GET' && !/oauth|token/i.test(r.path)) || /sentstate/i.test(r.path);
  let start = -1;
  while (!exited) {
    const list = env.po.log.list(before);
    if (start < 0) start = list.findIndex(work);
    if (start >= 0 && list.length - start > requests) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  if (!exited) await Promise.race([new Promise((r) => setTimeout(r, jitterMs)), done]);
  const landed = !exited;
  if (landed) child.kill('SIGKILL');
  const last = env.po.log.list(before).at(-1);
  const after = last ? moment(last.method, last.path) : 'start';
  const result = await done;
  if (result.signal !== 'SIGKILL' && result.code !== 0)
    return { landed, after, problem: `exited ${result.code}: ${result.stderr.slice(-400)}` };
  return { landed, after };
}

/** What the last PowerOffice request before a kill was: the moment the kill cut into. */
function moment(method: string, path: string): string {
  if (/createandsendinvoice/i.test(path)) return 'invoice request';
  if (/sentstate/i.test(path)) return 'sentState poll';
  if (method === 'POST' && /salesorders\/complete/i.test(path)) return 'credit note create';
  if (method === 'POST' && /vouchers\/bankjournal/i.test(path)) return 'payment voucher';
  return `${method} ${path.replace(/^.*?\/(?=[A-Z][A-Za-z]+(\/|$))/, '').replace(/[0-9a-f-]{8,}/gi, ':id')}`;
}

async function shopApi(env: BenchEnv, method: string, route: string, body?: unknown): Promise<Rec> {
  const auth = Buffer.from(`${env.woo.consumerKey}:${env.woo.consumerSecret}`).toString('base64');
  const response = await fetch(`${env.woo.apiUrl}/${route}`, {
    method,
    headers: { authorization: `Basic ${auth}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Rec;
}

/** A paid order of 2–3 units of 1–2 products, with shipping, paid by card or Vipps. */
async function checkout(env: BenchEnv, products: Rec[], random: Random, t: number): Promise<Rec> {
  const items = Array.from({ length: random.int(1, 2) }, () => ({
    product_id: random.pick(products).id,
    quantity: random.int(2, 3),
  }));
  const vipps = t % 2 === 0;
  const response = await fetch(`${env.woo.url}/__admin/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      billing: {
        first_name: 'Kari',
        last_name: `Kaos${t}`,
        country: 'NO',
        email: `kari.kaos${t}@example.no`,
      },
      items,
      shipping_line: { method_id: 'flat_rate', method_title: 'Frakt', cost: '79.00' },
      payment_method: vipps ? 'vipps' : 'stripe',
      payment_method_title: vipps ? 'Vipps' : 'Credit Card (Stripe)',
      set_paid: true,
      transaction_id: `KAOS-${t}`,
    }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`checkout: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Rec;
}

/** Refund one unit of the order's first line (its net and VAT pro rata), paid back through the gateway. */
async function refundOneUnit(env: BenchEnv, order: Rec): Promise<Rec> {
  const line = (order.line_items as Rec[])[0]!;
  const part = (v: unknown) =>
    new Decimal(String(v)).dividedBy(Number(line.quantity)).toDecimalPlaces(2).toFixed(2);
  return shopApi(env, 'POST', `orders/${String(order.id)}/refunds`, {
    reason: 'Retur',
    // Through the gateway: the money goes back, so a refund payment follows the credit note.
    api_refund: true,
    line_items: [
      {
        id: line.id,
        quantity: 1,
        refund_total: part(line.total),
        refund_tax: (line.taxes as Rec[]).map((t) => ({ id: t.id, refund_total: part(t.total) })),
      },
    ],
  });
}
