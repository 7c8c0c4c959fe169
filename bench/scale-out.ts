/**
 * Benchmark 8 — scale-out (docs/fleet.md, issue 13): with 2 subscription keys and 1 → 2 → 4
 * worker processes (`mapsync serve --role worker`, concurrency 2 each), the fleet's total
 * throughput grows with the workers until it reaches what the keys allow (2 × 10 requests
 * per second), and not past it; and with 4 workers no key's PowerOffice receives more than 10
 * requests in any 1 s window.
 *
 * Tenants (8; full: 16) each have a shop of their own; half are on one PowerOffice sandbox
 * (subscription key 1), half on another (key 2), each enforcing 10 requests per second per
 * key and logging every request, each in a child process of its own (in the bench's busy
 * process, an event loop delayed by about 87 ms stamped requests a second late). Every tenant's customer backfill is queued before the first
 * worker starts, with more customers than the run can create, so every phase is busy. Each
 * phase starts its workers, lets them take jobs (1.5 s), then counts the requests both
 * sandboxes received in a window (5 s; full: 15 s).
 *
 * Figures: the throughput of each phase (total and per key); 4 workers' throughput against
 * the keys' budget (at most 1, at least 0.75: the keys are used, not exceeded); the most
 * requests any key's sandbox received in any 1 s window over the whole run (≤ 10); 429s (0).
 */
import { cpus, loadavg } from 'node:os';
import type { BenchContext, Benchmark } from './lib/context.ts';
import { fleetServicesMissing, type RoleProcess, startFleet } from './lib/fleet.ts';

const B = '8. scale-out';
const LIMIT = 10;
const KEYS = 2;
/**
 * The budget's margin when `--margin` is not given: the connector's own (50 ms), as a
 * deployment runs. The shared window holds the moments requests were sent (rate-budget/
 * hub.ts), so the margin covers only the way from a worker's socket to the server.
 */
const MARGIN_MS = 50;

/** The most entries any window [t, t + ms) holds. */
export function maxInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, from = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[from]! >= ms) from++;
    max = Math.max(max, i - from + 1);
  }
  return max;
}

async function run(ctx: BenchContext): Promise<void> {
  const missing = await fleetServicesMissing();
  if (missing) throw new Error(missing);
  const tenants = ctx.quick ? 8 : 16;
  const windowMs = ctx.quick ? 5_000 : 15_000;
  const settleMs = 1_500;
  // More than the run can create (a job is one tenant on one key: at most 10/s).
  const customers = ctx.quick ? 120 : 400;
  // `--margin N`: the workers' least rate-budget margin (MAPSYNC_BUDGET_MARGIN_MS); see the note.
  const marginArg = ctx.args.find((a) => a.startsWith('--margin'));
  const marginMs = marginArg
    ? Number(marginArg.includes('=') ? marginArg.split('=')[1] : ctx.args[ctx.args.indexOf(marginArg) + 1])
    : MARGIN_MS;
  const fleet = await startFleet({
    tenants,
    keys: KEYS,
    size: (i) => ({ customers, products: 0, orders: 0, seed: 300 + i }),
    // One job at a time per worker: a job is one tenant's backfill, so on one key.
    env: { MAPSYNC_WORKER_CONCURRENCY: '1', MAPSYNC_BUDGET_MARGIN_MS: String(marginMs) },
  });
  const workers: RoleProcess[] = [];
  try {
    // The sandboxes run in processes of their own: their logs are read over IPC.
    const logs = await Promise.all(fleet.keyed.map(async (po) => ({ po, mark: await po.log.mark() })));
    const arrivals = () =>
      Promise.all(
        logs.map(async ({ po, mark }) =>
          (await po.log.list(mark))
            .filter((r) => !r.path.startsWith('/__admin'))
            .map((r) => ({
              at: Date.parse(r.at) - r.durationMs,
              status: r.status,
              what: `${r.method} ${r.path} ${r.status} ${r.durationMs}ms`,
            })),
        ),
      );
    for (const tenant of fleet.ids)
      await fleet.queue.add({ v: 1, kind: 'backfill', tenant, mapping: 'customer-person' });
    const phases: Array<{ workers: number; total: number; perKey: number[]; jobs: number }> = [];
    for (const count of [1, 2, 4]) {
      workers.push(
        ...(await Promise.all(Array.from({ length: count - workers.length }, () => fleet.start('worker')))),
      );
      await new Promise((r) => setTimeout(r, settleMs));
      const from = Date.now();
      await new Promise((r) => setTimeout(r, windowMs));
      const to = Date.now();
      const perKey = (await arrivals()).map(
        (list) => list.filter((a) => a.at >= from && a.at < to).length / (windowMs / 1000),
      );
      const jobs = await fleet.queue.queue.getJobCounts('active', 'waiting', 'prioritized');
      phases.push({
        workers: count,
        total: perKey.reduce((a, b) => a + b, 0),
        perKey,
        jobs: (jobs.active ?? 0) + (jobs.waiting ?? 0) + (jobs.prioritized ?? 0),
      });
      ctx.log(
        `  ${count} worker(s): ${phases.at(-1)!.total.toFixed(1)} req/s (per key ${perKey.map((k) => k.toFixed(1)).join(' + ')}), ${phases.at(-1)!.jobs} backfills left`,
      );
    }
    const all = await arrivals();
    const busiest = all.map((list) =>
      maxInWindow(
        list.map((a) => a.at),
        1000,
      ),
    );
    // The busiest window of each key that went over, request by request: what came in.
    for (const [k, list] of all.entries()) {
      if (busiest[k]! <= LIMIT) continue;
      const sorted = [...list].sort((a, b) => a.at - b.at);
      const start = sorted.findIndex(
        (a, i) => sorted.filter((b, j) => j >= i && b.at - a.at < 1000).length === busiest[k],
      );
      const t0 = sorted[start]!.at;
      ctx.log(`  key ${k + 1}, busiest second:`);
      for (const a of sorted.filter((b) => b.at >= t0 && b.at < t0 + 1000))
        ctx.log(`    +${a.at - t0} ms ${a.what}`);
    }
    const tooMany = all.flat().filter((a) => a.status === 429).length;
    const budget = KEYS * LIMIT;
    const line = phases.map((p) => `${p.workers}: ${p.total.toFixed(1)}`).join(', ');
    const note = `${tenants} tenants (half per key), ${KEYS} keys of ${LIMIT}/s, workers of concurrency 1, budget margin ${marginMs} ms, windows of ${windowMs / 1000} s; req/s by workers ${line}; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
    for (const p of phases) {
      ctx.figures.add(B, {
        name: `${p.workers} worker${p.workers > 1 ? 's' : ''}: requests per second at PowerOffice, both keys`,
        measured: Number(p.total.toFixed(1)),
        limit: budget,
        unit: 'req/s',
        kind: 'info',
        note: `per key ${p.perKey.map((k) => k.toFixed(1)).join(' + ')}; ${p.jobs} backfills still to run or running at the end of the window`,
      });
    }
    const four = phases.at(-1)!;
    ctx.figures.add(B, {
      name: '4 workers: throughput / the keys’ budget (not past it)',
      measured: Number(four.total.toFixed(1)),
      limit: budget,
      unit: 'req/s',
      note,
    });
    ctx.figures.add(B, {
      name: '4 workers: throughput / the keys’ budget (the keys are used)',
      measured: Number(four.total.toFixed(1)),
      limit: budget,
      unit: 'req/s',
      kind: 'min',
      maxRatio: 0.75,
      note: `more than one key's ${LIMIT}/s shows both keys at work; a margin of ${marginMs} ms caps a key at ${LIMIT} per ${((1000 + marginMs) / 1000).toFixed(2)} s (${((1000 / (1000 + marginMs)) * 100).toFixed(0)} %)`,
    });
    ctx.figures.add(B, {
      name: 'most requests one key’s PowerOffice received in any 1 s window (all phases)',
      measured: Math.max(...busiest),
      limit: LIMIT,
      unit: '',
      note: `per key ${busiest.join(', ')}; arrival = the sandbox's logged time − its handling time`,
    });
    ctx.figures.add(B, {
      name: '429 responses from PowerOffice',
      measured: tooMany,
      limit: 0,
      unit: '',
      kind: 'equal',
    });
  } finally {
    await fleet.close();
  }
}

export const scaleOut: Benchmark = { name: 'scale-out', title: B, run };
