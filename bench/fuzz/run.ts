/**
 * `npm run fuzz`: hostile shop records and random mapping expressions against a real
 * `mapsync serve` (docs/benchmarks.md, "Fuzz runs").
 *
 *   npm run fuzz                      a few minutes, a random seed (printed)
 *   npm run fuzz -- --seed 1234       the same run again (everything drawn from the seed)
 *   npm run fuzz:quick                about a minute (CI runs it with a fixed seed)
 *
 * Prints each invariant with its measured figure; exit status 1 on any violation.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { emptyShop, fillBatch } from './drive.ts';
import { runExpressions } from './expression-run.ts';
import { randomExpressions } from './expressions.ts';
import { checkInvariants, type Invariants } from './invariants.ts';
import { startProbe } from './probe.ts';
import { startSandboxes, startService } from './processes.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const seedArg = args.indexOf('--seed');
const seed = seedArg >= 0 ? Number(args[seedArg + 1]) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isSafeInteger(seed)) throw new Error(`--seed needs an integer, got ${args[seedArg + 1]}`);

const SIZE = quick
  ? { rounds: 1, customers: 24, products: 20, orders: 24, edits: 10, expressions: 120, perExpression: 3 }
  : { rounds: 4, customers: 40, products: 30, orders: 40, edits: 20, expressions: 500, perExpression: 4 };
const sizes = { hugeMax: quick ? 200_000 : 400_000 };
const SETTLE_MS = quick ? 60_000 : 180_000;
const HEALTH_LIMIT_MS = 1000;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
const log = (line: string) => console.log(line);
const started = Date.now();
const loadAtStart = load();
log(
  `fuzz${quick ? ' (quick)' : ''}: seed ${seed} (reproduce: npm run fuzz${quick ? ':quick' : ''} -- --seed ${seed})`,
);
log(`  load average at start ${loadAtStart}`);

const sandboxes = await startSandboxes();
const service = await startService(sandboxes, { pollSeconds: 5 });
const probe = startProbe(service.url);
log(`  service ${service.url}, shop ${sandboxes.woo.url}`);

let invariants: Invariants | undefined;
let expressionReport: Awaited<ReturnType<typeof runExpressions>> | undefined;
const shop = emptyShop();
let exitCode = 0;
try {
  for (let round = 0; round < SIZE.rounds; round++) {
    const t = Date.now();
    await fillBatch(
      shop,
      sandboxes,
      seed,
      {
        customers: SIZE.customers,
        products: SIZE.products,
        orders: SIZE.orders,
        edits: SIZE.edits,
        offset: round * 1000,
      },
      sizes,
    );
    const now = probe.current();
    log(
      `  round ${round + 1}/${SIZE.rounds}: shop has ${shop.customers.length} customers, ${shop.products.length} products, ${shop.orders.length} orders (${((Date.now() - t) / 1000).toFixed(1)} s; health max so far ${now.maxMs.toFixed(0)} ms, service loop delay max ${now.loopMaxMs.toFixed(0)} ms, idle canary's ${now.canaryMaxMs.toFixed(0)} ms)`,
    );
  }

  // Expressions on the records as the shop renders them, while the service syncs them.
  const records = await fetch(`${sandboxes.woo.url}/__admin/state`)
    .then((r) => r.json() as Promise<Record<string, unknown[]>>)
    .then((s) => [...(s.customers ?? []), ...(s.products ?? []), ...(s.orders ?? [])]);
  const texts = randomExpressions(seed, SIZE.expressions);
  const te = Date.now();
  expressionReport = await runExpressions(texts, records.length > 0 ? records : [{}], {
    perExpression: SIZE.perExpression,
  });
  log(
    `  expressions: ${expressionReport.expressions} (${expressionReport.refused} refused by validation), ${expressionReport.evaluations} evaluations in ${((Date.now() - te) / 1000).toFixed(1)} s`,
  );

  // Wait until every record is settled and nothing is missing, or the time is up.
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    invariants = await checkInvariants(shop, sandboxes, service);
    const open = invariants.unsettled.length + invariants.dropped.length;
    if (open === 0 || Date.now() > deadline) break;
    log(
      `  waiting: ${invariants.unsettled.length} unsettled, ${invariants.dropped.length} values not (yet) in PowerOffice`,
    );
    await new Promise((r) => setTimeout(r, 5000));
  }
} catch (error) {
  console.error(
    `fuzz could not complete: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
  );
  exitCode = 1;
}
const health = await probe.stop();
const stopT = Date.now();
const serviceExit = await service.stop();
const stopMs = Date.now() - stopT;
// The service's whole output and its store stay in the run's folder, to find out afterwards
// why a record did not settle (`mapsync failed`/`links` with that folder's mapsync.yaml).
writeFileSync(join(service.dir, 'service.log'), service.output());
await sandboxes.stop();
const loadAtEnd = load();

// --- summary ------------------------------------------------------------------------------
const rows: Array<{ name: string; ok: boolean; figure: string; details?: string[] }> = [];
const add = (name: string, ok: boolean, figure: string, details: string[] = []) => {
  rows.push({ name, ok, figure, details });
  if (!ok) exitCode = 1;
};
// The quick variant (CI) reports the 1 s limit as a figure, as the quick benchmarks report
// theirs: on a shared 2-core machine CPU starvation from outside decides it (the canary
// shows how much), and CI must not pass or fail on timing luck. It still fails when health
// did not answer at all. The full run enforces the limit.
add(
  quick
    ? 'service responsive (health answered throughout; the 1 s limit reported, enforced by the full run)'
    : 'service responsive (health within 1 s throughout)',
  (quick || health.over1s === 0) && health.failures.length === 0 && health.probes > 0,
  `max ${health.maxMs.toFixed(0)} ms = ${(health.maxMs / HEALTH_LIMIT_MS).toFixed(2)} × the 1 s limit, p99 ${health.p99Ms.toFixed(0)} ms, ${health.over1s} of ${health.probes} probes over 1 s; the service's own event-loop delay max ${health.loopDelayMaxMs.toFixed(0)} ms (${health.loopSamples} scrapes); an idle canary process's loop delay max ${health.canaryDelayMaxMs.toFixed(0)} ms (CPU starvation from outside)`,
  [
    ...health.failures.slice(0, 5),
    ...(health.over1s > 0
      ? [`slowest: ${health.slowest.map((s) => `${s.ms} ms at ${s.atMs} ms`).join(', ')}`]
      : []),
    ...(health.over1s > 0 && health.canaryDelayMaxMs > 250
      ? [
          `an idle process waited up to ${health.canaryDelayMaxMs.toFixed(0)} ms for a CPU (load average ${load()}): much of the delay is the machine's; FUZZ_CPU_PROFILE=dir and bench/fuzz/blocking.ts show the service's own longest stretches in CPU samples`,
        ]
      : []),
  ],
);
add('graceful stop (SIGTERM → exit 0)', serviceExit === 0, `exit ${serviceExit} after ${stopMs} ms`);
add(
  'shop sandbox answered every request',
  shop.violations.length === 0,
  `${shop.violations.length} failures`,
  shop.violations.slice(0, 5),
);
if (invariants) {
  const c = invariants.counts;
  add(
    'every record synced or failed with a reason',
    invariants.unsettled.length === 0 && invariants.failedWithoutReason.length === 0,
    `${c.synced} synced, ${c.failed} failed ${JSON.stringify(c.failedCodes)}, ${invariants.unsettled.length} neither, ${invariants.failedWithoutReason.length} failed without a reason`,
    [...invariants.unsettled, ...invariants.failedWithoutReason].slice(0, 8),
  );
  add(
    'links one-to-one (mapsync links --check)',
    invariants.manyToOne.length === 0,
    `${invariants.manyToOne.length} shared targets`,
    invariants.manyToOne.slice(0, 5),
  );
  add(
    'no field silently dropped',
    invariants.dropped.length === 0,
    `${c.checkedValues} values checked, ${invariants.dropped.length} missing or different`,
    invariants.dropped.slice(0, 8),
  );
  add(
    'no personal data in logs',
    invariants.personalInLogs.length === 0,
    `${new Set(shop.personalTags).size} personal values looked for in ${(service.output().length / 1024).toFixed(0)} kB of logs, ${invariants.personalInLogs.length} found`,
    invariants.personalInLogs.slice(0, 5),
  );
} else {
  add('invariants checked', false, 'the run did not get that far');
}
if (expressionReport) {
  const e = expressionReport;
  add(
    'expressions end with a value or a reason, never a vanishing number',
    e.violations.length === 0,
    `${e.expressions} expressions (${e.refused} refused by validation), ${e.evaluations} evaluations: ${e.values} values, failures ${JSON.stringify(e.failedWithReason)}; slowest ${e.slowestMs.toFixed(0)} ms; evaluating process's loop delay max ${e.loopDelayMaxMs.toFixed(0)} ms`,
    e.violations.slice(0, 8),
  );
}

const refused = Object.entries(shop.refused)
  .map(([k, n]) => `${k} ×${n}`)
  .join(', ');
log(`   the service's log and store: ${service.dir} (service.log, state.sqlite)`);
log(
  `\n== fuzz summary (seed ${seed}, ${((Date.now() - started) / 1000).toFixed(0)} s, load average ${loadAtStart} → ${loadAtEnd})`,
);
log(
  `   records: ${shop.customers.length} customers, ${shop.products.length} products (${shop.deletedProducts.length} deleted under orders), ${shop.orders.length} orders, ${shop.edits} edits; refused by the shop: ${refused || 'none'}`,
);
for (const r of rows) {
  log(`   ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.figure}`);
  for (const d of r.details ?? []) log(`         ${d}`);
}
const violations = rows.filter((r) => !r.ok).length;
log(
  `   ${violations} invariant(s) violated${violations ? ` — reproduce with: npm run fuzz${quick ? ':quick' : ''} -- --seed ${seed}` : ''}`,
);
process.exit(exitCode);
