/**
 * The crash loop: a real `mapsync sync` process (node bin/mapsync.js) against sandboxes
 * hosted by the test process, with a SQLite store in a temp dir, killed with SIGKILL at
 * seeded random moments during a backfill and restarted; then a final run. Afterwards
 * there must be no duplicate anywhere and every record must be linked.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Random } from '../../../sandbox/common/random.ts';
import { duplicates, links, snapshot } from './checks.ts';
import { REPO, startPair } from './pair.ts';

type Rec = Record<string, unknown>;

export interface TrialResult {
  trial: number;
  kills: Array<{ afterMs: number; finishedFirst: boolean; code: number | null; stderr: string }>;
  finalCode: number | null;
  finalMs?: number;
  problems: string[];
  stats: { customers: number; products: number; orders: number; lines: number; recovered: number };
}

function runSync(
  env: Record<string, string>,
  cwd: string,
): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'mapsync.js'), 'sync'], {
    cwd,
    env: { ...process.env, ...env, CI: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  return { child, done };
}

export async function crashTrial(trial: number, seed: number): Promise<TrialResult> {
  const random = new Random(seed * 1000 + trial);
  const pair = await startPair({
    shop: { count: 60, seed: 300 + trial, anchor: new Date('2026-01-15T00:00:00Z') },
    // A few customers and products exist already (first-time links are crash-tested too).
    poweroffice: (woo) => ({
      customers: woo.state.data.customers.slice(0, 4).map((c: Rec) => ({
        IsPerson: true,
        FirstName: c.first_name,
        LastName: 'Old',
        EmailAddress: c.email,
      })),
      products: woo.state.data.products
        .filter((p: Rec) => p.sku)
        .slice(0, 2)
        .map((p: Rec) => ({ Code: p.sku, Name: p.name })),
    }),
    // PowerOffice at 80 requests/s (its real limit is 10): a backfill lasts long enough for
    // the kills to land in the middle of creates, links and pages.
    rateLimit: 80,
  });
  pair.po.faults.configure({ latencyMs: [1, 4], seed: trial });
  const env = { ...pair.env, MAPSYNC_CONFIG: pair.configPath, MAPSYNC_LOG_LEVEL: 'error' };
  const result: TrialResult = {
    trial,
    kills: [],
    finalCode: null,
    problems: [],
    stats: { customers: 0, products: 0, orders: 0, lines: 0, recovered: 0 },
  };
  try {
    const killCount = random.int(1, 3);
    for (let k = 0; k < killCount; k++) {
      // The moment is random within the run itself: counted from its first request to the
      // shop (process start-up time varies too much with the machine's load to count from).
      const afterMs = random.int(0, 1100);
      const mark = pair.woo.log.mark();
      const { child, done } = runSync(env, pair.dir);
      let finished = false;
      void done.then(() => {
        finished = true;
      });
      while (!finished && pair.woo.log.mark() === mark) await new Promise((r) => setTimeout(r, 5));
      const timer = new Promise<'kill'>((resolve) => setTimeout(() => resolve('kill'), afterMs));
      const first = finished ? 'done' : await Promise.race([timer, done.then(() => 'done' as const)]);
      if (first === 'kill') child.kill('SIGKILL');
      const { stderr, code } = await done;
      result.kills.push({ afterMs, finishedFirst: first === 'done', code, stderr: stderr.slice(-2000) });
      if (first === 'done' && code !== 0)
        result.problems.push(`run ${k + 1} exited ${code} on its own: ${stderr.slice(-1500)}`);
    }
    const started = Date.now();
    const final = runSync(env, pair.dir);
    const { code, stderr } = await final.done;
    result.finalMs = Date.now() - started;
    result.finalCode = code;
    if (code !== 0) result.problems.push(`final run exited ${code}: ${stderr.slice(-1500)}`);
    await check(pair, result);
  } finally {
    await pair.close();
  }
  return result;
}

async function check(pair: Awaited<ReturnType<typeof startPair>>, result: TrialResult): Promise<void> {
  const state = await snapshot(pair);
  const dup = (what: string, list: string[]) => {
    if (list.length > 0) result.problems.push(`duplicate ${what}: ${list.join(', ')}`);
  };
  dup(
    'PowerOffice customers by ExternalImportReference',
    duplicates(state.po.customers, (c) => c.ExternalImportReference),
  );
  dup(
    'PowerOffice customers by e-mail',
    duplicates(state.po.customers, (c) =>
      String(c.EmailAddress ?? '')
        .trim()
        .toLowerCase(),
    ),
  );
  dup(
    'PowerOffice products by Code',
    duplicates(state.po.products, (p) => p.Code),
  );
  dup(
    'PowerOffice sales orders by ExternalImportReference',
    duplicates(state.po.salesorders, (o) => o.ExternalImportReference),
  );
  for (const order of state.po.salesorders) {
    dup(
      `lines of order ${order.ExternalImportReference}`,
      duplicates(order.SalesOrderLines as Rec[], (l) => l.ExternalImportReference),
    );
  }
  dup(
    'WooCommerce products by SKU',
    duplicates(state.woo.products, (p) => p.sku),
  );

  const opened = await pair.open();
  try {
    const customerLinks = await links(opened.store, 'customer-person');
    const real = customerLinks.filter((l) => !l.virtual);
    const linkedCustomers = new Set(real.map((l) => l.sourceId));
    for (const c of state.woo.customers)
      if (!linkedCustomers.has(String(c.id))) result.problems.push(`customer ${c.id} not linked`);
    // Every PowerOffice customer is someone's partner: no orphan left by a crash.
    const partners = new Set(customerLinks.map((l) => l.targetId));
    for (const c of state.po.customers)
      if (!partners.has(String(c.Id)))
        result.problems.push(`PowerOffice customer ${c.Id} is linked to nothing`);
    const productLinks = await links(opened.store, 'product');
    const linkedProducts = new Set(productLinks.map((l) => l.sourceId));
    for (const p of state.woo.products)
      if (!linkedProducts.has(String(p.id))) result.problems.push(`product ${p.id} not linked`);
    // Every PowerOffice product but the seeded service products (FRAKT, GEBYR, …) is linked.
    const partnerProducts = new Set(productLinks.map((l) => l.targetId));
    for (const p of state.po.products)
      if (!partnerProducts.has(String(p.Id)) && !/^(FRAKT|GEBYR|AVRUNDING)[0-9]*$/.test(String(p.Code)))
        result.problems.push(`PowerOffice product ${p.Id} (${p.Code}) is linked to nothing`);
    if (productLinks.length !== new Set(productLinks.map((l) => l.targetId)).size)
      result.problems.push('two shop products share one PowerOffice product');
    const taking = state.woo.orders.filter((o) => ['processing', 'completed'].includes(String(o.status)));
    const orderLinks = await links(opened.store, 'salesorder');
    const linkedOrders = new Set(orderLinks.map((l) => l.sourceId));
    for (const o of taking)
      if (!linkedOrders.has(String(o.id))) result.problems.push(`order ${o.id} not linked`);
    if (state.po.salesorders.length !== taking.length)
      result.problems.push(
        `${state.po.salesorders.length} PowerOffice orders for ${taking.length} shop orders`,
      );
    const lineLinks = await links(opened.store, 'salesorderline');
    let lines = 0;
    for (const o of taking) {
      const link = lineLinks.find((l) => l.sourceId === String(o.id));
      const expected =
        (o.line_items as Rec[]).length + (o.shipping_lines as Rec[]).length + (o.fee_lines as Rec[]).length;
      const po = state.po.salesorders.find((x) => x.ExternalImportReference === String(o.id));
      const have = (po?.SalesOrderLines as Rec[] | undefined)?.length ?? 0;
      if (!link || Object.keys(link.children ?? {}).length !== expected)
        result.problems.push(`order ${o.id}: lines not all linked`);
      if (have !== expected)
        result.problems.push(`order ${o.id}: ${have} lines in PowerOffice, ${expected} in the shop`);
      lines += have;
    }
    // No intent left behind.
    for (const m of ['customer-person', 'product', 'salesorder', 'salesorderline']) {
      const meta = await new (await import('../../../engine/store/sync-state.ts')).MappingState(
        m,
        opened.store,
      ).scanMeta();
      if (meta.intents.length > 0) result.problems.push(`${m}: ${meta.intents.length} intents left`);
    }
    result.stats = {
      customers: real.length,
      products: productLinks.length,
      orders: orderLinks.length,
      lines,
      recovered: [...customerLinks, ...productLinks, ...orderLinks].filter((l) => l.origin === 'recovered')
        .length,
    };
  } finally {
    await opened.close();
  }
}

export async function crashLoop(
  trials: number,
  seed: number,
  log: (line: string) => void = () => {},
  concurrency = 2,
): Promise<TrialResult[]> {
  // Two trials at a time: a trial spends most of its time waiting on the PowerOffice
  // sandbox's rate limit, and trials share nothing (own sandboxes, store and temp folder;
  // each kill moment counts from its own run's first request), so the result of each is
  // the same as alone, in about half the time.
  const results: TrialResult[] = [];
  let next = 1;
  const lane = async () => {
    for (let trial = next++; trial <= trials; trial = next++) {
      const r = await crashTrial(trial, seed);
      log(
        `crash trial ${trial}: kills ${r.kills.map((k) => `${k.afterMs}ms into the run${k.finishedFirst ? ' (run already done)' : ''}`).join(', ')}; ` +
          `final exit ${r.finalCode} (${r.finalMs} ms); ${r.stats.customers} customers, ${r.stats.products} products, ${r.stats.orders} orders, ${r.stats.lines} lines, ${r.stats.recovered} recovered; ${r.problems.length} problems`,
      );
      results[trial - 1] = r;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, trials)) }, lane));
  return results;
}
