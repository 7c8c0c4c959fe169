/**
 * Benchmark 4 — scale and memory: backfill 1,000, 10,000 and 100,000 WooCommerce customers
 * into an empty PowerOffice client with the sandbox's rate limit off (the connector's own
 * limit at its maximum, 1,000 rps). The engine runs in a child process (the sandboxes and
 * their 100,000 records stay in this one), with a SQLite store in a temp dir; its RSS is
 * sampled every 100 ms from inside, and the kernel's high-water mark is read at the end.
 * Reported: peak RSS, store size on disk, records per second, and how time and memory
 * grow with the size (time should grow linearly, memory stay flat).
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { runInChild } from './lib/child.ts';
import { type BenchContext, type Benchmark, mb } from './lib/context.ts';
import { fillShop } from './lib/dataset.ts';
import { startEnv } from './lib/env.ts';
import { count } from './lib/requests.ts';

const B = '4. scale and memory';
const RSS_LIMIT_MB = 300;

interface Point {
  n: number;
  liveHeap: Array<[number, number]>;
  ms: number;
  peakRss: number;
  kernelPeak?: number;
  baseline: number;
  heapPeak: number;
  storeBytes: number;
  created: number;
  poCustomers: number;
}

/** Size of the store once its WAL is checkpointed into the database file (as after a clean stop). */
async function settledSize(file: string): Promise<number> {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return sizeOnDisk(file);
}

function sizeOnDisk(file: string): number {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      total += statSync(file + suffix).size;
    } catch {
      // not there
    }
  }
  return total;
}

async function point(
  ctx: BenchContext,
  n: number,
  options: { liveHeapAt?: number[]; nodeOptions?: string[] } = {},
): Promise<Point> {
  const env = await startEnv({
    fill: (woo) => fillShop(woo, { customers: n, products: 0, orders: 0, seed: 9 }),
    poRateLimit: false,
    connectorRateLimit: 1000,
  });
  // The request logs keep no bodies (100,000 of them would only weigh on this process).
  env.po.log.keepBodies = false;
  env.woo.log.keepBodies = false;
  try {
    const before = env.po.state.customers.size;
    const report = await runInChild(
      env.env,
      env.dir,
      { mappings: ['customer-person'], ...(options.liveHeapAt ? { liveHeapAt: options.liveHeapAt } : {}) },
      [...(options.liveHeapAt ? ['--expose-gc'] : []), ...(options.nodeOptions ?? [])],
    );
    const storeBytes = await settledSize(env.storePath);
    const wooCounts = count(env.woo.log.list());
    const p: Point = {
      n,
      liveHeap: report.liveHeap,
      ms: report.durationMs,
      peakRss: report.peakRssBytes,
      ...(report.kernelPeakRssBytes !== undefined ? { kernelPeak: report.kernelPeakRssBytes } : {}),
      baseline: report.baselineRssBytes,
      heapPeak: report.heapUsedPeakBytes,
      storeBytes,
      created: report.counts['customer-person']?.created ?? 0,
      poCustomers: env.po.state.customers.size - before,
    };
    ctx.log(
      `  ${n.toLocaleString('en-US')} customers: ${(p.ms / 1000).toFixed(1)} s (${Math.round((n * 1000) / p.ms)} records/s), ` +
        `peak RSS ${mb(p.peakRss).toFixed(0)} MB (kernel high-water ${p.kernelPeak ? mb(p.kernelPeak).toFixed(0) : '?'} MB, after opening ${mb(p.baseline).toFixed(0)} MB, heap used peak ${mb(p.heapPeak).toFixed(0)} MB), ` +
        `store ${mb(storeBytes).toFixed(1)} MB; created ${p.created}, PowerOffice holds ${p.poCustomers} new; ` +
        `PowerOffice requests ${env.po.log.mark()}, WooCommerce list pages ${wooCounts.listPages}; ok=${report.ok} ${report.errors.join('; ')}`,
    );
    if (!report.ok || p.created !== n || p.poCustomers !== n) {
      ctx.findings.push({
        benchmark: B,
        title: `backfill of ${n} customers incomplete`,
        lines: [
          `created ${p.created}, PowerOffice has ${p.poCustomers} new, errors: ${report.errors.join('; ')}`,
        ],
      });
    }
    return p;
  } finally {
    await env.close();
  }
}

async function run(ctx: BenchContext): Promise<void> {
  const sizes = ctx.quick ? [250, 1000] : [1000, 10_000, 100_000];
  // `--heap-cap MB`: run with node --max-old-space-size (what the live data needs, not V8's headroom).
  const capIndex = ctx.args.indexOf('--heap-cap');
  const cap = capIndex >= 0 ? Number(ctx.args[capIndex + 1]) : undefined;
  const nodeOptions = cap ? [`--max-old-space-size=${cap}`] : [];
  const points: Point[] = [];
  for (const n of sizes) points.push(await point(ctx, n, { nodeOptions }));
  // What a run really holds per record: the heap after a forced full GC at 25 % and 90 % of
  // the source pass, in a separate run of the middle size (forced GCs would distort the
  // timed runs above). The first point lies past the first 2,000 records, by which the
  // run summary's list of changes (capped at 2,000 per mapping) is full: its fill-up is a
  // fixed cost, not growth per record.
  const probeN = ctx.quick ? 1000 : 10_000;
  const probe = await point(ctx, probeN, { liveHeapAt: [probeN / 4, (probeN * 9) / 10], nodeOptions });
  const [lo, hi] = probe.liveHeap;
  const perRecord = lo && hi ? (hi[1] - lo[1]) / (hi[0] - lo[0]) : Number.NaN;
  ctx.log(
    `  live heap (after a forced GC) at ${lo?.[0]} records ${lo ? mb(lo[1]).toFixed(1) : '?'} MB, at ${hi?.[0]} records ${hi ? mb(hi[1]).toFixed(1) : '?'} MB: ${Math.round(perRecord)} bytes held per record during the run`,
  );
  const largest = points.at(-1)!;
  const label = largest.n.toLocaleString('en-US');
  ctx.figures.add(B, {
    name: `peak RSS of the engine, ${label} customers`,
    measured: mb(largest.peakRss),
    limit: RSS_LIMIT_MB,
    unit: 'MB',
    note:
      `engine in a child process (sandboxes in the parent), RSS sampled every 100 ms; kernel high-water mark ${largest.kernelPeak ? mb(largest.kernelPeak).toFixed(0) : '?'} MB; ` +
      `RSS after loading the project ${mb(largest.baseline).toFixed(0)} MB; heap used at most ${mb(largest.heapPeak).toFixed(0)} MB` +
      (cap ? `; node --max-old-space-size=${cap}` : '; default node heap settings') +
      `; live heap held by the run: ${Math.round(perRecord)} bytes per record (forced-GC probe at ${probeN.toLocaleString('en-US')})`,
  });
  const rssFails = mb(largest.peakRss) > RSS_LIMIT_MB;
  const flat = points.some((p, i) => i > 0 && mb(p.peakRss) > 1.25 * mb(points[i - 1]!.peakRss));
  if (rssFails || flat) {
    const held = (perRecord * largest.n) / 1e6;
    ctx.notes.push({
      benchmark: B,
      lines: [
        `Peak RSS at ${label} customers is ${mb(largest.peakRss).toFixed(0)} MB (${mb(largest.baseline).toFixed(0)} MB of it before the run: node, tsx, the compiled mappings, AJV, SQLite). ` +
          `The heap *in use* peaked at ${mb(largest.heapPeak).toFixed(0)} MB, but what the run really holds is far less: a forced-GC probe measures ${Math.round(perRecord)} bytes per record, about ${held.toFixed(0)} MB at ${label}. ` +
          'The rest is garbage V8 has not collected yet: with a high allocation rate it lets the old generation grow well past the live data before a full GC, and RSS keeps the high-water mark.',
        `What grows with the record count (held until the run ends): the ids the run processed and saw in its complete listing (engine/sync/mapping-run.ts \`processed\`, \`seenSource\`, engine/sync/id-set.ts: integer ids as numbers), and — only when a mapping of the run may create guests' customers through this one — the match keys of the records created (engine/sync/create.ts, engine/sync/match-index.ts). The probe measures ${Math.round(perRecord)} bytes per record.`,
        'Reproduce with the heap capped to see what the live data needs: `npm run bench -- --only scale --heap-cap 160`.',
      ],
    });
    ctx.findings.push({
      benchmark: B,
      title: `peak RSS ${mb(largest.peakRss).toFixed(0)} MB at ${label} customers; the run holds ~${Math.round(perRecord)} bytes per record`,
      lines: [
        `What: memory grows with the number of records of a run instead of staying flat (${points.map((p) => `${p.n.toLocaleString('en-US')}: ${mb(p.peakRss).toFixed(0)} MB`).join(', ')}). Live data is ~${Math.round(perRecord)} bytes per record (forced-GC probe); the rest of the growth is V8's headroom on top of it, which grows with the allocation rate of a longer run, not with the data held.`,
        'Reproduce: `npm run bench -- --only scale` (bench/scale-memory.ts; the engine runs in a child process, sandboxes in the parent).',
        'Where to look: engine/sync/mapping-run.ts (per-run sets), engine/sync/match-index.ts (the match index), engine/sync/run-context.ts (the summary keeps up to 2,000 changes per mapping); a heap snapshot of the child (bench/lib/child-run.ts) shows what the live heap holds.',
      ],
    });
  }
  ctx.figures.add(B, {
    name: `records per second, ${label} customers (rate limit off)`,
    measured: (largest.n * 1000) / largest.ms,
    limit: 1000,
    unit: 'rec/s',
    kind: 'info',
    note: `limit = the connector's own ceiling (rate_limit 1000 rps); ${(largest.ms / 1000).toFixed(1)} s for ${label} creates`,
  });
  ctx.figures.add(B, {
    name: `store size on disk, ${label} customers`,
    measured: mb(largest.storeBytes),
    limit: (largest.n * 2048) / 1e6,
    unit: 'MB',
    kind: 'info',
    note: `${Math.round(largest.storeBytes / largest.n)} bytes per linked customer (SQLite file after a WAL checkpoint); limit shown = 2 kB per record for scale`,
  });
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const growth = `${a.n.toLocaleString('en-US')} → ${b.n.toLocaleString('en-US')}`;
    ctx.figures.add(B, {
      name: `time per record, ${growth}`,
      measured: b.ms / b.n,
      limit: a.ms / a.n,
      unit: 'ms',
      maxRatio: 1.25,
      note: `close to linear time = the time per record stays within 25 %: ${(a.ms / 1000).toFixed(1)} s → ${(b.ms / 1000).toFixed(1)} s`,
    });
    ctx.figures.add(B, {
      name: `peak RSS, ${growth}`,
      measured: mb(b.peakRss),
      limit: mb(a.peakRss),
      unit: 'MB',
      maxRatio: 1.25,
      note: 'flat memory = peak RSS within 25 % while the record count grows tenfold',
    });
  }
}

export const scaleMemory: Benchmark = { name: 'scale', title: '4. Scale and memory', run };
