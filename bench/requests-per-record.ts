/**
 * Benchmark 2 — requests per record, counted exactly from both sandboxes' request logs.
 *
 * - Backfill (benchmark 1's shop, rate limit off: counts do not depend on speed): exactly
 *   one PowerOffice create per new customer, product and order (lines included); apart from
 *   them, each as its own figure, the lifecycle of the completed orders (issue 12): one
 *   invoice call per completed order, its sentState polls, its invoice number and a note
 *   written back to the shop; and the total. No per-record GET and no look-up on either side
 *   besides the polls; reads are list pages only.
 * - A second run with no change: zero writes to either system.
 * - One property edited on one record: one request carrying one operation, each way
 *   (a WooCommerce customer's phone → one PATCH with one op; a PowerOffice customer's phone
 *   → one WooCommerce PUT with one field).
 */
import type { LoggedRequest } from '../sandbox/common/request-log.ts';
import { patchCustomer } from '../sandbox/poweroffice-go/customers.ts';
import { adminUpdate } from '../sandbox/woocommerce/admin.ts';
import type { BenchContext, Benchmark } from './lib/context.ts';
import { fillShop } from './lib/dataset.ts';
import { type BenchEnv, startEnv, syncOnce } from './lib/env.ts';
import { count, describeCounts, writesOf } from './lib/requests.ts';
import { INVOICE_POLLS, lifecycleMinimum, sizes } from './throughput.ts';

const B = '2. requests per record';

function mark(env: BenchEnv) {
  return { woo: env.woo.log.mark(), po: env.po.log.mark() };
}

function since(env: BenchEnv, m: { woo: number; po: number }) {
  return { woo: env.woo.log.list(m.woo), po: env.po.log.list(m.po) };
}

/** The `test` preconditions of a JSON Patch write. */
function testsIn(r: LoggedRequest): number {
  return Array.isArray(r.body) ? r.body.filter((op) => (op as { op?: string }).op === 'test').length : 0;
}

/**
 * The changes a write carries: a JSON Patch's operations other than `test` (the preconditions
 * PowerOffice updates carry, one per changed path, so that an edit made there since the read
 * is not overwritten: docs/poweroffice-go.md), else the changed leaves of a partial record.
 */
function opsIn(r: LoggedRequest): number {
  if (Array.isArray(r.body)) return r.body.filter((op) => (op as { op?: string }).op !== 'test').length;
  const leaves = (v: unknown): number =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.values(v as Record<string, unknown>).reduce<number>((n, x) => n + leaves(x), 0)
      : 1;
  return r.body === undefined ? 0 : leaves(r.body);
}

async function run(ctx: BenchContext): Promise<void> {
  const size = sizes(ctx.quick);
  const env = await startEnv({
    fill: (woo) => fillShop(woo, size),
    poRateLimit: false,
    connectorRateLimit: 1000,
  });
  try {
    // Backfill.
    const first = await syncOnce(env);
    const po = count(env.po.log.list());
    const woo = count(env.woo.log.list());
    ctx.log(
      `  backfill: ok=${first.ok}; PowerOffice ${describeCounts(po)}; WooCommerce ${describeCounts(woo)}`,
    );
    ctx.log(`  PowerOffice writes by path: ${JSON.stringify(po.writePaths)}`);
    const records = size.customers + size.products + size.orders;
    // Record creates and the lifecycle's requests (a completed order is invoiced, issue 12)
    // are counted apart, each against its own target, and the total is shown too.
    const creates: Record<string, number> = {
      'POST /v2/Customers': size.customers,
      'POST /v2/Products': size.products,
      'POST /v2/SalesOrders/Complete': size.orders,
    };
    const lifecycle = lifecycleMinimum(env);
    const lifecycleWrites: Record<string, number> = {
      'POST /v2/SalesOrders/{id}/createAndSendInvoice': lifecycle.invoices,
      ...(lifecycle.payments > 0 ? { 'POST /v2/Vouchers/BankJournals': lifecycle.payments } : {}),
    };
    const sum = (paths: Record<string, number>) =>
      Object.keys(paths).reduce((n, p) => n + (po.writePaths[p] ?? 0), 0);
    const createWrites = sum(creates);
    const actionWrites = sum(lifecycleWrites);
    const other = Object.entries(po.writePaths).filter(([p]) => !(p in creates) && !(p in lifecycleWrites));
    const differing = [...Object.entries(creates), ...Object.entries(lifecycleWrites)].filter(
      ([p, n]) => po.writePaths[p] !== n,
    );
    ctx.figures.add(B, {
      name: 'PowerOffice record creates per new record (backfill)',
      measured: createWrites / records,
      limit: 1,
      unit: '',
      kind: 'equal',
      note:
        `${createWrites} creates for ${records} records (${size.customers} customers, ${size.products} products, ${size.orders} orders with lines, one SalesOrders/Complete each)` +
        (differing.length + other.length > 0
          ? `; differing from one per record and one lifecycle write per action: ${JSON.stringify([...differing, ...other])}`
          : ''),
    });
    ctx.figures.add(B, {
      name: 'PowerOffice lifecycle writes per invoiced order (backfill)',
      measured: lifecycle.invoices > 0 ? actionWrites / lifecycle.invoices : 0,
      limit: lifecycle.invoices > 0 ? 1 + lifecycle.payments / lifecycle.invoices : 0,
      unit: '',
      kind: 'equal',
      note: `${actionWrites} for ${lifecycle.invoices} completed orders (${lifecycle.payments} paid): ${JSON.stringify(Object.fromEntries(Object.keys(lifecycleWrites).map((p) => [p, po.writePaths[p] ?? 0])))}; the invoice action of the shipped salesorder mapping (docs/order-to-cash.md)`,
    });
    const polls = env.po.log
      .list()
      .filter((r) => r.method === 'GET' && /\/sentState$/i.test(r.path) && r.status !== 429).length;
    ctx.figures.add(B, {
      name: 'PowerOffice sentState polls per invoice call (backfill)',
      measured: lifecycle.invoices > 0 ? polls / lifecycle.invoices : 0,
      limit: INVOICE_POLLS,
      unit: '',
      kind: 'max',
      note: `${polls} polls for ${lifecycle.invoices} invoice calls; the sandbox posts an invoice at poll ${INVOICE_POLLS}, as Go takes a moment`,
    });
    ctx.figures.add(B, {
      name: 'PowerOffice writes per new record, all told (backfill)',
      measured: po.writes / records,
      limit: (createWrites + actionWrites) / records,
      unit: '',
      kind: 'equal',
      note: `${po.writes} writes: ${createWrites} record creates + ${actionWrites} lifecycle writes; ${JSON.stringify(po.writePaths)}`,
    });
    ctx.figures.add(B, {
      name: 'per-record GETs + look-ups during the backfill, beyond the sentState polls (both systems)',
      measured: po.recordGets + po.lookups - polls + woo.recordGets + woo.lookups,
      limit: 0,
      unit: '',
      kind: 'equal',
      note: `reads are list pages only: PowerOffice ${po.listPages} pages, WooCommerce ${woo.listPages} pages; besides them ${polls} sentState polls (figure above)`,
    });
    ctx.figures.add(B, {
      name: 'run-settings reads during the backfill (both systems)',
      measured: po.settings + woo.settings,
      limit: 7,
      unit: '',
      kind: 'max',
      note: `shop tax settings and rates (${woo.settings}), sales accounts, VAT codes and currencies (${po.settings}): once per run, none per record`,
    });
    // WooCommerce receives PowerOffice's own products (FRAKT, GEBYR) only if the product
    // mapping creates in the shop (create.in_source).
    const project = await env.open();
    const inSource = project.project.mappings.find((m) => m.name === 'product')?.create.inSource === true;
    await project.close();
    const wooCreates = inSource ? env.po.state.products.size - size.products : 0;
    // An invoiced order gets its invoice number written back (a meta PUT) and a note (POST).
    const wooLifecycle = 2 * lifecycle.invoices;
    ctx.figures.add(B, {
      name: 'WooCommerce writes during the backfill',
      measured: woo.writes,
      limit: wooCreates + wooLifecycle,
      unit: '',
      kind: 'equal',
      note: `${woo.writes} WooCommerce writes (${JSON.stringify(woo.writePaths)}); expected: ${inSource ? `one per product PowerOffice had before (${wooCreates})` : 'no create (the product mapping does not create in the shop)'}, and per invoiced order its invoice number and a note (${wooLifecycle})`,
    });

    // Second run, nothing changed.
    let m = mark(env);
    const secondFailures: string[] = [];
    const second = await syncOnce(
      env,
      {},
      {
        events: {
          recordProcessed: (e) => {
            if (e.outcome === 'failed')
              secondFailures.push(`${e.mapping} ${e.side} ${e.id}: ${e.code ?? '?'} ${e.reason ?? ''}`);
          },
        },
      },
    );
    let after = since(env, m);
    const quietWrites = writesOf(after.po).length + writesOf(after.woo).length;
    ctx.log(
      `  second run: ok=${second.ok}; PowerOffice ${describeCounts(count(after.po))}; WooCommerce ${describeCounts(count(after.woo))}`,
    );
    ctx.figures.add(B, {
      name: 'writes in a second run with no change (both systems)',
      measured: quietWrites,
      limit: 0,
      unit: '',
      kind: 'equal',
    });

    // One property edited in the shop.
    const customer = env.woo.state.data.customers[Math.floor(env.woo.state.data.customers.length / 2)]!;
    adminUpdate(env.woo.state, 'customer', customer.id as number, {
      billing: { phone: '+47 999 88 777' },
    });
    m = mark(env);
    await syncOnce(env);
    after = since(env, m);
    const toPo = writesOf(after.po);
    const toWoo = writesOf(after.woo);
    ctx.log(
      `  shop edit: PowerOffice writes ${toPo.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`).join('; ')}; WooCommerce writes ${toWoo.length}`,
    );
    ctx.figures.add(B, {
      name: 'one shop property edited: requests to PowerOffice',
      measured: toPo.length + toWoo.length,
      limit: 1,
      unit: '',
      kind: 'equal',
      note: `WooCommerce customer ${customer.id} billing.phone changed; PowerOffice received ${toPo.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`).join('; ') || 'nothing'}; WooCommerce writes: ${toWoo.length}`,
    });
    ctx.figures.add(B, {
      name: 'one shop property edited: operations in that request',
      measured: toPo.reduce((n, r) => n + opsIn(r), 0),
      limit: 1,
      unit: '',
      kind: 'equal',
      note: `changes only: the request's JSON Patch \`test\` preconditions (${toPo.reduce((n, r) => n + testsIn(r), 0)}) are not counted`,
    });

    // One property edited in PowerOffice.
    const linked = [...env.po.state.customers.values()].find((c) => c.IsPerson === true && c.PhoneNumber)!;
    patchCustomer(env.po.state, String(linked.Id), [
      { op: 'replace', path: '/PhoneNumber', value: '+47 911 22 333' },
    ]);
    m = mark(env);
    await syncOnce(env);
    after = since(env, m);
    const back = writesOf(after.woo);
    const forth = writesOf(after.po);
    ctx.log(
      `  PowerOffice edit: WooCommerce writes ${back.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`).join('; ')}; PowerOffice writes ${forth.length}`,
    );
    ctx.figures.add(B, {
      name: 'one PowerOffice property edited: requests to WooCommerce',
      measured: back.length + forth.length,
      limit: 1,
      unit: '',
      kind: 'equal',
      note: `PowerOffice customer ${linked.Id} PhoneNumber changed; WooCommerce received ${back.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`).join('; ') || 'nothing'}; PowerOffice writes: ${forth.length}`,
    });
    ctx.figures.add(B, {
      name: 'one PowerOffice property edited: fields in that request',
      measured: back.reduce((n, r) => n + opsIn(r), 0),
      limit: 1,
      unit: '',
      kind: 'equal',
    });
    if (!first.ok || !second.ok) {
      ctx.findings.push({
        benchmark: B,
        title: 'backfill or quiet run not ok',
        lines: [
          ...[first, second].map((s) =>
            s.mappings.map((x) => `${x.mapping} ${JSON.stringify(x.counts)}`).join(' | '),
          ),
          ...secondFailures.slice(0, 10).map((f) => `second run failed: ${f}`),
        ],
      });
    }
  } finally {
    await env.close();
  }
}

export const requestsPerRecord: Benchmark = { name: 'requests', title: '2. Requests per record', run };
